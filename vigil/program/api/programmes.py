"""Program API: annual work programmes (one per unit and year), their tasks, and their
approval by the unit's head (an approved programme is frozen; follow-up tasks may still
be added).

Thin adapters: parse, call a selector or a service, return a schema.
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

from ..selectors import programmes as programme_sel
from ..services import programmes as programme_svc
from .meetings import Product, Recurrence, TaskBriefOut

router = Router(tags=["program: programmes"])


class ProgrammeOut(Schema):
    id: int
    unit: UnitRef
    unit_id: int = Field(description="Deprecated (one release): `unit.id`")
    unit_code: str = Field(description="Deprecated (one release): `unit.code`")
    unit_name: str = Field(description="Deprecated (one release): `unit.name`")
    year: int
    title: str
    description: str
    status: Literal["draft", "approved"]
    approved_by: str | None
    approved_at: dt.datetime | None
    created_at: dt.datetime
    task_count: int = Field(description="Top-level tasks of the programme")

    @staticmethod
    def resolve_unit_code(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.display_name

    @staticmethod
    def resolve_approved_by(obj) -> str | None:
        return obj.approved_by.username if obj.approved_by_id else None

    @staticmethod
    def resolve_task_count(obj) -> int:
        if hasattr(obj, "task_count"):
            return obj.task_count
        return len(getattr(obj, "task_rows", []))


class ProgrammeDetailOut(ProgrammeOut):
    tasks: list[TaskBriefOut] = Field(description="Its tasks you may see, with their status")

    @staticmethod
    def resolve_tasks(obj) -> list:
        return obj.task_rows


class ProgrammeFilter(Schema):
    unit_id: str | None = Field(None, description="Unit id or code")
    subtree_of: str | None = Field(None, description="Unit id or code: programmes of its subtree")
    year: int | None = Field(None, ge=1900, le=2100)
    status: Literal["draft", "approved"] | None = None


class ProgrammeIn(Schema):
    unit_id: int
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=300)
    description: str = ""


class ProgrammePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None


class ProgrammeTaskIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    lead_unit_ids: list[int] = Field([], description="Units leading it; the programme's unit by default")
    supporting_unit_ids: list[int] = []
    start_date: dt.date | None = None
    due_date: dt.date
    product: Product = "document"
    product_description: str = Field("", max_length=500)
    target_value: int | None = Field(None, ge=0)
    priority: int = Field(2, ge=1, le=4)
    recurrence: Recurrence = "none"


def _detail(request, programme_id):
    programme = programme_sel.programme_get(user=request.auth, programme_id=programme_id)
    programme.task_rows = programme_sel.programme_tasks(user=request.auth, programme=programme)
    return programme


@router.get("/programmes", response=list[ProgrammeOut], summary="List work programmes you may see")
@paginate(PageNumberPagination)
def list_programmes(request, filters: Query[ProgrammeFilter]):
    user = request.auth
    unit = unit_ref(user, filters.unit_id, field="unit_id", optional=True)
    subtree = unit_ref(user, filters.subtree_of, field="subtree_of", optional=True)
    return programme_sel.programme_list(
        user=user, unit=unit, subtree_of=subtree, year=filters.year, status=filters.status
    )


@router.post("/programmes", response={201: ProgrammeDetailOut}, summary="Draft a unit's annual work programme")
def create_programme(request, payload: ProgrammeIn):
    unit = unit_ref(request.auth, payload.unit_id, field="unit_id")
    programme = programme_svc.programme_create(
        actor=api_actor(request), unit=unit, year=payload.year, title=payload.title, description=payload.description
    )
    return Status(201, _detail(request, programme.pk))


@router.get("/programmes/{programme_id}", response=ProgrammeDetailOut, summary="One work programme with its tasks")
def get_programme(request, programme_id: int):
    return concurrency.tag(request, _detail(request, programme_id))


@router.patch("/programmes/{programme_id}", response=ProgrammeDetailOut, summary="Change a draft programme")
def update_programme(request, programme_id: int, payload: ProgrammePatch):
    programme = programme_sel.programme_get(user=request.auth, programme_id=programme_id)
    version = concurrency.if_match(request, programme)
    programme_svc.programme_update(actor=api_actor(request), programme=programme, version=version,
                                   **payload.dict(exclude_unset=True))
    return concurrency.tag(request, _detail(request, programme_id))


@router.post("/programmes/{programme_id}/approve", response=ProgrammeDetailOut, summary="Approve a programme (the unit's head); it is then frozen")
def approve_programme(request, programme_id: int):
    programme = programme_sel.programme_get(user=request.auth, programme_id=programme_id)
    programme_svc.programme_approve(actor=api_actor(request), programme=programme)
    return _detail(request, programme_id)


@router.post("/programmes/{programme_id}/tasks", response={201: ProgrammeDetailOut}, summary="Add a task to a programme (a follow-up once approved)")
def create_programme_task(request, programme_id: int, payload: ProgrammeTaskIn):
    programme = programme_sel.programme_get(user=request.auth, programme_id=programme_id)
    data = payload.dict()
    programme_svc.programme_task_create(
        actor=api_actor(request), programme=programme, lead_units=data.pop("lead_unit_ids"),
        supporting_units=data.pop("supporting_unit_ids"), **data,
    )
    return Status(201, _detail(request, programme_id))
