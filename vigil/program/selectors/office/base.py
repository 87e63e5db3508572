"""What every office view shares: the relations of a unit to a task and the status filters,
the display of statuses, the access helper `_tasks` and the page of a list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core.access import visible_within
from vigil.core.errors import DomainError
from vigil.core.pagination import PageInfo, make_page  # noqa: F401  (the office views' page numbers)
from vigil.org.models import Unit
from vigil.org.selectors.units import unit_ids_in

from ...models import Task
from ...status import OVERDUE, STATUS_CHOICES, STATUS_COLOURS, STATUS_LABELS, status_q
from ...status import today as local_today
from ..tasks import supported_only_q

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


def status_legend() -> list[dict]:
    """Each computed status with its label and colour (the legend of every view)."""
    return [{"code": code, "label": str(label), "colour": STATUS_COLOURS[code]} for code, label in STATUS_CHOICES]


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


def _id(value) -> int | None:
    if value in (None, ""):
        return None
    return int(getattr(value, "pk", value))
