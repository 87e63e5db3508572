"""On-time completion rates per unit and quarter of one year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import ExtractQuarter
from django.utils.translation import gettext as _

from vigil.core.errors import DomainError
from vigil.org.models import Unit

from ...models import Task
from ...status import DONE_LATE, DONE_ON_TIME, OVERDUE, status_q
from .base import _today, check_source, container_q
from .periods import check_year
from .rows import _grouped, row_units


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

    @property
    def active_rows(self) -> list[RateRow]:
        """The rows with a task due in the year (the page lists these)."""
        return [r for r in self.rows if r.year.due]

    @property
    def zero_rows(self) -> list[RateRow]:
        """The rows with no task due in the year (folded on the page)."""
        return [r for r in self.rows if not r.year.due]

    def chart_quarters(self) -> dict:
        """The on-time rate of each quarter, every row together (none where nothing was due)."""
        from vigil.core.selectors.charts import chart, dataset

        return chart(
            [_("Quý %(q)s") % {"q": q} for q in range(1, 5)],
            [dataset(_("Tỷ lệ hoàn thành đúng hạn"), [c.rate for c in self.totals], "primary")],
            unit="%", max=100, title=_("Tỷ lệ (%)"),
        )

    def chart_outcomes(self) -> dict:
        """How the year's tasks due stand: done on time, done late, overdue, not yet due."""
        from vigil.core.selectors.charts import STATUS_COLOURS, chart, colour

        t = self.total
        parts = [
            (_("Hoàn thành đúng hạn"), t.on_time, STATUS_COLOURS[DONE_ON_TIME]),
            (_("Hoàn thành quá hạn"), t.late, STATUS_COLOURS[DONE_LATE]),
            (_("Quá hạn"), t.overdue, STATUS_COLOURS[OVERDUE]),
            (_("Chưa đến hạn"), t.open, STATUS_COLOURS["in_progress"]),
        ]
        return chart(
            [p[0] for p in parts],
            [{"label": _("Nhiệm vụ"), "data": [p[1] for p in parts], "colours": [colour(p[2]) for p in parts]}],
        )


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
