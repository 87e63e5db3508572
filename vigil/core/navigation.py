"""The navigation registry. Each app lists its entries in its `navigation.py` (`ENTRIES`),
named in NAV_MODULES explicitly, so a module that does not exist shows nothing."""

from dataclasses import dataclass
from importlib import import_module

from django.urls import reverse

from .access import scope_of

NAV_MODULES = ["vigil.core.navigation_entries", "vigil.org.navigation", "vigil.program.navigation", "vigil.assets.navigation", "vigil.intel.navigation",
               "vigil.incidents.navigation"]


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    icon: str = ""
    needs: str = "member"  # member | audit | admin
    order: int = 100
    group: str = ""  # entries with the same group label share one drop-down menu


def _allowed(entry: NavEntry, scope) -> bool:
    if entry.needs == "member":
        return scope.is_member
    if entry.needs == "audit":
        return scope.superuser or any("audit" in g.actions for g in scope.grants)
    if entry.needs == "admin":
        return scope.network_wide("admin")
    return False


def menu_for(user, current_path: str = "") -> list[dict]:
    scope = scope_of(user)
    entries = []
    for module in NAV_MODULES:
        entries.extend(getattr(import_module(module), "ENTRIES", []))
    items = []
    groups: dict[str, dict] = {}
    for e in sorted(entries, key=lambda e: e.order):
        if not _allowed(e, scope):
            continue
        url = reverse(e.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        item = {"label": e.label, "url": url, "icon": e.icon, "active": active}
        if not e.group:
            items.append(item)
            continue
        key = str(e.group)
        if key not in groups:
            # the group sits where its first entry would
            groups[key] = {"label": e.group, "children": [], "active": False}
            items.append(groups[key])
        groups[key]["children"].append(item)
        groups[key]["active"] = groups[key]["active"] or active
    return items
