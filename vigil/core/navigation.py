"""The navigation registry. Each app lists its entries in its `navigation.py` (`ENTRIES`)
and names that module in its AppConfig (`VigilAppConfig.navigation`): the menu holds the
entries of the installed apps only, each shown to the users who may open it."""

from dataclasses import dataclass
from types import ModuleType

from django.urls import reverse

from .access import allowed, holds, is_member
from .appconfig import load_object, vigil_apps


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    icon: str = ""
    needs: str = "member"  # member | audit | admin
    order: int = 100
    group: str = ""  # entries with the same group label share one drop-down menu


def _allowed(entry: NavEntry, user) -> bool:
    """The one rule of the access layer for each kind of entry (the audit log's menu
    entry and its page ask the same `holds(user, "audit")`)."""
    if entry.needs == "member":
        return is_member(user)
    if entry.needs == "audit":
        return holds(user, "audit")
    if entry.needs == "admin":
        return allowed(user, "admin", None)
    return False


def registered_entries() -> list[NavEntry]:
    """Every installed app's entries, in INSTALLED_APPS order (the menu sorts them by
    `order`; entries of the same order keep this order)."""
    entries = []
    for app in vigil_apps():
        if not app.navigation:
            continue
        declared = load_object(app.navigation)
        if isinstance(declared, ModuleType):
            declared = declared.ENTRIES
        elif callable(declared):
            declared = declared()
        entries.extend(declared)
    return entries


def menu_for(user, current_path: str = "") -> list[dict]:
    entries = registered_entries()
    items = []
    groups: dict[str, dict] = {}
    for e in sorted(entries, key=lambda e: e.order):
        if not _allowed(e, user):
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
