"""Source pages: the list, one source (its feeds, recent imports, how many claims it made),
create, edit (sharing with units for TLP:AMBER) and delete (its claims go with it)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vigil.core import concurrency
from vigil.core.access import can
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.views.common import domain_errors

from .. import forms
from .. import selectors as sel
from ..services import sources as svc
from .common import actor, form_errors

RECENT_IMPORTS = 20


@login_required
@domain_errors
def source_list(request):
    """The sources the user may see."""
    user = request.user
    return render(request, "intel/source_list.html", {
        "sources": sel.sources(user).prefetch_related("shared_with"),
        "can_create": forms.addable_units(user).exists(),
    })


@login_required
@domain_errors
def source_detail(request, intel_source_id):
    """One source: its settings, sharing, feeds, recent imports and claim count."""
    user = request.user
    source = sel.source_get(user, intel_source_id)
    context = {
        "source": source,
        "shared_with": list(source.shared_with.all()),
        "feeds": list(sel.feeds(user).filter(source=source)),
        "imports": sel.imports(user, RECENT_IMPORTS, source=source),
        "stats": sel.source_stats(user, source),
        "can_change": can(user, "change", source),
        "can_delete": can(user, "delete", source),
        "can_import": can(user, "add", source),
    }
    return render(request, "intel/source_detail.html", context)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def source_create(request):
    """Register a source for one of the user's units."""
    user = request.user
    initial = {"tlp": "amber", "kind": "partner", "reliability": "F", "default_confidence": 50, "is_active": True}
    form = forms.SourceForm(request.POST if request.method == "POST" else None, user=user, initial=initial)
    if not form.fields["owner_unit"].queryset.exists():
        raise AccessDenied(_("Bạn không có quyền tạo nguồn cho đơn vị nào."))
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            source = svc.source_create(actor=actor(request), **data)
        except (DomainError, ValidationError) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Đã tạo nguồn “%(n)s”.") % {"n": source.name})
            return redirect("intel:source_detail", intel_source_id=source.pk)
    return render(request, "intel/source_form.html", {"form": form, "source": None},
                  status=400 if request.method == "POST" else 200)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def source_edit(request, intel_source_id):
    """Change a source's settings and sharing."""
    user = request.user
    source = sel.source_get(user, intel_source_id)
    if not can(user, "change", source):
        raise AccessDenied()
    initial = {f: getattr(source, f) for f in svc.FIELDS}
    initial["owner_unit"] = source.owner_unit
    initial["shared_with"] = list(source.shared_with.all())
    form = forms.SourceForm(request.POST if request.method == "POST" else None, user=user, source=source,
                            initial=initial)
    concurrency.add_version_field(form, source)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        data.pop("owner_unit", None)
        try:
            svc.source_update(actor=actor(request), source=source, **data)
        except concurrency.StaleObject as exc:
            status = concurrency.refuse_stale(form, exc, source)
        except (DomainError, ValidationError) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu nguồn “%(n)s”.") % {"n": source.name})
            return redirect("intel:source_detail", intel_source_id=source.pk)
    return render(request, "intel/source_form.html", {"form": form, "source": source}, status=status)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def source_delete(request, intel_source_id):
    """GET: confirm. POST: delete the source and its claims."""
    user = request.user
    source = sel.source_get(user, intel_source_id)
    if not can(user, "delete", source):
        raise AccessDenied()
    if request.method == "POST":
        recomputed = svc.source_delete(actor=actor(request), source=source)
        messages.success(request, _("Đã xoá nguồn “%(n)s”; %(k)s chỉ báo được tính lại.")
                         % {"n": source.name, "k": recomputed})
        return redirect("intel:source_list")
    return render(request, "intel/source_delete.html", {"source": source, "stats": sel.source_stats(user, source)})
