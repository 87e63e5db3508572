"""Pages of incidents: the list (filters, keyset pages, htmx-refreshed results) and one
incident's page (header with units and their answers, timeline, comments, tasks with
checklists, observables shown defanged, evidence, related incidents, closure), with the
forms of the steps the user may take and the sections other subdomains contribute
(`views.panels.PANELS`).

Each view parses, calls one selector or service, and renders. A service's error goes next
to the field it names; an incident the user cannot see is a 404 whatever the method.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from vigil.core import concurrency
from vigil.core.access import can
from vigil.core.errors import DomainError, NotFound
from vigil.core.web import get_or_post, is_htmx, map_errors, post_only, submit, web_actor

from ..forms import workflow as forms
from ..models import Incident, IncidentTask
from ..selectors import incidents as sel
from ..selectors import lists
from ..services import comments as comment_svc
from ..services import evidence as evidence_svc
from ..services import observables as obs_svc
from ..services import tasks as task_svc
from ..services import workflow as wf
from . import panels

S = Incident.State


def _detail_url(incident_id, anchor: str = "") -> str:
    url = reverse("incidents:incident_detail", kwargs={"incident_id": incident_id})
    return f"{url}#{anchor}" if anchor else url


# --------------------------------------------------------------------------- the list


@login_required
def incident_list(request):
    """Incidents the user may see, newest first, with filters; "more" pages by cursor
    (no full count over the table: a count capped at 1000 on the first page)."""
    user = request.user
    form = forms.IncidentFilterForm(request.GET or None, user=user)
    try:
        qs = lists.filtered(user, lists.IncidentFilters.parse(user, request.GET, day_first=True))
        page = lists.page_of(qs, cursor=request.GET.get("cursor") or None)
    except DomainError as exc:
        map_errors(form, exc, aliases=forms.SERVICE_ALIASES)
        page = lists.Page(items=[], next_cursor=None, count=0, count_capped=False)
    params = request.GET.copy()
    params.pop("cursor", None)
    context = {"form": form, "page": page, "query": params.urlencode(), "first_page": not request.GET.get("cursor")}
    template = "incidents/_incident_list_table.html" if is_htmx(request) else "incidents/incident_list.html"
    return render(request, template, context)


# --------------------------------------------------------------------------- one incident


def _actions(user, incident) -> dict[str, bool]:
    change = can(user, "change", incident)
    return {
        "change": change,
        "assign": change and incident.state in wf.ASSIGNABLE,
        "transition": change and incident.state in wf.TRANSITIONS,
        "close": change and incident.state == S.RESOLVED,
        "reopen": change and incident.state in wf.REOPENABLE,
        "work": change and incident.is_open,
    }


def _detail_context(request, incident, **bound) -> dict:
    user = request.user
    actions = _actions(user, incident)
    units = list(sel.incident_units(user, incident))
    answerable = {r.pk for r in sel.answerable_units(user, incident)}
    for row in units:
        row.can_answer = row.pk in answerable
    observables = sel.annotate_observables(user, incident, sel.observables(user, incident))
    tasks = list(sel.tasks(user, incident))
    handling = [u for u in _handling_units(incident, units)]
    templates = sel.checklist_templates(incident)
    transition_choices = sorted(wf.TRANSITIONS.get(incident.state, ()))
    systems, systems_hidden = sel.affected_systems(user, incident)
    context = {
        "systems": systems,
        "systems_hidden": systems_hidden,
        "incident": incident,
        "actions": actions,
        "units": units,
        "timeline": list(sel.timeline(user, incident)),
        "comments": list(sel.comments(user, incident)),
        "tasks": tasks,
        "observables": observables,
        "evidence": list(sel.evidence(user, incident)),
        "related": list(sel.related(user, incident)),
        "templates": templates,
        "answer_form": bound.get("answer_form") or forms.AnswerForm(),
        "answer_unit": bound.get("answer_unit"),
        "assign_form": (bound.get("assign_form") or forms.AssignForm(
            user=user, initial={"lead_unit": incident.lead_unit_id or incident.owner_unit_id})) if actions["assign"] else None,
        "transition_form": (bound.get("transition_form") or forms.TransitionForm(choices=transition_choices))
        if actions["transition"] else None,
        "close_form": (bound.get("close_form") or forms.CloseForm()) if actions["close"] else None,
        "reopen_form": (bound.get("reopen_form") or forms.ReasonForm(prefix="reopen")) if actions["reopen"] else None,
        "comment_form": (bound.get("comment_form") or forms.CommentForm()) if actions["change"] else None,
        "task_form": (bound.get("task_form") or forms.TaskForm(units=handling, templates=templates))
        if actions["work"] else None,
        "observable_form": (bound.get("observable_form") or forms.ObservableForm()) if actions["change"] else None,
        "evidence_form": (bound.get("evidence_form") or forms.EvidenceForm()) if actions["change"] else None,
        "related_form": (bound.get("related_form") or forms.RelatedForm()) if actions["change"] else None,
        "open_form": bound.get("open_form", ""),
    }
    for name in panels.PANELS:
        context.update(import_string(name)(request, incident) or {})
    return context


def _handling_units(incident, rows) -> list:
    seen, out = set(), []
    for unit in [incident.owner_unit, incident.lead_unit] + [r.unit for r in rows if r.active and r.answer != "declined"]:
        if unit is not None and unit.pk not in seen:
            seen.add(unit.pk)
            out.append(unit)
    return out


@login_required
def incident_detail(request, incident_id):
    """One incident with everything handled on it, and the forms of the steps the user may take."""
    incident = sel.incident_open(user=request.user, actor=web_actor(request), pk=incident_id)
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident))


def _step(request, incident_id, *, form_name: str, make_form, run, success: str, anchor: str = "", **extra):
    """One step posted from the incident's page: `run(actor, incident, form)` through the
    kit's `submit`. GET goes back to the page; an invalid form or a refused step shows the
    page again with the form and its errors (400)."""
    incident = sel.incident_get(user=request.user, pk=incident_id)
    if request.method != "POST":
        return redirect(_detail_url(incident.pk, anchor))
    form = make_form(incident)

    def page(status):
        fresh = sel.incident_get(user=request.user, pk=incident_id)
        context = _detail_context(request, fresh, **{form_name: form, "open_form": form_name}, **extra)
        if context.get(form_name) is not form:  # the step is no longer offered: say why above the page
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return render(request, "incidents/incident_detail.html", context, status=status)

    return submit(request, form, lambda actor: run(actor, incident, form), success=_detail_url(incident.pk, anchor),
                  message=success, page=page, aliases=forms.SERVICE_ALIASES)


@login_required
@get_or_post
def incident_assign(request, incident_id):
    def run(actor, incident, form):
        d = form.cleaned_data
        wf.incident_assign(actor=actor, incident=incident, lead_unit=d["lead_unit"],
                           supporting_units=list(d.get("supporting_units") or []), note=d.get("note", ""))

    return _step(request, incident_id, form_name="assign_form",
                 make_form=lambda i: forms.AssignForm(request.POST, user=request.user), run=run,
                 success=_("Đã giao xử lý sự cố; chờ các đơn vị trả lời."), anchor="units")


@login_required
@get_or_post
def incident_answer(request, incident_id, incident_unit_id):
    incident = sel.incident_get(user=request.user, pk=incident_id)
    row = sel.incident_unit_get(request.user, incident, incident_unit_id)

    def run(actor, incident, form):
        d = form.cleaned_data
        wf.incident_unit_answer(actor=actor, incident_unit=row, accept=d["decision"] == "accept",
                                reason=d.get("reason", ""))

    accept = request.POST.get("decision") == "accept"
    return _step(request, incident_id, form_name="answer_form", make_form=lambda i: forms.AnswerForm(request.POST),
                 run=run, success=_("Đã nhận xử lý sự cố.") if accept else _("Đã từ chối xử lý sự cố."),
                 anchor="units", answer_unit=row.pk)


@login_required
@get_or_post
def incident_transition(request, incident_id):
    def run(actor, incident, form):
        d = form.cleaned_data
        wf.incident_transition(actor=actor, incident=incident, to_state=d["to_state"],
                               note=d.get("note", ""), resolution=d.get("resolution", ""))

    return _step(request, incident_id, form_name="transition_form",
                 make_form=lambda i: forms.TransitionForm(request.POST, choices=sorted(wf.TRANSITIONS.get(i.state, ()))),
                 run=run, success=_("Đã chuyển trạng thái sự cố."))


@login_required
@get_or_post
def incident_close(request, incident_id):
    def run(actor, incident, form):
        d = form.cleaned_data
        wf.incident_close(actor=actor, incident=incident, root_cause=d["root_cause"],
                          lessons_learned=d["lessons_learned"])

    return _step(request, incident_id, form_name="close_form", make_form=lambda i: forms.CloseForm(request.POST),
                 run=run, success=_("Đã đóng sự cố."))


@login_required
@get_or_post
def incident_reopen(request, incident_id):
    def run(actor, incident, form):
        wf.incident_reopen(actor=actor, incident=incident, reason=form.cleaned_data["reason"])

    return _step(request, incident_id, form_name="reopen_form",
                 make_form=lambda i: forms.ReasonForm(request.POST, prefix="reopen"),
                 run=run, success=_("Đã mở lại sự cố."))


@login_required
@get_or_post
def comment_add(request, incident_id):
    def run(actor, incident, form):
        comment_svc.comment_add(actor=actor, incident=incident, body=form.cleaned_data["body"])

    return _step(request, incident_id, form_name="comment_form", make_form=lambda i: forms.CommentForm(request.POST),
                 run=run, success=_("Đã gửi bình luận."), anchor="comments")


# --------------------------------------------------------------------------- tasks


def _task_form(request, incident):
    units = _handling_units(incident, list(sel.incident_units(request.user, incident)))
    return forms.TaskForm(request.POST, units=units, templates=sel.checklist_templates(incident))


@login_required
@get_or_post
def task_add(request, incident_id):
    def run(actor, incident, form):
        d = form.cleaned_data
        template = next((t for t in sel.checklist_templates(incident) if t.code == d.get("template")), None)
        assignee = None
        if d.get("assignee"):
            from vigil.core import selectors as core_selectors

            try:
                assignee = core_selectors.user_by_username(d["assignee"].strip().lstrip("@"))
            except NotFound:
                raise DomainError(_("Không tìm thấy người thực hiện."), field="assignee") from None
        task_svc.task_create(actor=actor, incident=incident, unit=int(d["unit"]), title=d.get("title", ""),
                             description=d.get("description", ""), assignee=assignee, template=template,
                             items=form.item_lines())

    return _step(request, incident_id, form_name="task_form", make_form=lambda i: _task_form(request, i),
                 run=run, success=_("Đã thêm công việc."), anchor="tasks")


def _task_fragment(request, incident, task: IncidentTask, status: int = 200):
    task = sel.task_get(request.user, incident, task.pk)
    return render(request, "incidents/_detail_task.html",
                  {"incident": incident, "task": task, "actions": _actions(request.user, incident)}, status=status)


@login_required
@post_only
def item_toggle(request, incident_id, incident_task_id, checklist_item_id):
    """Tick or untick a checklist step (htmx swaps the task; a plain post goes back)."""
    incident = sel.incident_get(user=request.user, pk=incident_id)
    task = sel.task_get(request.user, incident, incident_task_id)
    item = sel.item_get(request.user, task, checklist_item_id)
    error = None
    try:
        task_svc.item_set(actor=web_actor(request), item=item, done=not item.done,
                          version=concurrency.expected_version(request.POST.get("version")))
    except DomainError as exc:
        if exc.status == 403:
            raise
        error = exc
    if is_htmx(request):
        return _task_fragment(request, incident, task, status=409 if error else 200)
    if error:
        messages.error(request, str(error.message))
    return redirect(_detail_url(incident.pk, f"task-{task.pk}"))


@login_required
@post_only
def task_complete(request, incident_id, incident_task_id):
    incident = sel.incident_get(user=request.user, pk=incident_id)
    task = sel.task_get(request.user, incident, incident_task_id)
    try:
        task_svc.task_complete(actor=web_actor(request), task=task, force=request.POST.get("force") == "1")
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Công việc đã hoàn thành."))
    return redirect(_detail_url(incident.pk, f"task-{task.pk}"))


@login_required
@post_only
def task_cancel(request, incident_id, incident_task_id):
    incident = sel.incident_get(user=request.user, pk=incident_id)
    task = sel.task_get(request.user, incident, incident_task_id)
    try:
        task_svc.task_cancel(actor=web_actor(request), task=task, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Đã huỷ công việc."))
    return redirect(_detail_url(incident.pk, f"task-{task.pk}"))


# --------------------------------------------------------------------------- observables, evidence, related


@login_required
@get_or_post
def observable_add(request, incident_id):
    def run(actor, incident, form):
        d = form.cleaned_data
        obs_svc.observable_add(actor=actor, incident=incident, value=d["value"], kind=d.get("kind"),
                               note=d.get("note", ""), is_ioc=d.get("is_ioc", False))

    return _step(request, incident_id, form_name="observable_form",
                 make_form=lambda i: forms.ObservableForm(request.POST), run=run,
                 success=_("Đã thêm dấu hiệu."), anchor="observables")


@login_required
@post_only
def observable_remove(request, incident_id, observable_id):
    incident = sel.incident_get(user=request.user, pk=incident_id)
    obs = sel.observable_get(request.user, incident, observable_id)
    obs_svc.observable_remove(actor=web_actor(request), observable=obs)
    messages.success(request, _("Đã xoá dấu hiệu."))
    return redirect(_detail_url(incident.pk, "observables"))


@login_required
@get_or_post
def evidence_upload(request, incident_id):
    def run(actor, incident, form):
        d = form.cleaned_data
        evidence_svc.evidence_upload(actor=actor, incident=incident, upload=d["file"],
                                     description=d.get("description", ""))

    return _step(request, incident_id, form_name="evidence_form",
                 make_form=lambda i: forms.EvidenceForm(request.POST, request.FILES), run=run,
                 success=_("Đã tải lên tệp bằng chứng."), anchor="evidence")


@login_required
def evidence_download(request, incident_id, incident_evidence_id):
    """An evidence file, to those who may see its incident (never a public media URL); audited."""
    incident = sel.incident_get(user=request.user, pk=incident_id)
    ev = sel.evidence_get(request.user, incident_evidence_id, incident=incident)
    handle = evidence_svc.evidence_open(actor=web_actor(request), evidence=ev)
    return FileResponse(handle, as_attachment=True, filename=ev.name,
                        content_type=ev.content_type or "application/octet-stream")


@login_required
@get_or_post
def related_link(request, incident_id):
    def run(actor, incident, form):
        try:
            other = sel.incident_by_reference(user=request.user, reference=form.cleaned_data["reference"])
        except NotFound:
            raise DomainError(_("Không tìm thấy sự cố."), field="reference") from None
        wf.related_link(actor=actor, incident=incident, other=other)

    return _step(request, incident_id, form_name="related_form", make_form=lambda i: forms.RelatedForm(request.POST),
                 run=run, success=_("Đã liên kết sự cố."), anchor="related")


@login_required
@post_only
def related_unlink(request, incident_id, reference):
    incident = sel.incident_get(user=request.user, pk=incident_id)
    other = sel.incident_by_reference(user=request.user, reference=reference)
    wf.related_unlink(actor=web_actor(request), incident=incident, other=other)
    messages.success(request, _("Đã bỏ liên kết sự cố."))
    return redirect(_detail_url(incident.pk, "related"))
