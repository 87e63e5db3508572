"""The registry of notification kinds.

Each app lists its kinds in a module-level `KINDS` list of `NotificationKind`; the
modules are named in KIND_MODULES explicitly (like the navigation registry), so nothing
registers itself as an import side effect. `notify()` refuses a kind not listed here:
a user can only turn off what the preferences page can show.

Channels: in the app and by e-mail, per user. Signed webhooks (issue 4) will be
subscriptions of a unit, delivered beside these per-user channels, not a third column.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.utils.translation import gettext_lazy as _

KIND_MODULES = [
    "vigil.program.services.reminders",
    "vigil.program.services.workflow_notices",
    "vigil.assets.services.reminders",
    "vigil.incidents.services.intake",
    "vigil.incidents.services.workflow",
    "vigil.incidents.services.sla",
    "vigil.org.services.constituency",
    "vigil.core.audit_seal",
]

IN_APP = "in_app"
EMAIL = "email"
CHANNELS = (IN_APP, EMAIL)
CHANNEL_LABELS = {IN_APP: _("Trong ứng dụng"), EMAIL: _("Thư điện tử")}


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification: its code ("program.task.due_soon"), a label for the
    preferences page, the group it is listed under, and the channels on by default."""

    code: str
    label: str
    group: str = ""
    defaults: tuple[str, ...] = CHANNELS

    def default(self, channel: str) -> bool:
        return channel in self.defaults


@cache
def _kinds() -> dict[str, NotificationKind]:
    found: dict[str, NotificationKind] = {}
    for module in KIND_MODULES:
        for kind in getattr(import_module(module), "KINDS", []):
            if kind.code in found:
                raise ImproperlyConfiguredKind(f"notification kind {kind.code!r} is listed twice")
            found[kind.code] = kind
    return found


class ImproperlyConfiguredKind(Exception):
    """A programming error: an unknown or duplicated notification kind."""


def all_kinds() -> list[NotificationKind]:
    """Every registered kind, in the order the modules list them."""
    return list(_kinds().values())


def get_kind(code: str) -> NotificationKind:
    try:
        return _kinds()[code]
    except KeyError:
        raise ImproperlyConfiguredKind(
            f"unknown notification kind {code!r}: list it in a KINDS of a module of "
            "vigil.core.notify.registry.KIND_MODULES"
        ) from None


def is_known(code: str) -> bool:
    return code in _kinds()
