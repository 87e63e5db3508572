"""Reads of the unit tree. Every function starts from `core.access.visible_to(user, …)`:
a user sees the units in their scope and the ancestors of those (so the tree has its root);
the committee office and the standing agency see the whole tree.

Subtree queries use the materialised path (`path LIKE 'p%'`), one indexed query whatever
the depth (PostgreSQL: the varchar_pattern_ops index of migration org/0002).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core.access import visible_to
from vigil.core.errors import DomainError, NotFound

from ..models import ConstituencyEntry, Membership, Sector, Unit, UnitKind

WORD_RE = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics, for searching: "Đà Nẵng" -> "da nang"."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def subtree_q(path: str, prefix: str = "") -> Q:
    """Units at or under `path` (through `prefix`, e.g. 'unit__'): `path LIKE 'p%'`.

    PostgreSQL answers the LIKE from the varchar_pattern_ops index. SQLite's LIKE is
    case-insensitive and cannot use the plain index, so there the same set is also bounded
    as a range, [p, p with its final '.' replaced by '/'), which the index answers; paths
    are digits and dots, so under SQLite's byte-wise collation the range is exactly the
    prefix. (Not on PostgreSQL: a locale collation may not order '.' and '/' byte-wise.)"""
    q = Q(**{f"{prefix}path__startswith": path})
    if connection.vendor == "sqlite" and path.endswith("."):
        q &= Q(**{f"{prefix}path__gte": path, f"{prefix}path__lt": path[:-1] + "/"})
    return q


def _search_ids(qs: QuerySet, q: str) -> list[int]:
    """Ids of the units of `qs` where every word of `q` starts a word of the code, name,
    English name, short name or administrative code, ignoring case and diacritics
    ("so tai chinh" finds "Sở Tài chính"; "a" finds "Tỉnh A", not "Tài"). Done in Python
    on five short columns: the tree holds hundreds to a few thousand units, and no
    portable SQL folds Vietnamese."""
    words = WORD_RE.findall(fold(q))
    if not words:
        return list(qs.values_list("pk", flat=True))
    found = []
    for pk, *texts in qs.values_list("pk", "code", "name", "name_en", "short_name", "admin_code"):
        tokens = WORD_RE.findall(fold(" ".join(t or "" for t in texts)))
        if all(any(t.startswith(w) for t in tokens) for w in words):
            found.append(pk)
    return found


# --------------------------------------------------------------------------- single units


def unit_get(*, user, unit_id: int | None = None, code: str | None = None) -> Unit:
    """One unit the user may see (by id or code); NotFound otherwise, whether it exists or not."""
    qs = visible_to(user, Unit).select_related("kind", "parent")
    if unit_id is not None:
        unit = qs.filter(pk=unit_id).first()
    elif code:
        unit = qs.filter(code=code).first()
    else:
        unit = None
    if unit is None:
        raise NotFound()
    return unit


def unit_ancestors(*, user, unit: Unit) -> list[Unit]:
    """The unit's ancestors the user may see, root first (one query)."""
    ids = unit.ancestor_ids()
    if not ids:
        return []
    return list(visible_to(user, Unit.objects.filter(pk__in=ids)).select_related("kind").order_by("depth"))


def unit_children(*, user, unit: Unit) -> QuerySet:
    """The unit's direct children the user may see."""
    return (
        visible_to(user, Unit.objects.filter(parent=unit))
        .select_related("kind")
        .order_by("kind__sort_order", "admin_code", "path")
    )


def unit_subtree(*, user, unit: Unit, include_self: bool = True) -> QuerySet:
    """The unit and all its descendants the user may see: one query on the path prefix."""
    qs = visible_to(user, Unit).filter(subtree_q(unit.path)).select_related("kind")
    if not include_self:
        qs = qs.exclude(pk=unit.pk)
    return qs.order_by("path")


# --------------------------------------------------------------------------- lists


def unit_list(
    *,
    user,
    kind: str | None = None,
    parent_id: int | None = None,
    subtree_of: int | None = None,
    q: str | None = None,
    is_active: bool | None = None,
) -> QuerySet:
    """Units the user may see, filtered. `subtree_of` and `parent_id` must themselves be
    visible (NotFound otherwise); `q` matches code and names ignoring diacritics."""
    qs = visible_to(user, Unit).select_related("kind", "parent")
    if kind:
        qs = qs.filter(kind__code=kind)
    if parent_id is not None:
        qs = qs.filter(parent=unit_get(user=user, unit_id=parent_id))
    if subtree_of is not None:
        qs = qs.filter(subtree_q(unit_get(user=user, unit_id=subtree_of).path))
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if q and q.strip():
        qs = qs.filter(pk__in=_search_ids(qs, q))
    return qs.order_by("path")


def units_where(*, user, action: str) -> QuerySet:
    """Units on which the user may perform `action` (e.g. the parents they may add under)."""
    return visible_to(user, Unit, action).filter(is_active=True).select_related("kind").order_by("path")


def unit_kinds(*, user) -> QuerySet:
    """The kinds of unit (reference data every member reads)."""
    return visible_to(user, UnitKind).order_by("sort_order", "code")


def sectors(*, active_only: bool = True) -> QuerySet:
    """The sectors (reference data every member reads), in the list's order; with
    `active_only` only those still offered."""
    qs = Sector.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def sector_choices(blank: str | None = None) -> list[tuple[str, str]]:
    """(code, name in the reader's language) of the sectors offered, for a select."""
    rows = [(s.code, s.display_name) for s in sectors()]
    return ([("", blank)] if blank is not None else []) + rows


def check_sector(code, *, field: str = "sector", current: str = "") -> str:
    """A sector code from outside (a form, the API, a command): blank, a sector offered, or
    the value the object already holds (a sector since retired stays until changed);
    DomainError naming `field` otherwise."""
    value = (code or "").strip()
    if not value or value == current or sectors().filter(code=value).exists():
        return value
    raise DomainError(
        _("Lĩnh vực không có trong danh mục: %(v)s. Chọn một mã trong danh mục lĩnh vực.") % {"v": value[:64]},
        field=field, code="unknown-sector")


# --------------------------------------------------------------------------- the tree


@dataclass
class TreeNode:
    unit: Unit
    children: list[TreeNode] = field(default_factory=list)
    matched: bool = True
    subtree_count: int = 1
    members: int = 0
    constituency: int = 0


@dataclass
class UnitTree:
    roots: list[TreeNode]
    shown: int
    matched: int
    total: int
    by_kind: list[tuple[UnitKind, int]]
    filtered: bool


def unit_tree(*, user, q: str | None = None, kind: str | None = None, include_inactive: bool = False) -> UnitTree:
    """The tree of units the user may see. With a search or a kind filter, the matching
    units are shown with their ancestors (for context, marked not matched). Counts of
    members and constituency entries come from two grouped queries (no N+1)."""
    qs = visible_to(user, Unit).select_related("kind")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    units = list(qs.order_by("path"))
    total = len(units)
    by_code: dict[str, int] = {}
    kinds: dict[str, UnitKind] = {}
    for u in units:
        by_code[u.kind.code] = by_code.get(u.kind.code, 0) + 1
        kinds[u.kind.code] = u.kind
    by_kind = sorted(((kinds[c], n) for c, n in by_code.items()), key=lambda kn: kn[0].sort_order)

    filtered = bool((q and q.strip()) or kind)
    matched_ids = {u.pk for u in units}
    if q and q.strip():
        matched_ids &= set(_search_ids(qs, q))
    if kind:
        matched_ids &= {u.pk for u in units if u.kind.code == kind}
    shown_ids = set(matched_ids)
    if filtered:
        for u in units:
            if u.pk in matched_ids:
                shown_ids.update(u.ancestor_ids())

    ids = [u.pk for u in units if u.pk in shown_ids]
    members = dict(
        visible_to(user, Membership.objects.active().filter(unit_id__in=ids))
        .values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )
    entries = dict(
        visible_to(user, ConstituencyEntry.objects.filter(unit_id__in=ids))
        .values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )

    nodes: dict[int, TreeNode] = {}
    roots: list[TreeNode] = []
    for u in units:  # ordered by path: a parent always comes before its children
        if u.pk not in shown_ids:
            continue
        node = TreeNode(
            unit=u, matched=u.pk in matched_ids,
            members=members.get(u.pk, 0), constituency=entries.get(u.pk, 0),
        )
        nodes[u.pk] = node
        parent = nodes.get(u.parent_id) if u.parent_id else None
        (parent.children if parent else roots).append(node)

    def finish(node: TreeNode) -> int:
        node.children.sort(key=lambda n: (n.unit.kind.sort_order, n.unit.admin_code or "~", n.unit.path))
        node.subtree_count = 1 + sum(finish(c) for c in node.children)
        return node.subtree_count

    for root in roots:
        finish(root)
    return UnitTree(
        roots=roots, shown=len(nodes), matched=len(matched_ids), total=total,
        by_kind=by_kind, filtered=filtered,
    )


def unit_stats(*, user, unit: Unit) -> dict:
    """Counts for a unit's page: visible children, descendants, active members, entries."""
    return {
        "children": visible_to(user, Unit.objects.filter(parent=unit)).count(),
        "descendants": unit_subtree(user=user, unit=unit, include_self=False).count(),
        "members": visible_to(user, Membership.objects.active().filter(unit=unit)).count(),
        "constituency": visible_to(user, ConstituencyEntry.objects.filter(unit=unit)).count(),
    }


MAX_LITERAL_UNITS = 2000


def unit_ids_in(unit: Unit, subtree: bool):
    """The ids of `unit` (and, with `subtree`, its descendants), for `…_id__in` filters on
    other tables: a literal list (the planner then combines those tables' indexes on the
    unit column), or a subquery for a subtree of more than MAX_LITERAL_UNITS units."""
    if not subtree:
        return [unit.pk]
    qs = Unit.objects.filter(subtree_q(unit.path))
    ids = list(qs.values_list("pk", flat=True)[: MAX_LITERAL_UNITS + 1])
    return ids if len(ids) <= MAX_LITERAL_UNITS else qs.values("pk")
