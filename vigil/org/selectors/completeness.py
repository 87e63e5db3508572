"""Completeness of unit bodies ("tình trạng kiện toàn"), computed in SQL.

A unit whose kind `requires_body` is complete on a date when, on that date, it has
- a head (an ongoing membership in a role with `is_head`),
- a focal point (a role with `is_focal_point`),
- at least `kind.min_members` distinct people in roles that `counts_as_member`,
- an applied decision in force (`effective_date` on or before the date).
People no longer in post (`Person.is_active` false) do not count.

Every unit's status comes from one query (correlated EXISTS / COUNT subqueries), so a
page of a hundred units with thousands of memberships costs the same few queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.access import allowed, units_in_scope, visible_to

from ..models import CompletenessTarget, Membership, MembershipDecision, Unit

REASONS = ("no_head", "no_focal_point", "too_few_members", "no_decision")


@dataclass
class UnitCompleteness:
    """One unit's status on a date, with what it lacks."""

    unit: Unit
    on: dt.date
    has_head: bool
    has_focal_point: bool
    members: int
    min_members: int
    has_decision: bool
    last_decision_date: dt.date | None = None
    missing_codes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing_codes

    @property
    def missing(self) -> list[str]:
        """What is missing, in the user's language."""
        texts = {
            "no_head": _("Chưa có trưởng ban"),
            "no_focal_point": _("Chưa có đầu mối"),
            "too_few_members": ngettext("%(n)s/%(m)s thành viên", "%(n)s/%(m)s thành viên", self.min_members)
            % {"n": self.members, "m": self.min_members},
            "no_decision": _("Chưa có quyết định kiện toàn có hiệu lực"),
        }
        return [str(texts[c]) for c in self.missing_codes]


def _active(on: dt.date):
    return Membership.objects.filter(
        unit=OuterRef("pk"), since__lte=on, person__is_active=True
    ).filter(Q(until__isnull=True) | Q(until__gt=on))


def annotate_completeness(units: QuerySet[Unit], on: dt.date) -> QuerySet[Unit]:
    """Add c_head, c_focal, c_members, c_decision, c_last_decision and c_complete."""
    members = (
        _active(on).filter(role__counts_as_member=True).order_by().values("unit")
        .annotate(n=Count("person", distinct=True)).values("n")[:1]
    )
    decisions = MembershipDecision.objects.filter(
        owner_unit=OuterRef("pk"), status=MembershipDecision.Status.APPLIED, effective_date__lte=on
    )
    return units.annotate(
        c_head=Exists(_active(on).filter(role__is_head=True)),
        c_focal=Exists(_active(on).filter(role__is_focal_point=True)),
        c_members=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)),
        c_decision=Exists(decisions),
        c_last_decision=Subquery(decisions.order_by("-effective_date").values("effective_date")[:1]),
    )


def _incomplete_q() -> Q:
    return (
        Q(c_head=False) | Q(c_focal=False) | Q(c_members__lt=F("kind__min_members")) | Q(c_decision=False)
    )


def _status(unit: Unit, on: dt.date) -> UnitCompleteness:
    missing = []
    if not unit.c_head:
        missing.append("no_head")
    if not unit.c_focal:
        missing.append("no_focal_point")
    if unit.c_members < unit.kind.min_members:
        missing.append("too_few_members")
    if not unit.c_decision:
        missing.append("no_decision")
    return UnitCompleteness(
        unit=unit, on=on, has_head=unit.c_head, has_focal_point=unit.c_focal, members=unit.c_members,
        min_members=unit.kind.min_members, has_decision=unit.c_decision,
        last_decision_date=unit.c_last_decision, missing_codes=missing,
    )


def units_requiring_body(*, user, subtree_of: Unit | None = None) -> QuerySet[Unit]:
    """Active units with a body to complete, within `user`'s scope (the office: all)."""
    qs = units_in_scope(user, visible_to(user, Unit.objects.filter(is_active=True, kind__requires_body=True)))
    if subtree_of is not None:
        qs = qs.filter(path__startswith=subtree_of.path)
    return qs.select_related("kind", "parent")


def completeness_list(
    *,
    user,
    on: dt.date | None = None,
    subtree_of: Unit | None = None,
    incomplete_only: bool = False,
) -> list[UnitCompleteness]:
    """The status of every unit with a body in `user`'s scope, on `on` (today by default)."""
    on = on or timezone.localdate()
    qs = annotate_completeness(units_requiring_body(user=user, subtree_of=subtree_of), on)
    if incomplete_only:
        qs = qs.filter(_incomplete_q())
    return [_status(u, on) for u in qs.order_by("path")]


def completeness_for_unit(*, user, unit: Unit, on: dt.date | None = None) -> UnitCompleteness | None:
    """One unit's status (None when its kind has no body to complete or it is out of scope)."""
    if not unit.kind.requires_body:
        return None
    on = on or timezone.localdate()
    found = annotate_completeness(units_requiring_body(user=user).filter(pk=unit.pk), on).first()
    return _status(found, on) if found is not None else None


def current_target(*, user) -> CompletenessTarget | None:
    """The latest completeness target date (every member may read it)."""
    qs = visible_to(user, CompletenessTarget)
    return qs.select_related("set_by").order_by("-set_at", "-id").first()


def target_history(*, user, limit: int = 10) -> list[CompletenessTarget]:
    return list(visible_to(user, CompletenessTarget).select_related("set_by").order_by("-set_at", "-id")[:limit])


def can_set_target(user) -> bool:
    return allowed(user, "approve", None)


def summary_for(user, on: dt.date | None = None) -> dict:
    """Counts for the dashboard: units with a body in scope, how many complete and
    incomplete today, the target date and whether it has passed."""
    on = on or timezone.localdate()
    empty = {"total": 0, "complete": 0, "incomplete": 0, "target_date": None,
             "target_passed": False, "on": on}
    if not getattr(user, "is_authenticated", False):
        return empty
    qs = annotate_completeness(units_requiring_body(user=user), on)
    total = qs.count()
    incomplete = qs.filter(_incomplete_q()).count() if total else 0
    target = current_target(user=user)
    return {
        "total": total,
        "complete": total - incomplete,
        "incomplete": incomplete,
        "target_date": target.target_date if target else None,
        "target_passed": bool(target and target.target_date < on),
        "on": on,
    }


def completeness_chart(rows: list[UnitCompleteness]) -> dict:
    """Complete and incomplete units per kind of unit (stacked bars), kinds in the order
    they first come in `rows` (the tree's order); `rows` of the result: [kind, complete,
    incomplete] for the table beside the chart."""
    from vigil.core.selectors.charts import chart, dataset

    kinds: dict[int, list] = {}
    for r in rows:
        entry = kinds.setdefault(r.unit.kind_id, [str(r.unit.kind.display_name), 0, 0])
        entry[1 if r.complete else 2] += 1
    values = list(kinds.values())
    return chart(
        [k[0] for k in values],
        [dataset(_("Đã kiện toàn"), [k[1] for k in values], "success"),
         dataset(_("Chưa kiện toàn"), [k[2] for k in values], "warning")],
        stacked=True, title=_("Số đơn vị"), rows=values,
    )


@dataclass
class CompletenessProgress:
    """How the bodies in a scope came to be complete, against the target date: the count
    complete on the first day of each of the last months and on `on`, out of `total`; what
    remains to complete by the target date and the pace that takes."""

    on: dt.date
    total: int
    points: list[tuple[dt.date, int]]
    target_date: dt.date | None

    @property
    def complete(self) -> int:
        return self.points[-1][1] if self.points else 0

    @property
    def remaining(self) -> int:
        return self.total - self.complete

    @property
    def months_left(self) -> int | None:
        """Whole months (at least one) from `on` to the target date; None when it has passed."""
        if self.target_date is None or self.target_date < self.on:
            return None
        return max(1, (self.target_date - self.on).days // 30)  # fewer months: a pace that does not fall short

    @property
    def per_month(self) -> int | None:
        """Units to complete each month to meet the target date (rounded up)."""
        months = self.months_left
        if months is None or not self.remaining:
            return None
        return -(-self.remaining // months)

    @property
    def target_missed(self) -> bool:
        return bool(self.target_date and self.target_date < self.on and self.remaining)


def _month_starts(on: dt.date, months: int) -> list[dt.date]:
    out = []
    year, month = on.year, on.month
    for _i in range(months):
        out.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [d for d in reversed(out) if d < on]


def completeness_progress(
    *, user, on: dt.date | None = None, subtree_of: Unit | None = None, months: int = 6
) -> CompletenessProgress:
    """The bodies complete on the first of each of the last `months` months and on `on`
    (today), against the current target date. One count per date (`months` + 2 queries,
    however many units)."""
    on = on or timezone.localdate()
    base = units_requiring_body(user=user, subtree_of=subtree_of)
    total = base.count()
    points = []
    if total:
        for day in [*_month_starts(on, months - 1), on]:
            points.append((day, annotate_completeness(base, day).exclude(_incomplete_q()).count()))
    target = current_target(user=user)
    return CompletenessProgress(on=on, total=total, points=points, target_date=target.target_date if target else None)


def completeness_progress_chart(progress: CompletenessProgress) -> dict:
    """A line of units complete by date, and a dashed line from today's count to every
    unit at the target date (the pace needed; a single point when the date has passed).
    The value axis tops at the number of units. `rows` for the table: [date, complete,
    total, percent]."""
    from vigil.core.notify.text import render_value
    from vigil.core.selectors.charts import chart, dataset

    dates = [d for d, _n in progress.points]
    target = progress.target_date
    if target is not None and target not in dates:
        dates = sorted([*dates, target])
    done = dict(progress.points)
    actual = [done.get(d) for d in dates]
    goal: list[int | None] = [None] * len(dates)
    if target is not None:
        goal[dates.index(target)] = progress.total
        if target > progress.on and progress.on in dates:
            goal[dates.index(progress.on)] = progress.complete
    total = progress.total
    rows = [[render_value(d), n, total, round(100 * n / total) if total else 0]
            for d, n in progress.points]
    return chart(
        [render_value(d) for d in dates],
        [dataset(_("Đã kiện toàn"), actual, "success"),
         dataset(_("Mục tiêu: tất cả đơn vị kiện toàn tại hạn"), goal, "danger", dash=True)],
        max=total, title=_("Số đơn vị"), rows=rows,
    )
