"""The calendar (a month grid of due dates) and the Gantt-like timeline (a bar from
start to due date per task), with the filters of a unit's lists: the unit and its
subtree, the relation (lead, assigned, supporting, any), source and computed status.

Both read through `selectors.office.unit_lists.unit_tasks_queryset`, hence through the access
layer. The calendar costs two queries whatever the month holds: the count of tasks
per day and status (GROUP BY), and the first few tasks of each day (a window
function); the timeline two: the count and the page of bars.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from vigil.core.errors import DomainError
from vigil.org.models import Unit

from ..models import Task
from ..status import STATUS_COLOURS, STATUS_LABELS, status_expression
from ..status import today as local_today
from .office.base import PageInfo, decorate, make_page, status_legend
from .office.periods import check_year
from .office.rows import home_unit
from .office.unit_lists import unit_tasks_queryset

MAX_MONTHS = 24


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _filtered(user, unit, *, subtree, relation, source, status, top_level, today, due_from=None, due_to=None):
    qs = unit_tasks_queryset(
        user, unit, relation=relation, subtree=subtree, source=source, status=status,
        due_from=due_from, due_to=due_to, today=today,
    )
    if top_level:
        qs = qs.filter(parent__isnull=True)
    return qs


# --------------------------------------------------------------------------- calendar


@dataclass
class CalendarDay:
    date: dt.date
    in_month: bool
    is_today: bool
    tasks: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def more(self) -> int:
        return self.total - len(self.tasks)

    @property
    def badges(self) -> list[dict]:
        """Counts by status, in the legend's order, only those present."""
        return [
            {"code": code, "label": str(STATUS_LABELS[code]), "colour": STATUS_COLOURS[code], "count": self.counts[code]}
            for code in STATUS_LABELS if self.counts.get(code)
        ]


@dataclass
class CalendarMonth:
    """A month of due dates, Monday-first weeks; each day its count by status and its
    first tasks (most urgent first)."""

    year: int
    month: int
    unit: Unit | None
    subtree: bool
    weeks: list[list[CalendarDay]]
    today: dt.date

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def previous(self) -> dt.date:
        return add_months(self.first, -1)

    @property
    def next(self) -> dt.date:
        return add_months(self.first, 1)

    @property
    def total(self) -> int:
        return sum(d.total for w in self.weeks for d in w if d.in_month)

    @property
    def days(self) -> list[CalendarDay]:
        return [d for w in self.weeks for d in w if d.in_month]

    @property
    def legend(self) -> list[dict]:
        return status_legend()


def check_month(month, field: str = "month") -> int | None:
    if month in (None, ""):
        return None
    try:
        value = int(month)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 12:
        raise DomainError(_("Tháng phải từ 1 đến 12."), field=field)
    return value


def task_calendar(
    user,
    *,
    year: int | None = None,
    month: int | None = None,
    unit: Unit | None = None,
    subtree: bool = True,
    relation: str = "any",
    source: str | None = None,
    status: str | None = None,
    top_level: bool = False,
    per_day: int = 4,
    today: dt.date | None = None,
) -> CalendarMonth:
    """The month grid of the tasks due in `year`-`month` (default: this month) that
    `unit` (default: the user's home unit; with `subtree` its descendants too) has in
    `relation`, filtered by `source`, `status`, and `top_level` (tasks not assigned
    down from another). Each day lists up to `per_day` tasks, highest priority first."""
    today = today or local_today()
    year = check_year(year) or today.year
    month = check_month(month) or today.month
    per_day = min(max(int(per_day or 1), 1), 20)
    unit = unit or home_unit(user)
    weeks = [
        [CalendarDay(date=d, in_month=d.month == month, is_today=d == today) for d in week]
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    result = CalendarMonth(year=year, month=month, unit=unit, subtree=subtree, weeks=weeks, today=today)
    if unit is None:
        return result
    first = dt.date(year, month, 1)
    last = add_months(first, 1) - dt.timedelta(days=1)
    qs = _filtered(
        user, unit, subtree=subtree, relation=relation, source=source, status=status,
        top_level=top_level, today=today, due_from=first, due_to=last,
    )
    by_date = {d.date: d for d in result.days}
    counts = (
        qs.order_by().annotate(st=status_expression(today)).values("due_date", "st").annotate(n=Count("pk"))
    )
    for r in counts:
        day = by_date.get(r["due_date"])
        if day is not None:
            day.counts[r["st"]] = r["n"]
    if any(d.counts for d in by_date.values()):
        ranked = qs.annotate(
            rank=Window(RowNumber(), partition_by=[F("due_date")], order_by=[F("priority").desc(), F("pk").asc()])
        ).filter(rank__lte=per_day).select_related("lead_unit", "assigning_unit").order_by("due_date", "-priority", "pk")
        for t in decorate(ranked):
            day = by_date.get(t.due_date)
            if day is not None:
                day.tasks.append(t)
    return result


# --------------------------------------------------------------------------- timeline


@dataclass
class TimelineBar:
    """One task's bar: offset and width in percent of the window."""

    task: Task
    left: float
    width: float
    clipped_start: bool
    clipped_end: bool

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.task.status]

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.task.status])


@dataclass
class TimelineTick:
    first: dt.date
    left: float
    width: float


@dataclass
class Timeline:
    """Tasks whose span [start, due] meets the window [start, end], by due date."""

    start: dt.date
    end: dt.date
    months: int
    unit: Unit | None
    subtree: bool
    bars: list[TimelineBar]
    ticks: list[TimelineTick]
    page: PageInfo
    today: dt.date
    today_left: float | None

    @property
    def previous(self) -> dt.date:
        return add_months(self.start, -self.months)

    @property
    def next(self) -> dt.date:
        return add_months(self.start, self.months)

    @property
    def legend(self) -> list[dict]:
        return status_legend()


def task_timeline(
    user,
    *,
    start: dt.date | None = None,
    months: int = 3,
    unit: Unit | None = None,
    subtree: bool = True,
    relation: str = "any",
    source: str | None = None,
    status: str | None = None,
    top_level: bool = False,
    page: int = 1,
    per_page: int = 50,
    today: dt.date | None = None,
) -> Timeline:
    """A Gantt-like view: the tasks of `unit` (filters as `task_calendar`) under way
    during `months` months from the month of `start` (default: from last month), one
    bar per task from its start to its due date, clipped to the window; paginated,
    earliest due first."""
    today = today or local_today()
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= MAX_MONTHS:
        raise DomainError(_("Số tháng phải từ 1 đến %(n)s.") % {"n": MAX_MONTHS}, field="months")
    window_start = _month_start(start) if start else add_months(today, -1)
    window_end = add_months(window_start, months) - dt.timedelta(days=1)
    span = (window_end - window_start).days + 1
    unit = unit or home_unit(user)

    def pct(day: dt.date) -> float:
        return round(100 * (day - window_start).days / span, 3)

    ticks = []
    first = window_start
    while first <= window_end:
        nxt = add_months(first, 1)
        ticks.append(TimelineTick(first=first, left=pct(first), width=round(100 * (nxt - first).days / span, 3)))
        first = nxt
    today_left = pct(today) if window_start <= today <= window_end else None
    if unit is None:
        return Timeline(
            start=window_start, end=window_end, months=months, unit=None, subtree=subtree, bars=[], ticks=ticks,
            page=make_page(1, per_page, 0), today=today, today_left=today_left,
        )
    qs = _filtered(
        user, unit, subtree=subtree, relation=relation, source=source, status=status,
        top_level=top_level, today=today,
    ).filter(Q(start_date__lte=window_end) & Q(due_date__gte=window_start))
    info = make_page(page, per_page, qs.count())
    bars = []
    if info.total:
        for t in decorate(qs.select_related("lead_unit", "assigning_unit")[info.offset: info.offset + info.per_page]):
            begin = max(t.start_date, window_start)
            finish = min(t.due_date, window_end)
            left = pct(begin)
            width = max(round(100 * ((finish - begin).days + 1) / span, 3), 0.5)
            bars.append(TimelineBar(
                task=t, left=left, width=min(width, 100 - left),
                clipped_start=t.start_date < window_start, clipped_end=t.due_date > window_end,
            ))
    return Timeline(
        start=window_start, end=window_end, months=months, unit=unit, subtree=subtree, bars=bars, ticks=ticks,
        page=info, today=today, today_left=today_left,
    )
