"""Incident API, the workflow: the list (keyset pages), one incident, assignment and
answers, state changes, closure and reopening, comments, tasks with checklists,
observables (value and its defanged form), evidence files, related incidents, timeline.

Thin adapters: parse, call a selector or a service, return a schema. An incident the
caller cannot see answers 404; one they see but may not change, 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from vigil.core import concurrency
from vigil.core import observables as obs_kinds
from vigil.core.actors import api_actor
from vigil.core.api.schemas import UnitRef
from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError, NotFound

from ..selectors import incidents as sel
from ..selectors import lists
from ..services import comments as comment_svc
from ..services import evidence as evidence_svc
from ..services import observables as obs_svc
from ..services import tasks as task_svc
from ..services import workflow as wf

router = Router(tags=["incidents: workflow"])

StateCode = Literal["new", "triaged", "assigned", "in_progress", "contained", "resolved", "closed", "merged"]


# --------------------------------------------------------------------------- schemas


class IncidentOut(Schema):
    id: int
    reference: str
    title: str
    state: StateCode
    state_label: str
    severity: str
    tlp: str
    pap: str
    incident_type: str | None = Field(description="Taxonomy code (class:type)")
    owner_unit: UnitRef
    lead_unit: UnitRef | None
    received_at: dt.datetime
    detected_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_incident_type(obj) -> str | None:
        return obj.incident_type.code if obj.incident_type_id else None


class IncidentPageOut(Schema):
    items: list[IncidentOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")
    count: int | None = Field(description="Matching incidents on the first page, capped at 1000")
    count_capped: bool = Field(description="True when there are more than `count`")


class IncidentUnitOut(Schema):
    id: int
    unit: UnitRef
    role: Literal["lead", "support"]
    answer: Literal["pending", "accepted", "declined"]
    reason: str
    active: bool
    assigned_at: dt.datetime
    answered_at: dt.datetime | None
    answered_by: str | None

    @staticmethod
    def resolve_answered_by(obj) -> str | None:
        return obj.answered_by.username if obj.answered_by_id else None


class ChecklistItemOut(Schema):
    id: int
    text: str
    position: int
    done: bool
    done_at: dt.datetime | None


class IncidentTaskOut(Schema):
    id: int
    title: str
    description: str
    unit: UnitRef
    assignee: str | None
    status: Literal["open", "done", "cancelled"]
    due_at: dt.datetime | None
    template: str | None
    created_at: dt.datetime
    done_at: dt.datetime | None
    items: list[ChecklistItemOut]

    @staticmethod
    def resolve_assignee(obj) -> str | None:
        return obj.assignee.username if obj.assignee_id else None

    @staticmethod
    def resolve_template(obj) -> str | None:
        return obj.template.code if obj.template_id else None

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())


class ObservableOut(Schema):
    id: int
    kind: str
    value: str = Field(description="Normalised (refanged) value")
    value_defanged: str = Field(description="The value defanged, safe to show")
    is_ioc: bool
    note: str
    added_at: dt.datetime
    seen_in: list[str] = Field([], description="References of other incidents you may see with this observable")
    indicator_id: int | None = Field(None, description="The known threat-intelligence indicator with this value, "
                                                       "when you may see one (/api/v1/intel/indicators/{id})")
    indicator_status: str | None = Field(None, description="Its status: active, expired, warninglisted, revoked")

    @staticmethod
    def resolve_value_defanged(obj) -> str:
        return obs_kinds.defang(obj.kind, obj.value)

    @staticmethod
    def resolve_seen_in(obj) -> list[str]:
        return [i.reference for i in getattr(obj, "seen_in", [])]

    @staticmethod
    def resolve_indicator_id(obj) -> int | None:
        indicator = getattr(obj, "indicator", None)
        return indicator.pk if indicator else None

    @staticmethod
    def resolve_indicator_status(obj) -> str | None:
        indicator = getattr(obj, "indicator", None)
        return indicator.status if indicator else None


class IncidentEvidenceOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    content_type: str
    description: str
    uploaded_at: dt.datetime
    uploaded_by: str | None
    download: str = Field(description="Path of the access-checked download")

    @staticmethod
    def resolve_uploaded_by(obj) -> str | None:
        return obj.uploaded_by.username if obj.uploaded_by_id else None

    @staticmethod
    def resolve_download(obj) -> str:
        return f"/api/v1/incidents/{obj.incident_id}/evidence/{obj.pk}"


class CommentOut(Schema):
    id: int
    author: str | None
    body: str
    mentions: list[str]
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj) -> str | None:
        return obj.author.username if obj.author_id else None

    @staticmethod
    def resolve_mentions(obj) -> list[str]:
        return [u.username for u in obj.mentions.all()]


class IncidentTimelineOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    actor: str | None
    actor_name: str
    text: str = Field(description="In the language of the request (Accept-Language) for what the platform wrote")
    data: dict

    @staticmethod
    def resolve_text(obj) -> str:
        return obj.display_text

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None


class RelatedOut(Schema):
    id: int
    reference: str
    title: str
    state: StateCode


class AffectedSystemOut(Schema):
    id: int
    code: str
    name: str
    owner_unit: UnitRef


class IncidentDetailOut(IncidentOut):
    description: str
    sector: str
    impact: int | None
    urgency: int | None
    channel: str
    acknowledged_at: dt.datetime | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    resolution: str
    root_cause: str
    lessons_learned: str
    merged_into: str | None
    units: list[IncidentUnitOut]
    tasks: list[IncidentTaskOut]
    observables: list[ObservableOut]
    evidence: list[IncidentEvidenceOut]
    related: list[RelatedOut]
    systems: list[AffectedSystemOut] = Field(description="Affected information systems you may see")
    systems_hidden: int = Field(description="How many more affected systems you may not see")

    @staticmethod
    def resolve_systems(obj) -> list:
        return obj.detail["systems"][0]

    @staticmethod
    def resolve_systems_hidden(obj) -> int:
        return obj.detail["systems"][1]

    @staticmethod
    def resolve_merged_into(obj) -> str | None:
        return obj.merged_into.reference if obj.merged_into_id else None

    @staticmethod
    def resolve_units(obj) -> list:
        return obj.detail["units"]

    @staticmethod
    def resolve_tasks(obj) -> list:
        return obj.detail["tasks"]

    @staticmethod
    def resolve_observables(obj) -> list:
        return obj.detail["observables"]

    @staticmethod
    def resolve_evidence(obj) -> list:
        return obj.detail["evidence"]

    @staticmethod
    def resolve_related(obj) -> list:
        return obj.detail["related"]


class IncidentFilterQuery(Schema):
    """The incident list's filters (`selectors.lists.IncidentFilters`): the list and its
    exports take the same names."""

    unit: str | None = Field(None, description="Unit id or code: incidents it owns, leads or supports")
    subtree: bool = Field(True, description="With `unit`: include its descendants")
    relation: Literal["any", "owned", "assigned", "waiting"] = Field(
        "any", description="owned, assigned (lead or supporting), waiting (our answer pending)")
    mine: bool = Field(False, description="Incidents of the units you are a member of (with `relation`)")
    state: list[StateCode] = Field([], description="One or several states")
    severity: list[str] = Field([], description="low, medium, high, critical")
    incident_type: str | None = Field(None, description="Taxonomy type code")
    klass: str | None = Field(None, description="Taxonomy class code")
    tlp: list[str] = Field([], description="clear, green, amber, amber+strict, red")
    q: str = Field("", max_length=200, description="Tracking number or words of the title")
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    lead_unit: str | None = Field(None, description="Lead unit id or code")


class IncidentFilter(IncidentFilterQuery):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page")
    limit: int = Field(50, ge=1, le=200)


class AssignIn(Schema):
    lead_unit: int | str = Field(description="Unit id or code")
    supporting_units: list[int | str] = Field([], description="Unit ids or codes")
    note: str = ""


class AnswerIn(Schema):
    accept: bool
    reason: str = Field("", description="Required when declining")


class TransitionIn(Schema):
    to_state: Literal["in_progress", "contained", "resolved"]
    note: str = ""
    resolution: str = Field("", description="Required to resolve (or give it as `note`)")


class CloseIn(Schema):
    root_cause: str
    lessons_learned: str
    note: str = ""


class IncidentReasonIn(Schema):
    reason: str


class CommentIn(Schema):
    body: str = Field(description="Text; @username mentions notify those who may see the incident")


class IncidentTaskIn(Schema):
    unit: int | str = Field(description="A handling unit (id or code)")
    title: str = Field("", max_length=300, description="Defaults to the template's name")
    description: str = ""
    assignee: str | None = Field(None, description="Username of a member of the unit")
    due_at: dt.datetime | None = None
    template: str | None = Field(None, description="Checklist template code")
    items: list[str] = Field([], description="Checklist steps (after the template's)")


class TaskCompleteIn(Schema):
    force: bool = Field(False, description="Complete even with steps left")
    note: str = ""


class ItemIn(Schema):
    done: bool


class ObservableAddIn(Schema):
    value: str = Field(description="The value; defanged input (hxxp, [.], [at]) is accepted")
    kind: Literal["ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256", "file"] | None = Field(
        None, description="Detected from the value when omitted")
    note: str = ""
    is_ioc: bool = True


class RelatedIn(Schema):
    reference: str = Field(description="Tracking number of the other incident")


# --------------------------------------------------------------------------- helpers


def _incident(request, incident_id) -> object:
    return sel.incident_get(user=request.auth, pk=incident_id)


def _detail(request, incident_id):
    return sel.incident_detail(request.auth, incident_id, actor=api_actor(request), opened=True)



# --------------------------------------------------------------------------- incidents


@router.get("", response=IncidentPageOut,
            summary="List incidents you may see (filters; newest first; keyset pages with `cursor`)")
def list_incidents(request, filters: Query[IncidentFilter]):
    user = request.auth
    qs = lists.filtered(user, lists.IncidentFilters.parse(user, filters.dict()))
    page = lists.page_of(qs, cursor=filters.cursor, size=filters.limit)
    return {"items": page.items, "next_cursor": page.next_cursor,
            "count": None if filters.cursor else page.count, "count_capped": page.count_capped}


@router.get("/{int:incident_id}", response=IncidentDetailOut,
            summary="One incident: units and answers, tasks, observables, evidence metadata, related incidents")
def get_incident(request, incident_id: int):
    return concurrency.tag(request, _detail(request, incident_id))


@router.post("/{int:incident_id}/assign", response=IncidentDetailOut,
             summary="Assign a lead unit and supporting units (each must accept or decline)")
def assign_incident(request, incident_id: int, payload: AssignIn):
    incident = _incident(request, incident_id)
    wf.incident_assign(actor=api_actor(request), incident=incident,
                       lead_unit=unit_ref(request.auth, payload.lead_unit, field="lead_unit", active_only=True, bad_input=True, optional=True),
                       supporting_units=[unit_ref(request.auth, u, field="supporting_units", active_only=True, bad_input=True, optional=True) for u in payload.supporting_units],
                       note=payload.note)
    return _detail(request, incident_id)


@router.post("/{int:incident_id}/units/{int:incident_unit_id}/answer", response=IncidentUnitOut,
             summary="Accept or decline (with a reason) handling the incident, for your unit")
def answer_incident(request, incident_id: int, incident_unit_id: int, payload: AnswerIn):
    incident = _incident(request, incident_id)
    row = sel.incident_unit_get(request.auth, incident, incident_unit_id)
    wf.incident_unit_answer(actor=api_actor(request), incident_unit=row, accept=payload.accept,
                            reason=payload.reason)
    return sel.incident_unit_get(request.auth, incident, incident_unit_id)


@router.post("/{int:incident_id}/transition", response=IncidentDetailOut,
             summary="Move the incident to in progress, contained or resolved")
def transition_incident(request, incident_id: int, payload: TransitionIn):
    incident = _incident(request, incident_id)
    wf.incident_transition(actor=api_actor(request), incident=incident, to_state=payload.to_state,
                           note=payload.note, resolution=payload.resolution)
    return _detail(request, incident_id)


@router.post("/{int:incident_id}/close", response=IncidentDetailOut,
             summary="Close a resolved incident (root cause and lessons learned required)")
def close_incident(request, incident_id: int, payload: CloseIn):
    incident = _incident(request, incident_id)
    wf.incident_close(actor=api_actor(request), incident=incident, root_cause=payload.root_cause,
                      lessons_learned=payload.lessons_learned, note=payload.note)
    return _detail(request, incident_id)


@router.post("/{int:incident_id}/reopen", response=IncidentDetailOut,
             summary="Reopen a resolved or closed incident, with a reason")
def reopen_incident(request, incident_id: int, payload: IncidentReasonIn):
    incident = _incident(request, incident_id)
    wf.incident_reopen(actor=api_actor(request), incident=incident, reason=payload.reason)
    return _detail(request, incident_id)


@router.get("/{int:incident_id}/timeline", response=list[IncidentTimelineOut],
            summary="The incident's timeline, oldest first")
def incident_timeline(request, incident_id: int):
    return list(sel.timeline(request.auth, _incident(request, incident_id)))


# --------------------------------------------------------------------------- comments


@router.get("/{int:incident_id}/comments", response=list[CommentOut], summary="Comments, oldest first")
def list_comments(request, incident_id: int):
    return list(sel.comments(request.auth, _incident(request, incident_id)))


@router.post("/{int:incident_id}/comments", response={201: CommentOut},
             summary="Add a comment (@username mentions notify those who may see the incident)")
def add_comment(request, incident_id: int, payload: CommentIn):
    comment = comment_svc.comment_add(actor=api_actor(request), incident=_incident(request, incident_id),
                                      body=payload.body)
    return Status(201, comment)


# --------------------------------------------------------------------------- tasks


@router.get("/{int:incident_id}/tasks", response=list[IncidentTaskOut], summary="Tasks with their checklists")
def list_tasks(request, incident_id: int):
    return list(sel.tasks(request.auth, _incident(request, incident_id)))


@router.post("/{int:incident_id}/tasks", response={201: IncidentTaskOut},
             summary="Add a task for a handling unit (from a checklist template or free)")
def create_task(request, incident_id: int, payload: IncidentTaskIn):
    user = request.auth
    incident = _incident(request, incident_id)
    template = None
    if payload.template:
        template = next((t for t in sel.checklist_templates(incident) if t.code == payload.template), None)
        if template is None:
            raise DomainError(_("Không tìm thấy mẫu danh mục kiểm tra phù hợp."), field="template")
    assignee = None
    if payload.assignee:
        from vigil.core import selectors as core_selectors

        try:
            assignee = core_selectors.user_by_username(payload.assignee)
        except (NotFound, DomainError):
            raise DomainError(_("Không tìm thấy người thực hiện."), field="assignee") from None
    task = task_svc.task_create(
        actor=api_actor(request), incident=incident, unit=unit_ref(user, payload.unit, field="unit", active_only=True, bad_input=True, optional=True), title=payload.title,
        description=payload.description, assignee=assignee, due_at=payload.due_at, template=template,
        items=payload.items,
    )
    return Status(201, sel.task_get(user, incident, task.pk))


@router.get("/{int:incident_id}/tasks/{int:incident_task_id}", response=IncidentTaskOut, summary="One task")
def get_task(request, incident_id: int, incident_task_id: int):
    return sel.task_get(request.auth, _incident(request, incident_id), incident_task_id)


@router.post("/{int:incident_id}/tasks/{int:incident_task_id}/complete", response=IncidentTaskOut,
             summary="Complete a task (all steps ticked, or `force`)")
def complete_task(request, incident_id: int, incident_task_id: int, payload: TaskCompleteIn):
    incident = _incident(request, incident_id)
    task = sel.task_get(request.auth, incident, incident_task_id)
    task_svc.task_complete(actor=api_actor(request), task=task, force=payload.force, note=payload.note)
    return sel.task_get(request.auth, incident, incident_task_id)


@router.post("/{int:incident_id}/tasks/{int:incident_task_id}/cancel", response=IncidentTaskOut,
             summary="Cancel a task, with a reason")
def cancel_task(request, incident_id: int, incident_task_id: int, payload: IncidentReasonIn):
    incident = _incident(request, incident_id)
    task = sel.task_get(request.auth, incident, incident_task_id)
    task_svc.task_cancel(actor=api_actor(request), task=task, reason=payload.reason)
    return sel.task_get(request.auth, incident, incident_task_id)


@router.put("/{int:incident_id}/tasks/{int:incident_task_id}/items/{int:checklist_item_id}", response=IncidentTaskOut,
            summary="Tick or untick one checklist step")
def tick_item(request, incident_id: int, incident_task_id: int, checklist_item_id: int, payload: ItemIn):
    incident = _incident(request, incident_id)
    task = sel.task_get(request.auth, incident, incident_task_id)
    item = sel.item_get(request.auth, task, checklist_item_id)
    version = concurrency.if_match(request, item)
    concurrency.tag(request, task_svc.item_set(actor=api_actor(request), item=item, done=payload.done, version=version))
    return sel.task_get(request.auth, incident, incident_task_id)


# --------------------------------------------------------------------------- observables


@router.get("/{int:incident_id}/observables", response=list[ObservableOut],
            summary="Observables (value and defanged value; other incidents you may see with them)")
def list_observables(request, incident_id: int):
    user = request.auth
    incident = _incident(request, incident_id)
    return sel.annotate_observables(user, incident, sel.observables(user, incident))


@router.post("/{int:incident_id}/observables", response={201: ObservableOut},
             summary="Add an observable (kind detected when omitted; defanged input accepted)")
def add_observable(request, incident_id: int, payload: ObservableAddIn):
    obs = obs_svc.observable_add(actor=api_actor(request), incident=_incident(request, incident_id),
                                 value=payload.value, kind=payload.kind, note=payload.note, is_ioc=payload.is_ioc)
    return Status(201, obs)


@router.delete("/{int:incident_id}/observables/{int:observable_id}", response={204: None},
               summary="Remove an observable")
def delete_observable(request, incident_id: int, observable_id: int):
    obs = sel.observable_get(request.auth, _incident(request, incident_id), observable_id)
    obs_svc.observable_remove(actor=api_actor(request), observable=obs)
    return Status(204, None)


# --------------------------------------------------------------------------- evidence


@router.get("/{int:incident_id}/evidence", response=list[IncidentEvidenceOut], summary="Evidence files (metadata)")
def list_evidence(request, incident_id: int):
    return list(sel.evidence(request.auth, _incident(request, incident_id)))


@router.post("/{int:incident_id}/evidence", response={201: IncidentEvidenceOut},
             summary="Upload an evidence file (multipart: file, description; size, type and SHA-256 checked)")
def upload_evidence(request, incident_id: int, file: File[UploadedFile], description: Form[str] = ""):
    ev = evidence_svc.evidence_upload(actor=api_actor(request), incident=_incident(request, incident_id),
                                      upload=file, description=description)
    return Status(201, ev)


@router.get(
    "/{int:incident_id}/evidence/{int:incident_evidence_id}",
    summary="Download an evidence file (audited)",
    openapi_extra={"responses": {200: {"description": "The file, with the media type sniffed at upload", "content": {
        "*/*": {"schema": {"type": "string", "format": "binary"}}}}}},
)
def download_evidence(request, incident_id: int, incident_evidence_id: int):
    ev = sel.evidence_get(request.auth, incident_evidence_id, incident=_incident(request, incident_id))
    handle = evidence_svc.evidence_open(actor=api_actor(request), evidence=ev)
    return FileResponse(handle, as_attachment=True, filename=ev.name,
                        content_type=ev.content_type or "application/octet-stream")


# --------------------------------------------------------------------------- related incidents


@router.get("/{int:incident_id}/related", response=list[RelatedOut], summary="Related incidents you may see")
def list_related(request, incident_id: int):
    return list(sel.related(request.auth, _incident(request, incident_id)))


@router.post("/{int:incident_id}/related", response={201: list[RelatedOut]},
             summary="Link another incident (by tracking number)")
def link_related(request, incident_id: int, payload: RelatedIn):
    incident = _incident(request, incident_id)
    other = _other(request, payload.reference)
    wf.related_link(actor=api_actor(request), incident=incident, other=other)
    return Status(201, list(sel.related(request.auth, incident)))


@router.delete("/{int:incident_id}/related/{reference}", response=list[RelatedOut],
               summary="Unlink a related incident (by tracking number)")
def unlink_related(request, incident_id: int, reference: str):
    incident = _incident(request, incident_id)
    other = _other(request, reference)
    wf.related_unlink(actor=api_actor(request), incident=incident, other=other)
    return list(sel.related(request.auth, incident))


def _other(request, reference: str):
    try:
        return sel.incident_by_reference(user=request.auth, reference=reference or "")
    except NotFound:
        raise DomainError(_("Không tìm thấy sự cố."), field="reference", code="unknown-incident") from None
