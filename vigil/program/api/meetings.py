"""Program API: meetings, their attendees, connected sites, documents (multipart upload,
access-checked download), the conclusion notice and its conclusions, and the tasks a
conclusion produces.

Thin adapters: parse, call a selector (reads start from visible_to) or a service
(writes), return a schema. Domain errors become RFC 9457 problems in vigil.core.problems.
A meeting the caller cannot see answers 404; one they see but may not change, 403.
"""

import datetime as dt
from typing import Literal

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from vigil.core import concurrency
from vigil.core.actors import api_actor
from vigil.core.api.schemas import LocalTime, UnitRef
from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError
from vigil.core.pagination import PageNumberPagination

from ..selectors import meetings as meeting_sel
from ..services import meetings as meeting_svc

router = Router(tags=["program: meetings"])

MeetingKind = Literal["regular", "extraordinary", "thematic", "working"]
MeetingStatus = Literal["planned", "held", "concluded"]
Presence = Literal["present", "absent", "delegated"]
DocumentKind = Literal["agenda", "material", "minutes", "notice", "other"]
TaskStatus = Literal["not_started", "in_progress", "done_on_time", "done_late", "overdue", "cancelled"]
Product = Literal["document", "system", "drill", "number", "report", "other"]
Recurrence = Literal["none", "monthly", "quarterly", "yearly"]


# --------------------------------------------------------------------------- schemas


class TaskBriefOut(Schema):
    """A task as listed under a conclusion or a programme, with its computed status."""

    id: int
    title: str
    lead_unit: UnitRef
    lead_unit_id: int = Field(description="Deprecated (one release): `lead_unit.id`")
    lead_unit_code: str = Field(description="Deprecated (one release): `lead_unit.code`")
    lead_unit_name: str = Field(description="Deprecated (one release): `lead_unit.name`")
    assigning_unit: UnitRef
    assigning_unit_id: int = Field(description="Deprecated (one release): `assigning_unit.id`")
    start_date: dt.date
    due_date: dt.date
    progress: int
    status: TaskStatus
    status_label: str
    children: int = Field(description="Child tasks (one per lead unit) you may see")
    children_by_status: dict[str, int] = Field(description="Those children counted by status")

    @staticmethod
    def resolve_lead_unit_code(obj) -> str:
        return obj.lead_unit.code

    @staticmethod
    def resolve_lead_unit_name(obj) -> str:
        return obj.lead_unit.display_name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.status_label)

    @staticmethod
    def resolve_children(obj) -> int:
        return len(getattr(obj, "children_list", []))

    @staticmethod
    def resolve_children_by_status(obj) -> dict:
        return {b["status"]: b["count"] for b in getattr(obj, "breakdown", [])}


class MeetingOut(Schema):
    id: int
    body_unit: UnitRef
    body_unit_id: int = Field(description="Deprecated (one release): `body_unit.id`")
    body_unit_code: str = Field(description="Deprecated (one release): `body_unit.code`")
    body_unit_name: str = Field(description="Deprecated (one release): `body_unit.name`")
    title: str
    kind: MeetingKind
    held_on: dt.date
    start_time: LocalTime | None
    location: str
    is_online: bool
    chair_id: int | None
    chair_name: str | None
    agenda: str
    minutes: str
    notice_number: str
    notice_date: dt.date | None
    status: MeetingStatus
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_body_unit_code(obj) -> str:
        return obj.body_unit.code

    @staticmethod
    def resolve_body_unit_name(obj) -> str:
        return obj.body_unit.display_name

    @staticmethod
    def resolve_chair_name(obj) -> str | None:
        return obj.chair.full_name if obj.chair_id else None


class AttendeeOut(Schema):
    id: int
    person_id: int
    person_name: str
    presence: Presence
    delegate_name: str
    note: str

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.full_name


class SiteOut(Schema):
    id: int
    unit: UnitRef
    unit_id: int = Field(description="Deprecated (one release): `unit.id`")
    unit_code: str = Field(description="Deprecated (one release): `unit.code`")
    unit_name: str = Field(description="Deprecated (one release): `unit.name`")
    attended: bool
    participants: int | None
    note: str

    @staticmethod
    def resolve_unit_code(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.display_name


class DocumentOut(Schema):
    id: int
    kind: DocumentKind
    title: str
    size: int
    sha256: str
    content_type: str
    uploaded_at: dt.datetime
    download: str = Field(description="API path of the access-checked download")

    @staticmethod
    def resolve_download(obj) -> str:
        return f"/api/v1/program/meetings/{obj.meeting_id}/documents/{obj.pk}"


class ConclusionOut(Schema):
    id: int
    number: int
    text: str
    tasks: list[TaskBriefOut] = Field(description="Tasks it produced that you may see")

    @staticmethod
    def resolve_tasks(obj) -> list:
        return getattr(obj, "task_rows", [])


class MeetingDetailOut(MeetingOut):
    attendees: list[AttendeeOut]
    sites: list[SiteOut]
    documents: list[DocumentOut]
    conclusions: list[ConclusionOut]

    @staticmethod
    def resolve_attendees(obj) -> list:
        return obj.attendee_rows

    @staticmethod
    def resolve_sites(obj) -> list:
        return obj.site_rows

    @staticmethod
    def resolve_documents(obj) -> list:
        return obj.document_rows

    @staticmethod
    def resolve_conclusions(obj) -> list:
        return obj.conclusion_rows


class MeetingFilter(Schema):
    body_unit_id: str | None = Field(None, description="Unit id or code: that body only")
    subtree_of: str | None = Field(None, description="Unit id or code: bodies in its subtree")
    year: int | None = Field(None, ge=1900, le=2100)
    status: MeetingStatus | None = None
    q: str = Field("", max_length=200, description="Words in the title, notice number or location")


class MeetingIn(Schema):
    body_unit_id: int = Field(description="The unit whose body meets")
    title: str = Field(min_length=1, max_length=300)
    kind: MeetingKind = "regular"
    held_on: dt.date
    start_time: LocalTime | None = None
    location: str = Field("", max_length=300)
    is_online: bool = False
    chair_id: int | None = Field(None, description="Person chairing")
    agenda: str = ""
    minutes: str = ""


class MeetingPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    kind: MeetingKind | None = None
    held_on: dt.date | None = None
    start_time: LocalTime | None = None
    location: str | None = Field(None, max_length=300)
    is_online: bool | None = None
    chair_id: int | None = None
    agenda: str | None = None
    minutes: str | None = None
    notice_number: str | None = Field(None, max_length=64, description="Conclusion notice number")
    notice_date: dt.date | None = None


class MeetingStatusIn(Schema):
    status: Literal["held", "concluded"]


class ConcludeIn(Schema):
    notice_number: str | None = Field(None, max_length=64)
    notice_date: dt.date | None = None


class AttendeeIn(Schema):
    person_id: int
    presence: Presence = "present"
    delegate_name: str = Field("", max_length=200, description="Required when delegated")
    note: str = Field("", max_length=300)


class AttendeePatch(Schema):
    presence: Presence
    delegate_name: str = Field("", max_length=200)
    note: str = Field("", max_length=300)


class MembersIn(Schema):
    presence: Literal["present", "absent"] = "present"


class SiteIn(Schema):
    unit_id: int | None = Field(None, description="One unit as a connected site")
    all_of_kind: Literal["province"] | None = Field(None, description="Every unit of this kind you can see")
    attended: bool = True
    participants: int | None = Field(None, ge=0)
    note: str = Field("", max_length=300)


class SitePatch(Schema):
    attended: bool
    participants: int | None = Field(None, ge=0)
    note: str = Field("", max_length=300)


class ConclusionIn(Schema):
    text: str = Field(min_length=1)
    number: int | None = Field(None, ge=1, le=32767, description="Next number by default")


class ConclusionPatch(Schema):
    text: str | None = Field(None, min_length=1)
    number: int | None = Field(None, ge=1, le=32767)


class ConclusionTaskIn(Schema):
    title: str = Field("", max_length=300, description="Defaults to the conclusion's text")
    description: str = ""
    lead_unit_ids: list[int] = Field([], description="Units leading it (several: one child task each)")
    all_of_kind: str | None = Field(None, max_length=40, description="Unit kind code: every unit of it, e.g. province")
    supporting_unit_ids: list[int] = []
    start_date: dt.date | None = None
    due_date: dt.date
    product: Product = "document"
    product_description: str = Field("", max_length=500)
    target_value: int | None = Field(None, ge=0)
    priority: int = Field(2, ge=1, le=4)
    recurrence: Recurrence = "none"


# --------------------------------------------------------------------------- helpers


def _detail(request, meeting_id):
    user = request.auth
    meeting = meeting_sel.meeting_get(user=user, meeting_id=meeting_id)
    meeting.attendee_rows = list(meeting_sel.attendees(meeting=meeting))
    meeting.site_rows = list(meeting_sel.sites(meeting=meeting))
    meeting.document_rows = list(meeting_sel.documents(meeting=meeting))
    meeting.conclusion_rows = meeting_sel.conclusions_with_tasks(user=user, meeting=meeting)
    return meeting


def _meeting(request, meeting_id):
    return meeting_sel.meeting_get(user=request.auth, meeting_id=meeting_id)


# --------------------------------------------------------------------------- meetings


@router.get("/meetings", response=list[MeetingOut], summary="List meetings you may see")
@paginate(PageNumberPagination)
def list_meetings(request, filters: Query[MeetingFilter]):
    user = request.auth
    body = unit_ref(user, filters.body_unit_id, field="body_unit_id", optional=True)
    subtree = unit_ref(user, filters.subtree_of, field="subtree_of", optional=True)
    return meeting_sel.meeting_list(
        user=user, body_unit=body, subtree_of=subtree, year=filters.year, status=filters.status, q=filters.q
    )


@router.post("/meetings", response={201: MeetingDetailOut}, summary="Record a meeting")
def create_meeting(request, payload: MeetingIn):
    data = payload.dict()
    body = unit_ref(request.auth, data.pop("body_unit_id"), field="body_unit_id")
    data["chair"] = data.pop("chair_id")
    meeting = meeting_svc.meeting_create(actor=api_actor(request), body_unit=body, **data)
    return Status(201, _detail(request, meeting.pk))


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut, summary="One meeting with attendees, sites, documents and conclusions")
def get_meeting(request, meeting_id: int):
    return concurrency.tag(request, _detail(request, meeting_id))


@router.patch("/meetings/{meeting_id}", response=MeetingDetailOut, summary="Change a meeting (information, minutes, notice number and date)")
def update_meeting(request, meeting_id: int, payload: MeetingPatch):
    meeting = _meeting(request, meeting_id)
    version = concurrency.if_match(request, meeting)
    changes = payload.dict(exclude_unset=True)
    if "chair_id" in changes:
        changes["chair"] = changes.pop("chair_id")
    meeting_svc.meeting_update(actor=api_actor(request), meeting=meeting, version=version, **changes)
    return concurrency.tag(request, _detail(request, meeting_id))


@router.post("/meetings/{meeting_id}/status", response=MeetingDetailOut, summary="Move a meeting to held or concluded")
def set_meeting_status(request, meeting_id: int, payload: MeetingStatusIn):
    meeting = _meeting(request, meeting_id)
    meeting_svc.meeting_set_status(actor=api_actor(request), meeting=meeting, status=payload.status)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/conclude", response=MeetingDetailOut, summary="Issue the conclusion notice (number, date) and conclude the meeting")
def conclude_meeting(request, meeting_id: int, payload: ConcludeIn):
    meeting = _meeting(request, meeting_id)
    meeting_svc.meeting_conclude(
        actor=api_actor(request), meeting=meeting, notice_number=payload.notice_number,
        notice_date=payload.notice_date,
    )
    return _detail(request, meeting_id)


# --------------------------------------------------------------------------- attendees


@router.get("/meetings/{meeting_id}/attendees", response=list[AttendeeOut], summary="The attendance list of a meeting")
def list_attendees(request, meeting_id: int):
    return list(meeting_sel.attendees(meeting=_meeting(request, meeting_id)))


@router.post("/meetings/{meeting_id}/attendees", response={201: AttendeeOut}, summary="Add a member of the body to the attendance list")
def add_attendee(request, meeting_id: int, payload: AttendeeIn):
    meeting = _meeting(request, meeting_id)
    attendee = meeting_svc.attendee_add(
        actor=api_actor(request), meeting=meeting, person=payload.person_id, presence=payload.presence,
        delegate_name=payload.delegate_name, note=payload.note,
    )
    return Status(201, meeting_sel.attendee_get(meeting=meeting, attendee_id=attendee.pk))


@router.post("/meetings/{meeting_id}/attendees/members", response={201: list[AttendeeOut]}, summary="Add every current member of the body not yet listed")
def add_members(request, meeting_id: int, payload: MembersIn):
    meeting = _meeting(request, meeting_id)
    added = meeting_svc.attendees_add_members(actor=api_actor(request), meeting=meeting, presence=payload.presence)
    return Status(201, added)


@router.patch("/meetings/{meeting_id}/attendees/{attendee_id}", response=AttendeeOut, summary="Change an attendee's presence")
def update_attendee(request, meeting_id: int, attendee_id: int, payload: AttendeePatch):
    meeting = _meeting(request, meeting_id)
    attendee = meeting_sel.attendee_get(meeting=meeting, attendee_id=attendee_id)
    version = concurrency.if_match(request, attendee)
    meeting_svc.attendee_update(actor=api_actor(request), attendee=attendee, version=version,
                                **payload.dict(exclude_unset=True))
    return concurrency.tag(request, meeting_sel.attendee_get(meeting=meeting, attendee_id=attendee_id))


@router.delete("/meetings/{meeting_id}/attendees/{attendee_id}", response={204: None}, summary="Remove someone from the attendance list")
def remove_attendee(request, meeting_id: int, attendee_id: int):
    meeting = _meeting(request, meeting_id)
    attendee = meeting_sel.attendee_get(meeting=meeting, attendee_id=attendee_id)
    meeting_svc.attendee_remove(actor=api_actor(request), attendee=attendee)
    return Status(204, None)


# --------------------------------------------------------------------------- connected sites


@router.get("/meetings/{meeting_id}/sites", response=list[SiteOut], summary="The connected sites of an online meeting")
def list_sites(request, meeting_id: int):
    return list(meeting_sel.sites(meeting=_meeting(request, meeting_id)))


@router.post("/meetings/{meeting_id}/sites", response={201: list[SiteOut]}, summary="Add a connected site, or every province at once (all_of_kind=province)")
def add_sites(request, meeting_id: int, payload: SiteIn):
    meeting = _meeting(request, meeting_id)
    actor = api_actor(request)
    if payload.all_of_kind:
        added = meeting_svc.sites_add_all(
            actor=actor, meeting=meeting, kind=payload.all_of_kind, attended=payload.attended
        )
        return Status(201, added)
    if payload.unit_id is None:
        meeting_svc.require_change(actor, meeting)
        raise DomainError(_("Hãy chọn đơn vị làm điểm cầu (unit_id), hoặc all_of_kind=province."), field="unit_id")
    site = meeting_svc.site_add(
        actor=actor, meeting=meeting, unit=payload.unit_id, attended=payload.attended,
        participants=payload.participants, note=payload.note,
    )
    return Status(201, [site])


@router.patch("/meetings/{meeting_id}/sites/{site_id}", response=SiteOut, summary="Record whether a site connected")
def update_site(request, meeting_id: int, site_id: int, payload: SitePatch):
    meeting = _meeting(request, meeting_id)
    site = meeting_sel.site_get(meeting=meeting, site_id=site_id)
    version = concurrency.if_match(request, site)
    meeting_svc.site_update(actor=api_actor(request), site=site, version=version, **payload.dict(exclude_unset=True))
    return concurrency.tag(request, meeting_sel.site_get(meeting=meeting, site_id=site_id))


@router.delete("/meetings/{meeting_id}/sites/{site_id}", response={204: None}, summary="Remove a connected site")
def remove_site(request, meeting_id: int, site_id: int):
    meeting = _meeting(request, meeting_id)
    site = meeting_sel.site_get(meeting=meeting, site_id=site_id)
    meeting_svc.site_remove(actor=api_actor(request), site=site)
    return Status(204, None)


# --------------------------------------------------------------------------- documents


@router.get("/meetings/{meeting_id}/documents", response=list[DocumentOut], summary="The documents of a meeting")
def list_documents(request, meeting_id: int):
    return list(meeting_sel.documents(meeting=_meeting(request, meeting_id)))


@router.post("/meetings/{meeting_id}/documents", response={201: DocumentOut}, summary="Upload a document (multipart: file, title, kind)")
def upload_document(
    request,
    meeting_id: int,
    file: File[UploadedFile],
    title: Form[str] = "",
    kind: Form[DocumentKind] = "material",
):
    meeting = _meeting(request, meeting_id)
    document = meeting_svc.document_add(actor=api_actor(request), meeting=meeting, upload=file, title=title, kind=kind)
    return Status(201, document)


@router.get(
    "/meetings/{meeting_id}/documents/{document_id}",
    summary="Download a document (access-checked, written to the audit log)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, with the media type sniffed at upload",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_document(request, meeting_id: int, document_id: int):
    meeting = _meeting(request, meeting_id)
    document = meeting_sel.document_get(meeting=meeting, document_id=document_id)
    handle = meeting_svc.document_open(actor=api_actor(request), document=document)
    return FileResponse(
        handle, as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1],
        content_type=document.content_type or "application/octet-stream",
    )


@router.delete("/meetings/{meeting_id}/documents/{document_id}", response={204: None}, summary="Remove a document")
def remove_document(request, meeting_id: int, document_id: int):
    meeting = _meeting(request, meeting_id)
    document = meeting_sel.document_get(meeting=meeting, document_id=document_id)
    meeting_svc.document_remove(actor=api_actor(request), document=document)
    return Status(204, None)


# --------------------------------------------------------------------------- conclusions


@router.get("/meetings/{meeting_id}/conclusions", response=list[ConclusionOut], summary="The conclusions of a meeting, with their tasks")
def list_conclusions(request, meeting_id: int):
    return meeting_sel.conclusions_with_tasks(user=request.auth, meeting=_meeting(request, meeting_id))


def _conclusion_out(request, meeting, conclusion_id):
    conclusion = meeting_sel.conclusion_get(meeting=meeting, conclusion_id=conclusion_id)
    conclusion.task_rows = meeting_sel.conclusion_tasks(user=request.auth, conclusion=conclusion)
    return conclusion


@router.post("/meetings/{meeting_id}/conclusions", response={201: ConclusionOut}, summary="Add a conclusion to the notice")
def add_conclusion(request, meeting_id: int, payload: ConclusionIn):
    meeting = _meeting(request, meeting_id)
    c = meeting_svc.conclusion_add(actor=api_actor(request), meeting=meeting, text=payload.text, number=payload.number)
    return Status(201, _conclusion_out(request, meeting, c.pk))


@router.get("/meetings/{meeting_id}/conclusions/{conclusion_id}", response=ConclusionOut, summary="One conclusion with its tasks")
def get_conclusion(request, meeting_id: int, conclusion_id: int):
    return concurrency.tag(request, _conclusion_out(request, _meeting(request, meeting_id), conclusion_id))


@router.patch("/meetings/{meeting_id}/conclusions/{conclusion_id}", response=ConclusionOut, summary="Change a conclusion (before the notice is issued)")
def update_conclusion(request, meeting_id: int, conclusion_id: int, payload: ConclusionPatch):
    meeting = _meeting(request, meeting_id)
    conclusion = meeting_sel.conclusion_get(meeting=meeting, conclusion_id=conclusion_id)
    version = concurrency.if_match(request, conclusion)
    meeting_svc.conclusion_update(actor=api_actor(request), conclusion=conclusion, version=version,
                                  **payload.dict(exclude_unset=True))
    return concurrency.tag(request, _conclusion_out(request, meeting, conclusion_id))


@router.delete("/meetings/{meeting_id}/conclusions/{conclusion_id}", response={204: None}, summary="Delete a conclusion with no task (before the notice is issued)")
def delete_conclusion(request, meeting_id: int, conclusion_id: int):
    meeting = _meeting(request, meeting_id)
    conclusion = meeting_sel.conclusion_get(meeting=meeting, conclusion_id=conclusion_id)
    meeting_svc.conclusion_delete(actor=api_actor(request), conclusion=conclusion)
    return Status(204, None)


@router.post("/meetings/{meeting_id}/conclusions/{conclusion_id}/tasks", response={201: ConclusionOut}, summary="Turn a conclusion into a task (units picked and/or every unit of a kind)")
def create_conclusion_task(request, meeting_id: int, conclusion_id: int, payload: ConclusionTaskIn):
    meeting = _meeting(request, meeting_id)
    conclusion = meeting_sel.conclusion_get(meeting=meeting, conclusion_id=conclusion_id)
    data = payload.dict()
    meeting_svc.conclusion_task_create(
        actor=api_actor(request), conclusion=conclusion, lead_units=data.pop("lead_unit_ids"),
        supporting_units=data.pop("supporting_unit_ids"), **data,
    )
    return Status(201, _conclusion_out(request, meeting, conclusion_id))
