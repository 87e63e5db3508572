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
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import concurrency
from vigil.core.errors import AccessDenied, DomainError, NotFound
from vigil.core.web import get_or_post, is_htmx, map_errors, submit, web_actor

from ..forms import tasks as forms
from ..models import ExtensionRequest
from ..selectors import tasks as sel
from ..services import tasks as svc
from ..status import STATUS_COLOURS, STATUS_LABELS

PAGE_SIZE = 50


# --------------------------------------------------------------------------- helpers


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _detail_url(task) -> str:
    return reverse("program:task_detail", kwargs={"task_id": task.pk})


def _status_of(task) -> dict:
    return {"code": task.status, "label": STATUS_LABELS[task.status], "colour": STATUS_COLOURS[task.status]}


# --------------------------------------------------------------------------- the list


@login_required
def task_list(request):
    """Tasks the user may see: filters by text, computed status, source, unit (and its
    subtree) and the unit's relation to the task, due dates; paginated."""
    user = request.user
    form = forms.TaskFilterForm(request.GET or None, user=user)
    try:
        qs = sel.filtered(user, sel.TaskFilters.parse(user, request.GET, day_first=True))
    except DomainError as exc:  # a value the form let through but the selector refuses
        map_errors(form, exc, aliases=forms.SERVICE_ALIASES)
        qs = sel.task_list(user).none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form, "page": page, "query": _query_without_page(request),
        "can_create": sel.assignable_units(user).exists(),
    }
    template = "program/task_list_table.html" if is_htmx(request) else "program/task_list.html"
    return render(request, template, context)


# --------------------------------------------------------------------------- a new task


@login_required
@get_or_post
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

    def save(actor):
        data = form.cleaned_data
        leads = list(data.get("lead_units") or [])
        if not leads and data.get("lead_kind"):
            leads = svc.lead_units_of_kind(actor, data["lead_kind"])
            if not leads:
                raise DomainError(_("Không có đơn vị nào thuộc loại này mà bạn được giao nhiệm vụ."), field="lead_kind")
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
        return task, len(leads)

    return submit(
        request, form, save, success=lambda created: _detail_url(created[0]),
        message=lambda created: ngettext(
            "Đã giao nhiệm vụ cho %(n)s đơn vị.", "Đã giao nhiệm vụ cho %(n)s đơn vị.", created[1],
        ) % {"n": created[1]} if created[1] > 1
        else _("Đã giao nhiệm vụ."),
        template="program/task_form.html", context={"task": None}, aliases=forms.SERVICE_ALIASES,
    )


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
def task_detail(request, task_id):
    """One task: its fields and computed status, parent and children, timeline, progress
    reports with evidence, extension requests; the forms of the steps the user may take."""
    task = sel.task_get(request.user, task_id)
    return render(request, "program/task_detail.html", _detail_context(request, task))


def _step(request, task_id, *, form_name: str, make_form, run, success: str):
    """One workflow step posted from the task page: `run(actor, task, data)` through the
    kit's `submit`. GET goes back to the page; an invalid form or a refused step shows the
    page again with the form and its errors (400)."""
    task = sel.task_get(request.user, task_id)
    if request.method != "POST":
        return redirect(_detail_url(task) + f"#{form_name}")
    form = make_form(task)

    def page(status):
        fresh = sel.task_get(request.user, task_id)
        context = _detail_context(request, fresh, **{form_name: form, "open_form": form_name})
        if context.get(form_name) is not form:
            # the step is not (or no longer) open to this user: say so above the page
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return render(request, "program/task_detail.html", context, status=status)

    return submit(request, form, lambda actor: run(actor, task, form.cleaned_data), success=_detail_url(task),
                  message=success, page=page, aliases=forms.SERVICE_ALIASES)


@login_required
@get_or_post
def task_report(request, task_id):
    """Report progress: percentage, what was done, achieved value, period, evidence files."""

    def run(actor, task, data):
        svc.report_create(
            actor=actor, task=task, percent=data["percent"], text=data["text"],
            files=data.get("files") or [], achieved_value=data.get("achieved_value"),
            period_start=data.get("period_start"),
        )

    return _step(
        request, task_id, form_name="report_form",
        make_form=lambda task: forms.ReportForm(request.POST, request.FILES, task=task),
        run=run, success=_("Đã gửi báo cáo tiến độ."),
    )


@login_required
@get_or_post
def task_confirm(request, task_id):
    """The lead unit's head confirms the task is complete."""
    return _step(
        request, task_id, form_name="confirm_form",
        make_form=lambda task: forms.NoteForm(request.POST, prefix="confirm"),
        run=lambda actor, task, data: svc.task_confirm_completion(actor=actor, task=task, note=data.get("note", "")),
        success=_("Đã xác nhận hoàn thành; chờ đơn vị giao nghiệm thu."),
    )


@login_required
@get_or_post
def task_accept(request, task_id):
    """The assigning unit accepts the completed task."""
    return _step(
        request, task_id, form_name="accept_form",
        make_form=lambda task: forms.NoteForm(request.POST, prefix="accept"),
        run=lambda actor, task, data: svc.task_accept(actor=actor, task=task, note=data.get("note", "")),
        success=_("Đã nghiệm thu nhiệm vụ."),
    )


@login_required
@get_or_post
def task_return(request, task_id):
    """The assigning unit returns the task to the lead unit, with a reason."""
    return _step(
        request, task_id, form_name="return_form",
        make_form=lambda task: forms.ReasonForm(request.POST, prefix="return"),
        run=lambda actor, task, data: svc.task_return(actor=actor, task=task, reason=data["reason"]),
        success=_("Đã trả lại nhiệm vụ cho đơn vị chủ trì."),
    )


@login_required
@get_or_post
def task_cancel(request, task_id):
    """The assigning unit cancels the task (and its open children), with a reason."""
    return _step(
        request, task_id, form_name="cancel_form",
        make_form=lambda task: forms.ReasonForm(request.POST, prefix="cancel"),
        run=lambda actor, task, data: svc.task_cancel(actor=actor, task=task, reason=data["reason"]),
        success=_("Đã huỷ nhiệm vụ."),
    )


@login_required
@get_or_post
def task_cascade(request, task_id):
    """The lead unit hands the task on to some of its own sub-units."""

    def run(actor, task, data):
        children = svc.task_cascade(
            actor=actor, task=task, lead_units=list(data["lead_units"]), due_date=data.get("due_date"),
        )
        return children

    return _step(
        request, task_id, form_name="cascade_form",
        make_form=lambda task: forms.CascadeForm(request.POST, user=request.user, task=task),
        run=run, success=_("Đã giao tiếp nhiệm vụ cho đơn vị cấp dưới."),
    )


@login_required
@get_or_post
def task_extension_request(request, task_id):
    """The lead unit asks for a later deadline, saying why."""
    return _step(
        request, task_id, form_name="extension_form",
        make_form=lambda task: forms.ExtensionRequestForm(request.POST, task=task),
        run=lambda actor, task, data: svc.extension_request(
            actor=actor, task=task, new_due_date=data["new_due_date"], reason=data["reason"],
        ),
        success=_("Đã gửi đề nghị gia hạn; chờ đơn vị giao quyết định."),
    )


@login_required
@get_or_post
def extension_decide(request, extension_id):
    """The assigning unit approves (the due date moves) or refuses, with a note."""
    extension = sel.extension_get(request.user, extension_id)

    def run(actor, task, data):
        svc.extension_decide(
            actor=actor, extension=extension, approve=data["decision"] == "approve",
            note=data.get("note", ""),
        )

    approve = request.POST.get("decide-decision") == "approve"
    return _step(
        request, extension.task_id, form_name="decide_form",
        make_form=lambda task: forms.ExtensionDecideForm(request.POST, prefix="decide"),
        run=run, success=_("Đã đồng ý gia hạn; hạn hoàn thành đã thay đổi.") if approve else _("Đã không đồng ý gia hạn."),
    )


@login_required
@get_or_post
def extension_withdraw(request, extension_id):
    """The lead unit withdraws its pending request."""
    extension = sel.extension_get(request.user, extension_id)
    task = sel.task_get(request.user, extension.task_id)
    if request.method != "POST":
        return redirect(_detail_url(task) + "#extensions")
    svc.extension_withdraw(actor=web_actor(request), extension=extension)
    messages.success(request, _("Đã rút đề nghị gia hạn."))
    return redirect(_detail_url(task))


# --------------------------------------------------------------------------- editing


@login_required
@get_or_post
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

    def save(actor):
        changes = form.changes(task)
        if changes:
            svc.task_update(actor=actor, task=task, version=form.cleaned_data.get("version"), **changes)
        return bool(changes)

    return submit(
        request, form, save, success=_detail_url(task),
        message=lambda changed: _("Đã lưu nhiệm vụ.") if changed else _("Không có thay đổi nào."),
        template="program/task_form.html", context={"task": task}, obj=task, aliases=forms.SERVICE_ALIASES,
    )


# --------------------------------------------------------------------------- evidence


@login_required
def evidence_download(request, evidence_id):
    """An evidence file, to those who may see its task (never a public media URL)."""
    evidence = sel.evidence_get(request.user, evidence_id)
    handle = svc.evidence_open(actor=web_actor(request), evidence=evidence)
    return FileResponse(
        handle, as_attachment=True, filename=evidence.name,
        content_type=evidence.content_type or "application/octet-stream",
    )
