"""Reads of notifications and preferences (a user only ever reads their own), and the
recipients of a unit: who answers for it when something is due or late."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from vigil.core.refs import is_pk

from .. import directory
from ..access import visible_to
from ..errors import NotFound
from ..models import Notification, NotificationPreference, User
from . import registry

# --------------------------------------------------------------------------- notifications


def notification_list(*, user, unread: bool | None = None, kind: str | None = None) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first; `unread=True` only the unread ones."""
    qs = visible_to(user, Notification).filter(in_app=True).select_related("unit")
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-pk")


def notification_get(*, user, notification_id) -> Notification:
    """One of the user's notifications; NotFound for anyone else's (or a bad id)."""
    found = None
    if is_pk(notification_id):
        found = visible_to(user, Notification).filter(in_app=True, pk=int(notification_id)).first()
    if found is None:
        raise NotFound(_("Không tìm thấy thông báo."), field="notification_id")
    return found


def unread_count(*, user) -> int:
    """How many in-app notifications the user has not read (the navbar bell)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return visible_to(user, Notification).filter(in_app=True, read_at__isnull=True).count()


def home_unread(*, user, limit: int = 5) -> dict | None:
    """The home page's notifications panel: how many the user has not read and the latest
    `limit` of them; None when all are read. Two queries."""
    if not getattr(user, "is_authenticated", False):
        return None
    from ..dashboard import counted

    rows = list(notification_list(user=user, unread=True).annotate(n=counted())[:limit])
    if not rows:
        return None
    count = rows[0].n
    return {"notifications": rows, "count": count, "more": max(count - len(rows), 0)}


# --------------------------------------------------------------------------- preferences


@dataclass
class PreferenceRow:
    """One kind with the user's choice for each channel (defaults where none is stored)."""

    kind: registry.NotificationKind
    channels: dict[str, bool]

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def label(self) -> str:
        return str(self.kind.label)

    @property
    def group(self) -> str:
        return str(self.kind.group)


def preferences(*, user) -> list[PreferenceRow]:
    """Every registered kind with what the user receives through each channel."""
    stored = {
        (p.kind, p.channel): p.enabled
        for p in visible_to(user, NotificationPreference)
    }
    return [
        PreferenceRow(
            kind=kind,
            channels={ch: stored.get((kind.code, ch), kind.default(ch)) for ch in registry.CHANNELS},
        )
        for kind in registry.all_kinds()
    ]


def preferences_version(*, user) -> int:
    """A number that grows with every change of the user's preferences (a row added or
    changed): the version behind the ETag of their preferences."""
    totals = NotificationPreference.objects.filter(user=user).aggregate(
        versions=Sum("version"), rows=Count("id"))
    return (totals["versions"] or 0) + (totals["rows"] or 0)


def wanted_channels(user_ids: Iterable[int], kind: registry.NotificationKind) -> dict[int, set[str]]:
    """For `notify()` (platform authority): the channels each user wants for `kind`."""
    ids = list(user_ids)
    stored: dict[tuple[int, str], bool] = {
        (uid, ch): enabled
        for uid, ch, enabled in NotificationPreference.objects.filter(
            user_id__in=ids, kind=kind.code
        ).values_list("user_id", "channel", "enabled")
    }
    return {
        uid: {ch for ch in registry.CHANNELS if stored.get((uid, ch), kind.default(ch))}
        for uid in ids
    }


def email_address(user) -> str:
    """Where a user's e-mail goes: the account's address, else their person record's (as the
    organisation directory knows it)."""
    if user.email:
        return user.email
    return directory.person_email(user)


# --------------------------------------------------------------------------- recipients


def recipients_for_units(unit_ids: Iterable[int], *, on=None) -> dict[int, list[User]]:
    """For each unit id: the active accounts of the people who answer for that unit (its
    head, deputy heads and focal points, else its direct members who may `change` its
    work), as the organisation directory says (`core.directory`). Platform authority:
    used by jobs to decide who is told, never to show data."""
    ids = {int(u) for u in unit_ids if u is not None}
    if not ids:
        return {}
    return directory.recipients_for_units(ids, on=on)


def unit_recipients(unit, *, on=None) -> list[User]:
    """The accounts that answer for one unit (see `recipients_for_units`)."""
    if unit is None:
        return []
    return recipients_for_units([unit.pk], on=on).get(unit.pk, [])
