"""A unit's own lists ("Việc của đơn vị"): what is due from it, what it assigned,
what is late, what it supports; their counts and its tasks by status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from vigil.org.models import Unit

from ...models import Task
from ...status import DONE_LATE, DONE_ON_TIME, DONE_STATES, status_expression, status_q
from .base import (
    DUE_SOON_DAYS,
    PageInfo,
    _tasks,
    _today,
    check_source,
    decorate,
    make_page,
    relation_q,
    status_filter_q,
    status_legend,
    unit_ids,
)
from .periods import CURRENT, check_period, current_period_q


@dataclass
class UnitTaskList:
    """One page of a unit's tasks in one relation, sorted by due date."""

    unit: Unit
    relation: str
    subtree: bool
    tasks: list[Task]
    page: PageInfo
    today: dt.date


def unit_tasks_queryset(
    user,
    unit: Unit,
    *,
    relation: str = "lead",
    subtree: bool = False,
    source: str | None = None,
    status: str | None = "open",
    q: str | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    today: dt.date | None = None,
) -> QuerySet[Task]:
    """The tasks of `unit` (and, with `subtree`, of its descendants) in `relation` that
    `user` may see, filtered, annotated with `status`, sorted by due date. `status`: a
    computed status, "open" (the default: still to be done) or "all" / None."""
    today = _today(today)
    source = check_source(source)
    status_cond = status_filter_q(status, today)
    qs = Task.objects.filter(relation_q(relation, unit_ids(unit, subtree), today), status_cond)
    if source:
        qs = qs.filter(source=source)
    for word in (q or "").split():
        qs = qs.filter(title__icontains=word)
    if due_from:
        qs = qs.filter(due_date__gte=due_from)
    if due_to:
        qs = qs.filter(due_date__lte=due_to)
    return _tasks(user, qs, anchored_in=[(unit, subtree)]).with_status(today).order_by("due_date", "pk")


def unit_task_lists(
    user,
    unit: Unit,
    *,
    relation: str = "lead",
    subtree: bool = False,
    source: str | None = None,
    status: str | None = "open",
    q: str | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    page: int = 1,
    per_page: int = 50,
    today: dt.date | None = None,
) -> UnitTaskList:
    """"Việc của đơn vị": one page of what is due from `unit` (relation "lead"), what it
    assigned to other units ("assigned"), what is late ("overdue"), what it supports
    ("supporting"), or all of these ("any"); with `subtree`, for its descendants too.
    Filters: `source`, `status` (a computed status; "open", the default: still to be
    done; "all" or None: every status), words of the title (`q`), due dates. Sorted by
    due date. Queries: the subtree's unit ids (with `subtree`), the count, the page.
    The caller found `unit` through the access layer (a unit the user may see)."""
    today = _today(today)
    qs = unit_tasks_queryset(
        user, unit, relation=relation, subtree=subtree, source=source, status=status, q=q,
        due_from=due_from, due_to=due_to, today=today,
    )
    info = make_page(page, per_page, qs.count())
    rows = decorate(
        qs.select_related("lead_unit", "assigning_unit")[info.offset: info.offset + info.per_page]
    ) if info.total else []
    return UnitTaskList(unit=unit, relation=relation, subtree=subtree, tasks=rows, page=info, today=today)


@dataclass
class UnitTaskSummary:
    """Counts for a unit's page: what is due from it, late, due soon; what it assigned
    to others (still open, late); what it supports (still open)."""

    unit: Unit
    subtree: bool
    lead_open: int = 0
    overdue: int = 0
    due_soon: int = 0
    done_on_time: int = 0
    done_late: int = 0
    assigned_open: int = 0
    assigned_overdue: int = 0
    supporting_open: int = 0
    today: dt.date | None = None

    def as_dict(self) -> dict:
        return {
            k: getattr(self, k)
            for k in ("lead_open", "overdue", "due_soon", "done_on_time", "done_late",
                      "assigned_open", "assigned_overdue", "supporting_open")
        }


def unit_task_summary(
    user, unit: Unit, *, subtree: bool = False, source: str | None = None, today: dt.date | None = None
) -> UnitTaskSummary:
    """The counts behind the tabs of a unit's lists: what is due from it (still open,
    overdue, due in the next DUE_SOON_DAYS days, done on time / late this year), what it
    assigned to others (open, overdue), what it supports (open). Four small queries,
    each bounded by an index (unit and state, or unit and due date)."""
    today = _today(today)
    source = check_source(source)
    ids = unit_ids(unit, subtree)
    anchors = [(unit, subtree)]
    extra = Q(source=source) if source else Q()

    def count(relation: str, cond: Q, **aggregates) -> dict:
        qs = Task.objects.filter(relation_q(relation, ids, today), cond, extra)
        return _tasks(user, qs, anchored_in=anchors).aggregate(**aggregates)

    soon = Q(due_date__gte=today, due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
    lead = count(
        "lead", Q(state="open"),
        lead_open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)), due_soon=Count("pk", filter=soon),
    )
    done = count(
        "lead", Q(state__in=DONE_STATES, due_date__gte=dt.date(today.year, 1, 1), due_date__lte=dt.date(today.year, 12, 31)),
        done_on_time=Count("pk", filter=status_q(DONE_ON_TIME, today)),
        done_late=Count("pk", filter=status_q(DONE_LATE, today)),
    )
    assigned = count(
        "assigned", Q(state="open"), assigned_open=Count("pk"), assigned_overdue=Count("pk", filter=Q(due_date__lt=today)),
    )
    supporting = count("supporting", Q(state="open"), supporting_open=Count("pk"))
    return UnitTaskSummary(unit=unit, subtree=subtree, today=today, **lead, **done, **assigned, **supporting)


def unit_status_counts(
    user, unit: Unit, *, subtree: bool = True, year: int | str | None = None, today: dt.date | None = None
) -> list[dict]:
    """The tasks a unit (and its subtree) leads, due in `year` (all years when None; the
    current work when CURRENT, as in the matrix), by computed status (the unit page's
    section): one GROUP BY query."""
    today = _today(today)
    year = check_period(year)
    qs = Task.objects.filter(relation_q("lead", unit_ids(unit, subtree), today))
    if year == CURRENT:
        qs = qs.filter(current_period_q(today))
    elif year:
        qs = qs.filter(due_date__gte=dt.date(year, 1, 1), due_date__lte=dt.date(year, 12, 31))
    qs = _tasks(user, qs, anchored_in=[(unit, subtree)])
    counts = {
        r["st"]: r["n"]
        for r in qs.order_by().annotate(st=status_expression(today)).values("st").annotate(n=Count("pk"))
    }
    return [dict(item, count=counts.get(item["code"], 0)) for item in status_legend()]
