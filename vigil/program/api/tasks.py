"""Program API: tasks, their progress reports (with evidence files), the completion
workflow, extension requests, and the task timeline.

Thin adapters: parse, call a selector (reads start from visible_to) or a service
(writes), return a schema. Domain errors become RFC 9457 problems in vigil.core.problems.
A task the caller cannot see answers 404; one they see but may not act on, 403.
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
from vigil.core.api.schemas import UnitRef, UnitRefIn
from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError, NotFound
from vigil.core.pagination import PageNumberPagination
from vigil.org.selectors import people as people_sel

from ..forms.tasks import task_actions
from ..models import ExtensionRequest, Task
from ..selectors import tasks as sel
from ..services import tasks as svc
from ..status import STATUS_LABELS

router = Router(tags=["program: tasks"])

StatusCode = Literal["not_started", "in_progress", "done_on_time", "done_late", "overdue", "cancelled"]
Relation = Literal["any", "lead", "assigned", "supporting"]


# --------------------------------------------------------------------------- schemas


class CommitteeTaskOut(Schema):
    id: int
    title: str
    source: str
    source_reference: str
    parent_id: int | None
    assigning_unit: UnitRef
    lead_unit: UnitRef
    assignee_id: int | None
    assignee_name: str | None
    start_date: dt.date
    due_date: dt.date
    original_due_date: dt.date
    recurrence: str
    product: str
    product_description: str
    target_value: int | None
    achieved_value: int | None
    priority: int
    progress: int = Field(description="Percent; for a parent task, derived from its children")
    state: Literal["open", "submitted", "accepted", "cancelled"] = Field(description="Workflow step")
    status: StatusCode = Field(description="Computed from the workflow step, progress and dates")
    status_label: str
    completed_on: dt.date | None
    accepted_on: dt.date | None
    cancel_reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_assignee_name(obj) -> str | None:
        return obj.assignee.full_name if obj.assignee_id else None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(STATUS_LABELS[obj.status])


class TaskDetailOut(CommitteeTaskOut):
    description: str
    conclusion_id: int | None
    programme_id: int | None
    finding_id: int | None
    supporting_units: list[UnitRef]
    children: list[CommitteeTaskOut] = Field(description="One child per lead unit (those you may see)")
    actions: list[str] = Field(description="Workflow steps you may take now")

    @staticmethod
    def resolve_supporting_units(obj) -> list:
        return list(obj.supporting_units.order_by("path"))

    @staticmethod
    def resolve_children(obj) -> list:
        return obj.children_list

    @staticmethod
    def resolve_actions(obj) -> list[str]:
        return [name for name, allowed in obj.allowed_actions.items() if allowed]


class TaskFilter(Schema):
    q: str = Field("", max_length=200, description="Words in the title")
    status: StatusCode | None = Field(None, description="Computed status")
    source: str | None = Field(None, description="conclusion, programme, directive, law, inspection, other")
    unit: str | None = Field(None, description="Unit id or code")
    subtree: bool = Field(True, description="With `unit`: include its descendants")
    relation: Relation = Field("any", description="With `unit`: the unit leads, assigned, or supports the task")
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    parent_id: int | None = Field(None, description="Children of this task")
    top_level: bool = Field(False, description="Only tasks without a parent")
    mine: bool = Field(False, description="Tasks so related (`relation`) to the units I am a member of")


class CommitteeTaskIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    source: str = Field("other", description="conclusion, programme, directive, law, inspection, other")
    source_reference: str = Field("", max_length=300)
    assigning_unit: UnitRefIn = Field(description="Unit id or code")
    lead_units: list[UnitRefIn] = Field([], description="Unit ids or codes; several make a parent with one child each")
    lead_kind: str | None = Field(None, description="Instead of lead_units: every unit of this kind (e.g. province)")
    supporting_units: list[UnitRefIn] = Field([], description="Unit ids or codes")
    assignee_id: int | None = None
    start_date: dt.date | None = Field(None, description="Today by default")
    due_date: dt.date
    recurrence: Literal["none", "monthly", "quarterly", "yearly"] = "none"
    product: Literal["document", "system", "drill", "number", "report", "other"] = "document"
    product_description: str = Field("", max_length=500)
    target_value: int | None = Field(None, ge=0)
    priority: int = Field(2, ge=1, le=4)


class TaskPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    source_reference: str | None = Field(None, max_length=300)
    priority: int | None = Field(None, ge=1, le=4)
    recurrence: Literal["none", "monthly", "quarterly", "yearly"] | None = None
    product: Literal["document", "system", "drill", "number", "report", "other"] | None = None
    product_description: str | None = Field(None, max_length=500)
    target_value: int | None = Field(None, ge=0)
    assignee_id: int | None = Field(None, description="null clears the assignee")
    supporting_units: list[UnitRefIn] | None = Field(None, description="Unit ids or codes (replaces the list)")
    due_date: dt.date | None = Field(None, description="Refused: a due date changes only through an approved extension")


class TaskEvidenceOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    content_type: str
    uploaded_at: dt.datetime
    download: str = Field(description="Path of the access-checked download")

    @staticmethod
    def resolve_download(obj) -> str:
        return f"/api/v1/program/evidence/{obj.pk}"


class ProgressReportOut(Schema):
    id: int
    task_id: int
    percent: int
    text: str
    achieved_value: int | None
    period_start: dt.date | None
    reported_by: str | None
    reported_at: dt.datetime
    evidence: list[TaskEvidenceOut]

    @staticmethod
    def resolve_reported_by(obj) -> str | None:
        return obj.reported_by.username if obj.reported_by_id else None

    @staticmethod
    def resolve_evidence(obj) -> list:
        return list(obj.evidence.all())


class ProgressReportIn(Schema):
    percent: int = Field(ge=0, le=100)
    text: str = Field(min_length=1)
    achieved_value: int | None = Field(None, ge=0)
    period_start: dt.date | None = Field(None, description="Recurring tasks: a day of the period reported on")


class EventOut(Schema):
    id: int
    task_id: int
    kind: str
    kind_label: str
    at: dt.datetime
    actor: str | None
    actor_name: str
    note: str = Field(description="In the reader's language where the platform wrote it (a reminder)")
    data: dict

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_note(obj) -> str:
        return obj.display_note

    @staticmethod
    def resolve_data(obj) -> dict:
        return {k: v for k, v in (obj.data or {}).items() if k != "message"}

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None


class ExtensionOut(Schema):
    id: int
    task_id: int
    old_due_date: dt.date
    new_due_date: dt.date
    reason: str
    status: Literal["pending", "approved", "refused", "withdrawn"]
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str

    @staticmethod
    def resolve_requested_by(obj) -> str | None:
        return obj.requested_by.username if obj.requested_by_id else None

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return obj.decided_by.username if obj.decided_by_id else None


class NoteIn(Schema):
    note: str = ""


class TaskReasonIn(Schema):
    reason: str = Field(min_length=1, description="Why (required)")


class CascadeIn(Schema):
    lead_units: list[UnitRefIn] = Field(min_length=1, description="Sub-units of the lead unit (ids or codes)")
    due_date: dt.date | None = Field(None, description="The children's due date (the task's by default)")


class ExtensionIn(Schema):
    new_due_date: dt.date
    reason: str = Field(min_length=1)


class DecideIn(Schema):
    approve: bool
    note: str = Field("", description="Required when refusing")


# --------------------------------------------------------------------------- helpers


def _detail(user, task_id) -> Task:
    task = sel.task_get(user, task_id)
    task.children_list = list(sel.task_children(user, task))
    pending = sel.task_extensions(user, task).filter(status=ExtensionRequest.Status.PENDING).first()
    task.allowed_actions = task_actions(user, task, pending=pending, has_children=task.children.exists())
    return task


def _person(user, person_id, field: str = "assignee_id"):
    if person_id is None:
        return None
    try:
        return people_sel.person_get(user=user, person_id=person_id)
    except NotFound:
        raise DomainError(_("Không tìm thấy cán bộ."), field=field, code="unknown-person") from None


# --------------------------------------------------------------------------- tasks


@router.get("/tasks", response=list[CommitteeTaskOut], summary="List tasks (filters: status, source, unit subtree, relation, due dates)")
@paginate(PageNumberPagination)
def list_tasks(request, filters: Query[TaskFilter]):
    user = request.auth
    return sel.filtered(user, sel.TaskFilters.parse(user, filters.dict()))


@router.post("/tasks", response={201: TaskDetailOut}, summary="Assign a task (to one unit, several, or every unit of a kind)")
def create_task(request, payload: CommitteeTaskIn):
    user = request.auth
    actor = api_actor(request)
    assigning = unit_ref(user, payload.assigning_unit, field="assigning_unit", active_only=True, bad_input=True)
    leads = list(payload.lead_units)
    if payload.lead_kind and leads:
        raise DomainError(_("Chọn đơn vị cụ thể hoặc một loại đơn vị, không chọn cả hai."), field="lead_kind")
    if payload.lead_kind:
        leads = svc.lead_units_of_kind(actor, payload.lead_kind)
        if not leads:
            raise DomainError(_("Không có đơn vị nào thuộc loại này mà bạn được giao nhiệm vụ."), field="lead_kind")
    task = svc.task_create(
        actor=actor, title=payload.title, assigning_unit=assigning, lead_units=leads, due_date=payload.due_date,
        start_date=payload.start_date, description=payload.description, source=payload.source,
        source_reference=payload.source_reference, supporting_units=payload.supporting_units,
        assignee=_person(user, payload.assignee_id), recurrence=payload.recurrence, product=payload.product,
        product_description=payload.product_description, target_value=payload.target_value,
        priority=payload.priority,
    )
    return Status(201, _detail(user, task.pk))


@router.get("/tasks/{task_id}", response=TaskDetailOut, summary="One task with its children and the steps you may take")
def get_task(request, task_id: int):
    return concurrency.tag(request, _detail(request.auth, task_id))


@router.patch("/tasks/{task_id}", response=TaskDetailOut, summary="Change a task (never its due date: request an extension)")
def update_task(request, task_id: int, payload: TaskPatch):
    user = request.auth
    task = sel.task_get(user, task_id)
    version = concurrency.if_match(request, task)
    changes = payload.dict(exclude_unset=True)
    if "assignee_id" in changes:
        changes["assignee"] = _person(user, changes.pop("assignee_id"))
    if changes:
        svc.task_update(actor=api_actor(request), task=task, version=version, **changes)
    return concurrency.tag(request, _detail(user, task_id))


@router.post("/tasks/{task_id}/confirm", response=TaskDetailOut, summary="Confirm completion (the lead unit's head)")
def confirm_task(request, task_id: int, payload: NoteIn):
    task = sel.task_get(request.auth, task_id)
    svc.task_confirm_completion(actor=api_actor(request), task=task, note=payload.note)
    return _detail(request.auth, task_id)


@router.post("/tasks/{task_id}/accept", response=TaskDetailOut, summary="Accept a completed task (the assigning unit)")
def accept_task(request, task_id: int, payload: NoteIn):
    task = sel.task_get(request.auth, task_id)
    svc.task_accept(actor=api_actor(request), task=task, note=payload.note)
    return _detail(request.auth, task_id)


@router.post("/tasks/{task_id}/return", response=TaskDetailOut, summary="Return a completed task with a reason (the assigning unit)")
def return_task(request, task_id: int, payload: TaskReasonIn):
    task = sel.task_get(request.auth, task_id)
    svc.task_return(actor=api_actor(request), task=task, reason=payload.reason)
    return _detail(request.auth, task_id)


@router.post("/tasks/{task_id}/cancel", response=TaskDetailOut, summary="Cancel a task with a reason (the assigning unit)")
def cancel_task(request, task_id: int, payload: TaskReasonIn):
    task = sel.task_get(request.auth, task_id)
    svc.task_cancel(actor=api_actor(request), task=task, reason=payload.reason)
    return _detail(request.auth, task_id)


@router.post("/tasks/{task_id}/cascade", response={201: TaskDetailOut}, summary="Hand a task on to sub-units of its lead unit")
def cascade_task(request, task_id: int, payload: CascadeIn):
    task = sel.task_get(request.auth, task_id)
    svc.task_cascade(actor=api_actor(request), task=task, lead_units=payload.lead_units, due_date=payload.due_date)
    return Status(201, _detail(request.auth, task_id))


# --------------------------------------------------------------------------- progress reports and evidence


@router.get("/tasks/{task_id}/reports", response=list[ProgressReportOut], summary="A task's progress reports, newest first")
@paginate(PageNumberPagination)
def list_reports(request, task_id: int):
    task = sel.task_get(request.auth, task_id)
    return sel.task_reports(request.auth, task)


@router.post(
    "/tasks/{task_id}/reports", response={201: ProgressReportOut},
    summary="Report progress (multipart: percent, text, achieved_value, period_start, files)",
)
def create_report(request, task_id: int, payload: Form[ProgressReportIn], files: File[list[UploadedFile]] = None):
    task = sel.task_get(request.auth, task_id)
    report = svc.report_create(
        actor=api_actor(request), task=task, percent=payload.percent, text=payload.text, files=files or [],
        achieved_value=payload.achieved_value, period_start=payload.period_start,
    )
    return Status(201, sel.report_get(request.auth, report.pk))


@router.get(
    "/evidence/{evidence_id}",
    summary="Download an evidence file (to those who may see its task)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, with the media type sniffed at upload",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_evidence(request, evidence_id: int):
    evidence = sel.evidence_get(request.auth, evidence_id)
    handle = svc.evidence_open(actor=api_actor(request), evidence=evidence)
    return FileResponse(
        handle, as_attachment=True, filename=evidence.name,
        content_type=evidence.content_type or "application/octet-stream",
    )


# --------------------------------------------------------------------------- timeline


@router.get("/tasks/{task_id}/events", response=list[EventOut], summary="A task's timeline, oldest first")
@paginate(PageNumberPagination)
def list_events(request, task_id: int):
    task = sel.task_get(request.auth, task_id)
    return sel.task_events(request.auth, task).select_related("actor")


# --------------------------------------------------------------------------- extensions


@router.get("/tasks/{task_id}/extensions", response=list[ExtensionOut], summary="A task's extension requests, newest first")
def list_extensions(request, task_id: int):
    task = sel.task_get(request.auth, task_id)
    return list(sel.task_extensions(request.auth, task))


@router.post("/tasks/{task_id}/extensions", response={201: ExtensionOut}, summary="Request a later due date (the lead unit)")
def request_extension(request, task_id: int, payload: ExtensionIn):
    task = sel.task_get(request.auth, task_id)
    ext = svc.extension_request(
        actor=api_actor(request), task=task, new_due_date=payload.new_due_date, reason=payload.reason
    )
    return Status(201, sel.extension_get(request.auth, ext.pk))


@router.get("/extensions/{extension_id}", response=ExtensionOut, summary="One extension request")
def get_extension(request, extension_id: int):
    return sel.extension_get(request.auth, extension_id)


@router.post(
    "/extensions/{extension_id}/decide", response=ExtensionOut,
    summary="Approve (the due date moves) or refuse (with a note) an extension request",
)
def decide_extension(request, extension_id: int, payload: DecideIn):
    ext = sel.extension_get(request.auth, extension_id)
    svc.extension_decide(actor=api_actor(request), extension=ext, approve=payload.approve, note=payload.note)
    return sel.extension_get(request.auth, extension_id)


@router.post("/extensions/{extension_id}/withdraw", response=ExtensionOut, summary="Withdraw a pending extension request")
def withdraw_extension(request, extension_id: int):
    ext = sel.extension_get(request.auth, extension_id)
    svc.extension_withdraw(actor=api_actor(request), extension=ext)
    return sel.extension_get(request.auth, extension_id)

