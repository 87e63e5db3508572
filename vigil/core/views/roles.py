"""Administration of roles: which roles require a second factor."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def role_list(request):
    return HttpResponse("")


@login_required
def role_edit(request, role_id):
    return HttpResponse("")
