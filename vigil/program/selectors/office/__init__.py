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

Modules, one per view: `matrix`, `late`, `rates`, `bodies`, `unit_lists`, `choices`;
`base`, `periods` and `rows` hold what they share. The public names are re-exported
here.
"""

from .base import (
    DUE_SOON_DAYS,
    MAX_PER_PAGE,
    RELATIONS,
    STATUS_FILTERS,
    PageInfo,
    check_source,
    container_q,
    decorate,
    make_page,
    relation_labels,
    relation_q,
    status_filter_q,
    status_legend,
    unit_ids,
)
from .bodies import BodyTasksRow, incomplete_bodies_with_tasks
from .choices import (
    meeting_choices,
    unit_ancestors,
    unit_children,
    unit_choices,
    unit_kind_choices,
    visible_units,
)
from .late import LateByUnit, LateRow, late_by_unit
from .matrix import MatrixCell, MatrixColumn, MatrixRow, OfficeMatrix, office_matrix
from .periods import (
    CURRENT,
    check_period,
    check_year,
    current_period_q,
    period_label,
)
from .rates import OnTimeRates, RateCell, RateRow, on_time_rates
from .rows import home_unit, row_units
from .unit_lists import (
    UnitTaskList,
    UnitTaskSummary,
    unit_status_counts,
    unit_task_lists,
    unit_task_summary,
    unit_tasks_queryset,
)

__all__ = [
    "RELATIONS",
    "STATUS_FILTERS",
    "MAX_PER_PAGE",
    "DUE_SOON_DAYS",
    "relation_labels",
    "decorate",
    "status_legend",
    "unit_ids",
    "container_q",
    "relation_q",
    "status_filter_q",
    "check_source",
    "PageInfo",
    "make_page",
    "CURRENT",
    "current_period_q",
    "period_label",
    "check_period",
    "check_year",
    "home_unit",
    "row_units",
    "MatrixCell",
    "MatrixColumn",
    "MatrixRow",
    "OfficeMatrix",
    "office_matrix",
    "LateRow",
    "LateByUnit",
    "late_by_unit",
    "RateCell",
    "RateRow",
    "OnTimeRates",
    "on_time_rates",
    "BodyTasksRow",
    "incomplete_bodies_with_tasks",
    "UnitTaskList",
    "unit_tasks_queryset",
    "unit_task_lists",
    "UnitTaskSummary",
    "unit_task_summary",
    "unit_status_counts",
    "unit_choices",
    "unit_ancestors",
    "unit_children",
    "visible_units",
    "unit_kind_choices",
    "meeting_choices",
]
