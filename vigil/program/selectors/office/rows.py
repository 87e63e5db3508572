"""The rows of an office table (units under a unit, or named ones) and the per-row
aggregation (one GROUP BY on the lead unit, optionally rolled up by subtree)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core.access import allowed, home_unit_id, visible_to
from vigil.core.errors import DomainError
from vigil.org.models import Unit, UnitKind
from vigil.org.selectors.units import subtree_q

from .base import _authenticated, _tasks


def home_unit(user) -> Unit | None:
    """The unit a user's views start from: the root of the tree for the office and the
    standing agency (network-wide), otherwise the highest unit of their memberships."""
    if not _authenticated(user):
        return None
    units = visible_to(user, Unit).select_related("kind", "parent")
    if allowed(user, "view", None):
        return units.filter(parent__isnull=True).order_by("path").first()
    pk = home_unit_id(user)
    return None if pk is None else units.filter(pk=pk).first()


def row_units(
    user, *, under: Unit | None = None, units: Iterable[Unit] | None = None, unit_kind: str | None = None
) -> tuple[Unit | None, list[Unit]]:
    """The units a table has as rows: `units` (those the user may see), or else the
    active children of `under` (default: the user's home unit) the user may see,
    optionally of one kind. Returns (under, rows)."""
    if unit_kind and not visible_to(user, UnitKind).filter(code=unit_kind).exists():
        raise DomainError(_("Không có loại đơn vị %(k)s.") % {"k": unit_kind}, field="unit_kind")
    if units is not None:
        qs = visible_to(user, Unit.objects.filter(pk__in=[u.pk for u in units]))
    else:
        under = under or home_unit(user)
        if under is None:
            return None, []
        qs = visible_to(user, Unit.objects.filter(parent=under, is_active=True))
    if unit_kind:
        qs = qs.filter(kind__code=unit_kind)
    rows = list(qs.select_related("kind").order_by("kind__sort_order", "admin_code", "path"))
    return under, rows


def _grouped(user, qs: QuerySet, rows: list[Unit], rollup: bool, keys: tuple = (), **aggregates) -> dict:
    """Aggregate `qs` per row unit (and per `keys`) in one GROUP BY on the lead unit,
    with no join: {(row id, *keys): {aggregate: value}}. With `rollup` a row counts the
    tasks led anywhere in its subtree: the lead units found are mapped to their row by
    their materialised paths (one more query, on units)."""
    out: dict = {}
    if not rows:
        return out
    if rollup:
        cond = Q()
        for u in rows:
            cond |= subtree_q(u.path)
        under_rows = Unit.objects.filter(cond)
        scoped = _tasks(
            user, qs.filter(lead_unit_id__in=under_rows.values("pk")), anchored_in=[(u, True) for u in rows]
        )
    else:
        scoped = _tasks(user, qs.filter(lead_unit_id__in=[u.pk for u in rows]), anchored_in=[(u, False) for u in rows])
    found = list(scoped.order_by().values("lead_unit_id", *keys).annotate(**aggregates))
    if rollup:
        by_path = {u.path: u.pk for u in rows}
        lengths = sorted({len(u.path) for u in rows}, reverse=True)
        row_of = {}
        for pk, path in under_rows.values_list("pk", "path"):
            row_of[pk] = next((by_path[path[:n]] for n in lengths if path[:n] in by_path), None)
    else:
        row_of = None
    for r in found:
        lead = r.pop("lead_unit_id")
        row = row_of.get(lead) if row_of is not None else lead
        if row is None:
            continue
        key = (row, *(r.pop(k) for k in keys))
        if key in out:
            for name, value in r.items():
                out[key][name] = _combine(name, out[key][name], value)
        else:
            out[key] = r
    return out


def _combine(name: str, a, b):
    """Merge two aggregates of the same row: counts add up, dates keep the oldest."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dt.date):
        return min(a, b)
    return a + b
