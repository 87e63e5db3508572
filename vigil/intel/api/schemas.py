"""django-ninja schemas of the intelligence API, shared per entity (In / Patch / Out).

Values go out twice: `value` as stored (what a resolver or firewall needs) and
`value_defanged` (safe to show); no schema carries anything the access layer has not
already filtered.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from vigil.core.api.schemas import UnitRef, UnitRefIn

from .. import decay, types

TlpCode = Literal["clear", "green", "amber", "amber+strict", "red"]
TypeCode = Literal[tuple(types.TYPES)]  # type: ignore[valid-type]
StatusCode = Literal["active", "expired", "warninglisted", "revoked", "all"]


# --------------------------------------------------------------------------- indicators


class IndicatorQuery(Schema):
    """The filters of the indicator list and of exports (vigil.intel.selectors.IndicatorFilters)."""

    type: list[str] = Field([], description="Indicator types (repeat, or comma-separated)")
    status: StatusCode = Field("active", description="active (default), expired, warninglisted, revoked or all")
    q: str = Field("", max_length=2048, description="A value (exact match when it parses) or a part of one")
    source: int | None = Field(None, description="Id of a source that asserts it")
    tag: str = Field("", max_length=255, description="A tag of one of its claims")
    min_confidence: int | None = Field(None, description="0–100")
    max_tlp: str = Field("", description="Most restrictive label included: clear, green, amber, amber+strict, red")
    max_age_days: int | None = Field(None, description="Last seen within this many days")

    def as_filter_data(self) -> dict:
        return {k: v for k, v in self.dict().items() if k not in ("cursor", "limit")}


class IndicatorPageQuery(IndicatorQuery):
    cursor: str = Field("", description="`next_cursor` of the previous page")
    limit: int = Field(50, ge=1, le=1000)


class IndicatorOut(Schema):
    id: int
    type: str
    value: str = Field(description="Normalised value (live: do not click)")
    value_defanged: str = Field(description="The value defanged, safe to show")
    stix_id: str
    tlp: str = Field(description="The most permissive label of its claims")
    confidence: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    expires_at: dt.datetime
    status: Literal["active", "expired", "warninglisted", "revoked"]
    warning: str = Field(description="The warninglist that matched, when any")
    warning_allowed_at: dt.datetime | None = Field(
        None, description="When an analyst activated it despite the warninglist (with the reason below)")
    warning_allowed_reason: str = ""
    revoked_at: dt.datetime | None
    revoked_reason: str
    description: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_value_defanged(obj) -> str:
        return obj.display_value


class IndicatorPageOut(Schema):
    items: list[IndicatorOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class SourceRefOut(Schema):
    id: int
    name: str
    kind: str
    owner_unit: UnitRef


class ClaimOut(Schema):
    source: SourceRefOut
    tlp: str
    confidence: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    expires_at: dt.datetime
    description: str
    external_id: str
    attack_ids: list[str]
    kill_chain: list
    tags: list[str]

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]


class SightingOut(Schema):
    id: int
    indicator_id: int
    indicator_type: str
    indicator_value_defanged: str
    unit: UnitRef
    tlp: str
    origin: str
    seen_at: dt.datetime
    count: int
    note: str

    @staticmethod
    def resolve_indicator_type(obj) -> str:
        return obj.indicator.type

    @staticmethod
    def resolve_indicator_value_defanged(obj) -> str:
        return obj.indicator.display_value

    @staticmethod
    def resolve_unit(obj):
        return obj.owner_unit


class CorrelatedObservableOut(Schema):
    incident_id: int
    reference: str
    title: str
    kind: str
    value_defanged: str

    @staticmethod
    def resolve_reference(obj) -> str:
        return obj.incident.reference

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.incident.title

    @staticmethod
    def resolve_value_defanged(obj) -> str:
        from vigil.core import observables as obs

        return obs.defang(obj.kind, obj.value)


class IndicatorDetailOut(IndicatorOut):
    score: float = Field(description="Decay score now (0 when revoked or warninglisted)")
    claims: list[ClaimOut] = Field(description="The claims of the sources you may see")
    observables: list[CorrelatedObservableOut] = Field(description="Incident observables with the same value")
    sightings: list[SightingOut]

    @staticmethod
    def resolve_score(obj) -> float:
        return decay.score(obj)

    @staticmethod
    def resolve_claims(obj) -> list:
        return obj.correlated["claims"]

    @staticmethod
    def resolve_observables(obj) -> list:
        return obj.correlated["observables"]

    @staticmethod
    def resolve_sightings(obj) -> list:
        return obj.correlated["sightings"]


class ManualIndicatorIn(Schema):
    type: TypeCode  # type: ignore[valid-type]
    value: str = Field(min_length=1, max_length=2048, description="Defanged values are accepted")
    unit: UnitRefIn = Field(description="Unit id or code whose analysts assert it (needs `add` there)")
    tlp: TlpCode = "amber"
    confidence: int | None = Field(None, ge=0, le=100)
    tags: list[str] = Field([], description="Tags (MISP machine tags or free text)")
    attack_ids: list[str] = Field([], description="ATT&CK technique ids, e.g. T1566")
    description: str = Field("", max_length=10000)


class IntelReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=5000)


class SightingIn(Schema):
    unit: UnitRefIn = Field(description="Unit id or code that saw it (needs `add` there)")
    seen_at: dt.datetime | None = Field(None, description="When (now by default)")
    count: int = Field(1, ge=1)
    note: str = Field("", max_length=5000)
    tlp: TlpCode = "amber"


# --------------------------------------------------------------------------- sources


class SourceOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    reliability: str
    default_confidence: int
    lifetime_days: int | None
    tlp: str
    is_active: bool
    owner_unit: UnitRef
    shared_with: list[UnitRef]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_shared_with(obj) -> list:
        return list(obj.shared_with.all())


class SourceIn(Schema):
    owner_unit: UnitRefIn = Field(description="Unit id or code (needs `add` there)")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["feed", "partner", "manual", "incident", "taxii"] = "partner"
    description: str = ""
    reliability: Literal["A", "B", "C", "D", "E", "F"] = "F"
    default_confidence: int = Field(50, ge=0, le=100)
    lifetime_days: int | None = Field(None, ge=1)
    tlp: TlpCode = "amber"
    is_active: bool = True
    shared_with: list[UnitRefIn] = Field([], description="Units that see its TLP:AMBER claims")
    recipients: list[str] = Field([], description="Usernames that see its TLP:RED claims")


class SourcePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: Literal["feed", "partner", "manual", "incident", "taxii"] | None = None
    description: str | None = None
    reliability: Literal["A", "B", "C", "D", "E", "F"] | None = None
    default_confidence: int | None = Field(None, ge=0, le=100)
    lifetime_days: int | None = Field(None, ge=1)
    tlp: TlpCode | None = None
    is_active: bool | None = None
    shared_with: list[UnitRefIn] | None = Field(None, description="Replaces the units it is shared with")
    recipients: list[str] | None = Field(None, description="Replaces the TLP:RED recipients (usernames)")


class SourceDetailOut(SourceOut):
    claim_count: int
    last_claim_seen: dt.datetime | None

    @staticmethod
    def resolve_claim_count(obj) -> int:
        return obj.stats["n"] or 0

    @staticmethod
    def resolve_last_claim_seen(obj):
        return obj.stats["last"]


class DeletedOut(Schema):
    detail: str
    recomputed: int = Field(0, description="Indicators recomputed from the claims that remain")


# --------------------------------------------------------------------------- feeds


class FeedOut(Schema):
    id: int
    source: SourceRefOut
    name: str
    url: str
    path: str
    format: str
    indicator_type: str
    options: dict
    confidence: int | None
    tlp: str
    interval_minutes: int
    enabled: bool
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None
    created_at: dt.datetime


class FeedIn(Schema):
    source_id: int
    name: str = Field(min_length=1, max_length=200)
    url: str = Field("", max_length=1000)
    path: str = Field("", max_length=1000)
    format: str = Field("list", description="An import format: list, hosts, csv, stix, misp")
    indicator_type: str = Field("", description="For lists: the type of every line (detected when empty)")
    options: dict = Field({}, description="Format options, e.g. a CSV column mapping")
    confidence: int | None = Field(None, ge=0, le=100)
    tlp: TlpCode | Literal[""] = ""
    interval_minutes: int = Field(60, ge=1)
    enabled: bool = True


class FeedPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    url: str | None = Field(None, max_length=1000)
    path: str | None = Field(None, max_length=1000)
    format: str | None = None
    indicator_type: str | None = None
    options: dict | None = None
    confidence: int | None = Field(None, ge=0, le=100)
    tlp: TlpCode | Literal[""] | None = None
    interval_minutes: int | None = Field(None, ge=1)
    enabled: bool | None = None


class FeedRunOut(Schema):
    id: int
    feed_id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    http_status: int | None
    bytes: int
    sha256: str
    counts: dict
    errors: list
    error: str


# --------------------------------------------------------------------------- imports


class IntelImportErrorOut(Schema):
    line: int = Field(description="1-based line (or object position) in the file")
    ref: str = ""
    field: str = ""
    message: str


class ImportJobOut(Schema):
    id: int
    source: SourceRefOut
    format: str
    filename: str
    sha256: str
    size: int
    status: str
    records_done: int
    counts: dict
    error_count: int
    started_by: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_error_count(obj) -> int:
        return len(obj.errors or [])

    @staticmethod
    def resolve_started_by(obj) -> str | None:
        return obj.started_by.username if obj.started_by_id else None


class ImportJobDetailOut(ImportJobOut):
    errors: list[IntelImportErrorOut] = Field(description="Lines that were refused (at most 1000 kept)")

    @staticmethod
    def resolve_errors(obj) -> list:
        return [
            {"line": int(e.get("line") or 0), "ref": str(e.get("ref") or ""), "field": str(e.get("field") or ""),
             "message": str(e.get("message") or "")}
            for e in (obj.errors or [])
        ]


# --------------------------------------------------------------------------- reference data


class WarninglistOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    version: int
    kind: str
    matching_attributes: list
    entry_count: int
    enabled: bool
    updated_at: dt.datetime


class WarninglistDetailOut(WarninglistOut):
    entries: list[str] = Field(description="The first `limit` entries")

    @staticmethod
    def resolve_entries(obj) -> list[str]:
        return [str(e) for e in (obj.entries or [])[: getattr(obj, "entries_limit", 200)]]


class EnabledIn(Schema):
    enabled: bool


class TaxonomyOut(Schema):
    id: int
    namespace: str
    description: str
    version: int
    exclusive: bool
    enabled: bool
    tag_count: int = 0
