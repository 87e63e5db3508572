"""The dashboard: the user's own units and memberships, and what needs their attention."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from vigil.org.selectors import dashboard as org_selectors


@login_required
def dashboard(request):
    context = org_selectors.dashboard_summary(user=request.user)
    return render(request, "core/dashboard.html", context)
