"""Audit log pages for auditors: browse and filter, and one entry with its changes."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from vigil.core.web import get_only

from .. import selectors
from ..errors import AccessDenied
from ..forms import AuditFilterForm

PER_PAGE = 50


def _require_auditor(user):
    if not selectors.is_auditor(user):
        raise AccessDenied()


@login_required
@get_only
def audit_list(request):
    """Entries the auditor may read, newest first, filtered by the form's fields."""
    user = request.user
    _require_auditor(user)
    params = {k: v for k, v in request.GET.items() if k != "page"}
    form = AuditFilterForm(
        params or None,
        units=selectors.audit_units(user=user),
        vocabulary=selectors.audit_vocabulary(user=user),
    )
    status = 200
    if form.is_bound and not form.is_valid():
        entries = selectors.audit_entries(user=user).none()
        status = 400
    else:
        entries = selectors.audit_entries(user=user, filters=form.to_filter())
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": bool(params),
    }
    return render(request, "core/audit_list.html", context, status=status)


@login_required
@get_only
def audit_detail(request, entry_id: int):
    """One entry: who, when, from where, and what changed (before → after)."""
    user = request.user
    _require_auditor(user)
    entry = selectors.audit_entry_get(user=user, entry_id=entry_id)
    context = {"entry": entry, "diff": selectors.audit_diff(entry)}
    return render(request, "core/audit_detail.html", context)
