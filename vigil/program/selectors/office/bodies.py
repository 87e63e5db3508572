"""The units whose body is not yet complete, next to the tasks of the unit each serves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from vigil.core.access import visible_to
from vigil.org.models import Unit
from vigil.org.selectors.completeness import UnitCompleteness, completeness_list

from ...models import Task
from .base import _tasks, _today, container_q


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
