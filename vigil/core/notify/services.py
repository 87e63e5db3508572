"""Writes of the notification service: `notify()` (every module's way to tell people
something), marking notifications read, preferences, and the e-mail delivery job body.

`notify()` writes one row per recipient who wants the kind in the app or by e-mail, in
the recipient's language, and queues the e-mails after the transaction commits (a
rolled-back write never sends mail). The e-mail job records success or the error on the
row; a failed e-mail never removes the in-app notice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import audit, concurrency, queue
from ..access import allowed
from ..actors import Actor
from ..errors import DomainError
from ..models import Notification, NotificationPreference, User
from . import registry, selectors
from .text import keep, render

log = logging.getLogger("vigil.notifications")

TITLE_MAX = Notification._meta.get_field("title").max_length
URL_MAX = Notification._meta.get_field("url").max_length
EMAIL_TIMEOUT = 30  # seconds: a stuck mail server must not hold a worker forever


def _user_ids(recipients: Iterable) -> list[int]:
    ids: list[int] = []
    for r in recipients:
        if r is None:
            continue
        pk = r if isinstance(r, int) else getattr(r, "pk", None)
        if pk is not None and pk not in ids:
            ids.append(pk)
    return ids


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title,
    body="",
    url: str = "",
    unit=None,
    actor: Actor | None = None,
    key: str = "",
    subject=None,
    at=None,
) -> list[Notification]:
    """Tell `recipients` (users or user ids) something of `kind` (a registered kind).

    `title` and `body` are strings, lazy strings (see `notify.text.message`) or callables,
    rendered in each recipient's language. `url` is a path in Vigil ("/program/tasks/5/").
    `unit` is the unit it is about; `subject` the object (for the audit log). With a
    `key`, a recipient who already has (kind, key) is skipped: running a job twice sends
    nothing new. Inactive accounts, and users who turned both channels off, get nothing.
    `at`: when it happened, for a notice sent after its transaction commits (default now).
    Returns the rows written (in-app and e-mail-only ones).
    """
    spec = registry.get_kind(kind)
    if unit is not None:  # the unit's signed webhooks: one delivery per endpoint, after commit
        from .webhooks import fan_out_on_commit

        fan_out_on_commit(kind=kind, unit=unit, title=title, body=body, url=url, subject=subject, key=key, at=at)
    ids = _user_ids(recipients)
    if not ids:
        return []
    users = list(User.objects.filter(pk__in=ids, is_active=True).select_related("person"))
    wanted = selectors.wanted_channels([u.pk for u in users], spec)
    if key:
        already = set(
            Notification.objects.filter(recipient_id__in=[u.pk for u in users], kind=kind, key=key)
            .values_list("recipient_id", flat=True)
        )
        users = [u for u in users if u.pk not in already]
    url = (url or "")[:URL_MAX]
    hidden = _hidden_from(users, subject)
    by_lang: dict[str, tuple[str, str]] = {}
    kept = {k: v for k, v in (("title", keep(title)), ("body", keep(body))) if v is not None}
    rows: list[Notification] = []
    author = actor.author if actor is not None else None
    now = at or timezone.now()
    for user in sorted(users, key=lambda u: ids.index(u.pk)):
        channels = wanted.get(user.pk, set())
        address = selectors.email_address(user) if registry.EMAIL in channels else ""
        in_app = registry.IN_APP in channels
        if not in_app and not address:
            continue
        lang = user.language or settings.LANGUAGE_CODE
        if hidden is not None and user.pk in hidden:
            # The recipient may not read the subject (TLP): name it by reference only.
            with translation.override(lang):
                text_title, text_body = _neutral_text(subject)
            texts = {"title": _neutral_kept(subject)}
        else:
            texts = kept
            if lang not in by_lang:
                with translation.override(lang):
                    by_lang[lang] = (render(title)[:TITLE_MAX], render(body))
            text_title, text_body = by_lang[lang]
        rows.append(Notification(
            recipient=user, unit=unit, actor=author, kind=kind, key=key, title=text_title,
            body=text_body, url=url, in_app=in_app, created_at=now, email_to=address, texts=texts,
        ))
    if not rows:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        if any(n.pk is None for n in created):  # backends that return no ids
            created = list(
                Notification.objects.filter(recipient__in=[n.recipient for n in rows], kind=kind, created_at=now)
            )
        with translation.override(settings.LANGUAGE_CODE):
            summary_title = render(title)[:TITLE_MAX]
        audit.record(
            actor=actor, action="core.notification.send", obj=subject,
            object_type="" if subject is not None else "core.notification",
            object_id="" if subject is not None else str(created[0].pk),
            object_repr="" if subject is not None else summary_title,
            unit_id=getattr(unit, "pk", None),
            after={
                "kind": kind, "key": key, "title": summary_title, "url": url,
                "in_app": sorted(n.recipient_id for n in created if n.in_app),
                "email": sorted(n.recipient_id for n in created if n.email_to),
            },
        )
        mail_ids = [n.pk for n in created if n.email_to]
        if mail_ids:
            transaction.on_commit(lambda: _queue_emails(mail_ids))
    return created


def _hidden_from(users, subject) -> set[int] | None:
    """The ids of `users` who may not read `subject` (an object under a TLP label), decided
    at send time through the access layer; None when the subject's name is not labelled."""
    from ..access import can, label_guarded

    if subject is None or getattr(subject, "pk", None) is None or not label_guarded(type(subject)):
        return None
    return {u.pk for u in users if not can(u, "view", subject)}


def _neutral_text(subject) -> tuple[str, str]:
    """A notice about an object its recipient may not read: its kind and id, nothing else."""
    from ..access import neutral_name

    name = neutral_name(type(subject), subject.pk)
    return (_("Có cập nhật về %(name)s") % {"name": name})[:TITLE_MAX], ""


def _neutral_kept(subject) -> dict:
    """The same neutral title kept for any reader's language: "An update about incident #12"."""
    from ..texts import stored
    from .text import message

    name = message("%(kind)s #%(pk)s", kind=type(subject)._meta.verbose_name, pk=subject.pk)
    return stored(gettext_lazy("Có cập nhật về %(name)s"), name=name)


def _queue_emails(ids: list[int]) -> None:
    for pk in ids:
        queue.enqueue("core.send_notification_email", pk)


# --------------------------------------------------------------------------- e-mail


def absolute_url(path: str) -> str:
    """A link for an e-mail: the site's address (VIGIL_BASE_URL, read into settings as
    BASE_URL) before a path; the path alone when it is not configured."""
    if not path or "://" in path:
        return path
    base = (getattr(settings, "BASE_URL", "") or "").rstrip("/")
    return f"{base}{path}" if base else path


def deliver_email(notification_id: int) -> bool:
    """Send the e-mail of one notification in its recipient's language, with Django's
    mail API (settings EMAIL_* from VIGIL_EMAIL_URL). Records the time sent, or the
    error, on the row; returns whether it was sent. Sending twice is refused."""
    n = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if n is None or not n.email_to or n.email_sent_at is not None:
        return False
    lang = n.recipient.language or settings.LANGUAGE_CODE
    with translation.override(lang):
        subject = f"[Vigil] {n.display_title}".replace("\n", " ")
        body = render_to_string("core/notification_email.txt", {
            "n": n,
            "link": absolute_url(n.url),
            "preferences": absolute_url(_preferences_path()),
        })
    attempts = models.F("email_attempts") + 1
    try:
        connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or EMAIL_TIMEOUT)
        message = EmailMessage(
            subject=subject, body=body, to=[n.email_to], connection=connection,
            headers={"Auto-Submitted": "auto-generated", "X-Vigil-Kind": n.kind},
        )
        message.send(fail_silently=False)
    except Exception as exc:  # SMTP refusals, connection errors, timeouts: all recorded
        error = f"{type(exc).__name__}: {exc}"[:500]
        Notification.objects.filter(pk=n.pk).update(email_error=error, email_attempts=attempts)
        log.warning("notification e-mail failed", extra={"notification": n.pk, "error": error})
        return False
    Notification.objects.filter(pk=n.pk).update(
        email_sent_at=timezone.now(), email_error="", email_attempts=attempts
    )
    return True


def _preferences_path() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("core:notification_preferences")
    except NoReverseMatch:
        return ""


# --------------------------------------------------------------------------- reading


def notification_mark_read(*, actor: Actor, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (again: nothing changes)."""
    if not allowed(actor, "change", notification):  # one's own notifications only
        from ..errors import NotFound

        raise NotFound(_("Không tìm thấy thông báo."), field="notification_id")
    if notification.read_at is not None:
        return notification
    with transaction.atomic():
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        audit.record(
            actor=actor, action="core.notification.read", obj=notification,
            unit_id=notification.unit_id, after={"read_at": notification.read_at.isoformat()},
        )
    return notification


def notification_mark_all_read(*, actor: Actor) -> int:
    """Mark every unread in-app notification of the actor read; returns how many."""
    user = actor.author
    if user is None:  # the platform and anonymous actors have no notifications of their own
        from ..errors import AccessDenied

        raise AccessDenied()
    with transaction.atomic():
        count = Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if count:
            audit.record(
                actor=actor, action="core.notification.read_all", object_type="core.notification",
                object_repr=user.username, after={"count": count},
            )
    return count


# --------------------------------------------------------------------------- preferences


def preferences_set(*, actor: Actor, user, values: dict[tuple[str, str], bool], version: int | None = None) -> None:
    """Set what `user` receives: {(kind, channel): enabled}. Only the user themself may.
    An unknown kind or channel is refused, naming it; nothing is half-saved. `version`
    (selectors.preferences_version when the caller read them) refuses a stale change."""
    me = actor.author  # only the user themself: not a superuser, not the platform
    if me is None or me.pk != user.pk:
        from ..errors import AccessDenied

        raise AccessDenied()
    for (kind, channel), enabled in values.items():
        if not registry.is_known(kind):
            raise DomainError(_("Không có loại thông báo %(k)s.") % {"k": kind}, field="kind")
        if channel not in registry.CHANNELS:
            raise DomainError(_("Không có kênh thông báo %(c)s.") % {"c": channel}, field="channel")
        if not isinstance(enabled, bool):
            raise DomainError(_("Giá trị bật/tắt không hợp lệ."), field="enabled")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one writer of a user's preferences at a time
        if version is not None and selectors.preferences_version(user=user) != version:
            raise concurrency.StaleObject(message=_(
                "Tuỳ chọn thông báo của bạn đã được thay đổi ở nơi khác sau khi bạn mở chúng. "
                "Hãy tải lại rồi lưu lại."))
        current = {
            (p.kind, p.channel): p for p in NotificationPreference.objects.select_for_update().filter(user=user)
        }
        before, after = {}, {}
        for (kind, channel), enabled in values.items():
            row = current.get((kind, channel))
            old = row.enabled if row else registry.get_kind(kind).default(channel)
            if row is None:
                NotificationPreference.objects.create(user=user, kind=kind, channel=channel, enabled=enabled)
            elif row.enabled != enabled:
                row.enabled = enabled
                row.save(update_fields=["enabled", "updated_at"])
            if old != enabled:
                before[f"{kind}:{channel}"] = old
                after[f"{kind}:{channel}"] = enabled
        if after:
            audit.record(
                actor=actor, action="core.notification.preferences", object_type="core.user",
                object_id=str(user.pk), object_repr=user.username, before=before, after=after,
            )
