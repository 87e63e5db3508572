"""The navigation registry. Each app lists its entries in its `navigation.py` (`ENTRIES`)
and names that module in its AppConfig (`VigilAppConfig.navigation`): the menu holds the
entries of the installed apps only, each shown to the users who may open it.

The menu is a sidebar of groups (areas: organisation, steering, incidents, ...), each
entry shown only when its page would open for the user. `NavEntry.needs` says what that
takes, always decided by the access layer or by the app's own access/selector functions
(the ones its page uses, so the menu and the page cannot disagree):

- ``"member"``: any member of the platform (`access.is_member`);
- ``"admin"``: the administrator of the whole network (`access.allowed(user, "admin", None)`);
- another action of `access.ACTIONS` (``"audit"``, ``"add"``, ``"export"`` ...): held on at
  least one unit (`access.holds(user, action)`);
- ``"module:function"``: a predicate of the user that the app declares, imported only when
  the menu is first built (an app's navigation module does not import its views or forms
  at start-up). Every entry also needs the user to be a member.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from django.urls import reverse

from .access import ACTIONS, allowed, holds, is_member
from .appconfig import load_object, vigil_apps


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    icon: str = ""
    needs: str = "member"  # member | admin | an action held somewhere | "module:predicate"
    order: int = 100
    group: str = ""  # the sidebar group (area); entries without one sit above the groups


@cache
def _predicate(path: str) -> Callable:
    return load_object(path)


def _decide(needs: str, user) -> bool:
    """The one rule for each kind of `needs` (the audit log's menu entry and its page ask
    the same `holds(user, "audit")`)."""
    if not is_member(user):
        return False
    if needs == "member":
        return True
    if needs == "admin":
        return allowed(user, "admin", None)
    if needs in ACTIONS:
        return holds(user, needs)
    if ":" in needs:
        return bool(_predicate(needs)(user))
    raise ValueError(f"unknown navigation requirement {needs!r}")


def _allowed(entry: NavEntry, user, decided: dict | None = None) -> bool:
    """Whether `entry` is shown to `user`; `decided` remembers each requirement's answer
    while one menu is built (a predicate shared by several entries runs once)."""
    if decided is None:
        return _decide(entry.needs, user)
    if entry.needs not in decided:
        decided[entry.needs] = _decide(entry.needs, user)
    return decided[entry.needs]


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


def entries_for(user) -> list[NavEntry]:
    """The entries `user` may open, in menu order."""
    decided: dict = {}
    return [e for e in sorted(registered_entries(), key=lambda e: e.order) if _allowed(e, user, decided)]


def _is_active(url: str, current_path: str) -> bool:
    return current_path == url if url == "/" else current_path.startswith(url)


def menu_for(user, current_path: str = "") -> list[dict]:
    """The sidebar: top-level entries and groups (``children``), each group where its first
    entry would sit. The entry of the page shown is ``active`` (the longest matching URL,
    so /incidents/stats/ is not also "the incidents list"), and so is its group (open)."""
    items = []
    groups: dict[str, dict] = {}
    flat = []
    for e in entries_for(user):
        url = reverse(e.url_name)
        item = {"label": e.label, "url": url, "icon": e.icon, "active": False}
        flat.append(item)
        if not e.group:
            items.append(item)
            continue
        key = str(e.group)
        if key not in groups:
            groups[key] = {"label": e.group, "children": [], "active": False, "id": f"nav-group-{len(groups) + 1}"}
            items.append(groups[key])
        groups[key]["children"].append(item)
    matches = [item for item in flat if _is_active(item["url"], current_path)]
    if matches:
        best = max(matches, key=lambda item: len(item["url"]))
        best["active"] = True
        for group in groups.values():
            group["active"] = any(child is best for child in group["children"])
    return items
