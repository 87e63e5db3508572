"""A task's status, computed from its workflow state, progress and dates — the same rule
in SQL (for lists, filters and the office matrix) and in Python (for one task).

- cancelled: the assigning unit cancelled it;
- done on time / done late: the lead unit confirmed completion (and the assigning unit
  may have accepted it) on or before / after the due date;
- overdue: still open after the due date;
- in progress: open, not overdue, some progress reported;
- not started: open, not overdue, no progress.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Case, CharField, Q, Value, When
from django.db.models.expressions import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
DONE_ON_TIME = "done_on_time"
DONE_LATE = "done_late"
OVERDUE = "overdue"
CANCELLED = "cancelled"

STATUS_CHOICES = [
    (NOT_STARTED, _("Chưa thực hiện")),
    (IN_PROGRESS, _("Đang thực hiện")),
    (DONE_ON_TIME, _("Hoàn thành đúng hạn")),
    (DONE_LATE, _("Hoàn thành quá hạn")),
    (OVERDUE, _("Quá hạn")),
    (CANCELLED, _("Đã huỷ")),
]
STATUS_LABELS = dict(STATUS_CHOICES)
# Bootstrap colour per status, for badges and the office matrix.
STATUS_COLOURS = {
    NOT_STARTED: "secondary",
    IN_PROGRESS: "primary",
    DONE_ON_TIME: "success",
    DONE_LATE: "warning",
    OVERDUE: "danger",
    CANCELLED: "light",
}
DONE_STATES = ("submitted", "accepted")
OPEN_STATUSES = (NOT_STARTED, IN_PROGRESS, OVERDUE)


_as_of: ContextVar[dt.date | None] = ContextVar("program_as_of", default=None)


def today() -> dt.date:
    """The local date, or the date a replay of past steps is running `as_of`."""
    return _as_of.get() or timezone.localdate()


@contextmanager
def as_of(day: dt.date):
    """Run the block as if it were `day`: for loading history (the demo, migrations of
    past records) through the same services, whose date checks then hold for that day."""
    token = _as_of.set(day)
    try:
        yield
    finally:
        _as_of.reset(token)


def status_expression(on: dt.date | None = None, prefix: str = "") -> Case:
    """A SQL CASE giving the status of each task row (through `prefix`, e.g. 'task__')."""
    on = on or today()
    p = prefix
    return Case(
        When(Q(**{f"{p}state": "cancelled"}), then=Value(CANCELLED)),
        When(
            Q(**{f"{p}state__in": DONE_STATES, f"{p}completed_on__lte": F(f"{p}due_date")}),
            then=Value(DONE_ON_TIME),
        ),
        When(Q(**{f"{p}state__in": DONE_STATES}), then=Value(DONE_LATE)),
        When(Q(**{f"{p}due_date__lt": on}), then=Value(OVERDUE)),
        When(Q(**{f"{p}progress__gt": 0}), then=Value(IN_PROGRESS)),
        default=Value(NOT_STARTED),
        output_field=CharField(),
    )


def status_q(status: str, on: dt.date | None = None, prefix: str = "") -> Q:
    """A filter for one status, written so PostgreSQL can use the (state, due_date) index."""
    on = on or today()
    p = prefix
    if status == CANCELLED:
        return Q(**{f"{p}state": "cancelled"})
    if status == DONE_ON_TIME:
        return Q(**{f"{p}state__in": DONE_STATES, f"{p}completed_on__lte": F(f"{p}due_date")})
    if status == DONE_LATE:
        return Q(**{f"{p}state__in": DONE_STATES, f"{p}completed_on__gt": F(f"{p}due_date")})
    if status == OVERDUE:
        return Q(**{f"{p}state": "open", f"{p}due_date__lt": on})
    if status == IN_PROGRESS:
        return Q(**{f"{p}state": "open", f"{p}due_date__gte": on, f"{p}progress__gt": 0})
    if status == NOT_STARTED:
        return Q(**{f"{p}state": "open", f"{p}due_date__gte": on, f"{p}progress": 0})
    raise ValueError(f"unknown status {status!r}")


def compute_status(task, on: dt.date | None = None) -> str:
    """The status of one task object, by the same rule as `status_expression`."""
    on = on or today()
    if task.state == "cancelled":
        return CANCELLED
    if task.state in DONE_STATES:
        if task.completed_on and task.completed_on <= task.due_date:
            return DONE_ON_TIME
        return DONE_LATE
    if task.due_date < on:
        return OVERDUE
    return IN_PROGRESS if task.progress > 0 else NOT_STARTED
