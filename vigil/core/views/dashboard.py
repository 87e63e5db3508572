"""The home page: the panels the installed apps registered (`core.dashboard`)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string

from ..dashboard import MAIN, SIDE, panels


@login_required
def dashboard(request):
    columns: dict[str, list[str]] = {MAIN: [], SIDE: []}
    for panel in panels():
        context = panel.context(request.user)
        if context is None:
            continue
        columns[panel.column].append(render_to_string(panel.template, context, request=request))
    return render(request, "core/dashboard.html", {"main_panels": columns[MAIN], "side_panels": columns[SIDE]})
