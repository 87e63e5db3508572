"""The office's matrix: rows = units, columns = parent tasks, cell = the unit's child task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from vigil.core.access import visible_to
from vigil.org.models import Unit

from ...models import Task
from ...status import DONE_LATE, OVERDUE, STATUS_COLOURS, STATUS_LABELS
from ..tasks import MAX_LITERAL_TASKS
from .base import PageInfo, _id, _tasks, _today, check_source, make_page, status_legend
from .periods import CURRENT, check_period, current_period_q, period_label
from .rows import row_units


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

    @property
    def assigned(self) -> bool:
        """Whether the unit has a task in at least one of the page's columns."""
        return any(cell is not None for cell in self.cells)


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
    def assigned_rows(self) -> list[MatrixRow]:
        """The rows with a task in these columns (the rows come in this order: these first)."""
        return [r for r in self.rows if r.assigned]

    @property
    def empty_rows(self) -> list[MatrixRow]:
        """The rows with no task in these columns: folded on the page, after the others."""
        return [r for r in self.rows if not r.assigned]

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
    cols = _column_candidates(row_ids, source=source, conclusion=conclusion, meeting=meeting, year=year,
                              assigning_unit=assigning_unit, q=q, today=today)
    order = ("due_date", "pk") if year else ("-due_date", "-pk")
    ids = list(visible_to(user, cols).order_by(*order).values_list("pk", flat=True))
    info = make_page(page, per_page, len(ids), default_size=20)
    page_ids = ids[info.offset: info.offset + info.per_page]

    parents = {
        t.pk: t
        for t in Task.objects.filter(pk__in=page_ids).with_status(today).select_related("assigning_unit", "lead_unit")
    }
    columns = [MatrixColumn(task=parents[pk]) for pk in page_ids if pk in parents]
    matrix_rows = {u.pk: MatrixRow(unit=u, cells=[None] * len(columns)) for u in rows}
    if columns:
        _fill_cells(user, columns, rows, matrix_rows, today)
    # Units with work in these columns first (in the tree's order), then those without: thirty
    # ministries with nothing assigned no longer push the provinces' work off the screen.
    ordered = [matrix_rows[u.pk] for u in rows]
    ordered.sort(key=lambda r: not r.assigned)
    return OfficeMatrix(under=under, rows=ordered, columns=columns, page=info, today=today, year=year)


def _column_candidates(row_ids: list[int], *, source, conclusion, meeting, year, assigning_unit, q,
                       today: dt.date) -> QuerySet[Task]:
    """The matrix's columns before access and paging: the parents of the rows' tasks
    first (few: one per task assigned to many units), then the filters on those parents
    alone, by primary key."""
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
    return cols


def _fill_cells(user, columns: list[MatrixColumn], rows: list[Unit], matrix_rows: dict[int, MatrixRow],
                today: dt.date) -> None:
    """Every cell of the page in one query (the row units' children of the columns),
    with the counts by status of each row and column."""
    index = {c.id: i for i, c in enumerate(columns)}
    labels = {code: str(label) for code, label in STATUS_LABELS.items()}  # translated once, not per cell
    cells = _tasks(
        user,
        Task.objects.filter(parent_id__in=list(index), lead_unit_id__in=[u.pk for u in rows]),
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
