"""Source pages: the list, one source (its feeds, recent imports, how many claims it made),
create, edit (sharing with units for TLP:AMBER) and delete (its claims go with it)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import concurrency
from vigil.core.access import can
from vigil.core.errors import AccessDenied
from vigil.core.web import form_data, get_or_post, submit, web_actor

from .. import forms
from .. import selectors as sel
from ..services import sources as svc

RECENT_IMPORTS = 20


@login_required
def source_list(request):
    """The sources the user may see."""
    user = request.user
    return render(request, "intel/source_list.html", {
        "sources": sel.sources(user).prefetch_related("shared_with"),
        "can_create": forms.addable_units(user).exists(),
    })


@login_required
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
@get_or_post
def source_create(request):
    """Register a source for one of the user's units."""
    user = request.user
    initial = {"tlp": "amber", "kind": "partner", "reliability": "F", "default_confidence": 50, "is_active": True}
    form = forms.SourceForm(form_data(request), user=user, initial=initial)
    if not form.fields["owner_unit"].queryset.exists():
        raise AccessDenied(_("Bạn không có quyền tạo nguồn cho đơn vị nào."))
    return submit(
        request, form, lambda actor: svc.source_create(actor=actor, **form.service_data()),
        success=_detail_url, message=lambda source: _("Đã tạo nguồn “%(n)s”.") % {"n": source.name},
        template="intel/source_form.html", context={"source": None},
    )


def _detail_url(source) -> str:
    return reverse("intel:source_detail", kwargs={"intel_source_id": source.pk})


@login_required
@get_or_post
def source_edit(request, intel_source_id):
    """Change a source's settings and sharing."""
    user = request.user
    source = sel.source_get(user, intel_source_id)
    if not can(user, "change", source):
        raise AccessDenied()
    initial = {f: getattr(source, f) for f in svc.FIELDS}
    initial["owner_unit"] = source.owner_unit
    initial["shared_with"] = list(source.shared_with.all())
    form = forms.SourceForm(form_data(request), user=user, source=source, initial=initial)
    concurrency.add_version_field(form, source)

    def save(actor):
        data = form.service_data()
        data.pop("owner_unit", None)
        return svc.source_update(actor=actor, source=source, **data)

    return submit(
        request, form, save, success=_detail_url(source),
        message=lambda _result: _("Đã lưu nguồn “%(n)s”.") % {"n": source.name},
        template="intel/source_form.html", context={"source": source}, obj=source,
    )


@login_required
@get_or_post
def source_delete(request, intel_source_id):
    """GET: confirm. POST: delete the source and its claims."""
    user = request.user
    source = sel.source_get(user, intel_source_id)
    if not can(user, "delete", source):
        raise AccessDenied()
    if request.method == "POST":
        recomputed = svc.source_delete(actor=web_actor(request), source=source)
        messages.success(request, ngettext("Đã xoá nguồn “%(n)s”; %(k)s chỉ báo được tính lại.",
                                  "Đã xoá nguồn “%(n)s”; %(k)s chỉ báo được tính lại.", recomputed)
                         % {"n": source.name, "k": recomputed})
        return redirect("intel:source_list")
    return render(request, "intel/source_delete.html", {"source": source, "stats": sel.source_stats(user, source)})
