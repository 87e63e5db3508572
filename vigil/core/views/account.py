"""Account pages: profile, TOTP enrolment, API tokens, logging out everywhere."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def profile(request):
    return HttpResponse("")


@login_required
def otp_setup(request):
    return HttpResponse("")


@login_required
def logout_everywhere_view(request):
    return HttpResponse("")


@login_required
def token_list(request):
    return HttpResponse("")


@login_required
def token_revoke_view(request, token_id):
    return HttpResponse("")
