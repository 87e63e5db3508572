"""Who answers for a unit: the people notifications about the unit's work go to.

Provided to the kernel's notifications through the organisation directory
(`core.directory.recipients_for_units`, registered in `OrgConfig.ready()`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from vigil.core import access
from vigil.core.models import User

from ..models import Membership

# A unit answers through its head, deputy heads and focal points (secretaries); a unit
# with none of those on an account answers through its own staff who may act on its work.
DEPUTY_ROLE_CODES = ("deputy_head",)


def recipients_for_units(unit_ids: Iterable[int], *, on=None) -> dict[int, list[User]]:
    """For each unit id: the active accounts of the people who answer for that unit —
    its head, deputy heads and focal points (direct memberships, active on `on`), or,
    when it has none, its direct members whose role grants `change`. Platform
    authority: used by jobs to decide who is told, never to show data."""
    ids = {int(u) for u in unit_ids if u is not None}
    if not ids:
        return {}
    rows = (
        Membership.objects.active(on or timezone.localdate())
        .filter(unit_id__in=ids, person__is_active=True, person__user__isnull=False,
                person__user__is_active=True)
        .select_related("role", "person__user")
        .order_by("unit_id", "role__sort_order", "person__full_name")
    )
    leaders: dict[int, list[User]] = {}
    actors: dict[int, list[User]] = {}
    for m in rows:
        user = m.person.user
        role = m.role
        if role.is_head or role.is_focal_point or role.code in DEPUTY_ROLE_CODES:
            bucket = leaders.setdefault(m.unit_id, [])
        elif access.role_grants(role, "change"):
            bucket = actors.setdefault(m.unit_id, [])
        else:
            continue
        if all(u.pk != user.pk for u in bucket):
            bucket.append(user)
    return {uid: leaders.get(uid) or actors.get(uid, []) for uid in ids}
