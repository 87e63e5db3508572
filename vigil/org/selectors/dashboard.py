"""What the home page shows a user from the organisation: their units, how far their scope
reaches, and the completeness of the bodies in it (the panels `OrgConfig` registers with
`core.dashboard`)."""

from functools import reduce
from operator import or_

from django.db.models import Q

from vigil.core.access import allowed, units_in_scope, visible_to

from ..models import Unit
from .memberships import my_memberships


def dashboard_memberships(*, user) -> dict:
    """The user's own active memberships."""
    return {"memberships": list(my_memberships(user=user))}


def dashboard_scope(*, user) -> dict:
    """How many active units the user's scope reaches, and whether it is network-wide."""
    units = visible_to(user, Unit.objects.filter(is_active=True))
    return {
        "units_in_scope": units_in_scope(user, units).count(),
        "network_wide": allowed(user, "view", None),
    }


def dashboard_completeness(*, user) -> dict:
    """Complete and incomplete bodies in the user's scope, and the target date."""
    from .completeness import summary_for

    return {"completeness": summary_for(user)}


# --------------------------------------------------------------------------- the home page's work queue

HOME_ITEMS = 8


def home_decisions(*, user, limit: int = HOME_ITEMS) -> dict | None:
    """Decisions addressed to the user's units (the body they complete is one of the units
    the user is a member of, or a unit under it) still in draft: to be applied
    (`MembershipDecision.status`), oldest signing date first. None when there is none.
    Two queries. A TLP:RED decision
    is named by kind and id only (`neutral_name`), so that listing it here shows nothing
    that its own page would have to audit."""
    from django.urls import reverse

    from vigil.core.access import member_units, neutral_name
    from vigil.core.dashboard import counted
    from vigil.core.models import TLP

    from ..models import MembershipDecision

    ids = sorted(member_units(user))
    if not ids:
        return None
    paths = list(Unit.objects.filter(pk__in=ids).values_list("path", flat=True))
    under_mine = reduce(or_, (Q(owner_unit__path__startswith=p) for p in paths), Q(pk__in=[]))
    qs = visible_to(user, MembershipDecision).filter(under_mine, status=MembershipDecision.Status.DRAFT)
    rows = list(qs.annotate(n=counted()).select_related("owner_unit").order_by("date", "id")[:limit])
    if not rows:
        return None
    count = rows[0].n
    for d in rows:
        d.red = d.tlp == TLP.RED
        d.label = neutral_name(MembershipDecision, d.pk) if d.red else f"{d.number} — {d.title}"
        d.url = reverse("org:decision_detail", args=[d.pk])
    return {"decisions": rows, "count": count, "more": max(count - len(rows), 0),
            "url": reverse("org:decision_list") + "?status=draft"}


def home_memberships(*, user) -> dict | None:
    """The user's own active memberships, for the side column; None without any."""
    rows = list(my_memberships(user=user))
    return {"memberships": rows} if rows else None


def home_completeness(*, user) -> dict | None:
    """Completeness of the bodies in the user's scope (`completeness.summary_for`) for the
    side column, for those without a network-wide scope (the network band shows it to the
    others); None when no body is in scope."""
    from .completeness import summary_for

    if allowed(user, "view", None):
        return None
    summary = summary_for(user)
    return {"completeness": summary} if summary["total"] else None


def network_completeness(*, user) -> dict | None:
    """For whoever holds a network-wide scope (the committee office, the standing agency):
    the completeness of every body in the network against the target date, month by month
    (`completeness.completeness_progress`). None for anyone else, or when no unit needs a body."""
    from .completeness import completeness_progress, completeness_progress_chart

    if not allowed(user, "view", None):
        return None
    progress = completeness_progress(user=user)
    if not progress.total:
        return None
    summary = {
        "total": progress.total, "complete": progress.complete, "incomplete": progress.remaining,
        "target_date": progress.target_date, "on": progress.on,
        "target_passed": bool(progress.target_date and progress.target_date < progress.on),
        "percent": round(100 * progress.complete / progress.total),
    }
    return {"completeness": summary, "progress": progress, "progress_chart": completeness_progress_chart(progress)}
