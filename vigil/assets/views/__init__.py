"""Pages of the information systems registry: the list (filters, pagination, export),
a system with its addresses and software, the forms to register and edit one, retire
or delete it, and the import page (upload, check, import; skip bad lines on request).

Each view parses, calls one selector or service, and renders; domain errors become
form errors, or core's error page (403 / 404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vigil.core import concurrency
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.web import form_data, get_or_post, map_errors, post_only, submit, web_actor

from .. import forms
from .. import selectors as sel
from ..services import imports
from ..services import systems as svc

PAGE_SIZE = 30
ALIASES = {"owner_unit_id": "owner_unit", "unit": "owner_unit", "upload": "file"}



def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def system_list(request):
    """The systems the user may see, with filters and export buttons."""
    user = request.user
    form = forms.SystemFilterForm(request.GET or None, user=user)
    qs = sel.systems_with_counts(sel.systems_visible(user, **form.filters()))
    context = {
        "form": form,
        "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": _query_without_page(request),
        "can_create": sel.units_for_systems(user, "add").exists(),
    }
    return render(request, "assets/system_list.html", context)


@login_required
@get_or_post
def system_create(request):
    """Register a system (owner unit prefilled from ?unit=)."""
    user = request.user
    initial = {"hosting": "on_premises", "status": "operating"}
    if request.GET.get("unit"):
        initial["owner_unit"] = request.GET["unit"]
    form = forms.SystemForm(form_data(request), user=user, initial=initial)
    if not form.fields["owner_unit"].queryset.exists():
        raise AccessDenied(_("Bạn không có quyền đăng ký hệ thống thông tin cho đơn vị nào."))
    return submit(
        request, form, lambda actor: svc.system_create(actor=actor, **form.service_data()),
        success=_detail_url, message=lambda system: _("Đã đăng ký hệ thống “%(n)s”.") % {"n": system.name},
        template="assets/system_form.html", context={"system": None}, aliases=ALIASES,
    )


def _detail_url(system) -> str:
    return reverse("assets:system_detail", kwargs={"system_id": system.pk})


def _detail_context(request, system, **extra) -> dict:
    user = request.user
    context = {
        "system": system,
        "addresses": sel.system_addresses(system),
        "software": sel.system_software(system),
        "incident_count": sel.incident_count(user=user, system=system),
        "address_form": forms.AddressForm(),
        "software_form": forms.SoftwareForm(),
        **sel.system_permissions(user=user, system=system),
    }
    context.update(extra)
    return context


@login_required
def system_detail(request, system_id):
    """One system: its description, classification, addresses and software."""
    system = sel.system_get(user=request.user, system_id=system_id)
    return render(request, "assets/system_detail.html", _detail_context(request, system))


@login_required
@get_or_post
def system_edit(request, system_id):
    """Edit a system's description and classification."""
    user = request.user
    system = sel.system_get(user=user, system_id=system_id)
    if not sel.system_permissions(user=user, system=system)["can_change"]:
        raise AccessDenied()
    initial = {f: getattr(system, f) for f in svc.FIELDS}
    initial["owner_unit"] = system.owner_unit
    initial["level"] = str(system.level or "")
    form = forms.SystemForm(form_data(request), user=user, system=system, initial=initial)
    concurrency.add_version_field(form, system)
    return submit(
        request, form, lambda actor: svc.system_update(actor=actor, system=system, **form.service_data()),
        success=_detail_url(system),
        message=lambda _result: _("Đã lưu hệ thống “%(n)s”.") % {"n": form.cleaned_data["name"]},
        template="assets/system_form.html", context={"system": system}, obj=system, aliases=ALIASES,
    )


@login_required
@post_only
def system_retire(request, system_id):
    """Mark the system as no longer operating."""
    system = sel.system_get(user=request.user, system_id=system_id)
    svc.system_retire(actor=web_actor(request), system=system)
    messages.success(request, _("Đã chuyển hệ thống sang “Đã dừng vận hành”."))
    return redirect("assets:system_detail", system_id=system.pk)


@login_required
@get_or_post
def system_delete(request, system_id):
    """GET: confirm. POST: delete the system (refused while incidents name it)."""
    user = request.user
    system = sel.system_get(user=user, system_id=system_id)
    if not sel.system_permissions(user=user, system=system)["can_delete"]:
        raise AccessDenied()
    error = None
    if request.method == "POST":
        try:
            svc.system_delete(actor=web_actor(request), system=system)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            error = exc.message
        else:
            messages.success(request, _("Đã xoá hệ thống “%(n)s”.") % {"n": system.name})
            return redirect("assets:system_list")
    return render(request, "assets/system_delete.html", {"system": system, "error": error},
                  status=409 if error else 200)


def _child_form_response(request, system, form_name: str, form, status: int = 400):
    context = _detail_context(request, system, **{form_name: form})
    return render(request, "assets/system_detail.html", context, status=status)


@login_required
@post_only
def address_add(request, system_id):
    """Add an address to the system."""
    system = sel.system_get(user=request.user, system_id=system_id)
    form = forms.AddressForm(request.POST)
    return submit(
        request, form,
        lambda actor: svc.address_add(actor=actor, system=system, value=form.cleaned_data["value"],
                                      kind=form.cleaned_data["kind"] or None),
        success=_detail_url(system), message=lambda address: _("Đã thêm địa chỉ %(v)s.") % {"v": address.value},
        page=lambda status: _child_form_response(request, system, "address_form", form, status), aliases=ALIASES,
    )


@login_required
@post_only
def address_remove(request, system_id, address_id):
    """Remove an address from the system."""
    system = sel.system_get(user=request.user, system_id=system_id)
    address = sel.address_get(user=request.user, system=system, address_id=address_id)
    svc.address_remove(actor=web_actor(request), address=address)
    messages.success(request, _("Đã xoá địa chỉ %(v)s.") % {"v": address.value})
    return redirect("assets:system_detail", system_id=system.pk)


@login_required
@post_only
def software_add(request, system_id):
    """Add a product (CPE 2.3 name) to the system's inventory."""
    system = sel.system_get(user=request.user, system_id=system_id)
    form = forms.SoftwareForm(request.POST)
    return submit(
        request, form,
        lambda actor: svc.software_add(actor=actor, system=system, cpe=form.cleaned_data["cpe"],
                                       note=form.cleaned_data["note"]),
        success=_detail_url(system), message=lambda item: _("Đã thêm phần mềm %(v)s.") % {"v": item.cpe},
        page=lambda status: _child_form_response(request, system, "software_form", form, status), aliases=ALIASES,
    )


@login_required
@post_only
def software_remove(request, system_id, software_id):
    """Remove a product from the system's inventory."""
    system = sel.system_get(user=request.user, system_id=system_id)
    item = sel.software_get(user=request.user, system=system, software_id=software_id)
    svc.software_remove(actor=web_actor(request), item=item)
    messages.success(request, _("Đã xoá phần mềm %(v)s.") % {"v": item.cpe})
    return redirect("assets:system_detail", system_id=system.pk)


@login_required
@get_or_post
def system_import(request):
    """Upload a CSV/XLSX file; "check" validates only, "import" writes (all or nothing
    unless bad lines are to be skipped). Errors are listed by line and column."""
    user = request.user
    if not sel.units_for_systems(user, "change").exists():
        raise AccessDenied(_("Bạn không có quyền ghi hệ thống thông tin của đơn vị nào."))
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            dry_run = request.POST.get("action") == "check"
            try:
                result = imports.import_upload(
                    actor=web_actor(request), upload=form.cleaned_data["file"],
                    skip_bad_lines=form.cleaned_data["skip_bad_lines"], dry_run=dry_run,
                )
            except (DomainError, ValidationError) as exc:
                map_errors(form, exc, aliases=ALIASES)
            else:
                status = 200 if (result.ok or result.imported) else 400
                if result.imported:
                    messages.success(request, result.imported_text())
    return render(request, "assets/system_import.html",
                  {"form": form, "result": result, "help": imports.IMPORT_HELP}, status=status)


@login_required
def system_export(request):
    """Download the systems the user may see (with the list's filters) as CSV or XLSX."""
    fmt = request.GET.get("format", "csv")
    template = request.GET.get("template") == "1"
    form = forms.SystemFilterForm(request.GET or None, user=request.user)
    filters = {} if template else form.filters()
    produced = imports.export_registry(actor=web_actor(request), fmt=fmt, template=template, **filters)
    response = HttpResponse(produced.content, content_type=produced.content_type)
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    return response
