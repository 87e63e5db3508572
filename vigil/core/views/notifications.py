"""Notification pages: the user's notifications (mark one or all read, open one) and
what they receive through each channel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.web import get_only, get_or_post, post_only, web_actor

from .. import concurrency
from ..errors import DomainError
from ..notify import registry
from ..notify import selectors as notify_selectors
from ..notify import services as notify_services

PER_PAGE = 30


@login_required
@get_only
def notification_list(request):
    """The user's notifications, newest first; `?unread=1` only the unread ones."""
    user = request.user
    unread_only = request.GET.get("unread") == "1"
    qs = notify_selectors.notification_list(user=user, unread=True if unread_only else None)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread_only": unread_only,
        "unread": notify_selectors.unread_count(user=user),
    }
    return render(request, "core/notification_list.html", context)


def _safe(request, url: str) -> str | None:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return None


@login_required
@post_only
def notification_read(request, notification_id: int):
    """Mark one notification read; with `open`, go on to what it is about."""
    n = notify_selectors.notification_get(user=request.user, notification_id=notification_id)
    notify_services.notification_mark_read(actor=web_actor(request), notification=n)
    if request.POST.get("open") and _safe(request, n.url):
        return redirect(n.url)
    return redirect(_safe(request, request.POST.get("next", "")) or "core:notification_list")


@login_required
@post_only
def notification_read_all(request):
    """Mark every unread notification of the user read."""
    count = notify_services.notification_mark_all_read(actor=web_actor(request))
    messages.success(request, ngettext(
        "Đã đánh dấu %(n)s thông báo là đã đọc.", "Đã đánh dấu %(n)s thông báo là đã đọc.", count,
    ) % {"n": count})
    return redirect(_safe(request, request.POST.get("next", "")) or "core:notification_list")


def _field(code: str, channel: str) -> str:
    return f"{code}__{channel}"


@login_required
@get_or_post
def notification_preferences(request):
    """One row per kind of notification, one checkbox per channel. Saving sends every
    box: an unticked box turns that channel off."""
    user = request.user
    status = 200
    if request.method == "POST" and request.POST.get("preferences") != "1":
        # Not this page's form (an empty POST would otherwise turn every channel off).
        messages.error(request, _("Biểu mẫu không hợp lệ, chưa lưu gì. Hãy chọn lại và bấm Lưu."))
        status = 400
    elif request.method == "POST":
        values = {
            (kind.code, channel): request.POST.get(_field(kind.code, channel)) in ("on", "1", "true")
            for kind in registry.all_kinds()
            for channel in registry.CHANNELS
        }
        try:
            notify_services.preferences_set(actor=web_actor(request), user=user, values=values,
                                            version=concurrency.expected_version(request.POST.get("version")))
        except concurrency.StaleObject as exc:
            messages.error(request, str(exc.message))
            status = 409
        except DomainError as exc:
            if exc.status != 400:
                raise  # the error page (403, 404, ...)
            messages.error(request, str(exc.message))
            status = 400
        else:
            messages.success(request, _("Đã lưu tuỳ chọn thông báo."))
            return redirect("core:notification_preferences")
    rows = notify_selectors.preferences(user=user)
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.group, []).append({
            "row": row,
            "cells": [
                {"channel": ch, "name": _field(row.code, ch), "checked": row.channels[ch],
                 "label": registry.CHANNEL_LABELS[ch]}
                for ch in registry.CHANNELS
            ],
        })
    context = {
        "groups": groups,
        "channels": [(ch, registry.CHANNEL_LABELS[ch]) for ch in registry.CHANNELS],
        "email": notify_selectors.email_address(user),
        "version": notify_selectors.preferences_version(user=user),
    }
    return render(request, "core/notification_preferences.html", context, status=status)
