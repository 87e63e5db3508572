"""Reads of annual work programmes, through the access layer: a programme is seen by the
scope of its unit (its ancestors' oversight included); its tasks by the task rules."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core.access import can, visible_to
from vigil.core.errors import DomainError, NotFound
from vigil.org.models import Unit

from ..models import Task, WorkProgramme
from ..status import today
from .meetings import tasks_of


def programme_list(
    *,
    user,
    unit: Unit | None = None,
    subtree_of: Unit | None = None,
    year: int | None = None,
    status: str | None = None,
) -> QuerySet[WorkProgramme]:
    """Programmes `user` may see (newest year first), with their number of tasks."""
    qs = visible_to(user, WorkProgramme).select_related("unit", "approved_by").annotate(
        task_count=Count("tasks", filter=Q(tasks__parent__isnull=True), distinct=True)
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if subtree_of is not None:
        qs = qs.filter(unit__path__startswith=subtree_of.path)
    if year:
        qs = qs.filter(year=int(year))
    if status:
        if status not in WorkProgramme.Status.values:
            raise DomainError(
                _("Trạng thái phải là một trong: %(v)s.") % {"v": ", ".join(WorkProgramme.Status.values)},
                field="status",
            )
        qs = qs.filter(status=status)
    return qs.order_by("-year", "unit__path")


def programme_years(*, user) -> list[int]:
    years = set(visible_to(user, WorkProgramme).values_list("year", flat=True))
    this = today().year
    return sorted(years | {this, this + 1}, reverse=True)


def programme_get(*, user, programme_id) -> WorkProgramme:
    """One programme `user` may see, or NotFound."""
    try:
        pk = int(programme_id)
    except (TypeError, ValueError):
        pk = None
    found = (
        visible_to(user, WorkProgramme).select_related("unit__kind", "approved_by", "created_by")
        .filter(pk=pk).first() if pk is not None else None
    )
    if found is None:
        raise NotFound(_("Không tìm thấy chương trình công tác."), field="programme_id")
    return found


def programme_tasks(*, user, programme: WorkProgramme) -> list[Task]:
    """The programme's tasks `user` may see, each with its status (see meetings.tasks_of)."""
    return tasks_of(user=user, filter_q=Q(programme=programme))


def programme_permissions(*, user, programme: WorkProgramme) -> dict:
    draft = programme.status == WorkProgramme.Status.DRAFT
    return {
        "can_change": draft and can(user, "change", programme),
        "can_approve": draft and can(user, "approve", programme),
        "can_add_tasks": can(user, "add", programme),
        "is_approved": not draft,
    }


def units_for_programme(*, user) -> QuerySet[Unit]:
    """Active units `user` may draw a programme up for (`add`)."""
    return visible_to(user, Unit.objects.filter(is_active=True), "add").select_related("kind").order_by("path")
