"""The home page's panels, contributed by the apps.

Core renders the page; each app registers what it shows there from its AppConfig.ready()
(`register_panel`): a template and a function of the user that returns the template's
context, or None when the panel has nothing to show to that user (a panel with nothing to
do is left out). The home page is each person's work queue: what is due, late, waiting
for them or breached, each item linking to the page where it is acted on.

Panels sit in one of three places, in `order`:
- `NETWORK`: a full-width band on top, "the network at a glance", for whoever oversees
  the whole network (the committee office, the standing agency);
- `MAIN`: the wide column, the work queue;
- `SIDE`: the narrow column (notifications, my units, scope, completeness).

A panel's context function reads through its app's selectors (which start from
`visible_to`) and runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

NETWORK = "network"
MAIN = "main"
SIDE = "side"
COLUMNS = (NETWORK, MAIN, SIDE)


@dataclass(frozen=True)
class DashboardPanel:
    key: str  # unique, e.g. "org.memberships"
    template: str
    context: Callable[..., dict | None]  # context(user) -> dict, or None to hide the panel
    column: str = MAIN
    order: int = 100


_PANELS: dict[str, DashboardPanel] = {}


def counted(condition=None):
    """An annotation counting, on every row of a queryset, the rows of the whole filtered
    queryset (those matching `condition`, a Q, when given): a window over all rows, so a
    panel reads its first rows and its totals in one query (`rows[0].n` after
    `qs.annotate(n=counted())[:limit]`; no row: a total of 0)."""
    from django.db.models import Case, IntegerField, Sum, Value, When, Window

    if condition is None:
        return Window(Sum(Value(1), output_field=IntegerField()))
    return Window(Sum(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())))


def register_panel(panel: DashboardPanel) -> None:
    """Add (or replace, by key) a panel of the home page."""
    if panel.column not in COLUMNS:
        raise ValueError(f"unknown dashboard column {panel.column!r}")
    _PANELS[panel.key] = panel


def panels() -> list[DashboardPanel]:
    """The registered panels, in order."""
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def render_panels(request) -> dict[str, list[str]]:
    """The home page's panels for `request.user`, rendered, by column: those whose context
    function answered None (nothing to show) are left out. Each panel is rendered with its
    own context plus the request, the user and the CSRF token, without running the
    context processors again (the page itself runs them once)."""
    from django.middleware.csrf import get_token
    from django.template.loader import get_template

    base = {"request": request, "user": request.user, "csrf_token": get_token(request)}
    columns: dict[str, list[str]] = {column: [] for column in COLUMNS}
    for panel in panels():
        context = panel.context(request.user)
        if context is None:
            continue
        columns[panel.column].append(get_template(panel.template).render({**base, **context}))
    return columns
