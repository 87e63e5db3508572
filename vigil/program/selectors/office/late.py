"""Late work by unit: overdue tasks per row unit and the oldest due date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Min
from django.utils.translation import gettext as _

from vigil.org.models import Unit

from ...models import Task
from ...status import OVERDUE, status_q
from .base import _today, check_source, container_q
from .rows import _grouped, row_units

CHART_TOP = 15  # units on the page's chart


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

    @property
    def late_rows(self) -> list[LateRow]:
        """The rows with overdue work (the page lists these)."""
        return [r for r in self.rows if r.overdue]

    @property
    def zero_rows(self) -> list[LateRow]:
        """The rows with nothing overdue (folded on the page)."""
        return [r for r in self.rows if not r.overdue]

    @property
    def chart_count(self) -> int:
        return min(len(self.late_rows), CHART_TOP)

    @property
    def chart_height(self) -> int:
        """Pixels for the chart: room for each unit's bar and name."""
        return max(160, 60 + 30 * self.chart_count)

    def chart_units(self, top: int = CHART_TOP) -> dict:
        """Overdue tasks of the `top` most late units, most late first."""
        from vigil.core.selectors.charts import chart, dataset

        rows = self.late_rows[:top]
        return chart(
            [r.unit.display_name for r in rows],
            [dataset(_("Nhiệm vụ quá hạn"), [r.overdue for r in rows], "danger-dark")],
            horizontal=True, title=_("Số nhiệm vụ quá hạn"),
        )


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
