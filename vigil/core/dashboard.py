"""The home page's panels, contributed by the apps.

Core renders the page; each app registers what it shows there from its AppConfig.ready()
(`register_panel`): a template and a function of the user that returns the template's
context, or None when the panel has nothing to show to that user. Panels sit in the wide
`main` column or the narrow `side` column, in `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MAIN = "main"
SIDE = "side"


@dataclass(frozen=True)
class DashboardPanel:
    key: str  # unique, e.g. "org.memberships"
    template: str
    context: Callable[..., dict | None]  # context(user) -> dict, or None to hide the panel
    column: str = MAIN
    order: int = 100


_PANELS: dict[str, DashboardPanel] = {}


def register_panel(panel: DashboardPanel) -> None:
    """Add (or replace, by key) a panel of the home page."""
    if panel.column not in (MAIN, SIDE):
        raise ValueError(f"unknown dashboard column {panel.column!r}")
    _PANELS[panel.key] = panel


def panels() -> list[DashboardPanel]:
    """The registered panels, in order."""
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
