"""The registry of notification kinds.

Each app lists its kinds in a module-level `KINDS` list of `NotificationKind`, and names
those modules in its AppConfig (`VigilAppConfig.notification_kinds`), so nothing registers
itself as an import side effect and core names no app. `notify()` refuses a kind not
listed: a user can only turn off what the preferences page can show.

Channels: in the app and by e-mail, per user. Signed webhooks (issue 4) will be
subscriptions of a unit, delivered beside these per-user channels, not a third column.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.utils.translation import gettext_lazy as _


def kind_modules() -> list[str]:
    """The modules listing notification kinds, app by app in INSTALLED_APPS order."""
    from ..appconfig import vigil_apps

    return [module for config in vigil_apps() for module in config.notification_kinds]


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
    for module in kind_modules():
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
            f"unknown notification kind {code!r}: list it in the KINDS of a module named in "
            "its app's AppConfig.notification_kinds"
        ) from None


def is_known(code: str) -> bool:
    return code in _kinds()
