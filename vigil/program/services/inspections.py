"""Writes on inspections: the plan (an inspection of some units by the unit that oversees
them), its targets, its findings, the recommendations that become tasks, and the
follow-up until every finding and then the inspection are closed.

The inspection's status only moves along::

    planned ──▶ in_progress ──▶ reported ──▶ closed
                     ▲               │
                     └── reopen ─────┘   (with a reason)

An inspection moves to `reported` once its conclusion (summary) is written, and is
closed only when every finding is closed. A finding is closed (with a note) only when
all of its tasks are done or cancelled, unless the closer states why it may close anyway.

Every write needs `change` on the inspection (its inspecting unit); creating one needs
`add` on the inspecting unit, and a target must be a unit that unit oversees (in its
subtree, or anywhere for the committee office and the standing agency) on which the
actor holds `add` too. Every write is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import access, audit, concurrency
from vigil.core.access import visible_to
from vigil.core.actors import Actor
from vigil.core.dates import parse_date
from vigil.core.directory import unit_ref
from vigil.core.errors import AccessDenied, Conflict, DomainError, NotFound
from vigil.core.refs import is_pk
from vigil.org.models import Person, Unit

from ..models import Finding, Inspection, InspectionTarget, Task
from ..status import CANCELLED, DONE_LATE, DONE_ON_TIME, status_expression

S = Inspection.Status
# The only moves of an inspection's status; reopening (reported → in_progress) needs a reason.
TRANSITIONS = Inspection.TRANSITIONS
REOPEN = (S.REPORTED, S.IN_PROGRESS)
# Statuses of a finding's tasks that let the finding be closed.
FOLLOWED_UP = (DONE_ON_TIME, DONE_LATE, CANCELLED)
INSPECTION_FIELDS = ("title", "year", "planned_start", "planned_end", "scope", "lead_inspector", "summary")
FINDING_FIELDS = ("unit", "text", "severity", "recommendation")
MIN_YEAR, MAX_YEAR = 2000, 2100


# --------------------------------------------------------------------------- checks


def _text(value, field: str, label: str, *, max_length: int | None = None, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        raise DomainError(_("Hãy nhập %(label)s.") % {"label": label}, field=field)
    if max_length and len(value) > max_length:
        raise DomainError(
            _("%(label)s dài quá %(n)s ký tự.") % {"label": label.capitalize(), "n": max_length}, field=field
        )
    return value


def _date(value, field: str, label: str, *, required: bool = True) -> dt.date | None:
    return parse_date(value, field, required=required, label=label)


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = None
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(
            _("Năm kế hoạch phải là số từ %(a)s đến %(b)s.") % {"a": MIN_YEAR, "b": MAX_YEAR}, field="year"
        )
    return year


def _severity(value) -> int:
    try:
        severity = int(value)
    except (TypeError, ValueError):
        severity = None
    if severity not in Finding.Severity.values:
        raise DomainError(
            _("Mức độ phải là một trong: %(v)s.")
            % {"v": ", ".join(f"{v} ({label})" for v, label in Finding.Severity.choices)},
            field="severity",
        )
    return severity


def _check_plan_dates(inspection: Inspection) -> None:
    if inspection.planned_end < inspection.planned_start:
        raise DomainError(_("Ngày kết thúc không thể trước ngày bắt đầu."), field="planned_end")
    if inspection.planned_start.year != inspection.year:
        raise DomainError(
            _("Ngày bắt đầu dự kiến phải thuộc năm kế hoạch %(y)s.") % {"y": inspection.year},
            field="planned_start",
        )


def _lead_inspector(actor: Actor, person) -> Person | None:
    if person in (None, ""):
        return None
    pk = person.pk if isinstance(person, Person) else person
    qs = Person.objects.filter(is_active=True)
    qs = visible_to(actor, qs)
    found = qs.filter(pk=pk).first() if is_pk(pk) else None
    if found is None:
        raise DomainError(_("Không tìm thấy cán bộ %(p)s.") % {"p": person}, field="lead_inspector")
    return found


def _unit(actor: Actor, value, field: str) -> Unit:
    """An active unit (object, id or code) the actor can see; otherwise an error naming `field`."""
    if value in (None, ""):
        raise DomainError(_("Hãy chọn đơn vị."), field=field)
    return unit_ref(actor, value, field=field, active_only=True, bad_input=True)


def _check_target(actor: Actor, inspection: Inspection, unit: Unit) -> None:
    if unit.pk == inspection.inspecting_unit_id:
        raise DomainError(_("Đơn vị kiểm tra không thể tự kiểm tra chính mình."), field="unit")
    if not inspection.may_target(unit):
        raise DomainError(
            _("%(u)s không thuộc phạm vi quản lý của %(i)s; chỉ kiểm tra được đơn vị cấp dưới.")
            % {"u": unit.display_name, "i": inspection.inspecting_unit.display_name},
            field="unit",
        )
    if not access.allowed(actor, "add", unit):
        raise AccessDenied(
            _("Bạn không có quyền kiểm tra đơn vị %(u)s.") % {"u": unit.display_name}, field="unit"
        )


def _require_status(inspection: Inspection, *statuses: str, field: str = "status") -> None:
    if inspection.status not in statuses:
        raise Conflict(
            _("Đợt kiểm tra đang ở trạng thái “%(s)s”; không thể thực hiện thao tác này.")
            % {"s": inspection.get_status_display()},
            field=field, code="workflow",
        )


def _locked(inspection: Inspection) -> Inspection:
    # Only the inspection's own row is locked (PostgreSQL refuses FOR UPDATE across the
    # outer join to an optional lead inspector); its relations load on first use.
    return Inspection.objects.select_for_update().get(pk=inspection.pk)


def _locked_finding(finding: Finding) -> Finding:
    return Finding.objects.select_for_update().get(pk=finding.pk)


def _snapshot_inspection(inspection: Inspection) -> dict:
    data = audit.snapshot(inspection)
    data["targets"] = sorted(inspection.target_rows.values_list("unit_id", flat=True))
    return data


def follow_up_tasks(finding: Finding):
    """The finding's own tasks (children handed on by a lead unit carry the same finding;
    their parent already stands for them), each annotated with its computed `status`."""
    return (
        Task.objects.filter(finding=finding)
        .exclude(parent__finding=finding)
        .annotate(status=status_expression())
    )


# --------------------------------------------------------------------------- inspections


@transaction.atomic
def inspection_create(
    *,
    actor: Actor,
    inspecting_unit: Unit,
    title: str,
    year: int,
    planned_start,
    planned_end,
    scope: str = "",
    lead_inspector: Person | None = None,
    targets: Iterable = (),
) -> Inspection:
    """Plan an inspection by `inspecting_unit` (`add` there) of `targets` (units it oversees)."""
    if inspecting_unit is None:
        raise DomainError(_("Hãy chọn đơn vị kiểm tra."), field="inspecting_unit")
    if not access.allowed(actor, "add", inspecting_unit):
        raise AccessDenied(
            _("Bạn không có quyền lập kế hoạch kiểm tra của đơn vị %(u)s.") % {"u": inspecting_unit.display_name},
            field="inspecting_unit",
        )
    inspection = Inspection(
        inspecting_unit=inspecting_unit,
        title=" ".join(_text(title, "title", _("tên đợt kiểm tra"), max_length=300).split()),
        year=_year(year),
        planned_start=_date(planned_start, "planned_start", _("ngày bắt đầu dự kiến")),
        planned_end=_date(planned_end, "planned_end", _("ngày kết thúc dự kiến")),
        scope=_text(scope, "scope", _("nội dung kiểm tra"), required=False),
        lead_inspector=_lead_inspector(actor, lead_inspector),
        created_by=actor.author,
    )
    _check_plan_dates(inspection)
    inspection.full_clean()
    inspection.save()
    seen = set()
    for value in targets or ():
        unit = _unit(actor, value, "targets")
        if unit.pk in seen:
            continue
        seen.add(unit.pk)
        try:
            _check_target(actor, inspection, unit)
        except DomainError as exc:
            raise type(exc)(exc.message, field="targets", code=exc.code) from exc
        InspectionTarget.objects.create(inspection=inspection, unit=unit)
    audit.record(actor=actor, action="program.inspection.create", obj=inspection, after=_snapshot_inspection(inspection))
    return inspection


@transaction.atomic
def inspection_update(*, actor: Actor, inspection: Inspection, version: int | None = None, **changes) -> Inspection:
    """Change the plan's fields or write the conclusion (`summary`); not once closed."""
    unknown = set(changes) - set(INSPECTION_FIELDS)
    if unknown:
        raise DomainError(_("Trường không hợp lệ: %(f)s") % {"f": ", ".join(sorted(unknown))})
    access.require(actor, "change", inspection)
    inspection = _locked(inspection)
    concurrency.require_version(inspection, version)
    _require_status(inspection, S.PLANNED, S.IN_PROGRESS, S.REPORTED)
    before = _snapshot_inspection(inspection)
    if "title" in changes:
        inspection.title = " ".join(_text(changes["title"], "title", _("tên đợt kiểm tra"), max_length=300).split())
    if "year" in changes:
        inspection.year = _year(changes["year"])
    if "planned_start" in changes:
        inspection.planned_start = _date(changes["planned_start"], "planned_start", _("ngày bắt đầu dự kiến"))
    if "planned_end" in changes:
        inspection.planned_end = _date(changes["planned_end"], "planned_end", _("ngày kết thúc dự kiến"))
    if "scope" in changes:
        inspection.scope = _text(changes["scope"], "scope", _("nội dung kiểm tra"), required=False)
    if "lead_inspector" in changes:
        inspection.lead_inspector = _lead_inspector(actor, changes["lead_inspector"])
    if "summary" in changes:
        summary = _text(changes["summary"], "summary", _("kết luận kiểm tra"), required=False)
        if not summary and inspection.status == S.REPORTED:
            raise DomainError(
                _("Đợt kiểm tra đã có kết luận; không thể xoá trắng kết luận kiểm tra."), field="summary"
            )
        inspection.summary = summary
    _check_plan_dates(inspection)
    inspection.full_clean()
    inspection.save()
    after = _snapshot_inspection(inspection)
    if after != before:
        audit.record(actor=actor, action="program.inspection.update", obj=inspection, before=before, after=after)
    return inspection


@transaction.atomic
def inspection_transition(*, actor: Actor, inspection: Inspection, status: str, reason: str = "") -> Inspection:
    """Move the inspection along its workflow (see the module docstring). Going to
    `reported` needs the conclusion written; `closed`, every finding closed; going back
    from `reported` to `in_progress`, a reason."""
    access.require(actor, "change", inspection)
    if status not in S.values:
        raise DomainError(
            _("Trạng thái không hợp lệ; chọn một trong: %(v)s.") % {"v": ", ".join(S.values)}, field="status"
        )
    inspection = _locked(inspection)
    current = inspection.status
    if status not in TRANSITIONS[current]:
        allowed = ", ".join(str(S(s).label) for s in TRANSITIONS[current]) or _("không còn bước nào")
        raise Conflict(
            _("Không thể chuyển đợt kiểm tra từ “%(a)s” sang “%(b)s”; bước tiếp theo được phép: %(c)s.")
            % {"a": S(current).label, "b": S(status).label, "c": allowed},
            field="status", code="workflow",
        )
    reason = _text(reason, "reason", _("lý do"), max_length=2000, required=(current, status) == REOPEN)
    if status == S.IN_PROGRESS and current == S.PLANNED and not inspection.target_rows.exists():
        raise DomainError(_("Hãy thêm ít nhất một đơn vị được kiểm tra trước khi bắt đầu."), field="targets")
    if status == S.REPORTED and not inspection.summary.strip():
        raise DomainError(_("Hãy viết kết luận kiểm tra trước khi chuyển sang “đã có kết luận”."), field="summary")
    if status == S.CLOSED:
        still_open = inspection.findings.filter(status=Finding.Status.OPEN).order_by("number")
        if still_open.exists():
            numbers = ", ".join(str(n) for n in still_open.values_list("number", flat=True)[:20])
            raise Conflict(
                _("Còn phát hiện chưa đóng (số %(n)s); chỉ đóng đợt kiểm tra khi mọi phát hiện đã được đóng.")
                % {"n": numbers},
                field="status", code="open-findings",
            )
    before = _snapshot_inspection(inspection)
    inspection.status = status
    inspection.closed_at = timezone.now() if status == S.CLOSED else None
    inspection.save(update_fields=["status", "closed_at"])
    after = {**_snapshot_inspection(inspection), "from": current}
    if reason:
        after["reason"] = reason
    audit.record(actor=actor, action="program.inspection.status", obj=inspection, before=before, after=after)
    return inspection


# --------------------------------------------------------------------------- targets


@transaction.atomic
def target_add(
    *, actor: Actor, inspection: Inspection, unit, visited_on=None, note: str = ""
) -> InspectionTarget:
    """Add a unit to inspect (before the inspection has reported)."""
    access.require(actor, "change", inspection)
    inspection = _locked(inspection)
    _require_status(inspection, S.PLANNED, S.IN_PROGRESS)
    unit = _unit(actor, unit, "unit")
    _check_target(actor, inspection, unit)
    if inspection.target_rows.filter(unit=unit).exists():
        raise Conflict(_("Đơn vị này đã có trong đợt kiểm tra."), field="unit", code="duplicate")
    target = InspectionTarget(
        inspection=inspection, unit=unit,
        visited_on=_date(visited_on, "visited_on", _("ngày kiểm tra"), required=False),
        note=_text(note, "note", _("ghi chú"), max_length=300, required=False),
    )
    target.full_clean()
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:
        raise Conflict(_("Đơn vị này đã có trong đợt kiểm tra."), field="unit", code="duplicate") from exc
    audit.record(
        actor=actor, action="program.inspection.target_add", obj=inspection,
        after={"target": target.pk, **audit.snapshot(target)},
    )
    return target


@transaction.atomic
def target_update(*, actor: Actor, target: InspectionTarget, version: int | None = None, **changes) -> InspectionTarget:
    """Record the visit date and a note for a target (until the inspection is closed)."""
    unknown = set(changes) - {"visited_on", "note"}
    if unknown:
        raise DomainError(_("Trường không hợp lệ: %(f)s") % {"f": ", ".join(sorted(unknown))})
    access.require(actor, "change", target.inspection)
    inspection = _locked(target.inspection)
    _require_status(inspection, S.PLANNED, S.IN_PROGRESS, S.REPORTED)
    target = InspectionTarget.objects.select_for_update().get(pk=target.pk)
    concurrency.require_version(target, version)
    before = audit.snapshot(target)
    if "visited_on" in changes:
        target.visited_on = _date(changes["visited_on"], "visited_on", _("ngày kiểm tra"), required=False)
    if "note" in changes:
        target.note = _text(changes["note"], "note", _("ghi chú"), max_length=300, required=False)
    target.full_clean()
    target.save(update_fields=[f for f in ("visited_on", "note") if f in changes])
    after = audit.snapshot(target)
    if after != before:
        audit.record(actor=actor, action="program.inspection.target_update", obj=inspection, before=before, after=after)
    return target


@transaction.atomic
def target_remove(*, actor: Actor, target: InspectionTarget) -> None:
    """Take a unit off the inspection (before it has reported, and only without findings)."""
    access.require(actor, "change", target.inspection)
    inspection = _locked(target.inspection)
    _require_status(inspection, S.PLANNED, S.IN_PROGRESS)
    target = InspectionTarget.objects.select_related("unit").filter(pk=target.pk, inspection=inspection).first()
    if target is None:
        raise NotFound(_("Không tìm thấy đơn vị này trong đợt kiểm tra."), field="target_id")
    if inspection.findings.filter(unit_id=target.unit_id).exists():
        raise Conflict(
            _("Đã có phát hiện tại %(u)s; không thể bỏ đơn vị này khỏi đợt kiểm tra.") % {"u": target.unit.display_name},
            field="unit", code="has-findings",
        )
    data = audit.snapshot(target)
    target.delete()
    audit.record(actor=actor, action="program.inspection.target_remove", obj=inspection, before=data)


# --------------------------------------------------------------------------- findings


def _finding_unit(actor: Actor, inspection: Inspection, unit) -> Unit:
    unit = _unit(actor, unit, "unit")
    if not inspection.target_rows.filter(unit=unit).exists():
        raise DomainError(
            _("%(u)s không phải là đơn vị được kiểm tra trong đợt này.") % {"u": unit.display_name}, field="unit"
        )
    return unit


@transaction.atomic
def finding_create(
    *,
    actor: Actor,
    inspection: Inspection,
    unit,
    text: str,
    severity: int = Finding.Severity.MEDIUM,
    recommendation: str = "",
    number: int | None = None,
) -> Finding:
    """Record a finding at one of the inspection's targets, numbered in the inspection
    (the next number unless one is given). Only once the inspection has started."""
    access.require(actor, "change", inspection)
    inspection = _locked(inspection)
    if inspection.status == S.PLANNED:
        raise Conflict(
            _("Đợt kiểm tra chưa bắt đầu; hãy chuyển sang “đang kiểm tra” trước khi ghi phát hiện."),
            field="status", code="workflow",
        )
    _require_status(inspection, S.IN_PROGRESS, S.REPORTED)
    unit = _finding_unit(actor, inspection, unit)
    if number in (None, ""):
        number = (inspection.findings.aggregate(m=Max("number"))["m"] or 0) + 1
    else:
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            raise DomainError(_("Số thứ tự phải là số nguyên dương."), field="number")
        if inspection.findings.filter(number=number).exists():
            raise Conflict(_("Đợt kiểm tra đã có phát hiện mang số này."), field="number", code="duplicate")
    finding = Finding(
        inspection=inspection, unit=unit, number=number,
        text=_text(text, "text", _("nội dung phát hiện")),
        severity=_severity(severity),
        recommendation=_text(recommendation, "recommendation", _("kiến nghị"), required=False),
    )
    finding.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            finding.save()
    except IntegrityError as exc:
        raise Conflict(_("Đợt kiểm tra đã có phát hiện mang số này."), field="number", code="duplicate") from exc
    audit.record(actor=actor, action="program.finding.create", obj=finding, after=audit.snapshot(finding))
    return finding


def _require_finding_open(finding: Finding) -> None:
    if finding.status != Finding.Status.OPEN:
        raise Conflict(_("Phát hiện đã được đóng; không thể thay đổi."), field="status", code="closed")


@transaction.atomic
def finding_update(*, actor: Actor, finding: Finding, version: int | None = None, **changes) -> Finding:
    """Change an open finding's text, severity, recommendation or unit (not once it has tasks)."""
    unknown = set(changes) - set(FINDING_FIELDS)
    if unknown:
        raise DomainError(_("Trường không hợp lệ: %(f)s") % {"f": ", ".join(sorted(unknown))})
    access.require(actor, "change", finding)
    inspection = _locked(finding.inspection)
    _require_status(inspection, S.IN_PROGRESS, S.REPORTED)
    finding = _locked_finding(finding)
    concurrency.require_version(finding, version)
    _require_finding_open(finding)
    before = audit.snapshot(finding)
    if "unit" in changes:
        unit = _finding_unit(actor, inspection, changes["unit"])
        if unit.pk != finding.unit_id and Task.objects.filter(finding=finding).exists():
            raise Conflict(
                _("Kiến nghị đã được giao thành nhiệm vụ; không thể đổi đơn vị của phát hiện."),
                field="unit", code="has-tasks",
            )
        finding.unit = unit
    if "text" in changes:
        finding.text = _text(changes["text"], "text", _("nội dung phát hiện"))
    if "severity" in changes:
        finding.severity = _severity(changes["severity"])
    if "recommendation" in changes:
        finding.recommendation = _text(changes["recommendation"], "recommendation", _("kiến nghị"), required=False)
    finding.full_clean(validate_constraints=False)
    finding.save()
    after = audit.snapshot(finding)
    if after != before:
        audit.record(actor=actor, action="program.finding.update", obj=finding, before=before, after=after)
    return finding


@transaction.atomic
def finding_delete(*, actor: Actor, finding: Finding) -> None:
    """Delete a finding recorded by mistake (open, without tasks, inspection not closed)."""
    access.require(actor, "change", finding)
    inspection = _locked(finding.inspection)
    _require_status(inspection, S.IN_PROGRESS, S.REPORTED)
    finding = _locked_finding(finding)
    _require_finding_open(finding)
    if Task.objects.filter(finding=finding).exists():
        raise Conflict(
            _("Kiến nghị đã được giao thành nhiệm vụ; không thể xoá phát hiện."), field="tasks", code="has-tasks"
        )
    data = audit.snapshot(finding)
    audit.record(actor=actor, action="program.finding.delete", obj=finding, before=data)
    finding.delete()


def default_task_title(finding: Finding) -> str:
    """A task title from the recommendation's first line (what the page pre-fills)."""
    first = (finding.recommendation or finding.text).strip().splitlines()[0] if (finding.recommendation or finding.text).strip() else ""
    title = _("Thực hiện kiến nghị %(n)s: %(t)s") % {"n": finding.number, "t": first}
    return title if len(title) <= 300 else title[:299] + "…"


@transaction.atomic
def finding_to_task(
    *,
    actor: Actor,
    finding: Finding,
    due_date,
    title: str = "",
    description: str = "",
    start_date=None,
    priority: int = 2,
    product: str = "document",
    product_description: str = "",
    assignee: Person | None = None,
) -> Task:
    """Turn the finding's recommendation into a task assigned by the inspecting unit to
    the inspected unit (source: inspection). A finding may have several tasks."""
    from .tasks import task_create  # the task service owns assignment rules

    access.require(actor, "change", finding)
    inspection = _locked(finding.inspection)
    _require_status(inspection, S.IN_PROGRESS, S.REPORTED)
    finding = _locked_finding(finding)
    _require_finding_open(finding)
    if not finding.recommendation.strip():
        raise DomainError(
            _("Phát hiện chưa có kiến nghị; hãy ghi kiến nghị trước khi giao nhiệm vụ."), field="recommendation"
        )
    task = task_create(
        actor=actor,
        title=(title or "").strip() or default_task_title(finding),
        description=(description or "").strip() or finding.recommendation,
        source=Task.Source.INSPECTION,
        finding=finding,
        source_reference=inspection.title[:300],
        assigning_unit=inspection.inspecting_unit,
        lead_units=[finding.unit],
        due_date=due_date,
        start_date=start_date,
        priority=priority,
        product=product,
        product_description=product_description,
        assignee=assignee,
    )
    audit.record(
        actor=actor, action="program.finding.task", obj=finding,
        after={"task": task.pk, "title": task.title, "due_date": task.due_date.isoformat()},
    )
    return task


@transaction.atomic
def finding_close(*, actor: Actor, finding: Finding, note: str, override_reason: str = "") -> Finding:
    """Close a finding after follow-up, with a note. All its tasks must be done (on time or
    late) or cancelled, unless `override_reason` says why it may close anyway."""
    access.require(actor, "change", finding)
    inspection = _locked(finding.inspection)
    _require_status(inspection, S.IN_PROGRESS, S.REPORTED)
    finding = _locked_finding(finding)
    _require_finding_open(finding)
    note = _text(note, "close_note", _("ghi chú khi đóng"), max_length=4000)
    override_reason = _text(override_reason, "override_reason", _("lý do"), max_length=2000, required=False)
    pending = finding_pending_tasks(finding)
    if pending and not override_reason:
        raise Conflict(
            ngettext("Còn %(n)s nhiệm vụ chưa hoàn thành (%(t)s); chỉ đóng phát hiện khi mọi nhiệm vụ đã hoàn thành "
                     "hoặc đã huỷ, hoặc nêu lý do đóng trước.",
                     "Còn %(n)s nhiệm vụ chưa hoàn thành (%(t)s); chỉ đóng phát hiện khi mọi nhiệm vụ đã hoàn thành "
                     "hoặc đã huỷ, hoặc nêu lý do đóng trước.", len(pending))
            % {"n": len(pending), "t": "; ".join(t.title for t in pending[:5])},
            field="tasks", code="open-tasks",
        )
    before = audit.snapshot(finding)
    finding.status = Finding.Status.CLOSED
    finding.closed_at = timezone.now()
    finding.closed_by = actor.author
    finding.close_note = note
    if pending:
        label = _("Đóng khi còn nhiệm vụ chưa hoàn thành, lý do")
        finding.close_note = f"{note}\n\n{label}: {override_reason}"
    finding.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    after = audit.snapshot(finding)
    if pending:
        after["override_reason"] = override_reason
        after["pending_tasks"] = [t.pk for t in pending]
    audit.record(actor=actor, action="program.finding.close", obj=finding, before=before, after=after)
    return finding


@transaction.atomic
def finding_reopen(*, actor: Actor, finding: Finding, reason: str) -> Finding:
    """Reopen a closed finding (the inspection not closed yet), with a reason."""
    access.require(actor, "change", finding)
    inspection = _locked(finding.inspection)
    _require_status(inspection, S.IN_PROGRESS, S.REPORTED)
    finding = _locked_finding(finding)
    if finding.status != Finding.Status.CLOSED:
        raise Conflict(_("Phát hiện đang được theo dõi, chưa đóng."), field="status", code="workflow")
    reason = _text(reason, "reason", _("lý do"), max_length=2000)
    before = audit.snapshot(finding)
    finding.status = Finding.Status.OPEN
    finding.closed_at = None
    finding.closed_by = None
    finding.save(update_fields=["status", "closed_at", "closed_by"])
    audit.record(
        actor=actor, action="program.finding.reopen", obj=finding, before=before,
        after={**audit.snapshot(finding), "reason": reason},
    )
    return finding


# --------------------------------------------------------------------------- checks for pages


def inspection_check_writable(*, actor: Actor, inspection: Inspection, statuses: Iterable[str] | None = None) -> None:
    """Raise AccessDenied (no `change` on the inspection) or Conflict (its status does not
    allow the step) before a page offers a form for a write."""
    access.require(actor, "change", inspection)
    _require_status(inspection, *(statuses or (S.PLANNED, S.IN_PROGRESS, S.REPORTED)))


def finding_check_writable(*, actor: Actor, finding: Finding, open_only: bool = True) -> None:
    """Like `inspection_check_writable` for a step on a finding (inspection under way)."""
    access.require(actor, "change", finding)
    _require_status(finding.inspection, S.IN_PROGRESS, S.REPORTED)
    if open_only:
        _require_finding_open(finding)


def finding_pending_tasks(finding: Finding) -> list[Task]:
    """The finding's tasks that are neither done nor cancelled (they hold its closing)."""
    return [t for t in follow_up_tasks(finding).order_by("due_date", "pk") if t.status not in FOLLOWED_UP]
