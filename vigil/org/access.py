"""The organisation's side of the access layer: where grants come from (memberships x
roles x units, registered with core as its grant source) and the policy of people.

Core decides (`vigil.core.access`); this module only tells it who holds which role where,
so core imports nothing from org."""

from __future__ import annotations

from django.db.models import Q

from vigil.core.access import MATCH_ALL, Grant, Policy, register_grant_source


def grants_of(user) -> list[Grant]:
    """The grants of `user`'s active memberships in active units (people still active):
    the role's actions ("view" implied) on the unit, on its subtree when the role reaches
    descendants, on the whole network when the unit's kind also oversees the network."""
    from .models import Membership

    rows = (
        Membership.objects.active()
        .filter(person__user=user, person__is_active=True, unit__is_active=True)
        .select_related("role", "unit__kind")
    )
    grants = []
    for m in rows:
        subtree = m.role.reaches_descendants
        grants.append(
            Grant(
                unit_id=m.unit_id,
                path=m.unit.path,
                subtree=subtree,
                network=subtree and m.unit.kind.oversees_network,
                actions=frozenset(m.role.actions) | {"view"},
            )
        )
    return grants


def unit_model():
    from .models import Unit

    return Unit


def holders_of(action: str) -> list[int]:
    """The users with an active membership in a role that grants `action` (anywhere)."""
    from .models import Membership, Role

    roles = [r.pk for r in Role.objects.all() if action in (r.actions or [])]
    return sorted(set(
        Membership.objects.active().filter(role_id__in=roles, person__user__isnull=False)
        .values_list("person__user_id", flat=True)
    ))


def members_holding(unit_ids: list[int], action: str) -> list:
    """The active accounts of the direct members of the units whose role grants `action`
    (or `admin`), by unit, role order and name, each once."""
    from .models import Membership

    rows = (
        Membership.objects.active()
        .filter(unit_id__in=unit_ids, person__is_active=True, person__user__isnull=False,
                person__user__is_active=True)
        .select_related("role", "person__user")
        .order_by("unit_id", "role__sort_order", "person__full_name")
    )
    users = []
    for m in rows:
        if {action, "admin"} & set(m.role.actions or []) and m.person.user not in users:
            users.append(m.person.user)
    return users


def register() -> None:
    """Called from OrgConfig.ready(): memberships are core's grant source."""
    register_grant_source(grants_of=grants_of, unit_model=unit_model, holders_of=holders_of,
                          members_holding=members_holding)


class PersonPolicy(Policy):
    """People: by their home unit or any active membership in scope; oneself always seen
    (changing one's own record needs `change` on one's home unit, like anyone else's)."""

    def q(self, scope, action):
        q = scope.unit_q(action, prefix="home_unit__")
        if action != "view" or q is MATCH_ALL:
            return q
        from .models import Membership

        in_scope = Membership.objects.active().filter(scope.unit_q("view", prefix="unit__"))
        q = q | Q(pk__in=in_scope.values("person_id"))
        if getattr(scope.user, "is_authenticated", False):
            q = q | Q(user=scope.user)
        return q

    def unit_of(self, obj):
        return obj.home_unit

    def allows(self, scope, action, obj):
        if action == "view" and obj.user_id and obj.user_id == getattr(scope.user, "pk", None):
            return True
        if scope.allows(action, obj.home_unit):
            return True
        if action == "view":
            return type(obj).objects.filter(pk=obj.pk).filter(self.q(scope, "view")).exists()
        return False
