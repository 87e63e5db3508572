"""Org API, people part: people, memberships, membership decisions and completeness.

Thin adapters: parse, call a selector (reads start from visible_to) or a service
(writes), return a schema. Domain errors become RFC 9457 problems in vigil.core.problems.
An object the caller cannot see answers 404; one they see but may not change, 403.
"""


import datetime as dt
from typing import Literal

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from vigil.core import concurrency
from vigil.core.actors import api_actor
from vigil.core.api.schemas import UnitRef
from vigil.core.directory import unit_ref
from vigil.core.models import TLP
from vigil.core.pagination import PageNumberPagination

from ..selectors import completeness as completeness_sel
from ..selectors import decisions as decision_sel
from ..selectors import memberships as membership_sel
from ..selectors import people as people_sel
from ..services import completeness as completeness_svc
from ..services import decisions as decision_svc
from ..services import memberships as membership_svc
from ..services import people as people_svc

router = Router(tags=["org: people"])


# --------------------------------------------------------------------------- schemas


class PersonOut(Schema):
    id: int
    full_name: str
    position: str
    home_unit: UnitRef
    home_unit_id: int = Field(description="Deprecated (one release): `home_unit.id`")
    home_unit_code: str = Field(description="Deprecated (one release): `home_unit.code`")
    home_unit_name: str = Field(description="Deprecated (one release): `home_unit.name`")
    email: str
    phone: str
    is_active: bool
    username: str | None = Field(None, description="The linked login account, if any")

    @staticmethod
    def resolve_home_unit_code(obj) -> str:
        return obj.home_unit.code

    @staticmethod
    def resolve_home_unit_name(obj) -> str:
        return obj.home_unit.display_name

    @staticmethod
    def resolve_username(obj) -> str | None:
        return obj.user.username if obj.user_id else None


class PersonMembershipOut(Schema):
    id: int
    person_id: int
    person_name: str
    unit: UnitRef
    unit_id: int = Field(description="Deprecated (one release): `unit.id`")
    unit_code: str = Field(description="Deprecated (one release): `unit.code`")
    unit_name: str = Field(description="Deprecated (one release): `unit.name`")
    role: str
    role_name: str
    since: dt.date
    until: dt.date | None
    active: bool = Field(description="Ongoing today")
    decision_id: int | None
    ended_by_id: int | None
    note: str

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_unit_code(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.display_name

    @staticmethod
    def resolve_role(obj) -> str:
        return obj.role.code

    @staticmethod
    def resolve_role_name(obj) -> str:
        return obj.role.display_name

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.is_active


class PersonDetailOut(PersonOut):
    memberships: list[PersonMembershipOut] = Field(description="Membership history in units you may see")

    @staticmethod
    def resolve_memberships(obj) -> list:
        return obj.memberships_list


class PersonIn(Schema):
    full_name: str = Field(min_length=1, max_length=200)
    home_unit_id: int
    position: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    is_active: bool = True


class PersonPatch(Schema):
    full_name: str | None = Field(None, min_length=1, max_length=200)
    home_unit_id: int | None = None
    position: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    is_active: bool | None = None
    username: str | None = Field(
        None, description="Link a login account (network-wide administrators only); '' unlinks"
    )


class PersonFilter(Schema):
    q: str = Field("", max_length=200, description="Words in the name, position, e-mail or phone")
    subtree_of: str | None = Field(None, description="Unit id or code: its whole subtree")
    role: str | None = Field(None, description="Role code held now")
    active: bool | None = Field(None, description="Still in post")


class MembershipFilter(Schema):
    unit_id: int | None = None
    subtree_of: str | None = Field(None, description="Unit id or code: its whole subtree")
    person_id: int | None = None
    role: str | None = Field(None, description="Role code")
    active: bool | None = Field(None, description="Ongoing (true) or not (false) on `on`")
    on: dt.date | None = Field(None, description="Date for `active` (today by default); alone: active on it")


class MembershipIn(Schema):
    person_id: int
    unit_id: int
    role: str = Field(min_length=1, max_length=40, description="Role code")
    since: dt.date | None = Field(None, description="First day (today by default)")
    until: dt.date | None = Field(None, description="First day no longer held (open-ended by default)")
    note: str = Field("", max_length=300)


class MembershipEndIn(Schema):
    until: dt.date | None = Field(None, description="First day no longer held (today by default)")
    note: str = Field("", max_length=300)


class DecisionItemOut(Schema):
    id: int
    action: Literal["appoint", "remove"]
    person_id: int
    person_name: str
    role: str
    role_name: str
    note: str

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_role(obj) -> str:
        return obj.role.code

    @staticmethod
    def resolve_role_name(obj) -> str:
        return obj.role.display_name


class DecisionOut(Schema):
    id: int
    unit: UnitRef
    unit_id: int = Field(description="Deprecated (one release): `unit.id`")
    unit_code: str = Field(description="Deprecated (one release): `unit.code`")
    unit_name: str = Field(description="Deprecated (one release): `unit.name`")
    number: str
    date: dt.date
    effective_date: dt.date
    issuer: str
    title: str
    tlp: str
    status: Literal["draft", "applied"]
    applied_at: dt.datetime | None
    has_signed_file: bool
    signed_file_sha256: str
    created_at: dt.datetime

    @staticmethod
    def resolve_unit(obj):
        return obj.owner_unit

    @staticmethod
    def resolve_unit_id(obj) -> int:
        return obj.owner_unit_id

    @staticmethod
    def resolve_unit_code(obj) -> str:
        return obj.owner_unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.owner_unit.display_name

    @staticmethod
    def resolve_has_signed_file(obj) -> bool:
        return bool(obj.signed_file)


class DecisionDetailOut(DecisionOut):
    items: list[DecisionItemOut]
    shared_with: list[str] = Field(description="Codes of the units it is shared with (TLP:AMBER)")
    recipients: list[str] = Field(description="User names of the named recipients (TLP:RED)")

    @staticmethod
    def resolve_items(obj) -> list:
        return list(decision_sel.decision_items(decision=obj))

    @staticmethod
    def resolve_shared_with(obj) -> list[str]:
        return sorted(u.code for u in obj.shared_with.all())

    @staticmethod
    def resolve_recipients(obj) -> list[str]:
        return sorted(u.username for u in obj.recipients.all())


TLPValue = Literal["clear", "green", "amber", "amber+strict", "red"]


class MembershipDecisionIn(Schema):
    unit_id: int = Field(description="The unit whose body the decision completes")
    number: str = Field(min_length=1, max_length=64)
    date: dt.date = Field(description="Signing date")
    effective_date: dt.date | None = Field(None, description="Defaults to the signing date")
    issuer: str = Field(min_length=1, max_length=255)
    title: str = Field(min_length=1, max_length=500)
    tlp: TLPValue = "amber"
    shared_with: list[int] = Field([], description="Unit ids (TLP:AMBER audience)")
    recipients: list[str] = Field([], description="User names (TLP:RED recipients)")


class DecisionPatch(Schema):
    number: str | None = Field(None, min_length=1, max_length=64)
    date: dt.date | None = None
    effective_date: dt.date | None = None
    issuer: str | None = Field(None, min_length=1, max_length=255)
    title: str | None = Field(None, min_length=1, max_length=500)
    tlp: TLPValue | None = None
    shared_with: list[int] | None = None
    recipients: list[str] | None = None


class DecisionFilter(Schema):
    unit_id: int | None = None
    subtree_of: str | None = Field(None, description="Unit id or code: its whole subtree")
    status: Literal["draft", "applied"] | None = None
    tlp: TLPValue | None = None
    q: str = Field("", max_length=200, description="Words in the number, title or issuer")


class DecisionItemIn(Schema):
    action: Literal["appoint", "remove"]
    person_id: int
    role: str = Field(min_length=1, max_length=40, description="Role code")
    note: str = Field("", max_length=300)


class CompletenessOut(Schema):
    unit: UnitRef
    unit_id: int = Field(description="Deprecated (one release): `unit.id`")
    unit_code: str = Field(description="Deprecated (one release): `unit.code`")
    unit_name: str = Field(description="Deprecated (one release): `unit.name`")
    kind: str
    on: dt.date
    complete: bool
    has_head: bool
    has_focal_point: bool
    members: int
    min_members: int
    has_decision: bool
    last_decision_date: dt.date | None
    missing: list[Literal["no_head", "no_focal_point", "too_few_members", "no_decision"]]
    missing_text: list[str] = Field(description="What is missing, in the request's language")

    @staticmethod
    def resolve_unit_id(obj) -> int:
        return obj.unit.pk

    @staticmethod
    def resolve_unit_code(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.display_name

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.unit.kind.code

    @staticmethod
    def resolve_missing(obj) -> list[str]:
        return obj.missing_codes

    @staticmethod
    def resolve_missing_text(obj) -> list[str]:
        return obj.missing


class CompletenessFilter(Schema):
    on: dt.date | None = Field(None, description="Status as of this date (today by default)")
    subtree_of: str | None = Field(None, description="Unit id or code: its whole subtree")
    incomplete_only: bool = False


class CompletenessTargetOut(Schema):
    target_date: dt.date | None
    note: str = ""
    set_at: dt.datetime | None = None
    set_by: str | None = None
    passed: bool = Field(False, description="The target date is before today")


class CompletenessTargetIn(Schema):
    target_date: dt.date
    note: str = Field("", max_length=300)


class RedViewsAudited(PageNumberPagination):
    """Page-number pagination that records a `view` audit entry for each TLP:RED
    decision on the page it returns."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(page["items"])
        decision_sel.record_red_views(api_actor(request), items)
        page["items"] = items
        return page


# --------------------------------------------------------------------------- people


@router.get("/people", response=list[PersonOut], summary="List people")
@paginate(PageNumberPagination)
def list_people(request, filters: Query[PersonFilter]):
    user = request.auth
    unit = unit_ref(user, filters.subtree_of, field="subtree_of", optional=True)
    return people_sel.person_list(user=user, q=filters.q, unit=unit, role=filters.role, active=filters.active)


@router.post("/people", response={201: PersonDetailOut}, summary="Create a person")
def create_person(request, payload: PersonIn):
    user = request.auth
    unit = unit_ref(user=user, ref=payload.home_unit_id, field="home_unit_id", active_only=True)
    person = people_svc.person_create(
        actor=api_actor(request), full_name=payload.full_name, home_unit=unit, position=payload.position,
        email=payload.email, phone=payload.phone, is_active=payload.is_active,
    )
    return Status(201, _person_detail(user, person.pk))


def _person_detail(user, person_id):
    person = people_sel.person_get(user=user, person_id=person_id)
    person.memberships_list = list(people_sel.person_memberships(user=user, person=person))
    return person


@router.get("/people/{person_id}", response=PersonDetailOut, summary="One person, with their memberships")
def get_person(request, person_id: int):
    return concurrency.tag(request, _person_detail(request.auth, person_id))


@router.patch("/people/{person_id}", response=PersonDetailOut, summary="Change a person")
def update_person(request, person_id: int, payload: PersonPatch):
    user = request.auth
    person = people_sel.person_get(user=user, person_id=person_id)
    version = concurrency.if_match(request, person)
    changes = payload.dict(exclude_unset=True)
    if "home_unit_id" in changes:
        changes["home_unit"] = unit_ref(
            user=user, ref=changes.pop("home_unit_id"), field="home_unit_id", active_only=True
        )
    if "username" in changes:
        changes["user"] = people_sel.account_for_link(user=user, username=changes.pop("username"))
    people_svc.person_update(actor=api_actor(request), person=person, version=version, **changes)
    return concurrency.tag(request, _person_detail(user, person_id))


# --------------------------------------------------------------------------- memberships


@router.get("/memberships", response=list[PersonMembershipOut], summary="List memberships")
@paginate(PageNumberPagination)
def list_memberships(request, filters: Query[MembershipFilter]):
    user = request.auth
    unit = unit_ref(user, filters.unit_id, field="unit_id", optional=True)
    subtree = unit_ref(user, filters.subtree_of, field="subtree_of", optional=True)
    return membership_sel.membership_list(
        user=user, unit=unit, subtree_of=subtree, person_id=filters.person_id, role=filters.role,
        active=filters.active, on=filters.on,
    )


@router.post("/memberships", response={201: PersonMembershipOut}, summary="Give a person a role in a unit")
def add_membership(request, payload: MembershipIn):
    user = request.auth
    person = people_sel.person_get(user=user, person_id=payload.person_id)
    unit = unit_ref(user, payload.unit_id, field="unit_id")
    role = membership_sel.role_by_code(user=user, code=payload.role)
    m = membership_svc.membership_add(
        actor=api_actor(request), person=person, unit=unit, role=role, since=payload.since,
        until=payload.until, note=payload.note,
    )
    return Status(201, membership_sel.membership_get(user=user, membership_id=m.pk))


@router.get("/memberships/{membership_id}", response=PersonMembershipOut, summary="One membership")
def get_membership(request, membership_id: int):
    return membership_sel.membership_get(user=request.auth, membership_id=membership_id)


@router.post("/memberships/{membership_id}/end", response=PersonMembershipOut, summary="End a membership (kept as history)")
def end_membership(request, membership_id: int, payload: MembershipEndIn):
    user = request.auth
    m = membership_sel.membership_get(user=user, membership_id=membership_id)
    membership_svc.membership_end(actor=api_actor(request), membership=m, until=payload.until, note=payload.note)
    return membership_sel.membership_get(user=user, membership_id=membership_id)


# --------------------------------------------------------------------------- decisions


def _decision_detail(request, decision_id):
    decision = decision_sel.decision_get(user=request.auth, decision_id=decision_id)
    decision_sel.record_red_views(api_actor(request), [decision])
    return decision


@router.get("/decisions", response=list[DecisionOut], summary="List membership decisions")
@paginate(RedViewsAudited)
def list_decisions(request, filters: Query[DecisionFilter]):
    user = request.auth
    unit = unit_ref(user, filters.unit_id, field="unit_id", optional=True)
    subtree = unit_ref(user, filters.subtree_of, field="subtree_of", optional=True)
    return decision_sel.decision_list(
        user=user, unit=unit, subtree_of=subtree, status=filters.status, tlp=filters.tlp, q=filters.q
    )


@router.post("/decisions", response={201: DecisionDetailOut}, summary="Create a draft membership decision")
def create_decision(request, payload: MembershipDecisionIn):
    user = request.auth
    unit = unit_ref(user, payload.unit_id, field="unit_id", active_only=True)
    d = decision_svc.decision_create(
        actor=api_actor(request), unit=unit, number=payload.number, date=payload.date,
        effective_date=payload.effective_date, issuer=payload.issuer, title=payload.title,
        tlp=payload.tlp or TLP.AMBER, shared_with=payload.shared_with, recipients=payload.recipients,
    )
    return Status(201, decision_sel.decision_get(user=user, decision_id=d.pk))


@router.get("/decisions/{decision_id}", response=DecisionDetailOut, summary="One membership decision with its items")
def get_decision(request, decision_id: int):
    return concurrency.tag(request, _decision_detail(request, decision_id))


@router.patch("/decisions/{decision_id}", response=DecisionDetailOut, summary="Change a draft decision")
def update_decision(request, decision_id: int, payload: DecisionPatch):
    decision = decision_sel.decision_get(user=request.auth, decision_id=decision_id)
    version = concurrency.if_match(request, decision)
    decision_svc.decision_update(actor=api_actor(request), decision=decision, version=version,
                                 **payload.dict(exclude_unset=True))
    return concurrency.tag(request, _decision_detail(request, decision_id))


@router.post("/decisions/{decision_id}/items", response={201: DecisionItemOut}, summary="Add an item to a draft decision")
def add_decision_item(request, decision_id: int, payload: DecisionItemIn):
    user = request.auth
    decision = decision_sel.decision_get(user=user, decision_id=decision_id)
    person = people_sel.person_get(user=user, person_id=payload.person_id)
    role = membership_sel.role_by_code(user=user, code=payload.role)
    item = decision_svc.decision_add_item(
        actor=api_actor(request), decision=decision, action=payload.action, person=person, role=role,
        note=payload.note,
    )
    return Status(201, item)


@router.delete("/decisions/{decision_id}/items/{item_id}", response={204: None}, summary="Remove an item from a draft decision")
def remove_decision_item(request, decision_id: int, item_id: int):
    decision = decision_sel.decision_get(user=request.auth, decision_id=decision_id)
    item = decision_sel.decision_item_get(decision=decision, item_id=item_id)
    decision_svc.decision_remove_item(actor=api_actor(request), decision=decision, item=item)
    return Status(204, None)


@router.post("/decisions/{decision_id}/file", response=DecisionDetailOut, summary="Upload the signed PDF of a draft decision")
def upload_decision_file(request, decision_id: int, signed_file: File[UploadedFile]):
    decision = decision_sel.decision_get(user=request.auth, decision_id=decision_id)
    decision_svc.decision_attach_file(actor=api_actor(request), decision=decision, upload=signed_file)
    return _decision_detail(request, decision_id)


@router.get(
    "/decisions/{decision_id}/file",
    summary="Download the signed PDF (recorded as an export)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The signed PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_decision_file(request, decision_id: int):
    decision = decision_sel.decision_get(user=request.auth, decision_id=decision_id)
    handle = decision_svc.decision_file_export(actor=api_actor(request), decision=decision)
    return FileResponse(
        handle, as_attachment=True, filename=f"{decision.number.replace('/', '-')}.pdf",
        content_type="application/pdf",
    )


@router.post("/decisions/{decision_id}/apply", response=DecisionDetailOut, summary="Apply a draft decision (all items at once)")
def apply_decision(request, decision_id: int):
    decision = decision_sel.decision_get(user=request.auth, decision_id=decision_id)
    decision_svc.decision_apply(actor=api_actor(request), decision=decision)
    return _decision_detail(request, decision_id)


# --------------------------------------------------------------------------- completeness


@router.get("/completeness", response=list[CompletenessOut], summary="Completeness of unit bodies in your scope")
@paginate(PageNumberPagination)
def list_completeness(request, filters: Query[CompletenessFilter]):
    user = request.auth
    subtree = unit_ref(user, filters.subtree_of, field="subtree_of", optional=True)
    return completeness_sel.completeness_list(
        user=user, on=filters.on, subtree_of=subtree, incomplete_only=filters.incomplete_only
    )


def _target_out(target):
    if target is None:
        return {"target_date": None}
    return {
        "target_date": target.target_date, "note": target.note, "set_at": target.set_at,
        "set_by": target.set_by.username if target.set_by_id else None,
        "passed": target.target_date < timezone.localdate(),
    }


def _target_tag(target) -> concurrency.Tagged:
    """The target date is a history of rows: its version is the id of the latest one."""
    return concurrency.Tagged(version=target.pk if target else 0, name=str(_("Hạn kiện toàn")))


@router.get("/completeness/target", response=CompletenessTargetOut, summary="The completeness target date")
def get_target(request):
    target = completeness_sel.current_target(user=request.auth)
    concurrency.tag(request, _target_tag(target))
    return _target_out(target)


@router.put("/completeness/target", response=CompletenessTargetOut, summary="Set the completeness target date (office)")
def set_target(request, payload: CompletenessTargetIn):
    version = concurrency.if_match(request, _target_tag(completeness_sel.current_target(user=request.auth)))
    completeness_svc.completeness_target_set(
        actor=api_actor(request), target_date=payload.target_date, note=payload.note, version=version,
    )
    target = completeness_sel.current_target(user=request.auth)
    concurrency.tag(request, _target_tag(target))
    return _target_out(target)
