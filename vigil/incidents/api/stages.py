"""Incident API: SLA clocks and breaches, statutory reporting stages and their reports.

Thin adapters: parse, call a selector or a service, return a schema.
"""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from vigil.core.actors import api_actor
from vigil.core.api.schemas import UnitRef
from vigil.core.directory import unit_ref
from vigil.core.pagination import PageNumberPagination

from ..selectors import incidents as incident_sel
from ..selectors import sla as sla_sel
from ..selectors import stages as stage_sel
from ..services import stages as stage_svc

router = Router(tags=["incidents: SLA and reporting stages"])

Clock = Literal["acknowledge", "respond", "resolve"]


class ClockOut(Schema):
    clock: Clock
    label: str
    due_at: dt.datetime | None
    met_at: dt.datetime | None
    state: Literal["met", "met_late", "pending", "overdue", "none"]
    remaining_seconds: int | None = Field(description="Seconds left while pending")
    overdue_seconds: int | None = Field(description="Seconds past due (overdue, or met late)")
    level: int = Field(description="Highest escalation level recorded for this clock (0: none)")


class BreachOut(Schema):
    id: int
    incident_id: int
    incident_reference: str
    clock: Clock
    level: int = Field(description="1: escalated to the parent unit; 2: to the standing agency")
    due_at: dt.datetime
    detected_at: dt.datetime
    escalated_to: UnitRef | None

    @staticmethod
    def resolve_incident_reference(obj) -> str:
        return obj.incident.reference


class SlaOut(Schema):
    incident_id: int
    reference: str
    severity: str
    escalation_level: int
    clocks: list[ClockOut]
    breaches: list[BreachOut]


class StageFieldOut(Schema):
    name: str
    label: str
    label_en: str = ""
    type: str
    choices: list[Any] = []


class StageOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    class_code: str | None
    type_code: str | None
    sector: str
    min_severity: str
    due_hours: int
    repeat_hours: int | None
    fields: list[StageFieldOut]

    @staticmethod
    def resolve_class_code(obj) -> str | None:
        return obj.klass.code if obj.klass_id else None

    @staticmethod
    def resolve_type_code(obj) -> str | None:
        return obj.incident_type.code if obj.incident_type_id else None

    @staticmethod
    def resolve_fields(obj) -> list:
        return stage_svc.stage_fields(obj)


class StageReportOut(Schema):
    id: int
    incident_id: int
    incident_reference: str
    stage_code: str
    stage_name: str
    sequence: int
    due_at: dt.datetime
    submitted_at: dt.datetime | None
    submitted_by: str | None
    late: bool = Field(description="Past due and not submitted")
    data: dict

    @staticmethod
    def resolve_incident_reference(obj) -> str:
        return obj.incident.reference

    @staticmethod
    def resolve_stage_code(obj) -> str:
        return obj.stage.code

    @staticmethod
    def resolve_stage_name(obj) -> str:
        return obj.stage.name

    @staticmethod
    def resolve_submitted_by(obj) -> str | None:
        return obj.submitted_by.username if obj.submitted_by_id else None

    @staticmethod
    def resolve_late(obj) -> bool:
        from django.utils import timezone

        return obj.submitted_at is None and obj.due_at < timezone.now()


class LateReportOut(StageReportOut):
    days_late: int


class LateUnitOut(Schema):
    unit: UnitRef
    count: int = Field(description="Late reports of the unit")
    oldest_due: dt.datetime
    days_late: int = Field(description="Days since the oldest late report was due")
    reports: list[LateReportOut]


class SubmitIn(Schema):
    data: dict = Field(description="The stage's fields by name (see GET /incidents/reporting-stages)")


class DueFilter(Schema):
    unit: str | None = Field(None, description="Unit id or code: only incidents owned or led in its subtree")
    horizon_days: int = Field(30, ge=0, le=366, description="Also reports due within this many days")


class LateStageFilter(Schema):
    unit: str | None = Field(None, description="Unit id or code: only incidents owned or led in its subtree")


class BreachFilter(Schema):
    unit: str | None = Field(None, description="Unit id or code: incidents owned or led in its subtree")
    clock: Clock | None = None
    level: int | None = Field(None, ge=1, le=2)
    date_from: dt.date | None = Field(None, description="Detected on or after (YYYY-MM-DD)")
    date_to: dt.date | None = Field(None, description="Detected on or before (YYYY-MM-DD)")


@router.get("/reporting-stages", response=list[StageOut],
            summary="Statutory reporting stages (reference data: who reports what, when)")
def reporting_stages(request):
    return list(stage_sel.reporting_stages())


@router.get("/stage-reports/due", response=list[StageReportOut],
            summary="Statutory reports your units owe: late ones and those due soon")
@paginate(PageNumberPagination, page_size=50)
def stage_reports_due(request, filters: Query[DueFilter]):
    user = request.auth
    return stage_sel.stages_due(user=user, unit=unit_ref(user, filters.unit, optional=True), horizon_days=filters.horizon_days)


@router.get("/stage-reports/overdue", response=list[LateUnitOut],
            summary="Who is late: overdue statutory reports grouped by reporting unit")
def stage_reports_overdue(request, filters: Query[LateStageFilter]):
    user = request.auth
    return stage_sel.stages_overdue(user=user, unit=unit_ref(user, filters.unit, optional=True))


@router.get("/sla/breaches", response=list[BreachOut],
            summary="SLA breaches and escalations you may see, newest first")
@paginate(PageNumberPagination, page_size=50)
def sla_breaches(request, filters: Query[BreachFilter]):
    user = request.auth
    return sla_sel.breach_list(
        user=user, unit=unit_ref(user, filters.unit, optional=True), clock=filters.clock, level=filters.level,
        date_from=filters.date_from, date_to=filters.date_to,
    )


@router.get("/{int:incident_id}/sla", response=SlaOut, summary="An incident's SLA clocks and breaches")
def incident_sla(request, incident_id: int):
    user = request.auth
    incident = incident_sel.incident_get(user=user, pk=incident_id)
    breaches = list(sla_sel.incident_breaches(user=user, incident=incident))
    return {
        "incident_id": incident.pk, "reference": incident.reference, "severity": incident.severity,
        "escalation_level": incident.escalation_level,
        "clocks": [c.as_dict() for c in sla_sel.sla_status(incident=incident, breaches=breaches)],
        "breaches": breaches,
    }


@router.get("/{int:incident_id}/stage-reports", response=list[StageReportOut],
            summary="An incident's statutory reports, in due order")
def incident_stage_reports(request, incident_id: int):
    user = request.auth
    incident = incident_sel.incident_get(user=user, pk=incident_id)
    return list(stage_sel.incident_stage_reports(user=user, incident=incident))


@router.post("/{int:incident_id}/stage-reports/{int:stage_report_id}/submit", response=StageReportOut,
             summary="Submit a statutory report (every mandatory field of its stage); it is then frozen")
def submit_stage_report(request, incident_id: int, stage_report_id: int, payload: SubmitIn):
    user = request.auth
    incident = incident_sel.incident_get(user=user, pk=incident_id)
    report = stage_sel.stage_report_get(user=user, stage_report_id=stage_report_id, incident=incident)
    stage_svc.stage_report_submit(actor=api_actor(request), stage_report=report, data=payload.data)
    return stage_sel.stage_report_get(user=user, stage_report_id=stage_report_id, incident=incident)
