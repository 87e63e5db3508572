"""Writes on tasks: assignment (with the cascade down the tree), progress reports with
evidence, the completion workflow, extensions and cancellation.

The workflow (Task.state) only moves along these steps::

    open ──confirm (lead unit's head)──▶ submitted ──accept (assigning unit)──▶ accepted
      ▲                                      │
      └────────return with a reason──────────┘
    open / submitted ──cancel with a reason (assigning unit)──▶ cancelled

A due date moves only through an approved extension request. A task assigned to many
units is a parent whose progress and state are derived from its children
(`_roll_up`), never reported on directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import access, audit, concurrency
from vigil.core.access import visible_to
from vigil.core.actors import Actor
from vigil.core.dates import parse_date
from vigil.core.directory import unit_ref
from vigil.core.errors import AccessDenied, Conflict, DomainError, NotFound
from vigil.core.uploads import check_upload
from vigil.org.models import Person, Unit

from ..models import (
    Conclusion,
    EvidenceFile,
    ExtensionRequest,
    Finding,
    ProgressReport,
    Task,
    TaskEvent,
    WorkProgramme,
)
from ..status import DONE_STATES, today
from . import workflow_notices as notices

EDITABLE = (
    "title", "description", "source_reference", "priority", "recurrence", "product",
    "product_description", "target_value",
)
MAX_FILES_PER_REPORT = 20


# --------------------------------------------------------------------------- checks


def _require(actor: Actor, action: str, unit: Unit, *, field: str | None = None, message: str = "") -> None:
    if not access.allowed(actor, action, unit):
        raise AccessDenied(message or None, field=field)


def _choice(value, choices, field: str):
    values = [c[0] for c in choices]
    if value not in values:
        raise DomainError(
            _("Giá trị không hợp lệ; chọn một trong: %(v)s.") % {"v": ", ".join(map(str, values))}, field=field
        )
    return value


def _date(value, field: str, label: str) -> dt.date:
    return parse_date(value, field, required=True, label=label)


def _text(value, field: str, label: str, max_length: int | None = None, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("Hãy nhập %(label)s.") % {"label": label}, field=field)
    if max_length and len(value) > max_length:
        raise DomainError(
            _("%(label)s dài quá %(n)s ký tự.") % {"label": label.capitalize(), "n": max_length}, field=field
        )
    return value


def _units(actor: Actor, values: Iterable, field: str) -> list[Unit]:
    """Resolve units (objects or ids) the actor can see; unknown ones name the field."""
    result, seen = [], set()
    for value in values or []:
        unit = unit_ref(actor, value, field=field, active_only=True, bad_input=True)
        if unit.pk not in seen:
            seen.add(unit.pk)
            result.append(unit)
    return result


def _event(task: Task, actor: Actor, kind: str, note: str = "", **data) -> TaskEvent:
    user = actor.author
    return TaskEvent.objects.create(
        task=task, kind=kind, actor=user,
        actor_name=getattr(user, "display_name", "") or (actor.channel if actor else "system"),
        note=note, data=data,
    )


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update(of=("self",)).select_related("lead_unit", "assigning_unit").get(pk=task.pk)


def _require_leaf(task: Task) -> None:
    if task.children.exists():
        raise Conflict(
            _("Nhiệm vụ này đã giao cho nhiều đơn vị; tiến độ được tổng hợp từ các nhiệm vụ con."),
            field="task", code="parent-task",
        )


def _require_state(task: Task, *states: str) -> None:
    if task.state not in states:
        raise Conflict(
            _("Nhiệm vụ đang ở bước “%(state)s”; không thể thực hiện thao tác này.")
            % {"state": task.get_state_display()},
            field="state", code="workflow",
        )


def lead_units_of_kind(actor: Actor, kind_code: str, under: Unit | None = None) -> list[Unit]:
    """Every active unit of a kind (e.g. all provinces) the actor may assign tasks to."""
    qs = Unit.objects.filter(is_active=True, kind__code=kind_code).select_related("kind")
    if under is not None:
        qs = qs.filter(path__startswith=under.path).exclude(pk=under.pk)
    qs = visible_to(actor, qs, "add")
    return list(qs.order_by("path"))


# --------------------------------------------------------------------------- roll-up


def _roll_up(task: Task, actor: Actor) -> None:
    """Derive each ancestor's progress and state from its children (cancelled ones aside)."""
    parent_id = task.parent_id
    while parent_id:
        parent = Task.objects.select_for_update().get(pk=parent_id)
        before = audit.snapshot(parent)
        agg = parent.children.exclude(state=Task.State.CANCELLED).aggregate(
            n=Count("pk"),
            avg=Avg("progress"),
            done=Count("pk", filter=Q(state__in=DONE_STATES)),
            accepted=Count("pk", filter=Q(state=Task.State.ACCEPTED)),
            last=Max("completed_on"),
            last_accepted=Max("accepted_on"),
        )
        if agg["n"] and parent.state != Task.State.CANCELLED:  # a cancelled parent stays so
            parent.progress = round(agg["avg"] or 0)
            if agg["done"] == agg["n"]:
                all_accepted = agg["accepted"] == agg["n"]
                parent.state = Task.State.ACCEPTED if all_accepted else Task.State.SUBMITTED
                parent.completed_on = agg["last"]
                parent.accepted_on = agg["last_accepted"] if all_accepted else None
            else:
                parent.state = Task.State.OPEN
                parent.completed_on = None
                parent.accepted_on = None
        after = audit.snapshot(parent)
        if after != before:
            parent.save(update_fields=["progress", "state", "completed_on", "accepted_on", "updated_at"])
            audit.record(actor=actor, action="program.task.roll_up", obj=parent, before=before, after=audit.snapshot(parent))
        parent_id = parent.parent_id


# --------------------------------------------------------------------------- assignment


def _new_task(actor: Actor, *, lead_unit: Unit, supporting: list[Unit], assignee, **fields) -> Task:
    task = Task(lead_unit=lead_unit, assignee=assignee, created_by=actor.author, **fields)
    task.original_due_date = task.due_date
    task.full_clean()
    task.save()
    if supporting:
        task.supporting_units.set([u for u in supporting if u.pk != lead_unit.pk])
    audit.record(actor=actor, action="program.task.create", obj=task, after=audit.snapshot(task))
    return task


def _check_source(actor: Actor, source: str, conclusion, programme, finding, assigning_unit: Unit) -> None:
    _choice(source, Task.Source.choices, "source")
    links = {"conclusion": (conclusion, Conclusion), "programme": (programme, WorkProgramme), "finding": (finding, Finding)}
    for field, (obj, model) in links.items():
        if obj is None:
            continue
        if not visible_to(actor, model).filter(pk=obj.pk).exists():
            raise DomainError(_("Không tìm thấy nguồn giao nhiệm vụ."), field=field, code="unknown-source")
    if programme is not None and programme.unit_id != assigning_unit.pk:
        raise DomainError(
            _("Nhiệm vụ của chương trình công tác phải do chính đơn vị có chương trình giao."), field="programme"
        )


@transaction.atomic
def task_create(
    *,
    actor: Actor,
    title: str,
    assigning_unit: Unit,
    lead_units: Iterable,
    due_date,
    start_date=None,
    description: str = "",
    source: str = "other",
    conclusion: Conclusion | None = None,
    programme: WorkProgramme | None = None,
    finding: Finding | None = None,
    source_reference: str = "",
    supporting_units: Iterable = (),
    assignee: Person | None = None,
    recurrence: str = "none",
    product: str = "document",
    product_description: str = "",
    target_value: int | None = None,
    priority: int = 2,
) -> Task:
    """Assign a task. One lead unit: one task. Several: a parent (led by the assigning unit)
    with one child per lead unit, created together or not at all."""
    if assigning_unit is None:
        raise DomainError(_("Hãy chọn đơn vị giao nhiệm vụ."), field="assigning_unit")
    _require(actor, "add", assigning_unit, field="assigning_unit",
             message=_("Bạn không có quyền giao nhiệm vụ thay mặt đơn vị %(u)s.") % {"u": assigning_unit})
    title = _text(title, "title", _("tên nhiệm vụ"), 300)
    leads = _units(actor, lead_units, "lead_units")
    if not leads:
        raise DomainError(_("Hãy chọn ít nhất một đơn vị chủ trì."), field="lead_units")
    for unit in leads:
        if not access.allowed(actor, "add", unit):
            raise AccessDenied(
                _("Bạn không có quyền giao nhiệm vụ cho đơn vị %(u)s.") % {"u": unit}, field="lead_units"
            )
    supporting = _units(actor, supporting_units, "supporting_units")
    start = _date(start_date, "start_date", _("ngày bắt đầu")) if start_date else today()
    due = _date(due_date, "due_date", _("hạn hoàn thành"))
    if due < start:
        raise DomainError(_("Hạn hoàn thành không thể trước ngày bắt đầu."), field="due_date")
    if due < today():
        raise DomainError(_("Hạn hoàn thành không thể ở trong quá khứ."), field="due_date")
    _check_source(actor, source, conclusion, programme, finding, assigning_unit)
    _choice(recurrence, Task.Recurrence.choices, "recurrence")
    _choice(product, Task.Product.choices, "product")
    _choice(int(priority), Task.Priority.choices, "priority")
    if assignee is not None and len(leads) > 1:
        raise DomainError(_("Chỉ chọn người được giao khi giao cho một đơn vị."), field="assignee")
    if assignee is not None and assignee.home_unit_id and not assignee.home_unit.path.startswith(leads[0].path):
        raise DomainError(_("Người được giao phải thuộc đơn vị chủ trì."), field="assignee")
    fields = dict(
        title=title, description=(description or "").strip(), source=source, conclusion=conclusion,
        programme=programme, finding=finding, source_reference=(source_reference or "").strip()[:300],
        assigning_unit=assigning_unit, start_date=start, due_date=due, recurrence=recurrence,
        product=product, product_description=(product_description or "").strip()[:500],
        target_value=target_value, priority=int(priority),
    )
    if len(leads) == 1:
        task = _new_task(actor, lead_unit=leads[0], supporting=supporting, assignee=assignee, **fields)
        _event(task, actor, TaskEvent.Kind.CREATED)
        notices.task_assigned(task, actor)
        return task
    parent = _new_task(actor, lead_unit=assigning_unit, supporting=supporting, assignee=None, **fields)
    _event(parent, actor, TaskEvent.Kind.CREATED, units=len(leads))
    for unit in leads:
        child = _new_task(actor, lead_unit=unit, supporting=supporting, assignee=None, parent=parent, **fields)
        _event(child, actor, TaskEvent.Kind.CREATED)
        notices.task_assigned(child, actor)
    return parent


@transaction.atomic
def task_cascade(*, actor: Actor, task: Task, lead_units: Iterable, due_date=None) -> list[Task]:
    """The lead unit hands its task on to some of its own sub-units; the task becomes their
    parent and its progress is derived from theirs from then on."""
    task = _locked(task)
    _require(actor, "add", task.lead_unit, field="lead_units")
    _require_state(task, Task.State.OPEN)
    if task.reports.exists() and not task.children.exists():
        raise Conflict(
            _("Nhiệm vụ đã có báo cáo tiến độ; không thể giao tiếp cho cấp dưới."), field="lead_units"
        )
    leads = _units(actor, lead_units, "lead_units")
    if not leads:
        raise DomainError(_("Hãy chọn ít nhất một đơn vị chủ trì."), field="lead_units")
    existing = set(task.children.values_list("lead_unit_id", flat=True))
    for unit in leads:
        if unit.pk == task.lead_unit_id or not unit.path.startswith(task.lead_unit.path):
            raise DomainError(
                _("Chỉ giao tiếp cho đơn vị cấp dưới của %(u)s; %(x)s không phải.") % {"u": task.lead_unit, "x": unit},
                field="lead_units",
            )
        if unit.pk in existing:
            raise Conflict(_("Đơn vị %(u)s đã được giao nhiệm vụ này.") % {"u": unit}, field="lead_units")
        if not access.allowed(actor, "add", unit):
            raise AccessDenied(_("Bạn không có quyền giao nhiệm vụ cho đơn vị %(u)s.") % {"u": unit}, field="lead_units")
    due = _date(due_date, "due_date", _("hạn hoàn thành")) if due_date else task.due_date
    if due > task.due_date:
        raise DomainError(_("Hạn của cấp dưới không thể sau hạn của nhiệm vụ gốc."), field="due_date")
    if due < today() or due < task.start_date:
        raise DomainError(_("Hạn hoàn thành không thể ở trong quá khứ."), field="due_date")
    supporting = list(task.supporting_units.all())
    children = []
    for unit in leads:
        child = _new_task(
            actor, lead_unit=unit, supporting=supporting, assignee=None, parent=task,
            title=task.title, description=task.description, source=task.source, conclusion=task.conclusion,
            programme=task.programme, finding=task.finding, source_reference=task.source_reference,
            assigning_unit=task.lead_unit, start_date=max(task.start_date, today()), due_date=due,
            recurrence=task.recurrence, product=task.product, product_description=task.product_description,
            target_value=task.target_value, priority=task.priority,
        )
        _event(child, actor, TaskEvent.Kind.CREATED)
        notices.task_assigned(child, actor)
        children.append(child)
    _event(task, actor, TaskEvent.Kind.CASCADED, units=[u.pk for u in leads])
    _roll_up(children[0], actor)
    return children


@transaction.atomic
def task_update(*, actor: Actor, task: Task, version: int | None = None, **changes) -> Task:
    """Edit what a task is. The assigning unit edits its definition; the lead unit may name
    the assignee. The due date never changes here (only through an extension). Only the
    fields given are written; `version` (the one the caller edited) refuses a stale edit."""
    task = _locked(task)
    concurrency.require_version(task, version)
    if "due_date" in changes or "original_due_date" in changes:
        raise DomainError(
            _("Hạn hoàn thành chỉ thay đổi qua đề nghị gia hạn được đơn vị giao đồng ý."), field="due_date"
        )
    unknown = set(changes) - set(EDITABLE) - {"assignee", "supporting_units"}
    if unknown:
        raise DomainError(_("Không sửa được trường: %(f)s.") % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    definition = set(changes) - {"assignee"}
    if definition:
        _require(actor, "change", task.assigning_unit)
    if "assignee" in changes and not (access.allowed(actor, "change", task.lead_unit) or access.allowed(actor, "change", task.assigning_unit)):
        raise AccessDenied(field="assignee")
    _require_state(task, Task.State.OPEN, Task.State.SUBMITTED)
    before = audit.snapshot(task)
    for name in EDITABLE:
        if name in changes:
            value = changes[name]
            if name == "title":
                value = _text(value, "title", _("tên nhiệm vụ"), 300)
            elif name == "priority":
                value = _choice(int(value), Task.Priority.choices, "priority")
            elif name == "recurrence":
                value = _choice(value, Task.Recurrence.choices, "recurrence")
            elif name == "product":
                value = _choice(value, Task.Product.choices, "product")
            elif isinstance(value, str):
                value = value.strip()
            setattr(task, name, value)
    if "assignee" in changes:
        person = changes["assignee"]
        if person is not None and person.home_unit_id and not person.home_unit.path.startswith(task.lead_unit.path):
            raise DomainError(_("Người được giao phải thuộc đơn vị chủ trì."), field="assignee")
        task.assignee = person
    task.full_clean()
    task.save(update_fields=[name for name in (*EDITABLE, "assignee") if name in changes])
    if "supporting_units" in changes:
        units = _units(actor, changes["supporting_units"], "supporting_units")
        task.supporting_units.set([u for u in units if u.pk != task.lead_unit_id])
    after = audit.snapshot(task)
    if "supporting_units" in changes:
        after["supporting_units"] = sorted(task.supporting_units.values_list("pk", flat=True))
    audit.record(actor=actor, action="program.task.update", obj=task, before=before, after=after)
    _event(task, actor, TaskEvent.Kind.EDITED, fields=sorted(changes))
    return task


@transaction.atomic
def task_cancel(*, actor: Actor, task: Task, reason: str) -> Task:
    """The assigning unit cancels a task (and its open children), with a reason."""
    task = _locked(task)
    _require(actor, "change", task.assigning_unit)
    _require_state(task, Task.State.OPEN, Task.State.SUBMITTED)
    reason = _text(reason, "reason", _("lý do huỷ"))
    _cancel_one(actor, task, reason)
    _roll_up(task, actor)
    return task


def _cancel_one(actor: Actor, task: Task, reason: str) -> None:
    """Cancel `task` and, depth first, its children still open or awaiting acceptance."""
    for child in task.children.filter(state__in=[Task.State.OPEN, Task.State.SUBMITTED]):
        _cancel_one(actor, child, reason)
    before = audit.snapshot(task)
    task.state = Task.State.CANCELLED
    task.cancel_reason = reason
    task.save(update_fields=["state", "cancel_reason", "updated_at"])
    audit.record(actor=actor, action="program.task.cancel", obj=task, before=before, after=audit.snapshot(task))
    _event(task, actor, TaskEvent.Kind.CANCELLED, reason)


# --------------------------------------------------------------------------- progress


def period_start_for(task: Task, on: dt.date) -> dt.date | None:
    """The first day of the reporting period (month, quarter, year) containing `on`."""
    if task.recurrence == Task.Recurrence.MONTHLY:
        return on.replace(day=1)
    if task.recurrence == Task.Recurrence.QUARTERLY:
        return on.replace(month=(on.month - 1) // 3 * 3 + 1, day=1)
    if task.recurrence == Task.Recurrence.YEARLY:
        return on.replace(month=1, day=1)
    return None


def _store_evidence(report: ProgressReport, files: list, stored: list) -> list[EvidenceFile]:
    """Save checked uploads; `stored` collects their names so a failed report can remove
    them (files are not rolled back with the database transaction)."""
    out = []
    for upload, checked in files:
        evidence = EvidenceFile(
            report=report, name=checked.name, size=checked.size, sha256=checked.sha256,
            content_type=checked.content_type,
        )
        evidence.file.save(f"{checked.sha256[:12]}-{checked.name[-80:]}", upload, save=False)
        stored.append((evidence.file.storage, evidence.file.name))
        evidence.save()
        out.append(evidence)
    return out


def report_create(
    *,
    actor: Actor,
    task: Task,
    percent,
    text: str,
    files: Iterable = (),
    achieved_value: int | None = None,
    period_start=None,
) -> ProgressReport:
    """The lead unit reports progress (percentage, what was done, evidence files)."""
    stored: list = []
    try:
        return _report_create(actor, task, percent, text, files, achieved_value, period_start, stored)
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise


@transaction.atomic
def _report_create(actor, task, percent, text, files, achieved_value, period_start, stored) -> ProgressReport:
    task = _locked(task)
    _require(actor, "change", task.lead_unit)
    _require_leaf(task)
    _require_state(task, Task.State.OPEN)
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise DomainError(_("Tiến độ phải là số nguyên từ 0 đến 100."), field="percent") from None
    if not 0 <= percent <= 100:
        raise DomainError(_("Tiến độ phải từ 0 đến 100%."), field="percent")
    text = _text(text, "text", _("nội dung báo cáo"))
    if achieved_value is not None and int(achieved_value) < 0:
        raise DomainError(_("Kết quả đạt được không thể âm."), field="achieved_value")
    period = None
    if task.recurrence != Task.Recurrence.NONE:
        on = _date(period_start, "period_start", _("kỳ báo cáo")) if period_start else today()
        period = period_start_for(task, on)
    files = list(files or [])
    if len(files) > MAX_FILES_PER_REPORT:
        raise DomainError(_("Tối đa %(n)s tệp mỗi báo cáo.") % {"n": MAX_FILES_PER_REPORT}, field="files")
    checked = [(f, check_upload(f, field="files")) for f in files]
    report = ProgressReport.objects.create(
        task=task, percent=percent, text=text, achieved_value=achieved_value, period_start=period,
        reported_by=actor.author,
    )
    evidence = _store_evidence(report, checked, stored)
    before = audit.snapshot(task)
    task.progress = percent
    if achieved_value is not None:
        task.achieved_value = int(achieved_value)
    task.save(update_fields=["progress", "achieved_value", "updated_at"])
    audit.record(
        actor=actor, action="program.task.report", obj=task, before=before,
        after={**audit.snapshot(task), "report": report.pk, "evidence": [e.sha256 for e in evidence]},
    )
    _event(task, actor, TaskEvent.Kind.PROGRESS, text[:500], percent=percent, report=report.pk, files=len(evidence))
    _roll_up(task, actor)
    return report


# --------------------------------------------------------------------------- completion


@transaction.atomic
def task_confirm_completion(*, actor: Actor, task: Task, note: str = "") -> Task:
    """The lead unit's head confirms the task is done; the assigning unit then accepts it."""
    task = _locked(task)
    _require(actor, "approve", task.lead_unit,
             message=_("Chỉ lãnh đạo đơn vị chủ trì được xác nhận hoàn thành."))
    _require_leaf(task)
    _require_state(task, Task.State.OPEN)
    before = audit.snapshot(task)
    task.state = Task.State.SUBMITTED
    task.completed_on = today()
    task.progress = 100
    task.save(update_fields=["state", "completed_on", "progress", "updated_at"])
    audit.record(actor=actor, action="program.task.confirm", obj=task, before=before, after=audit.snapshot(task))
    _event(task, actor, TaskEvent.Kind.CONFIRMED, (note or "").strip())
    _roll_up(task, actor)
    notices.task_confirmed(task, actor)
    return task


@transaction.atomic
def task_accept(*, actor: Actor, task: Task, note: str = "") -> Task:
    """The assigning unit accepts the product of a confirmed task."""
    task = _locked(task)
    _require(actor, "approve", task.assigning_unit,
             message=_("Chỉ lãnh đạo đơn vị giao nhiệm vụ được nghiệm thu."))
    _require_leaf(task)
    _require_state(task, Task.State.SUBMITTED)
    before = audit.snapshot(task)
    task.state = Task.State.ACCEPTED
    task.accepted_on = today()
    task.save(update_fields=["state", "accepted_on", "updated_at"])
    audit.record(actor=actor, action="program.task.accept", obj=task, before=before, after=audit.snapshot(task))
    _event(task, actor, TaskEvent.Kind.ACCEPTED, (note or "").strip())
    _roll_up(task, actor)
    notices.task_decided(task, actor, accepted=True, note=(note or "").strip())
    return task


@transaction.atomic
def task_return(*, actor: Actor, task: Task, reason: str) -> Task:
    """The assigning unit returns a confirmed task to the lead unit, saying why."""
    task = _locked(task)
    _require(actor, "approve", task.assigning_unit,
             message=_("Chỉ lãnh đạo đơn vị giao nhiệm vụ được trả lại."))
    _require_leaf(task)
    _require_state(task, Task.State.SUBMITTED)
    reason = _text(reason, "reason", _("lý do trả lại"))
    before = audit.snapshot(task)
    task.state = Task.State.OPEN
    task.completed_on = None
    task.save(update_fields=["state", "completed_on", "updated_at"])
    audit.record(actor=actor, action="program.task.return", obj=task, before=before,
                 after={**audit.snapshot(task), "reason": reason})
    _event(task, actor, TaskEvent.Kind.RETURNED, reason)
    _roll_up(task, actor)
    notices.task_decided(task, actor, accepted=False, note=reason)
    return task


# --------------------------------------------------------------------------- extensions


@transaction.atomic
def extension_request(*, actor: Actor, task: Task, new_due_date, reason: str) -> ExtensionRequest:
    """The lead unit asks the assigning unit for a later deadline."""
    task = _locked(task)
    _require(actor, "change", task.lead_unit)
    _require_leaf(task)
    _require_state(task, Task.State.OPEN)
    new_due = _date(new_due_date, "new_due_date", _("hạn đề nghị"))
    if new_due <= task.due_date:
        raise DomainError(
            _("Hạn đề nghị phải sau hạn hiện tại (%(d)s).") % {"d": task.due_date.strftime("%d/%m/%Y")},
            field="new_due_date",
        )
    reason = _text(reason, "reason", _("lý do gia hạn"))
    try:
        with transaction.atomic():
            ext = ExtensionRequest.objects.create(
                task=task, old_due_date=task.due_date, new_due_date=new_due, reason=reason,
                requested_by=actor.author,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Nhiệm vụ đã có một đề nghị gia hạn đang chờ quyết định."), field="new_due_date", code="pending"
        ) from exc
    audit.record(actor=actor, action="program.extension.request", obj=ext, unit_id=task.lead_unit_id,
                 after=audit.snapshot(ext))
    _event(task, actor, TaskEvent.Kind.EXTENSION_REQUESTED, reason,
           old=task.due_date.isoformat(), new=new_due.isoformat(), extension=ext.pk)
    notices.extension_requested(ext, actor)
    return ext


def _locked_extension(extension: ExtensionRequest) -> ExtensionRequest:
    ext = ExtensionRequest.objects.select_for_update(of=("self",)).select_related("task").get(pk=extension.pk)
    if ext.status != ExtensionRequest.Status.PENDING:
        raise Conflict(_("Đề nghị gia hạn này đã được xử lý."), field="status", code="decided")
    return ext


@transaction.atomic
def extension_decide(*, actor: Actor, extension: ExtensionRequest, approve: bool, note: str = "") -> ExtensionRequest:
    """The assigning unit approves (the due date moves) or refuses (a reason is required)."""
    ext = _locked_extension(extension)
    task = _locked(ext.task)
    _require(actor, "approve", task.assigning_unit,
             message=_("Chỉ lãnh đạo đơn vị giao nhiệm vụ được quyết định gia hạn."))
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError(_("Hãy nêu lý do không đồng ý gia hạn."), field="note")
    before = audit.snapshot(ext)
    ext.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
    ext.decided_by = actor.author
    ext.decided_at = timezone.now()
    ext.decision_note = note
    ext.save()
    audit.record(actor=actor, action="program.extension.decide", obj=ext, unit_id=task.assigning_unit_id,
                 before=before, after=audit.snapshot(ext))
    if approve:
        task_before = audit.snapshot(task)
        task.due_date = ext.new_due_date
        task.save(update_fields=["due_date", "updated_at"])
        audit.record(actor=actor, action="program.task.extend", obj=task, before=task_before, after=audit.snapshot(task))
        _event(task, actor, TaskEvent.Kind.EXTENSION_APPROVED, note,
               old=ext.old_due_date.isoformat(), new=ext.new_due_date.isoformat(), extension=ext.pk)
    else:
        _event(task, actor, TaskEvent.Kind.EXTENSION_REFUSED, note, extension=ext.pk)
    ext.task = task
    notices.extension_decided(ext, actor)
    return ext


@transaction.atomic
def extension_withdraw(*, actor: Actor, extension: ExtensionRequest) -> ExtensionRequest:
    """The lead unit withdraws a pending request."""
    ext = _locked_extension(extension)
    _require(actor, "change", ext.task.lead_unit)
    before = audit.snapshot(ext)
    ext.status = ExtensionRequest.Status.WITHDRAWN
    ext.save(update_fields=["status"])
    audit.record(actor=actor, action="program.extension.withdraw", obj=ext, unit_id=ext.task.lead_unit_id,
                 before=before, after=audit.snapshot(ext))
    return ext



# --------------------------------------------------------------------------- evidence


def evidence_open(*, actor: Actor, evidence: EvidenceFile):
    """Open an evidence file for download (the caller found it through the access layer);
    each download is written to the audit log, like every other file leaving Vigil."""
    try:
        handle = evidence.file.storage.open(evidence.file.name, "rb")
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound(_("Tệp minh chứng không còn trên máy chủ."), field="evidence_id") from exc
    audit.record(
        actor=actor, action="program.evidence.export", obj=evidence,
        unit_id=evidence.report.task.lead_unit_id,
        after={"file": evidence.file.name, "sha256": evidence.sha256},
    )
    return handle
