"""Choices for the filters of the office views (units, unit kinds, meetings)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from vigil.core.access import visible_to
from vigil.org.models import Unit, UnitKind

from ...models import Meeting, Task


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
