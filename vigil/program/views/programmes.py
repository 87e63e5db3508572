"""Pages of annual work programmes: the list (per unit and year), a programme with its
tasks and their computed status, the forms to draft and edit it, add tasks, and the
head's approval (after which it is frozen, follow-up tasks aside).

Each view parses, calls one selector or service, and renders; domain errors become
form errors, or core's error page (403 / 404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vigil.core import concurrency
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.web import form_data, get_or_post, submit, web_actor

from ..forms import meetings as forms
from ..selectors import programmes as programme_sel
from ..services import programmes as programme_svc
from ..status import today
from .meetings import _query_without_page

PAGE_SIZE = 30
ALIASES = forms.SERVICE_ALIASES


def _detail_url(programme) -> str:
    return reverse("program:programme_detail", kwargs={"programme_id": programme.pk})


@login_required
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
@get_or_post
def programme_create(request):
    """Draft a unit's programme for a year (prefilled unit from ?unit=)."""
    user = request.user
    initial = {"year": today().year}
    if request.GET.get("unit"):
        initial["unit"] = request.GET["unit"]
    form = forms.ProgrammeForm(form_data(request), user=user, initial=initial)
    if not form.fields["unit"].queryset.exists():
        raise AccessDenied()
    return submit(
        request, form, lambda actor: programme_svc.programme_create(actor=actor, **form.cleaned_data),
        success=_detail_url,
        message=lambda programme: _("Đã tạo chương trình công tác “%(t)s”.") % {"t": programme.title},
        template="program/programme_form.html", context={"programme": None}, aliases=ALIASES,
    )


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
def programme_detail(request, programme_id):
    """One programme with its tasks and their status."""
    programme = programme_sel.programme_get(user=request.user, programme_id=programme_id)
    return render(request, "program/programme_detail.html", _detail_context(request, programme))


@login_required
@get_or_post
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
    form = forms.ProgrammeForm(form_data(request), user=user, programme=programme, initial=initial)
    concurrency.add_version_field(form, programme)
    return submit(
        request, form,
        lambda actor: programme_svc.programme_update(actor=actor, programme=programme, **form.cleaned_data),
        success=_detail_url(programme), message=_("Đã lưu chương trình công tác."),
        template="program/programme_form.html", context={"programme": programme}, obj=programme, aliases=ALIASES,
    )


@login_required
@get_or_post
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
            programme_svc.programme_approve(actor=web_actor(request), programme=programme)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
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
@get_or_post
def programme_task_create(request, programme_id):
    """Add a task to the programme (a follow-up task once it is approved)."""
    user = request.user
    programme = programme_sel.programme_get(user=user, programme_id=programme_id)
    if not programme_sel.programme_permissions(user=user, programme=programme)["can_add_tasks"]:
        raise AccessDenied()
    initial = {"priority": 2}
    if programme.year > today().year:
        initial["start_date"] = today().replace(year=programme.year, month=1, day=1)
    form = forms.ProgrammeTaskForm(form_data(request), user=user, initial=initial)

    def save(actor):
        data = dict(form.cleaned_data)
        data["lead_units"] = list(data.get("lead_units") or [])
        data["supporting_units"] = list(data.get("supporting_units") or [])
        return programme_svc.programme_task_create(actor=actor, programme=programme, **data)

    return submit(
        request, form, save, success=_detail_url(programme),
        message=lambda task: _("Đã thêm nhiệm vụ “%(t)s”.") % {"t": task.title},
        page=lambda status: render(request, "program/programme_task_form.html",
                                   _detail_context(request, programme, form=form), status=status),
        aliases=ALIASES,
    )


