"""Incident API: intake (report, track), the taxonomy, triage, duplicates and merge.

Thin adapters: parse, call a service or a read, return a schema; domain errors become
RFC 9457 problems (vigil.core.problems). An incident the caller cannot see answers 404;
one they see but may not change, 403.

POST /incidents/reports stores the report durably before answering 201 with its
tracking number. With an `Idempotency-Key` header a retry (same user, same key) answers
200 with the incident stored the first time, never a second one.
"""

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status

from vigil.core import concurrency
from vigil.core.actors import api_actor
from vigil.core.api.schemas import UnitRef, UnitRefIn
from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError

from ..selectors.incidents import incident_get
from ..services import intake as intake_svc
from ..services import triage as triage_svc

router = Router(tags=["incidents"])

TlpCode = Literal["clear", "green", "amber", "amber+strict", "red"]
PapCode = Literal["clear", "green", "amber", "red"]


# --------------------------------------------------------------------------- schemas


class ObservableIn(Schema):
    kind: Literal["ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256", "file"] | None = Field(
        None, description="Detected from the value when left out"
    )
    value: str = Field(min_length=1, max_length=2000, description="Defanged values are accepted")


class IncidentReportIn(Schema):
    title: str = Field(max_length=300)
    description: str = ""
    detected_at: dt.datetime | None = Field(None, description="When the incident was detected (now by default)")
    reporter_unit: UnitRefIn | None = Field(None, description="Unit id or code you report for (your home unit by default)")
    reporter_name: str = Field("", max_length=200)
    reporter_email: str = Field("", max_length=254, description="Gets a receipt with the tracking number")
    reporter_phone: str = Field("", max_length=32)
    observables: list[ObservableIn | str] = Field(
        [], description="Indicators: {kind, value} objects or bare values (kind detected)"
    )
    observables_text: str = Field("", description="More indicators, one per line")
    systems: list[int] = Field([], description="Ids of affected information systems you may see")
    tlp: TlpCode = "amber"
    sector: str = Field("", max_length=64)


class IncidentReportOut(Schema):
    id: int
    reference: str = Field(description="Tracking number, e.g. SC-2026-7F3K9Q")
    title: str
    state: str
    channel: str
    owner_unit: UnitRef
    received_at: dt.datetime
    replayed: bool = Field(description="True when an earlier submission with the same Idempotency-Key answered")

    @staticmethod
    def resolve_replayed(obj) -> bool:
        return bool(getattr(obj, "replayed", False))


class TrackOut(Schema):
    reference: str
    title: str
    state: str
    state_label: str
    received_at: dt.datetime
    acknowledged_at: dt.datetime | None
    merged_into: str | None = Field(description="Tracking number of the incident this report was merged into")

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_merged_into(obj) -> str | None:
        return obj.merged_into.reference if obj.merged_into_id else None


class TypeOut(Schema):
    code: str
    name: str
    name_en: str
    description: str
    is_active: bool


class ClassOut(Schema):
    code: str
    name: str
    name_en: str
    description: str
    types: list[TypeOut]

    @staticmethod
    def resolve_types(obj) -> list:
        return obj.type_list


class TriageIn(Schema):
    incident_type: str = Field(description="Taxonomy type code, e.g. malicious-code:infected-system")
    impact: int = Field(ge=1, le=4)
    urgency: int = Field(ge=1, le=4)
    tlp: TlpCode | None = None
    pap: PapCode | None = None
    owner_unit: UnitRefIn | None = Field(None, description="Unit id or code (needs `change` there)")
    sector: str | None = Field(None, max_length=64)
    systems: list[int] | None = Field(None, description="Replaces the affected systems")
    shared_with: list[UnitRefIn] | None = Field(None, description="Units that see it under TLP:AMBER (replaces)")
    recipients: list[int | str] | None = Field(None, description="People (ids or usernames) for TLP:RED (replaces)")


class IncidentTriageOut(Schema):
    id: int
    reference: str
    title: str
    state: str
    incident_type: str | None
    impact: int | None
    urgency: int | None
    severity: str
    tlp: str
    pap: str
    sector: str
    owner_unit: UnitRef
    received_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledge_due: dt.datetime | None
    respond_due: dt.datetime | None
    resolve_due: dt.datetime | None
    merged_into: str | None

    @staticmethod
    def resolve_incident_type(obj) -> str | None:
        return obj.incident_type.code if obj.incident_type_id else None

    @staticmethod
    def resolve_merged_into(obj) -> str | None:
        return obj.merged_into.reference if obj.merged_into_id else None


class MergeIn(Schema):
    into: int | str = Field(description="Id or tracking number of the incident to keep")
    reason: str = Field(min_length=1)


class DuplicateOut(Schema):
    id: int
    reference: str
    title: str
    state: str
    owner_unit: UnitRef
    received_at: dt.datetime
    shared_values: list[str]
    same_title: bool

    @staticmethod
    def resolve_id(obj) -> int:
        return obj.incident.pk

    @staticmethod
    def resolve_reference(obj) -> str:
        return obj.incident.reference

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.incident.title

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.incident.state

    @staticmethod
    def resolve_owner_unit(obj):
        return obj.incident.owner_unit

    @staticmethod
    def resolve_received_at(obj):
        return obj.incident.received_at


# --------------------------------------------------------------------------- helpers


def _observables(items) -> list:
    return [o if isinstance(o, str) else ((o.kind, o.value) if o.kind else o.value) for o in items]


# --------------------------------------------------------------------------- operations


@router.post(
    "/reports", response={200: IncidentReportOut, 201: IncidentReportOut},
    summary="Report an incident (stored before the answer; Idempotency-Key makes retries safe)",
)
def report_incident(request, payload: IncidentReportIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    user = request.auth
    key = (idempotency_key or "").strip()
    if len(key) > 150:
        raise DomainError(_("Idempotency-Key tối đa 150 ký tự."), field="Idempotency-Key")
    unit = unit_ref(user, payload.reporter_unit, field="reporter_unit", active_only=True, bad_input=True, optional=True)
    try:
        incident = intake_svc.incident_report(
            actor=api_actor(request), title=payload.title, description=payload.description, channel="api",
            detected_at=payload.detected_at, reporter_unit=unit, reporter_name=payload.reporter_name,
            reporter_email=payload.reporter_email, reporter_phone=payload.reporter_phone,
            observables=_observables(payload.observables), observables_text=payload.observables_text,
            systems=payload.systems, tlp=payload.tlp, sector=payload.sector,
            intake_key=f"api:{user.pk}:{key}" if key else None,
        )
    except intake_svc.KeyReused as exc:  # 422, naming the header the client sent
        raise intake_svc.KeyReused(exc.message, field="Idempotency-Key", code=exc.code) from None
    return Status(200 if getattr(incident, "replayed", False) else 201, incident)


@router.get("/taxonomy", response=list[ClassOut],
            summary="The incident taxonomy (ENISA RSIT): classes with their types")
def incident_taxonomy(request, active_only: bool = False):
    return triage_svc.taxonomy(user=request.auth, active_only=active_only)


@router.get("/track/{reference}", response=TrackOut,
            summary="Follow a report by its tracking number (the reporter or the handlers)")
def track_incident(request, reference: str):
    return intake_svc.incident_track(user=request.auth, reference=reference)


@router.post("/{incident_id}/triage", response=IncidentTriageOut,
             summary="Triage: type, impact x urgency (severity, SLA due times), TLP/PAP, owner unit")
def triage_incident(request, incident_id: int, payload: TriageIn):
    user = request.auth
    incident = incident_get(user=user, pk=incident_id)
    version = concurrency.if_match(request, incident)
    owner = unit_ref(user, payload.owner_unit, field="owner_unit", active_only=True, bad_input=True, optional=True)
    triage_svc.incident_triage(
        actor=api_actor(request), incident=incident, incident_type=payload.incident_type, impact=payload.impact,
        urgency=payload.urgency, tlp=payload.tlp, pap=payload.pap, owner_unit=owner, sector=payload.sector,
        systems=payload.systems, shared_with=payload.shared_with, recipients=payload.recipients, version=version,
    )
    return concurrency.tag(request, incident_get(user=user, pk=incident_id))


@router.post("/{incident_id}/merge", response=IncidentTriageOut,
             summary="Merge this incident (a duplicate) into another; answers the merged duplicate")
def merge_incident(request, incident_id: int, payload: MergeIn):
    user = request.auth
    duplicate = incident_get(user=user, pk=incident_id)
    into = triage_svc.incident_for_merge(user=user, reference_or_id=payload.into)
    triage_svc.incident_merge(actor=api_actor(request), duplicate=duplicate, into=into, reason=payload.reason)
    return incident_get(user=user, pk=incident_id)


@router.get("/{incident_id}/duplicates", response=list[DuplicateOut],
            summary="Likely duplicates: shared observable values or the same title and owner (30 days)")
def incident_duplicates(request, incident_id: int):
    user = request.auth
    incident = incident_get(user=user, pk=incident_id)
    return triage_svc.duplicates_for(user=user, incident=incident)
