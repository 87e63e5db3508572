"""Program API: the views people need over the committee's work. The office's matrix of
units x tasks, late work by unit, on-time completion rates, incomplete bodies next to
their tasks, a unit's lists and counts, the calendar and the timeline. All read-only.

Thin adapters: parse, call one selector of vigil.program.selectors.office / .calendar
(reads start from the access layer), return a schema. Units are named by id or code; a
unit the caller cannot see answers 404 (RFC 9457 problem naming the parameter).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema

from vigil.core.api.schemas import UnitRef
from vigil.core.directory import unit_ref

from ..selectors import calendar as cal_sel
from ..selectors import office as sel
from ..status import STATUS_COLOURS, STATUS_LABELS, today

router = Router(tags=["program: office views"])

Relation = Literal["lead", "assigned", "overdue", "supporting", "any"]


# --------------------------------------------------------------------------- schemas


class PageOut(Schema):
    page: int
    per_page: int
    total: int
    num_pages: int


class CellOut(Schema):
    task_id: int
    title: str
    status: str = Field(description="Computed status: not_started, in_progress, done_on_time, done_late, overdue, cancelled")
    status_label: str
    colour: str = Field(description="Bootstrap colour of the status")
    progress: int
    due_date: dt.date
    more: int = Field(0, description="Further tasks of the same unit under the same parent")


class ColumnOut(Schema):
    id: int
    title: str
    source: str
    due_date: dt.date
    status: str
    status_label: str
    colour: str
    progress: int
    assigning_unit: UnitRef
    counts: dict[str, int] = Field(description="The column's cells by status")
    late: int = Field(description="Cells overdue or done late")


class MatrixRowOut(Schema):
    unit: UnitRef
    cells: list[CellOut | None] = Field(description="One per column, in the columns' order; null: no task for this unit")
    counts: dict[str, int]


class MatrixOut(Schema):
    under: UnitRef | None
    year: int | Literal["current"] | None
    period: str = Field(description="The due dates the columns cover, in words")
    today: dt.date
    pagination: PageOut = Field(description="Pages of columns")
    columns: list[ColumnOut]
    rows: list[MatrixRowOut]


class LateRowOut(Schema):
    unit: UnitRef
    overdue: int
    oldest_due: dt.date | None
    oldest_days: int | None


class LateOut(Schema):
    under: UnitRef | None
    rollup: bool
    today: dt.date
    total: int
    rows: list[LateRowOut]


class RateOut(Schema):
    due: int = Field(description="Tasks due in the period (cancelled ones aside)")
    on_time: int
    late: int
    overdue: int
    rate: float | None = Field(description="Percentage done on time; null when nothing was due")


class RateRowOut(Schema):
    unit: UnitRef
    quarters: list[RateOut]
    year: RateOut


class RatesOut(Schema):
    year: int
    under: UnitRef | None
    rollup: bool
    today: dt.date
    rows: list[RateRowOut]
    quarters: list[RateOut] = Field(description="All rows together, per quarter")
    total: RateOut


class BodyOut(Schema):
    unit: UnitRef = Field(description="The body not yet complete")
    missing: list[str] = Field(description="What it lacks, in your language")
    missing_codes: list[str]
    owner: UnitRef = Field(description="The unit it serves, whose tasks are counted")
    open: int
    overdue: int


class TaskRowOut(Schema):
    id: int
    title: str
    source: str
    parent_id: int | None
    lead_unit: UnitRef
    assigning_unit: UnitRef
    start_date: dt.date
    due_date: dt.date
    progress: int
    priority: int
    status: str
    status_label: str
    colour: str


class UnitTasksOut(Schema):
    unit: UnitRef
    relation: str
    subtree: bool
    pagination: PageOut
    items: list[TaskRowOut]


class SummaryOut(Schema):
    unit: UnitRef
    subtree: bool
    lead_open: int = Field(description="Due from the unit, not yet done")
    overdue: int
    due_soon: int = Field(description="Due within the next 14 days")
    done_on_time: int = Field(description="This year's tasks done on time")
    done_late: int
    assigned_open: int = Field(description="Assigned by the unit to others, not yet done")
    assigned_overdue: int
    supporting_open: int


class CalendarDayOut(Schema):
    date: dt.date
    total: int
    counts: dict[str, int]
    tasks: list[TaskRowOut] = Field(description="The first tasks of the day, highest priority first")


class CalendarOut(Schema):
    year: int
    month: int
    unit: UnitRef | None
    subtree: bool
    total: int
    days: list[CalendarDayOut]


class BarOut(Schema):
    task: TaskRowOut
    left: float = Field(description="Offset of the bar, percent of the window")
    width: float = Field(description="Width of the bar, percent of the window")
    clipped_start: bool
    clipped_end: bool


class TaskTimelineOut(Schema):
    start: dt.date
    end: dt.date
    months: int
    unit: UnitRef | None
    subtree: bool
    pagination: PageOut
    bars: list[BarOut]


# --------------------------------------------------------------------------- filters


class RowsFilter(Schema):
    under: str | None = Field(None, description="Unit id or code whose children are the rows (default: your unit)")
    unit_kind: str | None = Field(None, description="Only rows of this unit kind (e.g. province)")


class MatrixFilter(RowsFilter):
    source: str | None = Field(None, description="Source of the parent tasks (conclusion, programme, directive, law, …)")
    meeting: int | None = Field(None, description="Parent tasks from this meeting's conclusions")
    conclusion: int | None = Field(None, description="Parent tasks from this conclusion")
    year: int | Literal["current"] | None = Field(
        None,
        description="Year of the parent tasks' due date; `current`: this year's and the open ones overdue or due"
        " within the next quarter (the page's default); all years when absent",
    )
    assigning_unit: str | None = Field(None, description="Unit id or code that assigned the parent tasks")
    q: str | None = Field(None, max_length=200, description="Words of the parent task's title")
    page: int = Field(1, ge=1, description="Page of columns")
    per_page: int = Field(20, ge=1, le=100, description="Columns per page")


class LateTaskFilter(RowsFilter):
    rollup: bool = Field(False, description="Count each row's whole subtree")
    source: str | None = None


class RatesFilter(LateTaskFilter):
    year: int | None = Field(None, description="This year by default")


class BodiesFilter(Schema):
    on: dt.date | None = Field(None, description="Completeness as of this date (today by default)")
    subtree_of: str | None = Field(None, description="Unit id or code: its whole subtree")


class UnitTasksFilter(Schema):
    relation: Relation = Field("lead", description="lead: due from the unit; assigned: by it to others; overdue; supporting; any")
    subtree: bool = Field(False, description="The unit's descendants too")
    source: str | None = None
    status: str = Field("open", description="A computed status, open (not yet done) or all")
    q: str | None = Field(None, max_length=200)
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    page: int = Field(1, ge=1)
    per_page: int = Field(50, ge=1, le=200)


class CalendarFilter(Schema):
    unit: str | None = Field(None, description="Unit id or code (default: your unit)")
    subtree: bool = True
    relation: Relation = "any"
    source: str | None = None
    status: str | None = Field(None, description="A computed status or open; all when absent")
    top_level: bool = Field(False, description="Only tasks not assigned down from another")
    year: int | None = None
    month: int | None = Field(None, ge=1, le=12)
    per_day: int = Field(4, ge=1, le=20)


class TimelineFilter(Schema):
    unit: str | None = Field(None, description="Unit id or code (default: your unit)")
    subtree: bool = True
    relation: Relation = "any"
    source: str | None = None
    status: str | None = None
    top_level: bool = False
    start: dt.date | None = Field(None, description="A day of the first month shown (default: last month)")
    months: int = Field(3, ge=1, le=24)
    page: int = Field(1, ge=1)
    per_page: int = Field(50, ge=1, le=200)


# --------------------------------------------------------------------------- mapping


def _page(p) -> dict:
    return {"page": p.number, "per_page": p.per_page, "total": p.total, "num_pages": p.num_pages}


def _task(t) -> dict:
    return {
        "id": t.pk, "title": t.title, "source": t.source, "parent_id": t.parent_id,
        "lead_unit": t.lead_unit, "assigning_unit": t.assigning_unit,
        "start_date": t.start_date, "due_date": t.due_date, "progress": t.progress, "priority": t.priority,
        "status": t.status, "status_label": str(STATUS_LABELS[t.status]), "colour": STATUS_COLOURS[t.status],
    }


def _rate(c) -> dict:
    return {"due": c.due, "on_time": c.on_time, "late": c.late, "overdue": c.overdue, "rate": c.rate}


# One mapping per view, shared by the endpoints and `vigil program office ... --json`.


def matrix_data(m) -> dict:
    columns = [
        {
            "id": c.id, "title": c.task.title, "source": c.task.source, "due_date": c.task.due_date,
            "status": c.task.status, "status_label": c.label, "colour": c.colour, "progress": c.task.progress,
            "assigning_unit": c.task.assigning_unit, "counts": c.counts, "late": c.late,
        }
        for c in m.columns
    ]
    rows = [
        {
            "unit": r.unit, "counts": r.counts,
            "cells": [
                None if cell is None else {
                    "task_id": cell.task_id, "title": cell.title, "status": cell.status, "status_label": cell.label,
                    "colour": cell.colour, "progress": cell.progress, "due_date": cell.due_date, "more": cell.more,
                }
                for cell in r.cells
            ],
        }
        for r in m.rows
    ]
    return {"under": m.under, "year": m.year, "period": m.period, "today": m.today, "pagination": _page(m.page),
            "columns": columns, "rows": rows}


def late_data(late) -> dict:
    return {
        "under": late.under, "rollup": late.rollup, "today": late.today, "total": late.total,
        "rows": [{"unit": r.unit, "overdue": r.overdue, "oldest_due": r.oldest_due,
                  "oldest_days": r.oldest_days} for r in late.rows],
    }


def rates_data(rates) -> dict:
    return {
        "year": rates.year, "under": rates.under, "rollup": rates.rollup, "today": rates.today,
        "rows": [{"unit": r.unit, "quarters": [_rate(q) for q in r.quarters], "year": _rate(r.year)}
                 for r in rates.rows],
        "quarters": [_rate(q) for q in rates.totals], "total": _rate(rates.total),
    }


def bodies_data(rows) -> list[dict]:
    return [
        {"unit": r.unit, "missing": r.completeness.missing, "missing_codes": r.completeness.missing_codes,
         "owner": r.owner, "open": r.open, "overdue": r.overdue}
        for r in rows
    ]


def unit_tasks_data(unit, listing) -> dict:
    return {"unit": unit, "relation": listing.relation, "subtree": listing.subtree,
            "pagination": _page(listing.page), "items": [_task(t) for t in listing.tasks]}


def summary_data(unit, s) -> dict:
    return {"unit": unit, "subtree": s.subtree, **s.as_dict()}


def calendar_data(month) -> dict:
    return {
        "year": month.year, "month": month.month, "unit": month.unit, "subtree": month.subtree,
        "total": month.total,
        "days": [{"date": d.date, "total": d.total, "counts": d.counts, "tasks": [_task(t) for t in d.tasks]}
                 for d in month.days],
    }


# --------------------------------------------------------------------------- endpoints


@router.get("/office/matrix", response=MatrixOut, summary="The office matrix: units x tasks assigned to many units")
def office_matrix(request, filters: Query[MatrixFilter]):
    user = request.auth
    m = sel.office_matrix(
        user, under=unit_ref(user, filters.under, field="under", optional=True), unit_kind=filters.unit_kind, source=filters.source,
        meeting=filters.meeting, conclusion=filters.conclusion, year=filters.year,
        assigning_unit=unit_ref(user, filters.assigning_unit, field="assigning_unit", optional=True), q=filters.q,
        page=filters.page, per_page=filters.per_page,
    )
    return matrix_data(m)


@router.get("/office/late", response=LateOut, summary="Late work by unit: overdue tasks per lead unit")
def office_late(request, filters: Query[LateTaskFilter]):
    user = request.auth
    late = sel.late_by_unit(
        user, under=unit_ref(user, filters.under, field="under", optional=True), unit_kind=filters.unit_kind, rollup=filters.rollup,
        source=filters.source,
    )
    return late_data(late)


@router.get("/office/on-time", response=RatesOut, summary="Completion on time per unit and quarter of a year")
def office_on_time(request, filters: Query[RatesFilter]):
    user = request.auth
    rates = sel.on_time_rates(
        user, year=filters.year or today().year, under=unit_ref(user, filters.under, field="under", optional=True),
        unit_kind=filters.unit_kind, rollup=filters.rollup, source=filters.source,
    )
    return rates_data(rates)


@router.get("/office/incomplete-bodies", response=list[BodyOut],
            summary="Units whose body is not complete, with their open and overdue tasks")
def office_bodies(request, filters: Query[BodiesFilter]):
    user = request.auth
    rows = sel.incomplete_bodies_with_tasks(user, on=filters.on, subtree_of=unit_ref(user, filters.subtree_of, field="subtree_of", optional=True))
    return bodies_data(rows)


@router.get("/office/units/{unit_id}/summary", response=SummaryOut,
            summary="A unit's counts: due from it, overdue, due soon, assigned to others, supported")
def unit_summary(request, unit_id: str, subtree: bool = False, source: str | None = None):
    user = request.auth
    unit = unit_ref(user, unit_id, field="unit_id")
    s = sel.unit_task_summary(user, unit, subtree=subtree, source=source)
    return summary_data(unit, s)


@router.get("/office/units/{unit_id}/tasks", response=UnitTasksOut,
            summary="A unit's list: due from it, assigned to others, overdue, supported (by due date)")
def unit_tasks(request, unit_id: str, filters: Query[UnitTasksFilter]):
    user = request.auth
    unit = unit_ref(user, unit_id, field="unit_id")
    listing = sel.unit_task_lists(
        user, unit, relation=filters.relation, subtree=filters.subtree, source=filters.source,
        status=filters.status, q=filters.q, due_from=filters.due_from, due_to=filters.due_to,
        page=filters.page, per_page=filters.per_page,
    )
    return unit_tasks_data(unit, listing)


@router.get("/office/calendar", response=CalendarOut, summary="A month of due dates, by day and status")
def task_calendar(request, filters: Query[CalendarFilter]):
    user = request.auth
    month = cal_sel.task_calendar(
        user, year=filters.year, month=filters.month, unit=unit_ref(user, filters.unit, field="unit", optional=True), subtree=filters.subtree,
        relation=filters.relation, source=filters.source, status=filters.status, top_level=filters.top_level,
        per_day=filters.per_day,
    )
    return calendar_data(month)


@router.get("/office/timeline", response=TaskTimelineOut, summary="A Gantt-like timeline: tasks under way in a window")
def task_timeline(request, filters: Query[TimelineFilter]):
    user = request.auth
    t = cal_sel.task_timeline(
        user, start=filters.start, months=filters.months, unit=unit_ref(user, filters.unit, field="unit", optional=True),
        subtree=filters.subtree, relation=filters.relation, source=filters.source, status=filters.status,
        top_level=filters.top_level, page=filters.page, per_page=filters.per_page,
    )
    return {
        "start": t.start, "end": t.end, "months": t.months, "unit": t.unit, "subtree": t.subtree,
        "pagination": _page(t.page),
        "bars": [{"task": _task(b.task), "left": b.left, "width": b.width, "clipped_start": b.clipped_start,
                  "clipped_end": b.clipped_end} for b in t.bars],
    }
