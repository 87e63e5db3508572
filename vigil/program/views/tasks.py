"""Pages of tasks: the list (filters, htmx-refreshed results), a new task (one unit, many
units, or every unit of a kind), the task's page (fields, computed status, children,
timeline, progress reports with evidence, extension requests) with the workflow forms the
user may use, editing, and the access-checked evidence download.

Each view parses, calls one selector or service, and renders. A service's error goes
next to the field it names; a task the user cannot see is a 404 whatever the method.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vigil.core import concurrency
from vigil.core.actors import actor_from_request
from vigil.core.errors import AccessDenied, DomainError, NotFound, validation_errors
from vigil.core.views.common import domain_errors

from .. import forms_tasks as forms
from ..models import ExtensionRequest
from ..selectors import tasks as sel
from ..services import tasks as svc
from ..status import STATUS_COLOURS, STATUS_LABELS

PAGE_SIZE = 50


# --------------------------------------------------------------------------- helpers


def _actor(request):
    return actor_from_request(request, channel="web")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _service_errors(form, exc: Exception) -> None:
    """A service's refusal next to the field it names. An object out of sight, or a
    refusal that names no field of this form, is not a form error: it is re-raised."""
    if isinstance(exc, ValidationError):
        forms.add_service_errors(form, validation_errors(exc))
        return
    if exc.status in (403, 404) and forms.service_field(exc.field or "") not in form.fields:
        raise exc
    forms.add_service_errors(form, exc.errors())


def _detail_url(task) -> str:
    return reverse("program:task_detail", kwargs={"task_id": task.pk})


def _status_of(task) -> dict:
    return {"code": task.status, "label": STATUS_LABELS[task.status], "colour": STATUS_COLOURS[task.status]}


# --------------------------------------------------------------------------- the list


@login_required
@domain_errors
def task_list(request):
    """Tasks the user may see: filters by text, computed status, source, unit (and its
    subtree) and the unit's relation to the task, due dates; paginated."""
    user = request.user
    form = forms.TaskFilterForm(request.GET or None, user=user)
    try:
        qs = sel.task_list(user, **form.filters())
    except DomainError as exc:  # a value the form let through but the selector refuses
        forms.add_service_errors(form, exc.errors())
        qs = sel.task_list(user).none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form, "page": page, "query": _query_without_page(request),
        "can_create": sel.assignable_units(user).exists(),
    }
    template = "program/task_list_table.html" if _is_htmx(request) else "program/task_list.html"
    return render(request, template, context)


# --------------------------------------------------------------------------- a new task


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def task_create(request):
    """Assign a task: to one unit, to several (a parent task with one child per unit), or
    to every unit of a kind (e.g. all provinces)."""
    user = request.user
    initial = {}
    for name in ("assigning_unit", "source", "source_reference", "title"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    form = forms.TaskCreateForm(request.POST or None, user=user, initial=initial)
    if not form.fields["assigning_unit"].queryset.exists():
        raise AccessDenied()
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            actor = _actor(request)
            leads = list(data.get("lead_units") or [])
            if not leads and data.get("lead_kind"):
                leads = svc.lead_units_of_kind(actor, data["lead_kind"])
                if not leads:
                    form.add_error("lead_kind", _("Không có đơn vị nào thuộc loại này mà bạn được giao nhiệm vụ."))
            if leads:
                try:
                    task = svc.task_create(
                        actor=actor, title=data["title"], assigning_unit=data["assigning_unit"], lead_units=leads,
                        due_date=data["due_date"], start_date=data.get("start_date"),
                        description=data.get("description", ""), source=data["source"],
                        source_reference=data.get("source_reference", ""),
                        supporting_units=list(data.get("supporting_units") or []), assignee=data.get("assignee"),
                        recurrence=data["recurrence"], product=data["product"],
                        product_description=data.get("product_description", ""),
                        target_value=data.get("target_value"), priority=data["priority"],
                    )
                except (DomainError, ValidationError) as exc:
                    _service_errors(form, exc)
                else:
                    if len(leads) > 1:
                        messages.success(request, _("Đã giao nhiệm vụ cho %(n)s đơn vị.") % {"n": len(leads)})
                    else:
                        messages.success(request, _("Đã giao nhiệm vụ."))
                    return redirect(_detail_url(task))
    return render(request, "program/task_form.html", {"form": form, "task": None}, status=status)


# --------------------------------------------------------------------------- one task


def _detail_context(request, task, **bound) -> dict:
    """Everything the task page shows, and a form for each step the user may take
    (`bound` replaces a form by the one just submitted, with its errors)."""
    user = request.user
    children = list(sel.task_children(user, task))
    extensions = list(sel.task_extensions(user, task))
    pending = next((e for e in extensions if e.status == ExtensionRequest.Status.PENDING), None)
    has_children = bool(children) or task.children.exists()
    actions = forms.task_actions(user, task, pending=pending, has_children=has_children)
    parent_visible = None
    if task.parent_id:
        try:
            parent_visible = sel.task_get(user, task.parent_id)
        except NotFound:
            parent_visible = None
    cascade_form = None
    if actions["cascade"]:
        cascade_form = bound.get("cascade_form") or forms.CascadeForm(user=user, task=task)
        if not cascade_form.fields["lead_units"].queryset.exists():
            cascade_form = None
    for child in children:
        child.status_info = _status_of(child)
    context = {
        "task": task,
        "status": _status_of(task),
        "parent_task": parent_visible,
        "children": children,
        "has_children": has_children,
        "child_counts": _count_statuses(children),
        "events": _timeline(sel.task_events(user, task).select_related("actor")),
        "reports": list(sel.task_reports(user, task)),
        "extensions": extensions,
        "pending": pending,
        "supporting": list(task.supporting_units.all()),
        "actions": actions,
        "report_form": (bound.get("report_form") or forms.ReportForm(task=task)) if actions["report"] else None,
        "confirm_form": (bound.get("confirm_form") or forms.NoteForm(prefix="confirm")) if actions["confirm"] else None,
        "accept_form": (bound.get("accept_form") or forms.NoteForm(prefix="accept")) if actions["accept"] else None,
        "return_form": (bound.get("return_form") or forms.ReasonForm(prefix="return")) if actions["return"] else None,
        "cancel_form": (bound.get("cancel_form") or forms.ReasonForm(prefix="cancel")) if actions["cancel"] else None,
        "extension_form": (bound.get("extension_form") or forms.ExtensionRequestForm(task=task)) if actions["extend"] else None,
        "decide_form": (bound.get("decide_form") or forms.ExtensionDecideForm(prefix="decide")) if actions["decide"] else None,
        "cascade_form": cascade_form,
        "open_form": bound.get("open_form", ""),
    }
    return context


def _timeline(events) -> list:
    """The task's events, with the old and new due dates of extensions as dates."""
    out = []
    for ev in events:
        data = ev.data or {}
        ev.old_due = ev.new_due = None
        if data.get("old") and data.get("new"):
            try:
                ev.old_due, ev.new_due = dt.date.fromisoformat(data["old"]), dt.date.fromisoformat(data["new"])
            except (TypeError, ValueError):
                pass
        out.append(ev)
    return out


def _count_statuses(children) -> list[dict]:
    counts: dict[str, int] = {}
    for child in children:
        counts[child.status] = counts.get(child.status, 0) + 1
    return [
        {"code": code, "label": STATUS_LABELS[code], "colour": STATUS_COLOURS[code], "n": counts[code]}
        for code in STATUS_LABELS if code in counts
    ]


@login_required
@domain_errors
def task_detail(request, task_id):
    """One task: its fields and computed status, parent and children, timeline, progress
    reports with evidence, extension requests; the forms of the steps the user may take."""
    task = sel.task_get(request.user, task_id)
    return render(request, "program/task_detail.html", _detail_context(request, task))


def _step(request, task_id, *, form_name: str, make_form, run, success: str):
    """One workflow step posted from the task page. GET goes back to the page; an invalid
    form or a refused step shows the page again with the form and its errors (400)."""
    task = sel.task_get(request.user, task_id)
    if request.method != "POST":
        return redirect(_detail_url(task) + f"#{form_name}")
    form = make_form(task)
    if form.is_valid():
        try:
            run(task, form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(_detail_url(task))
    task = sel.task_get(request.user, task_id)
    context = _detail_context(request, task, **{form_name: form, "open_form": form_name})
    if context.get(form_name) is not form:
        # the step is not (or no longer) open to this user: say so above the page
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return render(request, "program/task_detail.html", context, status=400)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def task_report(request, task_id):
    """Report progress: percentage, what was done, achieved value, period, evidence files."""

    def run(task, data):
        svc.report_create(
            actor=_actor(request), task=task, percent=data["percent"], text=data["text"],
            files=data.get("files") or [], achieved_value=data.get("achieved_value"),
            period_start=data.get("period_start"),
        )

    return _step(
        request, task_id, form_name="report_form",
        make_form=lambda task: forms.ReportForm(request.POST, request.FILES, task=task),
        run=run, success=_("Đã gửi báo cáo tiến độ."),
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def task_confirm(request, task_id):
    """The lead unit's head confirms the task is complete."""
    return _step(
        request, task_id, form_name="confirm_form",
        make_form=lambda task: forms.NoteForm(request.POST, prefix="confirm"),
        run=lambda task, data: svc.task_confirm_completion(actor=_actor(request), task=task, note=data.get("note", "")),
        success=_("Đã xác nhận hoàn thành; chờ đơn vị giao nghiệm thu."),
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def task_accept(request, task_id):
    """The assigning unit accepts the completed task."""
    return _step(
        request, task_id, form_name="accept_form",
        make_form=lambda task: forms.NoteForm(request.POST, prefix="accept"),
        run=lambda task, data: svc.task_accept(actor=_actor(request), task=task, note=data.get("note", "")),
        success=_("Đã nghiệm thu nhiệm vụ."),
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def task_return(request, task_id):
    """The assigning unit returns the task to the lead unit, with a reason."""
    return _step(
        request, task_id, form_name="return_form",
        make_form=lambda task: forms.ReasonForm(request.POST, prefix="return"),
        run=lambda task, data: svc.task_return(actor=_actor(request), task=task, reason=data["reason"]),
        success=_("Đã trả lại nhiệm vụ cho đơn vị chủ trì."),
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def task_cancel(request, task_id):
    """The assigning unit cancels the task (and its open children), with a reason."""
    return _step(
        request, task_id, form_name="cancel_form",
        make_form=lambda task: forms.ReasonForm(request.POST, prefix="cancel"),
        run=lambda task, data: svc.task_cancel(actor=_actor(request), task=task, reason=data["reason"]),
        success=_("Đã huỷ nhiệm vụ."),
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def task_cascade(request, task_id):
    """The lead unit hands the task on to some of its own sub-units."""

    def run(task, data):
        children = svc.task_cascade(
            actor=_actor(request), task=task, lead_units=list(data["lead_units"]), due_date=data.get("due_date"),
        )
        return children

    return _step(
        request, task_id, form_name="cascade_form",
        make_form=lambda task: forms.CascadeForm(request.POST, user=request.user, task=task),
        run=run, success=_("Đã giao tiếp nhiệm vụ cho đơn vị cấp dưới."),
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def task_extension_request(request, task_id):
    """The lead unit asks for a later deadline, saying why."""
    return _step(
        request, task_id, form_name="extension_form",
        make_form=lambda task: forms.ExtensionRequestForm(request.POST, task=task),
        run=lambda task, data: svc.extension_request(
            actor=_actor(request), task=task, new_due_date=data["new_due_date"], reason=data["reason"],
        ),
        success=_("Đã gửi đề nghị gia hạn; chờ đơn vị giao quyết định."),
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def extension_decide(request, extension_id):
    """The assigning unit approves (the due date moves) or refuses, with a note."""
    extension = sel.extension_get(request.user, extension_id)

    def run(task, data):
        svc.extension_decide(
            actor=_actor(request), extension=extension, approve=data["decision"] == "approve",
            note=data.get("note", ""),
        )

    approve = request.POST.get("decide-decision") == "approve"
    return _step(
        request, extension.task_id, form_name="decide_form",
        make_form=lambda task: forms.ExtensionDecideForm(request.POST, prefix="decide"),
        run=run, success=_("Đã đồng ý gia hạn; hạn hoàn thành đã thay đổi.") if approve else _("Đã không đồng ý gia hạn."),
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def extension_withdraw(request, extension_id):
    """The lead unit withdraws its pending request."""
    extension = sel.extension_get(request.user, extension_id)
    task = sel.task_get(request.user, extension.task_id)
    if request.method != "POST":
        return redirect(_detail_url(task) + "#extensions")
    svc.extension_withdraw(actor=_actor(request), extension=extension)
    messages.success(request, _("Đã rút đề nghị gia hạn."))
    return redirect(_detail_url(task))


# --------------------------------------------------------------------------- editing


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def task_edit(request, task_id):
    """Edit a task (the assigning unit), or name its assignee (the lead unit). The due
    date is not editable: it moves only through an approved extension request."""
    user = request.user
    task = sel.task_get(user, task_id)
    actions = forms.task_actions(user, task)
    if not (actions["edit"] or actions["assign"]):
        raise AccessDenied()
    form = forms.TaskEditForm(
        request.POST or None, user=user, task=task, definition=actions["edit"],
        initial=forms.TaskEditForm.initial_for(task),
    )
    concurrency.add_version_field(form, task)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = form.changes(task)
            try:
                if changes:
                    svc.task_update(actor=_actor(request), task=task, version=form.cleaned_data.get("version"),
                                    **changes)
            except concurrency.StaleObject as exc:
                status = concurrency.refuse_stale(form, exc, task)
            except (DomainError, ValidationError) as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu nhiệm vụ.") if changes else _("Không có thay đổi nào."))
                return redirect(_detail_url(task))
    return render(request, "program/task_form.html", {"form": form, "task": task}, status=status)


# --------------------------------------------------------------------------- evidence


@login_required
@domain_errors
def evidence_download(request, evidence_id):
    """An evidence file, to those who may see its task (never a public media URL)."""
    evidence = sel.evidence_get(request.user, evidence_id)
    handle = svc.evidence_open(actor=actor_from_request(request), evidence=evidence)
    return FileResponse(
        handle, as_attachment=True, filename=evidence.name,
        content_type=evidence.content_type or "application/octet-stream",
    )
