"""Reads for the views people need over the committee's work: the office's matrix of
units x tasks, late work by unit, the rate of completion on time per unit and quarter,
the units whose body is not yet complete next to their tasks, and a unit's own lists
(what is due from us, what we assigned to others, what is late, what we support).

Every function reads through the access layer: the committee office and the standing
agency see the whole network, a province its subtree, nobody a sibling's tasks.

Built for a network-sized table (hundreds of thousands of tasks on PostgreSQL):

- statuses are computed in SQL (`program.status.status_expression` / `status_q`), so a
  filter or a count by status is a WHERE clause, never a loop in Python;
- the matrix costs a fixed handful of queries whatever its size: the rows, the ordered
  ids of its columns, the page of columns, and one query for every cell of the page
  (children filtered by `parent_id IN (...)`);
- counts by unit and by quarter are single GROUP BY queries;
- `visible_to` on tasks filters through a subquery over the whole table (a task is
  reached through three unit relations, one of them many-to-many). Where a query is
  already confined to units the user's scope wholly covers (a province reading its own
  subtree), the policy would keep every row, so the subquery is skipped (`_tasks`);
  everywhere else it applies as is. A test proves both paths give the same rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractQuarter
from django.utils.translation import gettext as _

from vigil.core.access import scope_of, visible_to, visible_within
from vigil.core.errors import DomainError
from vigil.org.models import Unit, UnitKind
from vigil.org.selectors.completeness import UnitCompleteness, completeness_list
from vigil.org.selectors.people import unit_ref
from vigil.org.selectors.units import subtree_q, unit_ids_in

from ..models import Meeting, Task
from ..status import (
    DONE_LATE,
    DONE_ON_TIME,
    DONE_STATES,
    OVERDUE,
    STATUS_CHOICES,
    STATUS_COLOURS,
    STATUS_LABELS,
    status_expression,
    status_q,
)
from ..status import today as local_today
from .tasks import MAX_LITERAL_TASKS, supported_only_q

RELATIONS = ("lead", "assigned", "overdue", "supporting", "any")
# "open": every task still to be done (not started, in progress, overdue); "all": no filter.
STATUS_FILTERS = ("open", "all", *STATUS_LABELS)
MAX_PER_PAGE = 200
DUE_SOON_DAYS = 14


def relation_labels() -> dict[str, str]:
    """The relations of a unit to a task, as its list tabs name them."""
    return {
        "lead": _("Việc phải thực hiện"),
        "assigned": _("Đã giao cho đơn vị khác"),
        "overdue": _("Quá hạn"),
        "supporting": _("Phối hợp"),
        "any": _("Tất cả"),
    }


def decorate(tasks: Iterable[Task]) -> list[Task]:
    """Give each task (annotated with `status`) its label and colour for display."""
    out = list(tasks)
    for t in out:
        t.status_label = str(STATUS_LABELS[t.status])
        t.status_colour = STATUS_COLOURS[t.status]
    return out


def unit_get(user, ref, *, field: str = "unit_id") -> Unit:
    """A unit the user may see, by id or code; NotFound naming `field` otherwise."""
    return unit_ref(user=user, ref=ref, field=field)


def status_legend() -> list[dict]:
    """Each computed status with its label and colour (the legend of every view)."""
    return [{"code": code, "label": str(label), "colour": STATUS_COLOURS[code]} for code, label in STATUS_CHOICES]


# --------------------------------------------------------------------------- helpers


def _today(today: dt.date | None) -> dt.date:
    return today or local_today()


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def _tasks(user, qs: QuerySet, *, anchored_in: Iterable[tuple[Unit, bool]] = ()) -> QuerySet:
    """`visible_to(user, qs)`, skipping the policy's whole-table subquery when `anchored_in`
    — (unit, subtree) pairs that confine every row of `qs` — lies wholly in the user's
    scope (core.access.visible_within)."""
    return visible_within(user, qs, anchored_in)


def unit_ids(unit: Unit, subtree: bool) -> list[int] | QuerySet:
    """The ids of `unit` (and, with `subtree`, its descendants): org's unit_ids_in."""
    return unit_ids_in(unit, subtree)


def container_q() -> Q:
    """Tasks that only hold a cascade: assigned to several units at once, the parent
    keeps the assigning unit as its lead while its children carry the work. They are
    left out of "due from us" and of late counts, which would otherwise count the same
    work twice."""
    return Q(lead_unit_id=F("assigning_unit_id")) & Exists(Task.objects.filter(parent_id=OuterRef("pk")))


def relation_q(relation: str, ids, today: dt.date) -> Q:
    """Tasks related by `relation` to the units `ids` (see `unit_ids`): lead (due from
    us), assigned (by us to other units), overdue (due from us, late), supporting (we
    support), any (any of these, cascade holders included)."""
    if relation not in RELATIONS:
        raise DomainError(
            _("Quan hệ phải là một trong: %(v)s.") % {"v": ", ".join(RELATIONS)}, field="relation"
        )
    if relation == "lead":
        return Q(lead_unit_id__in=ids) & ~container_q()
    if relation == "overdue":
        return Q(lead_unit_id__in=ids) & status_q(OVERDUE, today) & ~container_q()
    if relation == "assigned":
        return Q(assigning_unit_id__in=ids) & ~Q(lead_unit_id=F("assigning_unit_id"))
    if relation == "supporting":
        return Q(pk__in=Task.supporting_units.through.objects.filter(unit_id__in=ids).values("task_id"))
    return Q(lead_unit_id__in=ids) | Q(assigning_unit_id__in=ids) | supported_only_q(ids)


def status_filter_q(status: str | None, today: dt.date) -> Q:
    """A computed status, or "open" (anything still to be done); empty: all."""
    if not status or status == "all":
        return Q()
    if status not in STATUS_FILTERS:
        raise DomainError(
            _("Trạng thái phải là một trong: %(v)s.") % {"v": ", ".join(STATUS_FILTERS)}, field="status"
        )
    if status == "open":
        return Q(state="open")
    return status_q(status, today)


def check_source(source: str | None) -> str | None:
    if source and source not in Task.Source.values:
        raise DomainError(
            _("Nguồn giao phải là một trong: %(v)s.") % {"v": ", ".join(Task.Source.values)}, field="source"
        )
    return source or None


# The matrix's "current work" period: the tasks due this year, and every task still open
# that is overdue or falls due within the next quarter, whatever its year (in December
# the work due in January; in January last year's work still open).
CURRENT = "current"
CURRENT_AHEAD_DAYS = 92


def current_period_q(today: dt.date) -> Q:
    this_year = Q(due_date__gte=dt.date(today.year, 1, 1), due_date__lte=dt.date(today.year, 12, 31))
    return this_year | Q(state="open", due_date__lte=today + dt.timedelta(days=CURRENT_AHEAD_DAYS))


def period_label(year: int | str | None, today: dt.date) -> str:
    """The period `year` stands for (a year, CURRENT or None), in words."""
    if year == CURRENT:
        horizon = today + dt.timedelta(days=CURRENT_AHEAD_DAYS)
        return _(
            "năm %(y)s, cùng các nhiệm vụ chưa hoàn thành đã quá hạn hoặc đến hạn đến hết ngày %(d)s"
        ) % {"y": today.year, "d": f"{horizon:%d/%m/%Y}"}
    if year:
        return _("năm %(y)s") % {"y": year}
    return _("mọi năm")


def check_period(year, field: str = "year") -> int | str | None:
    """A year, `CURRENT` (current work) or None (every year)."""
    if isinstance(year, str) and year.strip() == CURRENT:
        return CURRENT
    return check_year(year, field)


def check_year(year, field: str = "year") -> int | None:
    if year in (None, ""):
        return None
    try:
        value = int(year)
    except (TypeError, ValueError):
        value = 0
    if not 1900 <= value <= 2999:
        raise DomainError(_("Năm không hợp lệ: %(v)s.") % {"v": year}, field=field)
    return value


def _id(value) -> int | None:
    if value in (None, ""):
        return None
    return int(getattr(value, "pk", value))


@dataclass
class PageInfo:
    """Where a page sits in a list: number (from 1), size, total rows."""

    number: int
    per_page: int
    total: int

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


def make_page(page, per_page, total: int, *, default_size: int = 50) -> PageInfo:
    """A page number clamped into the list (a number past the end shows the last page)."""
    try:
        size = int(per_page)
    except (TypeError, ValueError):
        size = default_size
    size = min(max(size, 1), MAX_PER_PAGE)
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    info = PageInfo(number=1, per_page=size, total=total)
    info.number = min(max(number, 1), info.num_pages)
    return info


def home_unit(user) -> Unit | None:
    """The unit a user's views start from: the root of the tree for the office and the
    standing agency (network-wide), otherwise the highest unit of their memberships."""
    if not _authenticated(user):
        return None
    scope = scope_of(user)
    units = visible_to(user, Unit).select_related("kind", "parent")
    if scope.network_wide("view"):
        return units.filter(parent__isnull=True).order_by("path").first()
    grants = sorted(scope.grants, key=lambda g: (g.path.count("."), not g.subtree, g.path))
    if not grants:
        return None
    return units.filter(pk=grants[0].unit_id).first()


def row_units(
    user, *, under: Unit | None = None, units: Iterable[Unit] | None = None, unit_kind: str | None = None
) -> tuple[Unit | None, list[Unit]]:
    """The units a table has as rows: `units` (those the user may see), or else the
    active children of `under` (default: the user's home unit) the user may see,
    optionally of one kind. Returns (under, rows)."""
    if unit_kind and not visible_to(user, UnitKind).filter(code=unit_kind).exists():
        raise DomainError(_("Không có loại đơn vị %(k)s.") % {"k": unit_kind}, field="unit_kind")
    if units is not None:
        qs = visible_to(user, Unit.objects.filter(pk__in=[u.pk for u in units]))
    else:
        under = under or home_unit(user)
        if under is None:
            return None, []
        qs = visible_to(user, Unit.objects.filter(parent=under, is_active=True))
    if unit_kind:
        qs = qs.filter(kind__code=unit_kind)
    rows = list(qs.select_related("kind").order_by("kind__sort_order", "admin_code", "path"))
    return under, rows


# --------------------------------------------------------------------------- the matrix


@dataclass
class MatrixCell:
    """The child task of one unit in one column, with its status's label and colour."""

    task_id: int
    title: str
    status: str
    progress: int
    due_date: dt.date
    label: str = ""
    colour: str = ""
    more: int = 0  # further children of the same unit in the same column (rare)


@dataclass
class MatrixColumn:
    """A parent task (assigned to many units), with its own computed status and the
    count of its cells in this matrix by status."""

    task: Task
    counts: dict = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.task.pk

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.task.status])

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.task.status]

    @property
    def late(self) -> int:
        return self.counts.get(OVERDUE, 0) + self.counts.get(DONE_LATE, 0)


@dataclass
class MatrixRow:
    unit: Unit
    cells: list  # MatrixCell | None, one per column
    counts: dict = field(default_factory=dict)


@dataclass
class OfficeMatrix:
    """Rows = units, columns = parent tasks (one page of them), cell = the unit's child task."""

    under: Unit | None
    rows: list[MatrixRow]
    columns: list[MatrixColumn]
    page: PageInfo
    today: dt.date
    year: int | str | None = None  # a year, CURRENT or None (every year)

    @property
    def legend(self) -> list[dict]:
        return status_legend()

    @property
    def period(self) -> str:
        """Which tasks' due dates the columns cover, in words (the page and the CLI say it)."""
        return period_label(self.year, self.today)


def office_matrix(
    user,
    *,
    under: Unit | None = None,
    units: Iterable[Unit] | None = None,
    unit_kind: str | None = None,
    source: str | None = None,
    conclusion=None,
    meeting=None,
    year: int | None = None,
    assigning_unit: Unit | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 20,
    today: dt.date | None = None,
) -> OfficeMatrix:
    """The matrix of units x tasks, with status colours.

    Rows: `units`, or the children of `under` (default: the user's home unit, the root
    of the tree for the office), optionally only those of kind `unit_kind`.
    Columns: parent tasks (tasks assigned to many units) with a child led by a row
    unit, filtered by `source`, `conclusion` / `meeting` (objects or ids), the year of
    their due date (`year`: a year; `CURRENT`: this year's tasks and the open ones overdue
    or due within the next quarter, so December shows January's work; None: every year),
    `assigning_unit` and words of the title (`q`); a page of `per_page` columns, the
    earliest due first within a year or the current period, the latest first across years.
    Cell: the row unit's child task, its status computed in SQL for `today`.

    Queries: rows, the parents of the rows' tasks, the filtered and ordered column
    ids, the page of columns, the cells: five, whatever the size of the matrix."""
    today = _today(today)
    source = check_source(source)
    year = check_period(year)
    under, rows = row_units(user, under=under, units=units, unit_kind=unit_kind)
    if not rows:
        return OfficeMatrix(under=under, rows=[], columns=[], page=make_page(1, per_page, 0), today=today, year=year)
    row_ids = [u.pk for u in rows]

    # The parents of the rows' tasks first (few: one per task assigned to many units),
    # then the filters on those parents alone, by primary key.
    parents_of_rows = (
        Task.objects.filter(parent__isnull=False, lead_unit_id__in=row_ids).order_by().values_list("parent_id", flat=True)
    )
    parent_ids = list(parents_of_rows.distinct()[: MAX_LITERAL_TASKS + 1])
    if len(parent_ids) > MAX_LITERAL_TASKS:  # an unusually wide matrix: let the database join
        parent_ids = parents_of_rows
    cols = Task.objects.filter(pk__in=parent_ids)
    if source:
        cols = cols.filter(source=source)
    if _id(conclusion):
        cols = cols.filter(conclusion_id=_id(conclusion))
    if _id(meeting):
        cols = cols.filter(conclusion__meeting_id=_id(meeting))
    if year == CURRENT:
        cols = cols.filter(current_period_q(today))
    elif year:
        cols = cols.filter(due_date__gte=dt.date(year, 1, 1), due_date__lte=dt.date(year, 12, 31))
    if assigning_unit is not None:
        cols = cols.filter(assigning_unit_id=assigning_unit.pk)
    for word in (q or "").split():
        cols = cols.filter(title__icontains=word)
    order = ("due_date", "pk") if year else ("-due_date", "-pk")
    ids = list(visible_to(user, cols).order_by(*order).values_list("pk", flat=True))
    info = make_page(page, per_page, len(ids), default_size=20)
    page_ids = ids[info.offset: info.offset + info.per_page]

    parents = {
        t.pk: t
        for t in Task.objects.filter(pk__in=page_ids).with_status(today).select_related("assigning_unit", "lead_unit")
    }
    columns = [MatrixColumn(task=parents[pk]) for pk in page_ids if pk in parents]
    index = {c.id: i for i, c in enumerate(columns)}
    matrix_rows = {u.pk: MatrixRow(unit=u, cells=[None] * len(columns)) for u in rows}

    if columns:
        labels = {code: str(label) for code, label in STATUS_LABELS.items()}  # translated once, not per cell
        cells = _tasks(
            user,
            Task.objects.filter(parent_id__in=list(index), lead_unit_id__in=row_ids),
            anchored_in=[(u, False) for u in rows],
        ).with_status(today).order_by("pk").values_list(
            "pk", "title", "parent_id", "lead_unit_id", "progress", "due_date", "status", named=True
        )  # plain rows: a province's matrix has thousands of cells
        for t in cells:
            row = matrix_rows[t.lead_unit_id]
            i = index[t.parent_id]
            if row.cells[i] is not None:
                row.cells[i].more += 1
                continue
            row.cells[i] = MatrixCell(
                task_id=t.pk, title=t.title, status=t.status, progress=t.progress, due_date=t.due_date,
                label=labels[t.status], colour=STATUS_COLOURS[t.status],
            )
            row.counts[t.status] = row.counts.get(t.status, 0) + 1
            columns[i].counts[t.status] = columns[i].counts.get(t.status, 0) + 1
    return OfficeMatrix(
        under=under, rows=[matrix_rows[u.pk] for u in rows], columns=columns, page=info, today=today, year=year
    )


# --------------------------------------------------------------------------- late work by unit


@dataclass
class LateRow:
    unit: Unit
    overdue: int = 0
    oldest_due: dt.date | None = None
    oldest_days: int | None = None


@dataclass
class LateByUnit:
    under: Unit | None
    rows: list[LateRow]
    rollup: bool
    today: dt.date

    @property
    def total(self) -> int:
        return sum(r.overdue for r in self.rows)


def _grouped(user, qs: QuerySet, rows: list[Unit], rollup: bool, keys: tuple = (), **aggregates) -> dict:
    """Aggregate `qs` per row unit (and per `keys`) in one GROUP BY on the lead unit,
    with no join: {(row id, *keys): {aggregate: value}}. With `rollup` a row counts the
    tasks led anywhere in its subtree: the lead units found are mapped to their row by
    their materialised paths (one more query, on units)."""
    out: dict = {}
    if not rows:
        return out
    if rollup:
        cond = Q()
        for u in rows:
            cond |= subtree_q(u.path)
        under_rows = Unit.objects.filter(cond)
        scoped = _tasks(
            user, qs.filter(lead_unit_id__in=under_rows.values("pk")), anchored_in=[(u, True) for u in rows]
        )
    else:
        scoped = _tasks(user, qs.filter(lead_unit_id__in=[u.pk for u in rows]), anchored_in=[(u, False) for u in rows])
    found = list(scoped.order_by().values("lead_unit_id", *keys).annotate(**aggregates))
    if rollup:
        by_path = {u.path: u.pk for u in rows}
        lengths = sorted({len(u.path) for u in rows}, reverse=True)
        row_of = {}
        for pk, path in under_rows.values_list("pk", "path"):
            row_of[pk] = next((by_path[path[:n]] for n in lengths if path[:n] in by_path), None)
    else:
        row_of = None
    for r in found:
        lead = r.pop("lead_unit_id")
        row = row_of.get(lead) if row_of is not None else lead
        if row is None:
            continue
        key = (row, *(r.pop(k) for k in keys))
        if key in out:
            for name, value in r.items():
                out[key][name] = _combine(name, out[key][name], value)
        else:
            out[key] = r
    return out


def _combine(name: str, a, b):
    """Merge two aggregates of the same row: counts add up, dates keep the oldest."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dt.date):
        return min(a, b)
    return a + b


def late_by_unit(
    user,
    *,
    under: Unit | None = None,
    units: Iterable[Unit] | None = None,
    unit_kind: str | None = None,
    rollup: bool = False,
    source: str | None = None,
    today: dt.date | None = None,
) -> LateByUnit:
    """Overdue tasks per lead unit: how many, and the oldest due date (and its age in
    days), most late first. Rows as in `office_matrix`; with `rollup` a row counts its
    whole subtree. Tasks that only hold a cascade are left out (their children count).
    One GROUP BY query."""
    today = _today(today)
    source = check_source(source)
    under, rows = row_units(user, under=under, units=units, unit_kind=unit_kind)
    qs = Task.objects.filter(status_q(OVERDUE, today)).exclude(container_q())
    if source:
        qs = qs.filter(source=source)
    counts = _grouped(user, qs, rows, rollup, n=Count("pk"), oldest=Min("due_date"))
    result = []
    for u in rows:
        c = counts.get((u.pk,), {})
        oldest = c.get("oldest")
        result.append(LateRow(
            unit=u, overdue=c.get("n", 0), oldest_due=oldest,
            oldest_days=(today - oldest).days if oldest else None,
        ))
    result.sort(key=lambda r: (-r.overdue, -(r.oldest_days or 0), r.unit.path))
    return LateByUnit(under=under, rows=result, rollup=rollup, today=today)


# --------------------------------------------------------------------------- on-time completion rates


@dataclass
class RateCell:
    """Tasks due in a period (cancelled ones aside) and how they ended, so far."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0

    @property
    def rate(self) -> float | None:
        """Percentage done on time of the tasks due; None when none was due."""
        return round(100 * self.on_time / self.due, 1) if self.due else None

    @property
    def open(self) -> int:
        return self.due - self.on_time - self.late - self.overdue

    def add(self, other: RateCell) -> None:
        self.due += other.due
        self.on_time += other.on_time
        self.late += other.late
        self.overdue += other.overdue


@dataclass
class RateRow:
    unit: Unit
    quarters: list[RateCell]

    @property
    def year(self) -> RateCell:
        total = RateCell()
        for q in self.quarters:
            total.add(q)
        return total


@dataclass
class OnTimeRates:
    """Completion on time per unit and quarter of one year: done on time / due."""

    year: int
    under: Unit | None
    rows: list[RateRow]
    rollup: bool
    today: dt.date

    @property
    def totals(self) -> list[RateCell]:
        out = [RateCell() for _ in range(4)]
        for r in self.rows:
            for i, q in enumerate(r.quarters):
                out[i].add(q)
        return out

    @property
    def total(self) -> RateCell:
        total = RateCell()
        for q in self.totals:
            total.add(q)
        return total


def on_time_rates(
    user,
    *,
    year: int,
    under: Unit | None = None,
    units: Iterable[Unit] | None = None,
    unit_kind: str | None = None,
    rollup: bool = False,
    source: str | None = None,
    today: dt.date | None = None,
) -> OnTimeRates:
    """For each row unit and each quarter of `year`: the tasks it leads that were due in
    the quarter (cancelled ones and cascade holders aside), how many were done on time,
    done late, are overdue; the rate is done on time / due. Rows as in `office_matrix`.
    One GROUP BY (unit, quarter) query."""
    today = _today(today)
    year = check_year(year)
    if year is None:
        raise DomainError(_("Hãy chọn năm."), field="year")
    source = check_source(source)
    under, rows = row_units(user, under=under, units=units, unit_kind=unit_kind)
    qs = (
        Task.objects.filter(due_date__gte=dt.date(year, 1, 1), due_date__lte=dt.date(year, 12, 31))
        .exclude(state="cancelled").exclude(container_q())
    )
    if source:
        qs = qs.filter(source=source)
    counts = _grouped(
        user, qs.annotate(quarter=ExtractQuarter("due_date")), rows, rollup, keys=("quarter",),
        due=Count("pk"),
        on_time=Count("pk", filter=status_q(DONE_ON_TIME, today)),
        late=Count("pk", filter=status_q(DONE_LATE, today)),
        overdue=Count("pk", filter=status_q(OVERDUE, today)),
    )
    table: dict[int, list[RateCell]] = {u.pk: [RateCell() for _ in range(4)] for u in rows}
    for (pk, quarter), r in counts.items():
        if pk in table and quarter:
            table[pk][int(quarter) - 1] = RateCell(**r)
    return OnTimeRates(
        year=year, under=under, rows=[RateRow(unit=u, quarters=table[u.pk]) for u in rows],
        rollup=rollup, today=today,
    )


# --------------------------------------------------------------------------- incomplete bodies and their tasks


@dataclass
class BodyTasksRow:
    """A unit body not yet complete (foundation: org completeness) and the tasks of the
    unit it serves (`owner`: a provincial subcommittee serves its province)."""

    completeness: UnitCompleteness
    owner: Unit
    open: int = 0
    overdue: int = 0

    @property
    def unit(self) -> Unit:
        return self.completeness.unit


def _owner_of(body: Unit, parents: dict[int, Unit]) -> Unit:
    """The unit a body serves: its parent, unless the parent is itself a body (a
    subcommittee of the national committee serves itself)."""
    parent = parents.get(body.parent_id)
    if parent is not None and not parent.kind.requires_body:
        return parent
    return body


def incomplete_bodies_with_tasks(
    user,
    *,
    on: dt.date | None = None,
    subtree_of: Unit | None = None,
    today: dt.date | None = None,
) -> list[BodyTasksRow]:
    """The units whose body is not complete on `on` (org's completeness rules, reused),
    each next to the open and overdue tasks led by the unit it serves or by the body
    itself (cascade holders aside). Most overdue first."""
    today = _today(today)
    statuses = completeness_list(user=user, on=on, subtree_of=subtree_of, incomplete_only=True)
    if not statuses:
        return []
    parent_ids = {s.unit.parent_id for s in statuses if s.unit.parent_id}
    parents = {u.pk: u for u in visible_to(user, Unit.objects.filter(pk__in=parent_ids)).select_related("kind")}
    rows = [BodyTasksRow(completeness=s, owner=_owner_of(s.unit, parents)) for s in statuses]
    anchors = {u.pk: u for r in rows for u in (r.owner, r.unit)}
    qs = _tasks(
        user,
        Task.objects.filter(state="open", lead_unit_id__in=list(anchors)).exclude(container_q()),
        anchored_in=[(u, False) for u in anchors.values()],
    )
    counts = {
        r["lead_unit_id"]: r
        for r in qs.order_by().values("lead_unit_id").annotate(
            n=Count("pk"), late=Count("pk", filter=Q(due_date__lt=today))
        )
    }
    for row in rows:
        for pk in {row.owner.pk, row.unit.pk}:
            c = counts.get(pk, {})
            row.open += c.get("n", 0)
            row.overdue += c.get("late", 0)
    rows.sort(key=lambda r: (-r.overdue, -r.open, r.unit.path))
    return rows


# --------------------------------------------------------------------------- a unit's lists


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


# --------------------------------------------------------------------------- choices for the filters


def unit_choices(user, *, current: Unit | None = None) -> list[Unit]:
    """Units offered in the filters: the active units with children the user may see
    (whose subtree or children a view can show), plus `current`; in tree order."""
    units = list(
        visible_to(user, Unit.objects.filter(is_active=True, children__isnull=False).distinct())
        .select_related("kind").order_by("path")
    )
    if current is not None and all(u.pk != current.pk for u in units):
        units.append(current)
        units.sort(key=lambda u: u.path)
    return units


def unit_ancestors(user, unit: Unit) -> list[Unit]:
    """The unit's ancestors the user may see, root first (breadcrumbs)."""
    ids = unit.ancestor_ids()
    return list(visible_to(user, Unit.objects.filter(pk__in=ids)).order_by("depth")) if ids else []


def unit_children(user, unit: Unit) -> list[Unit]:
    """The unit's active children the user may see (to move down the tree)."""
    return list(
        visible_to(user, Unit.objects.filter(parent=unit, is_active=True))
        .select_related("kind").order_by("kind__sort_order", "admin_code", "path")
    )


def visible_units(user) -> QuerySet[Unit]:
    """Every active unit the user may see (to check a unit named in a filter)."""
    return visible_to(user, Unit.objects.filter(is_active=True)).select_related("kind", "parent")


def unit_kind_choices(user) -> list[UnitKind]:
    return list(visible_to(user, UnitKind).order_by("sort_order", "code"))


def meeting_choices(user, *, limit: int = 100) -> list:
    """The latest meetings the user may see that produced tasks (matrix filter)."""
    produced = Task.objects.filter(conclusion__meeting_id=OuterRef("pk"))  # one index probe per meeting
    return list(
        visible_to(user, Meeting.objects.filter(Exists(produced)))
        .select_related("body_unit").order_by("-held_on", "-pk")[:limit]
    )
