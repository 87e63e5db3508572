"""Feed pages: the list, one feed with its runs, create, edit, delete and "run now"."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vigil.core import concurrency
from vigil.core.access import can
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.web import form_data, get_or_post, post_only, submit, web_actor

from .. import forms
from .. import selectors as sel

FIELDS = ("name", "url", "path", "format", "indicator_type", "options", "confidence", "tlp", "interval_minutes",
          "enabled")


def _svc():
    from ..services import feeds

    return feeds


@login_required
def feed_list(request):
    """The feeds of the sources the user may see."""
    user = request.user
    return render(request, "intel/feed_list.html", {
        "feeds": sel.feeds(user), "can_create": forms.importable_sources(user).exists(),
    })


@login_required
def feed_detail(request, feed_id):
    """One feed: its settings and its runs, newest first."""
    user = request.user
    feed = sel.feed_get(user, feed_id)
    return render(request, "intel/feed_detail.html", {
        "feed": feed, "runs": sel.feed_runs(user, feed), "can_change": can(user, "change", feed),
    })


@login_required
@get_or_post
def feed_create(request):
    """A new feed of a source the user may write to."""
    user = request.user
    initial = {"format": "list", "interval_minutes": 60, "enabled": True, "source": request.GET.get("source") or None}
    form = forms.FeedForm(form_data(request), user=user, initial=initial)
    if not form.fields["source"].queryset.exists():
        raise AccessDenied(_("Bạn không có quyền tạo nguồn cấp cho nguồn nào."))
    return submit(
        request, form, lambda actor: _svc().feed_create(actor=actor, **form.service_data()),
        success=_detail_url, message=lambda feed: _("Đã tạo nguồn cấp “%(n)s”.") % {"n": feed.name},
        template="intel/feed_form.html", context={"feed": None},
    )


def _detail_url(feed) -> str:
    return reverse("intel:feed_detail", kwargs={"feed_id": feed.pk})


@login_required
@get_or_post
def feed_edit(request, feed_id):
    """Change a feed's address, format, schedule and defaults."""
    user = request.user
    feed = sel.feed_get(user, feed_id)
    if not can(user, "change", feed):
        raise AccessDenied()
    initial = {f: getattr(feed, f) for f in FIELDS}
    initial["options"] = json.dumps(feed.options, ensure_ascii=False) if feed.options else ""
    form = forms.FeedForm(form_data(request), user=user, feed=feed, initial=initial)
    concurrency.add_version_field(form, feed)
    return submit(
        request, form, lambda actor: _svc().feed_update(actor=actor, feed=feed, **form.service_data()),
        success=_detail_url(feed), message=lambda _result: _("Đã lưu nguồn cấp “%(n)s”.") % {"n": feed.name},
        template="intel/feed_form.html", context={"feed": feed}, obj=feed,
    )


@login_required
@get_or_post
def feed_delete(request, feed_id):
    """GET: confirm. POST: delete the feed (its indicators stay, and age out)."""
    user = request.user
    feed = sel.feed_get(user, feed_id)
    if not can(user, "change", feed):  # the feed service asks `change` on the source
        raise AccessDenied()
    if request.method == "POST":
        _svc().feed_delete(actor=web_actor(request), feed=feed)
        messages.success(request, _("Đã xoá nguồn cấp “%(n)s”.") % {"n": feed.name})
        return redirect("intel:feed_list")
    return render(request, "intel/feed_delete.html", {"feed": feed})


@login_required
@post_only
def feed_run(request, feed_id):
    """Pull the feed now and show the run."""
    feed = sel.feed_get(request.user, feed_id)
    try:
        run = _svc().feed_run(actor=web_actor(request), feed=feed)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("intel:feed_detail", feed_id=feed.pk)
    if run.status == "failed":
        messages.error(request, _("Lần chạy thất bại: %(e)s") % {"e": run.error or "—"})
    else:
        messages.success(request, _("Đã chạy nguồn cấp “%(n)s”.") % {"n": feed.name})
    return redirect("intel:feed_detail", feed_id=feed.pk)
