"""Reads of people, always through the access layer."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core.access import visible_to
from vigil.core.errors import NotFound

from ..models import Membership, Person, Role, Unit


def person_list(
    *,
    user,
    q: str | None = None,
    unit: Unit | None = None,
    role: Role | str | None = None,
    active: bool | None = None,
    on=None,
    subtree: bool = True,
) -> QuerySet[Person]:
    """People `user` may see. `q` searches name, position, e-mail and phone; `unit`
    keeps people whose home unit or an ongoing membership lies in that unit's subtree
    (in that unit only with `subtree=False`);
    `role` keeps people holding that role now (or `on` a date); `active` filters on
    whether the person is still in post."""
    qs = visible_to(user, Person).select_related("home_unit", "user")
    if q:
        for word in q.split():
            qs = qs.filter(
                Q(full_name__icontains=word) | Q(position__icontains=word)
                | Q(email__icontains=word) | Q(phone__icontains=word)
            )
    if unit is not None:
        where = {"path__startswith": unit.path} if subtree else {"pk": unit.pk}
        in_unit = Membership.objects.active(on).filter(
            person=OuterRef("pk"), **{f"unit__{k}": v for k, v in where.items()}
        )
        qs = qs.filter(Q(**{f"home_unit__{k}": v for k, v in where.items()}) | Exists(in_unit))
    if role is not None:
        role_q = Q(role=role) if isinstance(role, Role) else Q(role__code=role)
        qs = qs.filter(Exists(Membership.objects.active(on).filter(role_q, person=OuterRef("pk"))))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("full_name", "pk")


def person_get(*, user, person_id) -> Person:
    """One person `user` may see, or NotFound."""
    person = (
        visible_to(user, Person).select_related("home_unit__kind", "user").filter(pk=person_id).first()
        if str(person_id).isdigit()
        else None
    )
    if person is None:
        raise NotFound(_("Không tìm thấy cán bộ."))
    return person


def person_memberships(*, user, person: Person) -> QuerySet[Membership]:
    """The person's membership history (ongoing and ended) in the units `user` may see."""
    return (
        visible_to(user, Membership.objects.filter(person=person))
        .select_related("unit__kind", "role", "decision", "ended_by")
        .order_by("-since", "unit__path", "role__sort_order")
    )


def with_current_memberships(qs: QuerySet[Person], *, user, on=None) -> QuerySet[Person]:
    """Prefetch each person's ongoing memberships (visible to `user`) as `current_memberships`."""
    current = visible_to(user, Membership.objects.active(on)).select_related("unit", "role")
    return qs.prefetch_related(
        Prefetch("memberships", queryset=current.order_by("role__sort_order"), to_attr="current_memberships")
    )


def unit_ref(*, user, ref, field: str = "unit_id", active_only: bool = False) -> Unit:
    """A unit `user` may see, by id or code; NotFound naming `field` otherwise."""
    value = str(ref if ref is not None else "").strip()
    qs = visible_to(user, Unit).select_related("kind")
    if active_only:
        qs = qs.filter(is_active=True)
    found = (qs.filter(pk=value).first() if value.isdigit() else None) or qs.filter(code=value).first()
    if found is None:
        raise NotFound(_("Không tìm thấy đơn vị %(u)s.") % {"u": value}, field=field)
    return found


def units_where(*, user, action: str) -> QuerySet[Unit]:
    """Active units on which `user` may perform `action` (for choice lists)."""
    return visible_to(user, Unit.objects.filter(is_active=True), action).select_related("kind").order_by("path")


def account_for_link(*, user, username: str | None):
    """The login account named `username`, for linking to a person. Only a network-wide
    administrator may link accounts, so only they learn whether a name exists."""
    from django.contrib.auth import get_user_model

    from vigil.core.access import require_network
    from vigil.core.errors import DomainError

    require_network(user, "admin")
    if not username:
        return None
    account = get_user_model().objects.filter(username=username.strip()).first()
    if account is None:
        raise DomainError(_("Không có tài khoản tên %(u)s.") % {"u": username}, field="username")
    return account
