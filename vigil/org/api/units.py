"""Org API, units part: the unit tree, constituency, who owns X?, overlapping claims.

Thin adapters: parse, call a selector (reads start from visible_to) or a service
(writes), return a schema. Domain errors become RFC 9457 problems in vigil.core.problems.
A unit the caller cannot see answers 404; one they see but may not change, 403.
"""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from vigil.core import concurrency
from vigil.core.actors import api_actor
from vigil.core.api.schemas import UnitRef
from vigil.core.pagination import PageNumberPagination

from ..selectors import constituency as constituency_sel
from ..selectors import units as unit_sel
from ..services import constituency as constituency_svc
from ..services import units as unit_svc

router = Router(tags=["org: units"])

SLUG = r"^[-a-zA-Z0-9_]+$"
ValueKind = Literal["ipv4", "ipv6", "asn", "domain"]


# --------------------------------------------------------------------------- schemas


class SectorOut(Schema):
    code: str
    name: str
    name_en: str


class KindOut(Schema):
    code: str
    name: str
    name_en: str
    requires_body: bool
    min_members: int
    oversees_network: bool = Field(description="A role reaching descendants held here sees the whole tree")


class UnitOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    short_name: str
    kind: str = Field(description="Code of the unit kind (see GET /unit-kinds)")
    parent_id: int | None
    depth: int = Field(description="0 for a root")
    admin_code: str = Field(description="Province code of the National Statistics Office list, if any")
    email: str
    phone: str
    address: str
    description: str
    is_active: bool

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.kind.code


class UnitStats(Schema):
    children: int
    descendants: int
    members: int = Field(description="Active memberships in the unit")
    constituency: int = Field(description="Constituency entries the caller may see")


class UnitDetailOut(UnitOut):
    ancestors: list[UnitRef] = Field(description="Root first")
    stats: UnitStats


class UnitIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, pattern=SLUG, description="Stable slug, unique")
    name: str = Field(min_length=1, max_length=255)
    kind: str = Field(max_length=40, description="Code of a unit kind")
    parent_id: int | None = Field(None, description="Empty for a root (network administrators only)")
    name_en: str = Field("", max_length=255)
    short_name: str = Field("", max_length=64)
    admin_code: str = Field("", max_length=16)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    address: str = Field("", max_length=300)
    description: str = ""


class UnitPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=255)
    name_en: str | None = Field(None, max_length=255)
    short_name: str | None = Field(None, max_length=64)
    kind: str | None = Field(None, max_length=40)
    admin_code: str | None = Field(None, max_length=16)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=300)
    description: str | None = None
    is_active: bool | None = None


class MoveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    parent_id: int = Field(description="The new parent; the unit's whole subtree moves with it")


class EntryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(
        max_length=255,
        description="IPv4/IPv6 address or CIDR block, ASN (AS64500 or 64500) or domain (IDN allowed)",
    )
    kind: ValueKind | None = Field(None, description="Detected from the value when left out")
    note: str = Field("", max_length=300)


class EntryOut(Schema):
    id: int
    unit_id: int
    kind: str
    value: str = Field(description="Normalised: CIDR notation, AS prefix, lower-case punycode domain")
    prefix_len: int = Field(description="CIDR prefix length; number of labels for a domain")
    note: str
    created_at: dt.datetime
    status: Literal["active", "pending", "refused"] = Field(
        description="pending: inside or over another unit's claim, awaiting that unit's (or the office's) "
        "acceptance; routing and who-owns use active claims only"
    )


class ClaimRequestOut(EntryOut):
    unit: UnitRef
    decided_at: dt.datetime | None
    decision_note: str
    can_decide: bool = Field(description="Whether the caller may accept or refuse it now")


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    accept: bool = Field(description="true accepts the delegation, false refuses it")
    note: str = Field("", max_length=300)


class OwnerOut(Schema):
    entry_id: int
    matched: str = Field(description="The claim that covers the value")
    prefix_len: int
    unit: UnitRef

    @staticmethod
    def resolve_entry_id(obj) -> int:
        return obj.pk

    @staticmethod
    def resolve_matched(obj) -> str:
        return obj.value


class WhoOwnsOut(Schema):
    query: str
    kind: str
    value: str = Field(description="The normalised value that was looked up")
    owner: OwnerOut | None = Field(description="The most specific claim the caller may see")
    owners: list[OwnerOut] = Field(description="All claims at that level (more than one: a conflict)")
    matches: list[OwnerOut] = Field(description="Every visible covering claim, most specific first")


class OverlapSide(Schema):
    entry_id: int | None = Field(description="Null when the unit is outside the caller's view")
    value: str
    unit: UnitRef | None = Field(description="Null when outside the caller's view")


class OverlapOut(Schema):
    kind: str
    relation: Literal["delegation", "conflict"] = Field(
        description="delegation: one unit is an ancestor of the other; conflict: unrelated units"
    )
    wider: OverlapSide
    narrower: OverlapSide


def _side(entry, visible: bool) -> dict:
    return {
        "entry_id": entry.pk if visible else None,
        "value": entry.value,
        "unit": entry.unit if visible else None,
    }


# --------------------------------------------------------------------------- units


@router.get("/sectors", response=list[SectorOut],
            summary="List the sectors (the codes an incident's `sector` takes; it decides the statutory reports)")
def list_sectors(request):
    return list(unit_sel.sectors())


@router.get("/unit-kinds", response=list[KindOut], summary="List the kinds of unit")
def list_unit_kinds(request):
    return list(unit_sel.unit_kinds(user=request.auth))


@router.get("/units", response=list[UnitOut], summary="List the units you may see")
@paginate(PageNumberPagination)
def list_units(
    request,
    kind: str | None = None,
    parent_id: int | None = None,
    subtree_of: int | None = None,
    q: str | None = Query(None, max_length=100),
    is_active: bool | None = None,
):
    """Filters: `kind` (code), `parent_id` (direct children), `subtree_of` (a unit and all its
    descendants), `q` (code and names, diacritics ignored), `is_active`. Ordered as the tree."""
    return unit_sel.unit_list(
        user=request.auth, kind=kind, parent_id=parent_id, subtree_of=subtree_of, q=q, is_active=is_active
    )


@router.get("/units/{unit_id}", response=UnitDetailOut, summary="Get one unit, with its ancestors and counts")
def get_unit(request, unit_id: int):
    user = request.auth
    unit = unit_sel.unit_get(user=user, unit_id=unit_id)
    unit.ancestors = unit_sel.unit_ancestors(user=user, unit=unit)
    unit.stats = unit_sel.unit_stats(user=user, unit=unit)
    return concurrency.tag(request, unit)


@router.get("/units/{unit_id}/children", response=list[UnitOut], summary="List a unit's direct children")
@paginate(PageNumberPagination)
def list_unit_children(request, unit_id: int):
    user = request.auth
    return unit_sel.unit_children(user=user, unit=unit_sel.unit_get(user=user, unit_id=unit_id))


@router.get("/units/{unit_id}/ancestors", response=list[UnitRef], summary="List a unit's ancestors, root first")
def list_unit_ancestors(request, unit_id: int):
    user = request.auth
    return unit_sel.unit_ancestors(user=user, unit=unit_sel.unit_get(user=user, unit_id=unit_id))


@router.post("/units", response={201: UnitOut}, summary="Create a unit (add permission on its parent)")
def create_unit(request, payload: UnitIn):
    user = request.auth
    data = payload.model_dump()
    parent_id = data.pop("parent_id")
    parent = unit_sel.unit_get(user=user, unit_id=parent_id) if parent_id is not None else None
    unit = unit_svc.unit_create(actor=api_actor(request), parent=parent, **data)
    return Status(201, unit)


@router.patch("/units/{unit_id}", response=UnitOut, summary="Change a unit's names, kind, contacts or status")
def update_unit(request, unit_id: int, payload: UnitPatch):
    user = request.auth
    unit = unit_sel.unit_get(user=user, unit_id=unit_id)
    version = concurrency.if_match(request, unit)
    changes = {}
    for key, value in payload.model_dump(exclude_unset=True).items():
        if value is None:  # null clears a text field; it cannot clear a name, kind or status
            if key in ("name", "kind", "is_active"):
                continue
            value = ""
        changes[key] = value
    return concurrency.tag(request, unit_svc.unit_update(actor=api_actor(request), unit=unit, version=version,
                                                         **changes))


@router.post("/units/{unit_id}/move", response=UnitOut, summary="Move a unit and its subtree under another parent")
def move_unit(request, unit_id: int, payload: MoveIn):
    user = request.auth
    unit = unit_sel.unit_get(user=user, unit_id=unit_id)
    new_parent = unit_sel.unit_get(user=user, unit_id=payload.parent_id)
    return unit_svc.unit_move(actor=api_actor(request), unit=unit, new_parent=new_parent)


# --------------------------------------------------------------------------- constituency


@router.get("/units/{unit_id}/constituency", response=list[EntryOut], summary="List a unit's constituency")
@paginate(PageNumberPagination)
def list_constituency(request, unit_id: int, kind: ValueKind | None = None):
    user = request.auth
    unit = unit_sel.unit_get(user=user, unit_id=unit_id)
    return constituency_sel.constituency_for_unit(user=user, unit=unit, kind=kind)


@router.post(
    "/units/{unit_id}/constituency", response={201: EntryOut},
    summary="Declare an IP range, ASN or domain the unit answers for",
)
def add_constituency(request, unit_id: int, payload: EntryIn):
    unit = unit_sel.unit_get(user=request.auth, unit_id=unit_id)
    entry = constituency_svc.constituency_add(
        actor=api_actor(request), unit=unit, value=payload.value, kind=payload.kind, note=payload.note
    )
    return Status(201, entry)


@router.delete(
    "/units/{unit_id}/constituency/{entry_id}", response={204: None},
    summary="Withdraw an entry from a unit's constituency",
)
def remove_constituency(request, unit_id: int, entry_id: int):
    user = request.auth
    unit = unit_sel.unit_get(user=user, unit_id=unit_id)
    entry = constituency_sel.constituency_entry_get(user=user, unit=unit, entry_id=entry_id)
    constituency_svc.constituency_remove(actor=api_actor(request), entry=entry)
    return Status(204, None)


def _request_out(entry, user) -> dict:
    return {
        "id": entry.pk, "unit_id": entry.unit_id, "kind": entry.kind, "value": entry.value,
        "prefix_len": entry.prefix_len, "note": entry.note, "created_at": entry.created_at,
        "status": entry.status, "unit": entry.unit, "decided_at": entry.decided_at,
        "decision_note": entry.decision_note,
        "can_decide": constituency_sel.may_decide(user=user, entry=entry),
    }


@router.get(
    "/constituency/requests", response=list[ClaimRequestOut],
    summary="List delegation requests: claims inside or over another unit's claim",
)
@paginate(PageNumberPagination)
def list_claim_requests(request, status: Literal["pending", "active", "refused", "all"] = "pending"):
    """Claims of the caller's units awaiting (or given) another unit's consent, and claims
    other units asked the caller's units to accept."""
    user = request.auth
    rows = constituency_sel.constituency_requests(user=user, status=None if status == "all" else status)
    return [_request_out(e, user) for e in rows]


@router.post(
    "/constituency/requests/{entry_id}/decision", response=ClaimRequestOut,
    summary="Accept or refuse a delegation request (manage_members on every overlapped unit, or the office)",
)
def decide_claim_request(request, entry_id: int, payload: DecisionIn):
    user = request.auth
    entry = constituency_sel.constituency_request_get(user=user, entry_id=entry_id)
    entry = constituency_svc.constituency_decide(
        actor=api_actor(request), entry=entry, accept=payload.accept, note=payload.note
    )
    return _request_out(entry, user)


@router.get("/who-owns", response=WhoOwnsOut, summary="Which unit owns an IP address, domain or ASN")
def who_owns(request, value: str = Query(..., max_length=2000)):
    """Longest IP prefix, longest domain suffix, exact ASN. A URL or e-mail address is read
    as its host. Only claims the caller may see are used: whether a unit outside the
    caller's scope claims the value is not disclosed."""
    answer = constituency_sel.who_owns(user=request.auth, value=value)
    return {
        "query": answer.query,
        "kind": answer.kind,
        "value": answer.value,
        "owner": answer.owner,
        "owners": answer.owners,
        "matches": answer.matches,
    }


@router.get("/constituency/overlaps", response=list[OverlapOut], summary="List overlapping constituency claims")
@paginate(PageNumberPagination)
def list_overlaps(
    request,
    kind: ValueKind | None = None,
    relation: Literal["delegation", "conflict"] | None = None,
):
    """Pairs of claims of two different units that intersect. Network-wide roles see all;
    others see the pairs involving their scope, the other unit withheld when outside it.
    Conflicts first."""
    found = constituency_sel.overlaps(user=request.auth, kind=kind, relation=relation)
    return [
        {
            "kind": o.kind,
            "relation": o.relation,
            "wider": _side(o.wider, o.wider_visible),
            "narrower": _side(o.narrower, o.narrower_visible),
        }
        for o in found
    ]
