"""Notifications API: the authenticated user's own notifications (list, one, mark read,
mark all read, unread count) and what they receive through each channel."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from vigil.core.pagination import PageNumberPagination

from .. import concurrency
from ..actors import api_actor
from ..notify import selectors as notify_selectors
from ..notify import services as notify_services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str = Field(description="In the reader's language (the request's) where the platform wrote it")
    body: str
    url: str
    unit_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None
    read: bool
    email_to: str = Field(description="Where its e-mail went (empty: not sent by e-mail)")
    email_sent_at: dt.datetime | None
    email_error: str = Field(description="Why the e-mail could not be sent, if it failed")

    @staticmethod
    def resolve_read(obj) -> bool:
        return obj.read_at is not None

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.display_title

    @staticmethod
    def resolve_body(obj) -> str:
        return obj.display_body


class NotificationFilter(Schema):
    unread: bool | None = Field(None, description="true: only unread; false: only read")
    kind: str = Field("", max_length=64, description="e.g. program.task.due_soon")


class CountOut(Schema):
    count: int


class PreferenceOut(Schema):
    kind: str
    label: str
    group: str
    channel: str = Field(description="in_app or email")
    enabled: bool


class PreferenceIn(Schema):
    kind: str = Field(max_length=64)
    channel: str = Field(max_length=16, description="in_app or email")
    enabled: bool


class PreferencesIn(Schema):
    preferences: list[PreferenceIn] = Field(min_length=1, description="Only the pairs listed change")


def _preferences(user) -> list[dict]:
    return [
        {"kind": row.code, "label": row.label, "group": row.group, "channel": ch, "enabled": on}
        for row in notify_selectors.preferences(user=user)
        for ch, on in row.channels.items()
    ]


@router.get(
    "/notifications", response=list[NotificationOut],
    summary="Your notifications, newest first (filter unread / kind), paginated",
)
@paginate(PageNumberPagination, page_size=50)
def notification_list(request, filters: Query[NotificationFilter]):
    return notify_selectors.notification_list(user=request.auth, unread=filters.unread, kind=filters.kind or None)


@router.get("/notifications/unread-count", response=CountOut, summary="How many of your notifications are unread")
def notification_unread_count(request):
    return {"count": notify_selectors.unread_count(user=request.auth)}


@router.post("/notifications/read-all", response=CountOut, summary="Mark all your notifications read")
def notification_read_all(request):
    return {"count": notify_services.notification_mark_all_read(actor=api_actor(request))}


def _preferences_tag(user) -> concurrency.Tagged:
    return concurrency.Tagged(version=notify_selectors.preferences_version(user=user),
                              name=str(_("Tuỳ chọn thông báo")))


@router.get(
    "/notifications/preferences", response=list[PreferenceOut],
    summary="What you receive: every kind of notification x channel (in_app, email)",
)
def preference_list(request):
    concurrency.tag(request, _preferences_tag(request.auth))
    return _preferences(request.auth)


@router.put(
    "/notifications/preferences", response=list[PreferenceOut],
    summary="Turn kinds of notification on or off per channel (the pairs listed); returns all",
)
def preference_update(request, payload: PreferencesIn):
    version = concurrency.if_match(request, _preferences_tag(request.auth))
    values = {(p.kind, p.channel): p.enabled for p in payload.preferences}
    notify_services.preferences_set(actor=api_actor(request), user=request.auth, values=values, version=version)
    concurrency.tag(request, _preferences_tag(request.auth))
    return _preferences(request.auth)


@router.get("/notifications/{notification_id}", response=NotificationOut, summary="One of your notifications")
def notification_get(request, notification_id: int):
    return notify_selectors.notification_get(user=request.auth, notification_id=notification_id)


@router.post(
    "/notifications/{notification_id}/read", response=NotificationOut,
    summary="Mark one of your notifications read",
)
def notification_read(request, notification_id: int):
    n = notify_selectors.notification_get(user=request.auth, notification_id=notification_id)
    return notify_services.notification_mark_read(actor=api_actor(request), notification=n)
