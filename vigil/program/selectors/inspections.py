"""Reads of inspections, targets and findings, always through the access layer.

An inspection is seen by its inspecting unit's scope and by the units it inspects; a
target row and a finding by the inspecting unit's scope and by the unit concerned, so an
inspected unit sees the findings about itself and not those about the other targets.
Counts shown next to an inspection are counts of what the reader may see.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from vigil.core.access import can, is_member, visible_to
from vigil.core.errors import NotFound
from vigil.org.models import Person, Unit

from ..models import Finding, Inspection, InspectionTarget, Task
from ..status import STATUS_COLOURS, STATUS_LABELS, status_expression

# Bootstrap colour per finding severity (1 low … 4 critical).
SEVERITY_COLOURS = {1: "secondary", 2: "info", 3: "warning", 4: "danger"}


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _count(qs: QuerySet, by: str) -> Subquery:
    """A correlated COUNT of `qs` rows whose `by` is the outer inspection (portable SQL)."""
    counted = qs.filter(**{by: OuterRef("pk")}).order_by().values(by).annotate(c=Count("pk")).values("c")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --------------------------------------------------------------------------- inspections


def inspection_list(
    user,
    *,
    year: int | None = None,
    unit: Unit | None = None,
    target_unit: Unit | None = None,
    status: str | None = None,
    q: str | None = None,
) -> QuerySet[Inspection]:
    """Inspections `user` may see, newest first. `unit`: inspecting unit in that subtree;
    `target_unit`: inspecting a unit in that subtree. Each row carries `target_count`,
    `finding_count` and `open_finding_count`, counting only what `user` may see."""
    qs = visible_to(user, Inspection).select_related("inspecting_unit", "lead_inspector")
    if year:
        qs = qs.filter(year=year)
    if unit is not None:
        qs = qs.filter(inspecting_unit__path__startswith=unit.path)
    if target_unit is not None:
        qs = qs.filter(
            pk__in=visible_to(user, InspectionTarget)
            .filter(unit__path__startswith=target_unit.path).values("inspection_id")
        )
    if status:
        qs = qs.filter(status=status)
    if q:
        for word in q.split():
            qs = qs.filter(Q(title__icontains=word) | Q(scope__icontains=word))
    return _with_counts(qs, user).order_by("-year", "-planned_start", "-pk")


def _with_counts(qs: QuerySet[Inspection], user) -> QuerySet[Inspection]:
    findings = visible_to(user, Finding)
    return qs.annotate(
        target_count=_count(visible_to(user, InspectionTarget), "inspection"),
        finding_count=_count(findings, "inspection"),
        open_finding_count=_count(findings.filter(status=Finding.Status.OPEN), "inspection"),
    )


def inspection_get(user, inspection_id) -> Inspection:
    """One inspection `user` may see, or NotFound (also when it exists out of sight)."""
    found = (
        _with_counts(visible_to(user, Inspection), user)
        .select_related("inspecting_unit__kind", "lead_inspector", "created_by")
        .filter(pk=_int(inspection_id)).first()
    )
    if found is None:
        raise NotFound(_("Không tìm thấy đợt kiểm tra."), field="inspection_id")
    return found


def inspection_years(user) -> list[int]:
    """The plan years that have inspections `user` may see (for filters)."""
    return sorted(set(visible_to(user, Inspection).values_list("year", flat=True)), reverse=True)


def inspection_targets(user, inspection: Inspection) -> QuerySet[InspectionTarget]:
    """The target rows of `inspection` that `user` may see, in tree order."""
    return (
        visible_to(user, InspectionTarget).filter(inspection=inspection)
        .select_related("unit__kind").order_by("unit__path")
    )


def target_get(user, inspection: Inspection, target_id) -> InspectionTarget:
    found = inspection_targets(user, inspection).filter(pk=_int(target_id)).first()
    if found is None:
        raise NotFound(_("Không tìm thấy đơn vị này trong đợt kiểm tra."), field="target_id")
    return found


def _with_tasks(qs: QuerySet[Finding], user) -> QuerySet[Finding]:
    """Prefetch each finding's tasks `user` may see (top-level ones, status annotated) as
    `task_list`."""
    tasks = (
        visible_to(user, Task).annotate(status=status_expression())
        .select_related("lead_unit").order_by("due_date", "pk")
    )
    return qs.prefetch_related(Prefetch("tasks", queryset=tasks, to_attr="task_list"))


def inspection_findings(
    user,
    inspection: Inspection,
    *,
    unit: Unit | None = None,
    status: str | None = None,
    severity: int | None = None,
) -> QuerySet[Finding]:
    """The findings of `inspection` that `user` may see, by number, with their tasks."""
    qs = visible_to(user, Finding).filter(inspection=inspection).select_related("unit", "closed_by")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    return _with_tasks(qs, user).order_by("number")


@dataclass
class UnitFindings:
    """One inspected unit on the inspection page: its target row and its findings."""

    unit: Unit
    target: InspectionTarget | None
    findings: list = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for f in self.findings if f.status == Finding.Status.OPEN)


def findings_by_unit(user, inspection: Inspection) -> list[UnitFindings]:
    """The targets `user` may see, each with its findings (tasks prefetched), in tree order."""
    groups: OrderedDict[int, UnitFindings] = OrderedDict()
    for target in inspection_targets(user, inspection):
        groups[target.unit_id] = UnitFindings(unit=target.unit, target=target)
    for finding in inspection_findings(user, inspection):
        _decorate(finding)
        group = groups.get(finding.unit_id)
        if group is None:  # a finding whose target row is out of sight cannot happen; be safe
            group = groups[finding.unit_id] = UnitFindings(unit=finding.unit, target=None)
        group.findings.append(finding)
    return list(groups.values())


def open_by_severity(user, inspection: Inspection) -> list[dict]:
    """Open findings `user` may see in `inspection`, counted per severity (highest first)."""
    counts = dict(
        visible_to(user, Finding).filter(inspection=inspection, status=Finding.Status.OPEN)
        .order_by().values_list("severity").annotate(n=Count("pk"))
    )
    return [
        {"severity": value, "label": label, "count": counts.get(value, 0), "colour": SEVERITY_COLOURS[value]}
        for value, label in reversed(Finding.Severity.choices)
    ]


def _decorate(finding: Finding) -> Finding:
    """Severity colour; task status labels and colours; children handed on by a lead unit
    (they carry the same finding) left out when their parent is listed."""
    finding.severity_colour = SEVERITY_COLOURS.get(finding.severity, "secondary")
    tasks = getattr(finding, "task_list", [])
    listed = {t.pk for t in tasks}
    finding.task_list = [t for t in tasks if not (t.parent_id and t.parent_id in listed)]
    for task in finding.task_list:
        task.status_label = STATUS_LABELS.get(task.status, task.status)
        task.status_colour = STATUS_COLOURS.get(task.status, "secondary")
    return finding


# --------------------------------------------------------------------------- findings


def finding_get(user, finding_id) -> Finding:
    """One finding `user` may see (with its tasks), or NotFound."""
    found = (
        _with_tasks(visible_to(user, Finding), user)
        .select_related("inspection__inspecting_unit__kind", "unit", "closed_by")
        .filter(pk=_int(finding_id)).first()
    )
    if found is None:
        raise NotFound(_("Không tìm thấy phát hiện."), field="finding_id")
    return _decorate(found)


def finding_task_get(user, finding: Finding, task_id) -> Task:
    """One task of `finding` that `user` may see, with status label and colour."""
    task = (
        visible_to(user, Task).filter(finding=finding, pk=_int(task_id))
        .annotate(status=status_expression()).select_related("lead_unit").first()
    )
    if task is None:
        raise NotFound(_("Không tìm thấy nhiệm vụ."), field="task_id")
    task.status_label = STATUS_LABELS.get(task.status, task.status)
    task.status_colour = STATUS_COLOURS.get(task.status, "secondary")
    return task


def open_findings(
    user,
    *,
    severity: int | None = None,
    min_severity: int | None = None,
    unit: Unit | None = None,
    inspecting_unit: Unit | None = None,
    year: int | None = None,
    inspection: Inspection | None = None,
    status: str | None = Finding.Status.OPEN,
    q: str | None = None,
) -> QuerySet[Finding]:
    """Findings still to follow up (or all, with `status=None`) that `user` may see:
    `unit` keeps findings about units in that subtree, `inspecting_unit` those of
    inspections by units in that subtree, `year` the inspection plan year. Most severe
    first, then oldest inspection first."""
    qs = visible_to(user, Finding).select_related("inspection__inspecting_unit", "unit")
    if status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    if min_severity:
        qs = qs.filter(severity__gte=min_severity)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if inspecting_unit is not None:
        qs = qs.filter(inspection__inspecting_unit__path__startswith=inspecting_unit.path)
    if year:
        qs = qs.filter(inspection__year=year)
    if inspection is not None:
        qs = qs.filter(inspection=inspection)
    if q:
        for word in q.split():
            qs = qs.filter(Q(text__icontains=word) | Q(recommendation__icontains=word))
    return _with_tasks(qs, user).order_by("-severity", "inspection__planned_start", "inspection_id", "number")


def decorate(findings) -> list[Finding]:
    """Severity colour and task status labels for display (after pagination)."""
    return [_decorate(f) for f in findings]


# --------------------------------------------------------------------------- what may be done


def inspection_permissions(user, inspection: Inspection) -> dict:
    """What the pages may offer on `inspection` to `user`."""
    writable = can(user, "change", inspection)
    status = inspection.status
    S = Inspection.Status
    return {
        "can_change": writable and status != S.CLOSED,
        "can_edit_plan": writable and status != S.CLOSED,
        "can_targets": writable and status in (S.PLANNED, S.IN_PROGRESS),
        "can_visit": writable and status != S.CLOSED,
        "can_findings": writable and status in (S.IN_PROGRESS, S.REPORTED),
        "next_statuses": [
            {"value": s, "label": S(s).label} for s in Inspection.TRANSITIONS[status]
        ] if writable else [],
    }


def visible_units(user) -> QuerySet[Unit]:
    """Active units `user` may see (filter choices)."""
    return visible_to(user, Unit.objects.filter(is_active=True)).select_related("kind").order_by("path")


def inspecting_units(user) -> QuerySet[Unit]:
    """Active units whose inspections `user` may plan (`add` there)."""
    return visible_to(user, Unit.objects.filter(is_active=True), "add").select_related("kind").order_by("path")


def target_candidates(user, inspection: Inspection) -> list[Unit]:
    """Units `user` may add as targets: active, overseen by the inspecting unit, `add`
    granted to the user, not already a target."""
    taken = set(inspection.target_rows.values_list("unit_id", flat=True))
    qs = visible_to(user, Unit.objects.filter(is_active=True), "add").select_related("kind")
    if not inspection.inspecting_unit.kind.oversees_network:
        qs = qs.filter(path__startswith=inspection.inspecting_unit.path)
    return [
        u for u in qs.exclude(pk=inspection.inspecting_unit_id).order_by("path")
        if u.pk not in taken and inspection.may_target(u)
    ]


def target_candidates_for_unit(user, unit: Unit | None) -> QuerySet[Unit]:
    """Units `user` may name as targets of a new inspection by `unit` (all `add` units
    when no unit is chosen yet; the service checks the pair on submit)."""
    qs = visible_to(user, Unit.objects.filter(is_active=True), "add").select_related("kind")
    if unit is not None:
        qs = qs.exclude(pk=unit.pk)
        if not unit.kind.oversees_network:
            qs = qs.filter(path__startswith=unit.path)
    return qs.order_by("path")


def inspector_choices(user) -> QuerySet[Person]:
    """People `user` may name as lead inspector."""
    return visible_to(user, Person.objects.filter(is_active=True)).select_related("home_unit").order_by("full_name")


def person_ref(user, ref, field: str = "lead_inspector_id") -> Person:
    found = visible_to(user, Person).filter(pk=_int(ref)).first()
    if found is None:
        raise NotFound(_("Không tìm thấy cán bộ."), field=field)
    return found


def can_plan(user) -> bool:
    """Whether `user` may plan inspections somewhere (to offer the 'new inspection' button)."""
    return is_member(user) and inspecting_units(user).exists()
