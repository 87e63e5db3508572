"""Audit log pages for auditors."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def audit_list(request):
    return HttpResponse("")


@login_required
def audit_detail(request, entry_id):
    return HttpResponse("")
