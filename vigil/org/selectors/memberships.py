"""Reads of memberships, always through the access layer."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core.access import visible_to
from vigil.core.errors import NotFound
from vigil.core.refs import is_pk

from ..models import Membership, Role, Unit


def my_memberships(*, user, on=None):
    """The user's own active memberships (a user always sees their own)."""
    return (
        visible_to(user, Membership.objects.active(on))
        .filter(person__user=user)
        .select_related("unit__kind", "role")
        .order_by("unit__path", "role__sort_order")
    )


def holds_role_requiring_2fa(user, *, on=None) -> bool:
    """Whether the user holds an active membership in a role marked as requiring a second
    factor (the kernel's 2FA policy asks this through `core.directory`)."""
    if not getattr(user, "pk", None):
        return False
    return Membership.objects.active(on).filter(person__user=user, role__requires_2fa=True).exists()


def membership_list(
    *,
    user,
    unit: Unit | None = None,
    subtree_of: Unit | None = None,
    person_id: int | None = None,
    role: Role | str | None = None,
    active: bool | None = None,
    on: dt.date | None = None,
) -> QuerySet[Membership]:
    """Memberships `user` may see, filtered. `active=True` keeps those ongoing on `on`
    (today by default), `active=False` those not ongoing; `on` alone means active on it."""
    qs = visible_to(user, Membership).select_related(
        "person", "unit__kind", "role", "decision", "ended_by"
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if subtree_of is not None:
        qs = qs.filter(unit__path__startswith=subtree_of.path)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if role is not None:
        qs = qs.filter(role=role) if isinstance(role, Role) else qs.filter(role__code=role)
    if active is None and on is not None:
        active = True
    if active is not None:
        day = on or timezone.localdate()
        ongoing = Q(since__lte=day) & (Q(until__isnull=True) | Q(until__gt=day))
        qs = qs.filter(ongoing) if active else qs.exclude(ongoing)
    return qs.order_by("unit__path", "role__sort_order", "person__full_name", "-since", "pk")


def membership_get(*, user, membership_id) -> Membership:
    """One membership `user` may see, or NotFound."""
    found = (
        visible_to(user, Membership).select_related("person__user", "unit__kind", "role").filter(pk=membership_id).first()
        if is_pk(membership_id)
        else None
    )
    if found is None:
        raise NotFound(_("Không tìm thấy thành viên."))
    return found


def unit_members(*, user, unit: Unit, include_ended: bool = False) -> QuerySet[Membership]:
    """The members of one unit's body (ongoing first; ended ones when asked)."""
    qs = membership_list(user=user, unit=unit, active=None if include_ended else True)
    return qs.order_by("role__sort_order", "person__full_name", "-since")


def role_list(*, user) -> QuerySet[Role]:
    """The roles (reference data every member reads)."""
    return visible_to(user, Role).order_by("sort_order", "code")


def role_by_code(*, user, code, field: str = "role") -> Role:
    """A role by its code (or id); DomainError naming `field` when there is none."""
    from vigil.core.errors import DomainError

    value = str(code or "").strip()
    qs = role_list(user=user)
    found = qs.filter(code=value).first() or (qs.filter(pk=value).first() if is_pk(value) else None)
    if found is None:
        raise DomainError(_("Vai trò không tồn tại: %(c)s") % {"c": value}, field=field)
    return found
