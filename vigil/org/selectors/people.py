"""Reads of people, always through the access layer."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core import access
from vigil.core.access import visible_to
from vigil.core.actors import Actor
from vigil.core.errors import DomainError, NotFound
from vigil.core.refs import is_pk

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
        if is_pk(person_id)
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


# --------------------------------------------------------------------------- recipients


def recipient_candidates(*, user) -> QuerySet:
    """The active accounts `user` may name as TLP:RED recipients: people they may see
    (`visible_to`), plus the people of the units above their own and of the units that
    oversee the network (where reports go up). `user` may be an Actor: the platform
    actor names every active account."""
    from django.contrib.auth import get_user_model

    users = get_user_model()._default_manager.filter(is_active=True)
    if access.is_platform(user):
        return users
    if isinstance(user, Actor):
        user = user.user
    if not getattr(user, "is_authenticated", False):
        return users.none()
    seen_people = visible_to(user, Person).values("pk")
    own_units = Membership.objects.active().filter(person__user=user).values_list("unit_id", flat=True)
    above: set[int] = set()
    for unit in Unit.objects.filter(pk__in=list(own_units)):
        above.update(unit.ancestor_ids())
    upward = Membership.objects.active().filter(
        Q(unit_id__in=above) | Q(unit__kind__oversees_network=True), unit__is_active=True
    ).values("person_id")
    return users.filter(
        Q(pk=user.pk) | Q(person__in=seen_people, person__is_active=True)
        | Q(person__in=upward, person__is_active=True)
    ).distinct()


def recipients_named(*, user, values, field: str = "recipients") -> list:
    """The accounts named by `values` (usernames, or ids; users pass through when allowed),
    among those `user` may name (`recipient_candidates`). A name that does not exist, is
    inactive, or is someone the caller may not see gets the same error, so that the field
    cannot be used to find out which accounts exist (issue 11). Raises DomainError naming
    `field` and the first value refused; duplicates are dropped."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    allowed = recipient_candidates(user=user)
    found: list = []
    for value in values or ():
        text = str(value.pk if isinstance(value, User) else value).strip()
        if isinstance(value, User):
            match = allowed.filter(pk=value.pk).first()
        else:
            match = allowed.filter(username=text).first() or allowed.filter(username__iexact=text).first()
            if match is None and is_pk(text):
                match = allowed.filter(pk=int(text)).first()
        if match is None:
            raise DomainError(
                _("Không có người nhận “%(u)s” trong số những người bạn có thể chọn.") % {"u": str(value)[:150]},
                field=field, code="unknown-recipient",
            )
        if match not in found:
            found.append(match)
    return found


def person_email(user) -> str:
    """The e-mail address on the person record of an account ("" for a bare account); the
    kernel's notifications ask it through `core.directory` (platform authority)."""
    person = Person.objects.filter(user=user).only("email").first() if getattr(user, "pk", None) else None
    return (person.email or "") if person else ""
