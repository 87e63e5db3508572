"""Program API: inspections — the plan and its targets, the status workflow, findings,
recommendations turned into tasks, and the follow-up list of open findings.

Thin adapters: parse, call a selector (reads start from visible_to) or a service
(writes), return a schema. Domain errors become RFC 9457 problems in vigil.core.problems.
An object the caller cannot see answers 404; one they see but may not change, 403.
"""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from vigil.core import concurrency
from vigil.core.actors import api_actor
from vigil.core.api.schemas import UnitRef
from vigil.core.directory import unit_ref
from vigil.core.pagination import PageNumberPagination

from ..selectors import inspections as sel
from ..services import inspections as svc
from ..status import STATUS_LABELS

router = Router(tags=["program: inspections"])

InspectionStatus = Literal["planned", "in_progress", "reported", "closed"]
FindingStatus = Literal["open", "closed"]
TaskStatus = Literal["not_started", "in_progress", "done_on_time", "done_late", "overdue", "cancelled"]


# --------------------------------------------------------------------------- schemas


class InspectionTargetOut(Schema):
    id: int
    unit: UnitRef
    unit_id: int = Field(description="Deprecated (one release): `unit.id`")
    unit_code: str = Field(description="Deprecated (one release): `unit.code`")
    unit_name: str = Field(description="Deprecated (one release): `unit.name`")
    visited_on: dt.date | None
    note: str

    @staticmethod
    def resolve_unit_code(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.display_name


class SeverityCount(Schema):
    severity: int
    label: str
    count: int


class InspectionOut(Schema):
    id: int
    inspecting_unit: UnitRef
    inspecting_unit_id: int = Field(description="Deprecated (one release): `inspecting_unit.id`")
    inspecting_unit_code: str = Field(description="Deprecated (one release): `inspecting_unit.code`")
    inspecting_unit_name: str = Field(description="Deprecated (one release): `inspecting_unit.name`")
    title: str
    year: int
    planned_start: dt.date
    planned_end: dt.date
    scope: str
    lead_inspector_id: int | None
    lead_inspector_name: str | None
    status: InspectionStatus
    status_label: str
    summary: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    target_count: int = Field(description="Targets you may see")
    finding_count: int = Field(description="Findings you may see")
    open_finding_count: int = Field(description="Open findings you may see")

    @staticmethod
    def resolve_inspecting_unit_code(obj) -> str:
        return obj.inspecting_unit.code

    @staticmethod
    def resolve_inspecting_unit_name(obj) -> str:
        return obj.inspecting_unit.display_name

    @staticmethod
    def resolve_lead_inspector_name(obj) -> str | None:
        return obj.lead_inspector.full_name if obj.lead_inspector_id else None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class InspectionDetailOut(InspectionOut):
    targets: list[InspectionTargetOut] = Field(description="Inspected units you may see")
    open_by_severity: list[SeverityCount] = Field(description="Open findings you may see, per severity")
    next_statuses: list[InspectionStatus] = Field(description="Where you may move the status now")

    @staticmethod
    def resolve_targets(obj) -> list:
        return obj.targets_list

    @staticmethod
    def resolve_open_by_severity(obj) -> list:
        return obj.severity_counts

    @staticmethod
    def resolve_next_statuses(obj) -> list:
        return obj.next_list


class FindingTaskOut(Schema):
    id: int
    title: str
    lead_unit: UnitRef
    lead_unit_code: str = Field(description="Deprecated (one release): `lead_unit.code`")
    due_date: dt.date
    progress: int
    status: TaskStatus
    status_label: str

    @staticmethod
    def resolve_lead_unit_code(obj) -> str:
        return obj.lead_unit.code

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(STATUS_LABELS.get(obj.status, obj.status))


class FindingOut(Schema):
    id: int
    inspection_id: int
    inspection_title: str
    inspection_year: int
    unit: UnitRef
    unit_id: int = Field(description="Deprecated (one release): `unit.id`")
    unit_code: str = Field(description="Deprecated (one release): `unit.code`")
    unit_name: str = Field(description="Deprecated (one release): `unit.name`")
    number: int
    text: str
    severity: int = Field(description="1 low, 2 medium, 3 high, 4 critical")
    severity_label: str
    recommendation: str
    status: FindingStatus
    closed_at: dt.datetime | None
    closed_by: str | None
    close_note: str
    created_at: dt.datetime
    tasks: list[FindingTaskOut] = Field(description="Its tasks you may see, with computed status")

    @staticmethod
    def resolve_inspection_title(obj) -> str:
        return obj.inspection.title

    @staticmethod
    def resolve_inspection_year(obj) -> int:
        return obj.inspection.year

    @staticmethod
    def resolve_unit_code(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.display_name

    @staticmethod
    def resolve_severity_label(obj) -> str:
        return str(obj.get_severity_display())

    @staticmethod
    def resolve_closed_by(obj) -> str | None:
        return obj.closed_by.username if obj.closed_by_id else None

    @staticmethod
    def resolve_tasks(obj) -> list:
        return getattr(obj, "task_list", [])


class InspectionFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="Plan year")
    unit: str | None = Field(None, description="Inspecting unit id or code: its whole subtree")
    target_unit: str | None = Field(None, description="Inspected unit id or code: its whole subtree")
    status: InspectionStatus | None = None
    q: str = Field("", max_length=200, description="Words in the title or scope")


class InspectionIn(Schema):
    inspecting_unit_id: int
    title: str = Field(min_length=1, max_length=300)
    year: int = Field(ge=2000, le=2100)
    planned_start: dt.date
    planned_end: dt.date
    scope: str = Field("", max_length=10000)
    lead_inspector_id: int | None = None
    target_unit_ids: list[int] = Field([], description="Units to inspect (overseen by the inspecting unit)")


class InspectionPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    year: int | None = Field(None, ge=2000, le=2100)
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    scope: str | None = Field(None, max_length=10000)
    lead_inspector_id: int | None = Field(None, description="null clears it")
    summary: str | None = Field(None, max_length=20000, description="The inspection's conclusion")


class StatusIn(Schema):
    status: InspectionStatus
    reason: str = Field("", max_length=2000, description="Required to go back from reported to in_progress")


class InspectionTargetIn(Schema):
    unit_id: int
    visited_on: dt.date | None = None
    note: str = Field("", max_length=300)


class TargetPatch(Schema):
    visited_on: dt.date | None = None
    note: str | None = Field(None, max_length=300)


class FindingIn(Schema):
    unit_id: int = Field(description="One of the inspection's targets")
    text: str = Field(min_length=1, max_length=10000)
    severity: int = Field(2, ge=1, le=4, description="1 low, 2 medium, 3 high, 4 critical")
    recommendation: str = Field("", max_length=10000)
    number: int | None = Field(None, ge=1, le=32767, description="Next free number by default")


class FindingPatch(Schema):
    unit_id: int | None = None
    text: str | None = Field(None, min_length=1, max_length=10000)
    severity: int | None = Field(None, ge=1, le=4)
    recommendation: str | None = Field(None, max_length=10000)


class FindingFilter(Schema):
    status: FindingStatus | Literal["all"] = Field("open", description="open (default), closed or all")
    severity: int | None = Field(None, ge=1, le=4)
    min_severity: int | None = Field(None, ge=1, le=4)
    unit: str | None = Field(None, description="Unit id or code: findings about its whole subtree")
    inspecting_unit: str | None = Field(None, description="Unit id or code: inspections by its subtree")
    year: int | None = Field(None, ge=2000, le=2100, description="Inspection plan year")
    inspection_id: int | None = None
    q: str = Field("", max_length=200, description="Words in the finding or recommendation")


class InspectionFindingFilter(Schema):
    status: FindingStatus | None = None
    severity: int | None = Field(None, ge=1, le=4)


class FindingTaskIn(Schema):
    due_date: dt.date
    title: str = Field("", max_length=300, description="Defaults to the recommendation's first line")
    description: str = Field("", max_length=10000, description="Defaults to the recommendation")
    start_date: dt.date | None = Field(None, description="Today by default")
    priority: int = Field(2, ge=1, le=4)
    product: Literal["document", "system", "drill", "number", "report", "other"] = "document"
    product_description: str = Field("", max_length=500)


class FindingCloseIn(Schema):
    note: str = Field(min_length=1, max_length=4000, description="What was done")
    override_reason: str = Field(
        "", max_length=2000, description="Why it may close although some of its tasks are not done"
    )


class FindingReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


# --------------------------------------------------------------------------- helpers


class DecoratedFindings(PageNumberPagination):
    """Page-number pagination that decorates the findings of the page it returns
    (severity colour, task status labels, handed-on children folded into their parent)."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = sel.decorate(page["items"])
        return page


def _detail(user, inspection_id):
    """The inspection with what its detail schema adds, all read for `user`."""
    inspection = sel.inspection_get(user, inspection_id)
    inspection.targets_list = list(sel.inspection_targets(user, inspection))
    inspection.severity_counts = [
        {"severity": r["severity"], "label": str(r["label"]), "count": r["count"]}
        for r in sel.open_by_severity(user, inspection)
    ]
    inspection.next_list = [s["value"] for s in sel.inspection_permissions(user, inspection)["next_statuses"]]
    return inspection


# --------------------------------------------------------------------------- inspections


@router.get("/inspections", response=list[InspectionOut], summary="List inspections")
@paginate(PageNumberPagination)
def list_inspections(request, filters: Query[InspectionFilter]):
    user = request.auth
    return sel.inspection_list(
        user, year=filters.year, unit=unit_ref(user, filters.unit, field="unit", optional=True),
        target_unit=unit_ref(user, filters.target_unit, field="target_unit", optional=True), status=filters.status, q=filters.q,
    )


@router.post("/inspections", response={201: InspectionDetailOut}, summary="Plan an inspection")
def create_inspection(request, payload: InspectionIn):
    user = request.auth
    unit = unit_ref(user, payload.inspecting_unit_id, field="inspecting_unit_id")
    lead = sel.person_ref(user, payload.lead_inspector_id) if payload.lead_inspector_id else None
    inspection = svc.inspection_create(
        actor=api_actor(request), inspecting_unit=unit, title=payload.title, year=payload.year,
        planned_start=payload.planned_start, planned_end=payload.planned_end, scope=payload.scope,
        lead_inspector=lead, targets=payload.target_unit_ids,
    )
    return Status(201, _detail(user, inspection.pk))


@router.get("/inspections/{inspection_id}", response=InspectionDetailOut, summary="One inspection with its targets")
def get_inspection(request, inspection_id: int):
    return concurrency.tag(request, _detail(request.auth, inspection_id))


@router.patch("/inspections/{inspection_id}", response=InspectionDetailOut, summary="Change an inspection or write its conclusion")
def update_inspection(request, inspection_id: int, payload: InspectionPatch):
    user = request.auth
    inspection = sel.inspection_get(user, inspection_id)
    version = concurrency.if_match(request, inspection)
    changes = payload.dict(exclude_unset=True)
    if "lead_inspector_id" in changes:
        ref = changes.pop("lead_inspector_id")
        changes["lead_inspector"] = sel.person_ref(user, ref) if ref else None
    svc.inspection_update(actor=api_actor(request), inspection=inspection, version=version, **changes)
    return concurrency.tag(request, _detail(user, inspection_id))


@router.post("/inspections/{inspection_id}/status", response=InspectionDetailOut, summary="Move an inspection along its workflow")
def transition_inspection(request, inspection_id: int, payload: StatusIn):
    user = request.auth
    inspection = sel.inspection_get(user, inspection_id)
    svc.inspection_transition(actor=api_actor(request), inspection=inspection, status=payload.status, reason=payload.reason)
    return _detail(user, inspection_id)


# --------------------------------------------------------------------------- targets


@router.get("/inspections/{inspection_id}/targets", response=list[InspectionTargetOut], summary="Units inspected")
def list_targets(request, inspection_id: int):
    user = request.auth
    return list(sel.inspection_targets(user, sel.inspection_get(user, inspection_id)))


@router.post("/inspections/{inspection_id}/targets", response={201: InspectionTargetOut}, summary="Add a unit to inspect")
def add_target(request, inspection_id: int, payload: InspectionTargetIn):
    user = request.auth
    inspection = sel.inspection_get(user, inspection_id)
    unit = unit_ref(user, payload.unit_id, field="unit_id")
    target = svc.target_add(
        actor=api_actor(request), inspection=inspection, unit=unit, visited_on=payload.visited_on, note=payload.note
    )
    return Status(201, sel.target_get(user, inspection, target.pk))


@router.get("/inspections/{inspection_id}/targets/{target_id}", response=InspectionTargetOut, summary="One inspected unit")
def get_target(request, inspection_id: int, target_id: int):
    user = request.auth
    return concurrency.tag(request, sel.target_get(user, sel.inspection_get(user, inspection_id), target_id))


@router.patch("/inspections/{inspection_id}/targets/{target_id}", response=InspectionTargetOut, summary="Record the visit to an inspected unit")
def update_target(request, inspection_id: int, target_id: int, payload: TargetPatch):
    user = request.auth
    inspection = sel.inspection_get(user, inspection_id)
    target = sel.target_get(user, inspection, target_id)
    version = concurrency.if_match(request, target)
    svc.target_update(actor=api_actor(request), target=target, version=version, **payload.dict(exclude_unset=True))
    return concurrency.tag(request, sel.target_get(user, inspection, target_id))


@router.delete("/inspections/{inspection_id}/targets/{target_id}", response={204: None}, summary="Take a unit off the inspection")
def remove_target(request, inspection_id: int, target_id: int):
    user = request.auth
    inspection = sel.inspection_get(user, inspection_id)
    svc.target_remove(actor=api_actor(request), target=sel.target_get(user, inspection, target_id))
    return Status(204, None)


# --------------------------------------------------------------------------- findings


@router.get("/inspections/{inspection_id}/findings", response=list[FindingOut], summary="Findings of an inspection")
def list_inspection_findings(request, inspection_id: int, filters: Query[InspectionFindingFilter]):
    user = request.auth
    inspection = sel.inspection_get(user, inspection_id)
    return sel.decorate(sel.inspection_findings(user, inspection, status=filters.status, severity=filters.severity))


@router.post("/inspections/{inspection_id}/findings", response={201: FindingOut}, summary="Record a finding")
def create_finding(request, inspection_id: int, payload: FindingIn):
    user = request.auth
    inspection = sel.inspection_get(user, inspection_id)
    unit = unit_ref(user, payload.unit_id, field="unit_id")
    finding = svc.finding_create(
        actor=api_actor(request), inspection=inspection, unit=unit, text=payload.text,
        severity=payload.severity, recommendation=payload.recommendation, number=payload.number,
    )
    return Status(201, sel.finding_get(user, finding.pk))


@router.get("/findings", response=list[FindingOut], summary="Findings to follow up (open by default)")
@paginate(DecoratedFindings)
def list_findings(request, filters: Query[FindingFilter]):
    user = request.auth
    inspection = sel.inspection_get(user, filters.inspection_id) if filters.inspection_id else None
    qs = sel.open_findings(
        user, status=None if filters.status == "all" else filters.status, severity=filters.severity,
        min_severity=filters.min_severity, unit=unit_ref(user, filters.unit, field="unit", optional=True),
        inspecting_unit=unit_ref(user, filters.inspecting_unit, field="inspecting_unit", optional=True), year=filters.year,
        inspection=inspection, q=filters.q,
    )
    return qs


@router.get("/findings/{finding_id}", response=FindingOut, summary="One finding with its tasks")
def get_finding(request, finding_id: int):
    return concurrency.tag(request, sel.finding_get(request.auth, finding_id))


@router.patch("/findings/{finding_id}", response=FindingOut, summary="Change an open finding")
def update_finding(request, finding_id: int, payload: FindingPatch):
    user = request.auth
    finding = sel.finding_get(user, finding_id)
    version = concurrency.if_match(request, finding)
    changes = payload.dict(exclude_unset=True)
    if "unit_id" in changes:
        changes["unit"] = unit_ref(user, changes.pop("unit_id"), field="unit_id")
    svc.finding_update(actor=api_actor(request), finding=finding, version=version, **changes)
    return concurrency.tag(request, sel.finding_get(user, finding_id))


@router.delete("/findings/{finding_id}", response={204: None}, summary="Delete a finding recorded by mistake")
def delete_finding(request, finding_id: int):
    finding = sel.finding_get(request.auth, finding_id)
    svc.finding_delete(actor=api_actor(request), finding=finding)
    return Status(204, None)


@router.post("/findings/{finding_id}/tasks", response={201: FindingTaskOut}, summary="Turn a finding's recommendation into a task")
def create_finding_task(request, finding_id: int, payload: FindingTaskIn):
    user = request.auth
    finding = sel.finding_get(user, finding_id)
    task = svc.finding_to_task(
        actor=api_actor(request), finding=finding, due_date=payload.due_date, title=payload.title,
        description=payload.description, start_date=payload.start_date, priority=payload.priority,
        product=payload.product, product_description=payload.product_description,
    )
    return Status(201, sel.finding_task_get(user, finding, task.pk))


@router.post("/findings/{finding_id}/close", response=FindingOut, summary="Close a finding after follow-up")
def close_finding(request, finding_id: int, payload: FindingCloseIn):
    user = request.auth
    finding = sel.finding_get(user, finding_id)
    svc.finding_close(
        actor=api_actor(request), finding=finding, note=payload.note, override_reason=payload.override_reason
    )
    return sel.finding_get(user, finding_id)


@router.post("/findings/{finding_id}/reopen", response=FindingOut, summary="Reopen a closed finding")
def reopen_finding(request, finding_id: int, payload: FindingReasonIn):
    user = request.auth
    finding = sel.finding_get(user, finding_id)
    svc.finding_reopen(actor=api_actor(request), finding=finding, reason=payload.reason)
    return sel.finding_get(user, finding_id)

