"""What the home page shows from the committee's work (`core.dashboard` panels that
`ProgramConfig` registers): the tasks due from the user's units (late, and due within a
week), the tasks their units assigned that are late, and, for whoever oversees the
network, late work by province. Every read goes through the access layer; each panel runs
a fixed number of queries whatever the number of tasks."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from vigil.core.access import allowed, member_units, visible_to
from vigil.core.dashboard import counted
from vigil.core.errors import DomainError

from ..models import Task
from ..status import OVERDUE, status_q, today
from .office.base import relation_q
from .office.late import late_by_unit

DUE_SOON_DAYS = 7
ITEMS = 8
PROVINCES_MAX = 10
PROVINCE_KIND = "province"


def _task_list_url(**params) -> str:
    query = urlencode([(k, v) for k, v in params.items() if v not in (None, "")], doseq=True)
    return reverse("program:task_list") + (f"?{query}" if query else "")


def _decorate(tasks: list[Task], on: dt.date) -> list[Task]:
    for t in tasks:
        t.days_late = (on - t.due_date).days if t.due_date < on else 0
        t.days_left = (t.due_date - on).days if t.due_date >= on else None
        t.url = reverse("program:task_detail", args=[t.pk])
    return tasks


def my_unit_tasks(*, user, on: dt.date | None = None, limit: int = ITEMS) -> dict | None:
    """Tasks due from the units the user is a member of (they lead them, cascade holders
    left out), still open: late ones, and those due within DUE_SOON_DAYS; late first, then
    by due date. With none of those, the next open ones (`open_count`). None when the
    units lead no open task. Two queries (three in the second case)."""
    ids = sorted(member_units(user))
    if not ids:
        return None
    on = on or today()
    soon = on + dt.timedelta(days=DUE_SOON_DAYS)
    late_q = status_q(OVERDUE, on)
    due_q = Q(state="open", due_date__gte=on, due_date__lte=soon)
    qs = visible_to(user, Task.objects.filter(relation_q("lead", ids, on)).filter(late_q | due_q))
    rows = list(
        qs.annotate(n_late=counted(late_q), n_due=counted(due_q))
        .select_related("lead_unit").order_by("due_date", "pk")[:limit]
    )
    urls = {
        "late_url": _task_list_url(status=OVERDUE, relation="lead", mine="1"),
        "due_url": _task_list_url(status=["not_started", "in_progress"], due_from=on.isoformat(),
                                  due_to=soon.isoformat(), relation="lead", mine="1"),
        "open_url": _task_list_url(status=["not_started", "in_progress"], relation="lead", mine="1"),
    }
    if not rows:
        return _next_open_tasks(user, ids, on, limit, urls)
    counts = {"late": rows[0].n_late, "due": rows[0].n_due}
    rows = _decorate(rows, on)
    return {
        "tasks": rows,
        "late_count": counts["late"],
        "due_count": counts["due"],
        "days": DUE_SOON_DAYS,
        "more": max(counts["late"] + counts["due"] - len(rows), 0),
        **urls,
    }


def _next_open_tasks(user, ids, on: dt.date, limit: int, urls: dict) -> dict | None:
    """Nothing late or due within the week: the next open tasks all the same, with their
    count, so that a unit sees what comes (one more query). None when it leads none."""
    open_q = Q(state="open", due_date__gte=on)
    qs = visible_to(user, Task.objects.filter(relation_q("lead", ids, on)).filter(open_q))
    rows = list(qs.annotate(n=counted()).select_related("lead_unit").order_by("due_date", "pk")[:limit])
    if not rows:
        return None
    count = rows[0].n
    return {
        "tasks": _decorate(rows, on),
        "late_count": 0,
        "due_count": 0,
        "open_count": count,
        "days": DUE_SOON_DAYS,
        "more": max(count - len(rows), 0),
        **urls,
    }


def assigned_late(*, user, on: dt.date | None = None, limit: int = ITEMS) -> dict | None:
    """Tasks the user's units assigned to other units that are late, oldest due first.
    None when there is none. Two queries."""
    ids = sorted(member_units(user))
    if not ids:
        return None
    on = on or today()
    qs = visible_to(user, Task.objects.filter(relation_q("assigned", ids, on)).filter(status_q(OVERDUE, on)))
    rows = list(qs.annotate(n=counted()).select_related("lead_unit").order_by("due_date", "pk")[:limit])
    if not rows:
        return None
    count = rows[0].n
    rows = _decorate(rows, on)
    return {
        "tasks": rows,
        "count": count,
        "more": max(count - len(rows), 0),
        "url": _task_list_url(status=OVERDUE, relation="assigned", mine="1"),
    }


def network_late_by_province(*, user, on: dt.date | None = None, limit: int = PROVINCES_MAX) -> dict | None:
    """For whoever holds a network-wide scope (the committee office, the standing agency):
    late tasks per province (each with its whole subtree), the `limit` provinces with the
    most first. None for anyone else, or when no province is late. A fixed number of
    queries (`late_by_unit`)."""
    if not allowed(user, "view", None):
        return None
    try:
        late = late_by_unit(user, unit_kind=PROVINCE_KIND, rollup=True, today=on)
    except DomainError:  # no province kind in this network's reference data
        return None
    rows = [r for r in late.rows if r.overdue][:limit]
    if not rows:
        return None
    for r in rows:
        r.url = _task_list_url(status=OVERDUE, unit=r.unit.pk)
    return {
        "rows": rows,
        "total": sum(r.overdue for r in late.rows),
        "provinces_late": sum(1 for r in late.rows if r.overdue),
        "provinces": len(late.rows),
        "office_url": reverse("program:office_late"),
    }
