"""The home page: each person's work queue, from the panels the installed apps registered
(`core.dashboard`): what is due, late, waiting for them or breached; for whoever oversees
the network, its situation at a glance on top."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..dashboard import MAIN, NETWORK, SIDE, render_panels


@login_required
def dashboard(request):
    columns = render_panels(request)
    return render(request, "core/dashboard.html", {
        "network_panels": columns[NETWORK],
        "main_panels": columns[MAIN],
        "side_panels": columns[SIDE],
    })
