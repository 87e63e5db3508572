"""Reference data pages: warninglists (known-benign values; network administrators turn
one on or off) and the MISP taxonomies the tags come from (read-only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vigil.core.access import can
from vigil.core.web import post_only, web_actor

from .. import selectors as sel

ENTRIES_SHOWN = 200


@login_required
def warninglist_list(request):
    """Every warninglist, with its kind, entry count and whether it is on."""
    return render(request, "intel/warninglist_list.html", {
        "warninglists": sel.warninglists(request.user).defer("entries"),
    })


@login_required
def warninglist_detail(request, warninglist_id):
    """One warninglist: what it matches and its first entries."""
    user = request.user
    wl = sel.warninglist_get(user, warninglist_id)
    return render(request, "intel/warninglist_detail.html", {
        "wl": wl, "entries": (wl.entries or [])[:ENTRIES_SHOWN], "shown": ENTRIES_SHOWN,
        "can_change": can(user, "change", wl),
    })


@login_required
@post_only
def warninglist_toggle(request, warninglist_id):
    """Turn a warninglist on or off (network administrators)."""
    from ..services.warninglists import warninglist_set_enabled

    wl = sel.warninglist_get(request.user, warninglist_id)
    enabled = request.POST.get("enabled") in ("1", "true", "on")
    warninglist_set_enabled(actor=web_actor(request), warninglist=wl, enabled=enabled)
    if enabled:
        messages.success(request, _("Đã bật danh sách cảnh báo “%(n)s”.") % {"n": wl.name})
    else:
        messages.success(request, _("Đã tắt danh sách cảnh báo “%(n)s”.") % {"n": wl.name})
    return redirect("intel:warninglist_detail", warninglist_id=wl.pk)


@login_required
def taxonomy_list(request):
    """The MISP taxonomies loaded as data, with how many tags each has."""
    return render(request, "intel/taxonomy_list.html", {"taxonomies": sel.taxonomies(request.user)})
