"""Pages of annual work programmes: the list (per unit and year), a programme with its
tasks and their computed status, the forms to draft and edit it, add tasks, and the
head's approval (after which it is frozen, follow-up tasks aside).

Each view parses, calls one selector or service, and renders; domain errors become
form errors, or core's error page (403 / 404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vigil.core import concurrency
from vigil.core.actors import actor_from_request
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.views.common import domain_errors

from .. import forms_meetings as forms
from ..selectors import programmes as programme_sel
from ..services import programmes as programme_svc
from ..status import today
from .meetings import _form_errors, _query_without_page

PAGE_SIZE = 30


def _actor(request):
    return actor_from_request(request, channel="web")


def _reraise_access(exc: Exception) -> None:
    if isinstance(exc, DomainError) and exc.status in (403, 404) and exc.field in (None, "programme_id"):
        raise exc


@login_required
@domain_errors
def programme_list(request):
    """Work programmes the user may see, by unit and year."""
    user = request.user
    form = forms.ProgrammeFilterForm(request.GET or None, user=user)
    f = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = programme_sel.programme_list(
        user=user, unit=f.get("unit"), year=f.get("year"), status=f.get("status") or None
    )
    context = {
        "form": form, "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": _query_without_page(request),
        "can_create": programme_sel.units_for_programme(user=user).exists(),
    }
    return render(request, "program/programme_list.html", context)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def programme_create(request):
    """Draft a unit's programme for a year (prefilled unit from ?unit=)."""
    user = request.user
    initial = {"year": today().year}
    if request.GET.get("unit"):
        initial["unit"] = request.GET["unit"]
    form = forms.ProgrammeForm(request.POST if request.method == "POST" else None, user=user, initial=initial)
    if not form.fields["unit"].queryset.exists():
        raise AccessDenied()
    if request.method == "POST" and form.is_valid():
        try:
            programme = programme_svc.programme_create(actor=_actor(request), **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã tạo chương trình công tác “%(t)s”.") % {"t": programme.title})
            return redirect("program:programme_detail", programme_id=programme.pk)
    return render(request, "program/programme_form.html", {"form": form, "programme": None},
                  status=400 if request.method == "POST" else 200)


def _detail_context(request, programme, **extra):
    user = request.user
    context = {
        "programme": programme,
        "tasks": programme_sel.programme_tasks(user=user, programme=programme),
        **programme_sel.programme_permissions(user=user, programme=programme),
    }
    context.update(extra)
    return context


@login_required
@domain_errors
def programme_detail(request, programme_id):
    """One programme with its tasks and their status."""
    programme = programme_sel.programme_get(user=request.user, programme_id=programme_id)
    return render(request, "program/programme_detail.html", _detail_context(request, programme))


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def programme_edit(request, programme_id):
    """Edit a draft programme's title and description."""
    user = request.user
    programme = programme_sel.programme_get(user=user, programme_id=programme_id)
    perms = programme_sel.programme_permissions(user=user, programme=programme)
    if not perms["can_change"]:
        if perms["is_approved"]:
            return render(request, "program/programme_detail.html", _detail_context(
                request, programme,
                error=_("Chương trình đã được phê duyệt; không thể sửa nội dung (chỉ bổ sung nhiệm vụ phát sinh)."),
            ), status=409)
        raise AccessDenied()
    initial = {"title": programme.title, "description": programme.description}
    form = forms.ProgrammeForm(request.POST if request.method == "POST" else None, user=user, programme=programme, initial=initial)
    concurrency.add_version_field(form, programme)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            programme_svc.programme_update(actor=_actor(request), programme=programme, **form.cleaned_data)
        except concurrency.StaleObject as exc:
            stale = concurrency.refuse_stale(form, exc, programme)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu chương trình công tác."))
            return redirect("program:programme_detail", programme_id=programme.pk)
    return render(request, "program/programme_form.html", {"form": form, "programme": programme},
                  status=stale or (400 if request.method == "POST" else 200))


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def programme_approve(request, programme_id):
    """GET: what approving means, and a confirmation button. POST: approve (the head)."""
    user = request.user
    programme = programme_sel.programme_get(user=user, programme_id=programme_id)
    perms = programme_sel.programme_permissions(user=user, programme=programme)
    if not perms["can_approve"] and not perms["is_approved"]:
        raise AccessDenied(_("Chỉ lãnh đạo đơn vị được phê duyệt chương trình công tác."))
    error = None
    if request.method == "POST":
        try:
            programme_svc.programme_approve(actor=_actor(request), programme=programme)
        except DomainError as exc:
            _reraise_access(exc)
            error = exc.message
        else:
            messages.success(request, _("Đã phê duyệt chương trình công tác “%(t)s”.") % {"t": programme.title})
            return redirect("program:programme_detail", programme_id=programme.pk)
    elif perms["is_approved"]:
        error = _("Chương trình đã được phê duyệt.")
    context = _detail_context(request, programme, error=error)
    status = 400 if error and request.method == "POST" else 200
    return render(request, "program/programme_approve.html", context, status=status)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def programme_task_create(request, programme_id):
    """Add a task to the programme (a follow-up task once it is approved)."""
    user = request.user
    programme = programme_sel.programme_get(user=user, programme_id=programme_id)
    if not programme_sel.programme_permissions(user=user, programme=programme)["can_add_tasks"]:
        raise AccessDenied()
    initial = {"priority": 2}
    if programme.year > today().year:
        initial["start_date"] = today().replace(year=programme.year, month=1, day=1)
    form = forms.ProgrammeTaskForm(request.POST if request.method == "POST" else None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["lead_units"] = list(data.get("lead_units") or [])
        data["supporting_units"] = list(data.get("supporting_units") or [])
        try:
            task = programme_svc.programme_task_create(actor=_actor(request), programme=programme, **data)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm nhiệm vụ “%(t)s”.") % {"t": task.title})
            return redirect("program:programme_detail", programme_id=programme.pk)
    context = _detail_context(request, programme, form=form)
    return render(request, "program/programme_task_form.html", context,
                  status=400 if request.method == "POST" else 200)
