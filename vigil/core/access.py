"""The access layer: memberships x roles x descendants x TLP 2.0, implemented once.

Every read goes through `visible_to(user, queryset)`; every write checks
`can(user, action, obj)` (or `require`). Models say how they are reached by declaring
`access_policy`, an instance of one of the policies below; a model without one is
not readable through this layer at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from .errors import AccessDenied
from .refs import is_pk

# Actions a role may grant. "view" is implied by every other action.
ACTIONS = ("view", "add", "change", "delete", "manage_members", "approve", "export", "audit", "admin")

LITERAL_IDS_MAX = 2000  # past this, unit ids go to SQL as a subquery, not a literal list
MATCH_NONE = Q(pk__in=[])
MATCH_ALL = ~MATCH_NONE


@dataclass(frozen=True)
class Grant:
    unit_id: int
    path: str
    subtree: bool
    network: bool
    actions: frozenset


class Scope:
    """What one user may do where, computed once per user object (cached on it)."""

    def __init__(self, user):
        self.user = user
        self.superuser = bool(getattr(user, "is_superuser", False) and user.is_active)
        self.grants: list[Grant] = []
        self.member_unit_ids: set[int] = set()
        if getattr(user, "is_authenticated", False) and user.is_active:
            self._load()

    def _load(self):
        from vigil.org.models import Membership

        rows = (
            Membership.objects.active()
            .filter(person__user=self.user, person__is_active=True, unit__is_active=True)
            .select_related("role", "unit__kind")
        )
        for m in rows:
            actions = frozenset(m.role.actions) | {"view"}
            subtree = m.role.reaches_descendants
            self.grants.append(
                Grant(
                    unit_id=m.unit_id,
                    path=m.unit.path,
                    subtree=subtree,
                    network=subtree and m.unit.kind.oversees_network,
                    actions=actions,
                )
            )
            self.member_unit_ids.add(m.unit_id)

    @property
    def is_member(self) -> bool:
        return self.superuser or bool(self.grants)

    def _grants_for(self, action: str):
        return [g for g in self.grants if action in g.actions or "admin" in g.actions]

    def unit_q(self, action: str = "view", prefix: str = "") -> Q:
        """A Q over units (through `prefix`, e.g. 'owner_unit__') where `action` is granted."""
        if self.superuser:
            return MATCH_ALL
        grants = self._grants_for(action)
        if any(g.network for g in grants):
            return MATCH_ALL
        parts = [
            Q(**{f"{prefix}path__startswith": g.path}) if g.subtree else Q(**{f"{prefix}pk": g.unit_id})
            for g in grants
        ]
        return reduce(or_, parts, MATCH_NONE)

    def allows(self, action: str, unit) -> bool:
        """Whether `action` is granted on `unit` (a Unit instance, or None for network-wide)."""
        if self.superuser:
            return True
        for g in self._grants_for(action):
            if g.network:
                return True
            if unit is None:
                continue
            if g.unit_id == unit.pk or (g.subtree and unit.path.startswith(g.path)):
                return True
        return False

    def unit_ids(self, action: str = "view"):
        """The ids of the units where `action` is granted, for `unit_id IN (…)` filters: a
        list (a subquery past a few thousand units); None when it is granted everywhere.
        Read each time: a unit created or moved during a request must count at once."""
        q = self.unit_q(action)
        if q is MATCH_ALL:
            return None
        from vigil.org.models import Unit

        units = Unit.objects.filter(q)
        ids = list(units.values_list("pk", flat=True)[:LITERAL_IDS_MAX + 1])
        return ids if len(ids) <= LITERAL_IDS_MAX else units.values("pk")

    def network_wide(self, action: str = "view") -> bool:
        return self.superuser or any(g.network for g in self._grants_for(action))

    def actions_on(self, unit, *, reach: str = "unit") -> frozenset:
        """The actions held on `unit` ("view" included; every action where `admin` is
        held). `reach` says where they must hold: "unit" (on the unit itself), "subtree"
        (on the unit and every unit below it: a grant on it or an ancestor that reaches
        descendants) or "network" (everywhere: a network-wide grant)."""
        if self.superuser:
            return frozenset(ACTIONS)
        held: set[str] = set()
        for g in self.grants:
            if g.network:
                covers = True
            elif reach == "network":
                covers = False
            elif reach == "subtree":
                covers = g.subtree and unit.path.startswith(g.path)
            else:
                covers = g.unit_id == unit.pk or (g.subtree and unit.path.startswith(g.path))
            if covers:
                held |= g.actions
        return frozenset(ACTIONS) if "admin" in held else frozenset(held)


def user_ids_holding(action: str) -> list[int]:
    """The users with an active membership in a role that grants `action` (anywhere)."""
    from vigil.org.models import Membership, Role

    roles = [r.pk for r in Role.objects.all() if action in (r.actions or [])]
    return sorted(set(
        Membership.objects.active().filter(role_id__in=roles, person__user__isnull=False)
        .values_list("person__user_id", flat=True)
    ))


def scope_of(user) -> Scope:
    scope = getattr(user, "_vigil_scope", None)
    if scope is None:
        scope = Scope(user)
        if user is not None:
            try:
                user._vigil_scope = scope
            except AttributeError:
                pass
    return scope


def reset_scope(user) -> None:
    if user is not None and hasattr(user, "_vigil_scope"):
        del user._vigil_scope


# --------------------------------------------------------------------------- policies


class Policy:
    """How a model's rows are reached. Subclasses implement `q` and `unit_of`."""

    joins_many = False

    def q(self, scope: Scope, action: str) -> Q:  # pragma: no cover - interface
        raise NotImplementedError

    def unit_of(self, obj):
        return None

    def allows(self, scope: Scope, action: str, obj) -> bool:
        return scope.allows(action, self.unit_of(obj))


class UnitPolicy(Policy):
    """Units: those in scope, plus the ancestors of those (so the tree has its root)."""

    def q(self, scope, action):
        q = scope.unit_q(action)
        if action == "view" and not scope.superuser and q is not MATCH_ALL:
            ancestors = {int(s) for g in scope.grants for s in g.path.split(".") if s}
            q = q | Q(pk__in=ancestors)
        return q

    def unit_of(self, obj):
        return obj

    def allows(self, scope, action, obj):
        if scope.allows(action, obj):
            return True
        if action == "view":
            return any(obj.path and g.path.startswith(obj.path) for g in scope.grants)
        return False


class UnitFieldPolicy(Policy):
    """Rows that belong to one unit through a foreign key (`field`)."""

    def __init__(self, field: str):
        self.field = field

    def q(self, scope, action):
        return scope.unit_q(action, prefix=f"{self.field}__")

    def unit_of(self, obj):
        value = obj
        for step in self.field.split("__"):  # "system__owner_unit": through a relation
            value = getattr(value, step, None)
            if value is None:
                return None
        return value


class PersonPolicy(Policy):
    """People: by their home unit or any active membership in scope; oneself always."""

    def q(self, scope, action):
        q = scope.unit_q(action, prefix="home_unit__")
        if action == "view" and q is not MATCH_ALL:
            from vigil.org.models import Membership

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


class TLPPolicy(Policy):
    """Objects under TLP 2.0 owned by a unit (see core.models.SharedObject).

    CLEAR and GREEN: every member of the platform. AMBER: the owning unit's scope and the
    units it is shared with. AMBER+STRICT: direct members of the owning unit only.
    RED: named recipients only (and the author). Writes always need the action on the
    owning unit, whatever the label.
    """

    field = "owner_unit"
    joins_many = True

    def q(self, scope, action):
        from .models import TLP

        owner = scope.unit_q(action, prefix="owner_unit__")
        if action != "view":
            if scope.superuser:
                return MATCH_ALL
            # AMBER+STRICT: only where the action is held in the owning unit itself (an
            # oversight role or a parent unit may not change what it may not read).
            direct = sorted({g.unit_id for g in scope._grants_for(action)})
            return (
                owner & Q(tlp__in=[TLP.CLEAR, TLP.GREEN, TLP.AMBER])
                | Q(tlp=TLP.AMBER_STRICT, owner_unit__in=direct)
                | Q(tlp=TLP.RED, created_by=scope.user) & owner
            )
        if scope.superuser:
            return MATCH_ALL
        if not scope.is_member:
            return Q(tlp=TLP.CLEAR)
        user = scope.user
        members = scope.member_unit_ids
        return (
            Q(tlp__in=[TLP.CLEAR, TLP.GREEN])
            | Q(tlp=TLP.AMBER) & (owner | Q(shared_with__in=members))
            | Q(tlp=TLP.AMBER_STRICT, owner_unit__in=members)
            | Q(tlp=TLP.RED) & (Q(recipients=user) | Q(created_by=user))
        )

    def unit_of(self, obj):
        return obj.owner_unit

    def allows(self, scope, action, obj):
        from .models import TLP

        if scope.superuser:
            return True
        if action != "view":
            if obj.tlp == TLP.RED and obj.created_by_id != getattr(scope.user, "pk", None):
                return False
            if obj.tlp == TLP.AMBER_STRICT:
                return any(g.unit_id == obj.owner_unit_id for g in scope._grants_for(action))
            return scope.allows(action, obj.owner_unit)
        if obj.tlp == TLP.CLEAR:
            return True
        if not scope.is_member:
            return False
        if obj.tlp == TLP.GREEN:
            return True
        if obj.tlp == TLP.AMBER:
            return scope.allows("view", obj.owner_unit) or obj.shared_with.filter(
                pk__in=scope.member_unit_ids
            ).exists()
        if obj.tlp == TLP.AMBER_STRICT:
            return obj.owner_unit_id in scope.member_unit_ids
        return obj.created_by_id == scope.user.pk or obj.recipients.filter(pk=scope.user.pk).exists()


def _allows_by_q(q, obj) -> bool:
    """A policy's Python rule as its SQL rule applied to the one row, so the two agree."""
    if q is MATCH_ALL:
        return True
    if q is MATCH_NONE or obj.pk is None:
        return False
    return type(obj)._default_manager.filter(pk=obj.pk).filter(q).exists()


def _pks(rows: QuerySet):
    """Primary keys of `rows`: a literal list when short, else a subquery."""
    pks = list(rows.values_list("pk", flat=True).distinct()[:LITERAL_IDS_MAX + 1])
    return pks if len(pks) <= LITERAL_IDS_MAX else rows.values("pk")


class UnitsPolicy(Policy):
    """Rows reached through several unit relations (a task's lead, assigning and supporting
    units; a meeting's body and connected sites). `view` is granted when any of the `view`
    paths is in scope; other actions when any of the `write` paths is. Paths are ORM
    lookups ending at a Unit ('lead_unit', 'meeting__body_unit', 'sites__unit').

    The units in scope are resolved to ids once per scope and action, so each path becomes
    an `…_id IN (ids)` test the unit-column indexes answer; a path through a to-many
    relation becomes a primary-key subquery, so rows are never repeated."""

    joins_many = False

    def __init__(self, *, view: tuple[str, ...], write: tuple[str, ...]):
        self.view = view
        self.write = write
        self.model = None

    def __set_name__(self, owner, name):
        self.model = owner

    def _to_many(self, path: str) -> bool:
        model = self.model
        for step in path.split("__"):
            field = model._meta.get_field(step)
            if field.many_to_many or field.one_to_many:
                return True
            model = field.related_model
        return False

    def q(self, scope, action):
        paths = self.view if action == "view" else self.write
        units = scope.unit_ids(action)
        if units is None:
            return MATCH_ALL
        parts = []
        for p in paths:
            if self._to_many(p):
                parts.append(Q(pk__in=self._rows_through(scope, action, p, units)))
            else:
                parts.append(Q(**{f"{p}__in": units}))
        return reduce(or_, parts, MATCH_NONE)

    def _rows_through(self, scope, action, path, units):
        """Primary keys of rows reached through a to-many path: a literal list when short
        (the whole filter then stays a union of index scans), else a subquery. Read each
        time (rows change within a request; units rarely do)."""
        rows = self.model._default_manager.filter(**{f"{path}__in": units}).order_by()
        for other in (self.view if action == "view" else self.write):
            if other != path and not self._to_many(other):
                # Rows a direct unit column already reaches need not be listed here: the
                # list stays short, so the filter stays a union of index scans.
                rows = rows.exclude(**{f"{other}__in": units})
        return _pks(rows)

    def unit_of(self, obj):
        value = obj
        for step in (self.write or self.view)[0].split("__"):
            value = getattr(value, step, None)
            if value is None:
                return None
        return value

    def allows(self, scope, action, obj):
        return _allows_by_q(self.q(scope, action), obj)


class SharedUnitsPolicy(Policy):
    """Objects under TLP 2.0 handled by several units (incidents), and the rows hanging off
    them (comments, evidence, tasks, ...: `through` is the path to the shared object).

    The handling units are the unit columns `units` (owner, lead) and the units of the
    live rows of the to-many relation `links` (`live`: a supporting request still active
    and not declined). Reading, for members of the platform (DESIGN.md, "Access control"):
    CLEAR and GREEN: every member. AMBER: whoever's scope holds a handling unit (the
    owner's scope, parents and network-wide oversight included) and the `shared_with`
    units. AMBER+STRICT: direct members of a handling unit. RED: direct members of a
    handling unit, the named `recipients` and the author. Oversight scopes and parent
    units never reach AMBER+STRICT or RED. Writing needs the action on a handling unit
    under the same rule (for AMBER+STRICT and RED, granted in that unit itself).

    Every branch is an `…_id IN (…)` test on an indexed unit column, or a primary-key
    list (`_pks`) for the to-many audiences, so rows are never repeated and the filter
    stays a union of index scans that keyset lists can use. `q` and `allows` agree:
    `allows` is `q` applied to the one row."""

    joins_many = False

    def __init__(self, *, units: tuple[str, ...], links: str, live: Q, through: str = ""):
        self.units = units
        self.links = links
        self.live = live
        self.through = through
        self.model = None

    def __set_name__(self, owner, name):
        self.model = owner

    def root_model(self):
        model = self.model
        for step in filter(None, self.through.split("__")):
            model = model._meta.get_field(step).related_model
        return model

    def _p(self, lookup: str) -> str:
        return f"{self.through}__{lookup}" if self.through else lookup

    def _linked(self, units, labels):
        """Primary keys of shared objects under `labels` with a live link to `units` that
        no unit column already reaches (so the list stays short)."""
        relation = self.root_model()._meta.get_field(self.links)
        fk = relation.field.name
        rows = relation.related_model._default_manager.filter(self.live, unit__in=units,
                                                               **{f"{fk}__tlp__in": labels})
        for column in self.units:
            rows = rows.exclude(**{f"{fk}__{column}__in": units})
        rows = rows.order_by()
        ids = list(rows.values_list(f"{fk}_id", flat=True).distinct()[:LITERAL_IDS_MAX + 1])
        return ids if len(ids) <= LITERAL_IDS_MAX else rows.values(f"{fk}_id")

    def _handled(self, units, labels) -> Q:
        """Shared objects under `labels` that `units` handle (a unit column or a live link)."""
        parts = [Q(**{self._p(f"{column}__in"): units}) for column in self.units]
        parts.append(Q(**{self._p("pk__in"): self._linked(units, labels)}))
        return Q(**{self._p("tlp__in"): labels}) & reduce(or_, parts)

    def q(self, scope, action):
        from .models import TLP

        if scope.superuser:
            return MATCH_ALL
        if not scope.is_member:
            return MATCH_NONE
        closed = [TLP.AMBER_STRICT, TLP.RED]
        if action == "view":
            parts = [Q(**{self._p("tlp__in"): [TLP.CLEAR, TLP.GREEN]})]
            wide = [TLP.AMBER]
        else:
            parts = []
            wide = [TLP.CLEAR, TLP.GREEN, TLP.AMBER]
        units = scope.unit_ids(action)  # the action's scope, subtree and network-wide included
        if units is None:
            parts.append(Q(**{self._p("tlp__in"): wide}))
        elif not isinstance(units, list) or units:
            parts.append(self._handled(units, wide))
        direct = sorted({g.unit_id for g in scope._grants_for(action)})  # held in the unit itself
        if direct:
            parts.append(self._handled(direct, closed))
        if action == "view":
            root = self.root_model()._default_manager
            user = scope.user
            shared = root.filter(tlp=TLP.AMBER, shared_with__in=list(scope.member_unit_ids)).order_by()
            named = root.filter(tlp=TLP.RED, recipients=user).order_by()
            parts += [
                Q(**{self._p("pk__in"): _pks(shared)}),
                Q(**{self._p("pk__in"): _pks(named)}),
                Q(**{self._p("tlp"): TLP.RED, self._p("created_by"): user}),
            ]
        return reduce(or_, parts, MATCH_NONE)

    def unit_of(self, obj):
        value = obj
        for step in [*filter(None, self.through.split("__")), self.units[0]]:
            value = getattr(value, step, None)
            if value is None:
                return None
        return value

    def allows(self, scope, action, obj):
        return _allows_by_q(self.q(scope, action), obj)


class ParentPolicy(Policy):
    """Rows that belong to another access-controlled row through a foreign key (`field`):
    a feed to its source, a run to its feed. Whoever may act on the parent may act on them."""

    def __init__(self, field: str):
        self.field = field
        self.model = None

    def __set_name__(self, owner, name):
        self.model = owner

    def _parent_model(self):
        model = self.model
        for step in self.field.split("__"):
            model = model._meta.get_field(step).related_model
        return model

    def q(self, scope, action):
        parents = visible_to(scope.user, self._parent_model(), action)
        if not parents.query.where:
            return MATCH_ALL
        return Q(**{f"{self.field}__in": _pks(parents)})

    def _parent(self, obj):
        value = obj
        for step in self.field.split("__"):
            value = getattr(value, step, None)
            if value is None:
                return None
        return value

    def unit_of(self, obj):
        parent = self._parent(obj)
        return None if parent is None else policy_for(type(parent)).unit_of(parent)

    def allows(self, scope, action, obj):
        parent = self._parent(obj)
        return parent is not None and policy_for(type(parent)).allows(scope, action, parent)


class BorrowedAudiencePolicy(Policy):
    """Rows that carry their own TLP label but borrow the audience of a parent
    `SharedObject` (`field`): an indicator's claim from a source is labelled per claim,
    while "the owning unit", "the units it is shared with" and "the named recipients" are
    the source's. CLEAR and GREEN: every member. AMBER: the parent's owning unit's scope
    and its `shared_with` units. AMBER+STRICT: members of the parent's owning unit. RED:
    the parent's recipients and author. Writes need the action on the parent's unit.

    The parents are few (sources), so each branch is a `parent_id IN (…)` test."""

    def __init__(self, field: str):
        self.field = field
        self.model = None

    def __set_name__(self, owner, name):
        self.model = owner

    def _parents(self):
        return self.model._meta.get_field(self.field).related_model._default_manager

    def q(self, scope, action):
        from .models import TLP

        if scope.superuser:
            return MATCH_ALL
        owner = scope.unit_q(action, prefix="owner_unit__")
        if action != "view":
            return Q(**{f"{self.field}__in": _pks(self._parents().filter(owner))})
        if not scope.is_member:
            return Q(tlp=TLP.CLEAR)
        members = list(scope.member_unit_ids)
        user = scope.user
        parents = self._parents()
        amber = parents.filter(owner | Q(shared_with__in=members)).order_by()
        strict = parents.filter(owner_unit__in=members).order_by()
        red = parents.filter(Q(recipients=user) | Q(created_by=user)).order_by()
        return (
            Q(tlp__in=[TLP.CLEAR, TLP.GREEN])
            | Q(tlp=TLP.AMBER, **{f"{self.field}__in": _pks(amber)})
            | Q(tlp=TLP.AMBER_STRICT, **{f"{self.field}__in": _pks(strict)})
            | Q(tlp=TLP.RED, **{f"{self.field}__in": _pks(red)})
        )

    def unit_of(self, obj):
        parent = getattr(obj, self.field, None)
        return None if parent is None else parent.owner_unit

    def allows(self, scope, action, obj):
        if scope.superuser:
            return True
        if action != "view":
            return scope.allows(action, self.unit_of(obj))
        q = self.q(scope, action)
        return type(obj)._default_manager.filter(pk=obj.pk).filter(q).exists()


class RollupLabelPolicy(Policy):
    """Rows whose label is the most permissive of their children's (an indicator and the
    claims its sources made): CLEAR/GREEN rows reach every member at once; a row under a
    stricter label is visible when one of its children (`children`, reached back through
    the child's `parent_field`) is. Writes: network-wide holders of the action, or holders
    of it on the unit behind one of the children."""

    def __init__(self, children: str, parent_field: str):
        self.children = children
        self.parent_field = parent_field
        self.model = None

    def __set_name__(self, owner, name):
        self.model = owner

    def _child_model(self):
        return self.model._meta.get_field(self.children).related_model

    def q(self, scope, action):
        from .models import TLP

        if scope.superuser or (action != "view" and scope.network_wide(action)):
            return MATCH_ALL
        child_model = self._child_model()
        child_q = policy_for(child_model).q(scope, action)
        if child_q is MATCH_ALL:
            return MATCH_ALL
        restricted = child_model._default_manager.filter(child_q)
        if action == "view":
            if not scope.is_member:
                return Q(tlp=TLP.CLEAR)
            restricted = restricted.exclude(tlp__in=[TLP.CLEAR, TLP.GREEN])
            return Q(tlp__in=[TLP.CLEAR, TLP.GREEN]) | Q(pk__in=restricted.values(self.parent_field))
        return Q(pk__in=restricted.values(self.parent_field))

    def allows(self, scope, action, obj):
        q = self.q(scope, action)
        if q is MATCH_ALL:
            return True
        return type(obj)._default_manager.filter(pk=obj.pk).filter(q).exists()


class OwnerPolicy(Policy):
    """Rows that belong to one user (API tokens): only that user, whatever the action."""

    def __init__(self, field: str = "user"):
        self.field = field

    def q(self, scope, action):
        if not getattr(scope.user, "is_authenticated", False):
            return MATCH_NONE
        return Q(**{self.field: scope.user})

    def allows(self, scope, action, obj):
        return getattr(obj, f"{self.field}_id") == getattr(scope.user, "pk", None)


class AuditPolicy(Policy):
    """Audit entries: holders of the `audit` action, for the units in their scope.
    Entries tied to no unit (failed logins of unknown names) need a network-wide auditor."""

    def q(self, scope, action):
        if action != "view":
            return MATCH_NONE  # append-only: nobody changes an entry
        if scope.network_wide("audit"):
            return MATCH_ALL
        return scope.unit_q("audit", prefix="unit__")

    def allows(self, scope, action, obj):
        if action != "view":
            return False
        if obj.unit_id is None:
            return scope.network_wide("audit")
        return scope.allows("audit", obj.unit)


class GlobalPolicy(Policy):
    """Reference data every member reads (roles, unit kinds); `admin` changes it."""

    def q(self, scope, action):
        if action == "view":
            return MATCH_ALL if scope.is_member else MATCH_NONE
        return MATCH_ALL if scope.network_wide("admin") else MATCH_NONE

    def allows(self, scope, action, obj):
        return scope.is_member if action == "view" else scope.network_wide("admin")


# --------------------------------------------------------------------------- entry points


def policy_for(model) -> Policy:
    policy = getattr(model, "access_policy", None)
    if policy is None:
        raise TypeError(f"{model.__name__} declares no access_policy; it cannot be read through core")
    return policy


def visible_to(user, qs: QuerySet | type, action: str = "view") -> QuerySet:
    """The rows of `qs` (a queryset or a model) on which `user` may perform `action`."""
    if not isinstance(qs, QuerySet):
        qs = qs._default_manager.all()
    scope = scope_of(user)
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    q = policy_for(qs.model).q(scope, action)
    if q is MATCH_ALL:
        return qs
    if policy_for(qs.model).joins_many:
        # M2M joins would duplicate rows; a pk subquery keeps the queryset clean to chain.
        return qs.filter(pk__in=qs.model._default_manager.filter(q).values("pk"))
    return qs.filter(q)


def covers(user, unit, *, subtree: bool, action: str = "view") -> bool:
    """Whether `user` holds `action` on `unit` and, with `subtree`, on all its descendants
    (seeing a unit only as the ancestor of one's own unit does not count)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    scope = scope_of(user)
    if scope.network_wide(action):
        return True
    for g in scope._grants_for(action):
        if g.unit_id == unit.pk and (g.subtree or not subtree):
            return True
        if g.subtree and unit.path.startswith(g.path):
            return True
    return False


def scope_anchors(user, action: str = "view"):
    """The (unit, subtree) pairs where `user` holds `action`: one per membership grant.
    None when it is held network-wide; [] for no grant at all. Lets a selector express
    "everything this user may see" as filters on unit columns its indexes answer."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    scope = scope_of(user)
    if scope.network_wide(action):
        return None
    from vigil.org.models import Unit

    grants = scope._grants_for(action)
    units = Unit.objects.in_bulk([g.unit_id for g in grants])
    return [(units[g.unit_id], g.subtree) for g in grants if g.unit_id in units]


def visible_within(user, qs: QuerySet, anchors, action: str = "view") -> QuerySet:
    """`visible_to(user, qs, action)` for a queryset its caller has already confined to
    rows reached through `anchors`: (unit, subtree) pairs such that every row of `qs` has
    one of its policy's unit paths inside one of them. When the user's scope holds every
    anchor entirely, the policy cannot remove a row, and its filter (for multi-unit
    policies a subquery over the whole table) is skipped. Otherwise it applies as usual.
    Under a label (`SharedUnitsPolicy`: TLP on incidents) holding the units is not enough
    (AMBER+STRICT and RED stay with the handling units themselves): the policy always applies."""
    anchors = list(anchors)
    if isinstance(policy_for(qs.model), SharedUnitsPolicy):
        return visible_to(user, qs, action)
    if anchors and all(covers(user, unit, subtree=subtree, action=action) for unit, subtree in anchors):
        return qs
    return visible_to(user, qs, action)


def can(user, action: str, obj) -> bool:
    """Whether `user` may perform `action` on `obj` (a model instance)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return policy_for(type(obj)).allows(scope_of(user), action, obj)


def can_in_unit(user, action: str, unit) -> bool:
    """Whether `user` may perform `action` on objects of `unit` (e.g. create one there)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return scope_of(user).allows(action, unit)


def require(user, action: str, obj) -> None:
    if not can(user, action, obj):
        raise AccessDenied()


def require_in_unit(user, action: str, unit) -> None:
    if not can_in_unit(user, action, unit):
        raise AccessDenied()


def require_network(user, action: str) -> None:
    if not (getattr(user, "is_authenticated", False) and scope_of(user).network_wide(action)):
        raise AccessDenied()


# Actions that open the whole platform: only a network-wide administrator hands them out.
PRIVILEGED_ACTIONS = frozenset({"admin", "audit"})


def role_reach(role, unit) -> str:
    """Where a membership of `role` in `unit` grants its actions (see Scope._load)."""
    if not role.reaches_descendants:
        return "unit"
    return "network" if unit.kind.oversees_network else "subtree"


def require_grantable(user, role, unit, *, person=None) -> None:
    """Refuse to let `user` give `role` in `unit` (to `person`) when the role carries an
    action `user` does not hold there, as far as the role reaches (a secretary cannot
    make anyone head), when it opens the whole platform (`admin`, `audit`) and `user` is
    no network-wide administrator, or when `person` is `user` (nobody changes their own
    roles). The one rule for every write that grants a role: memberships, decisions,
    accounts. `user` None is the platform itself (the CLI without --as)."""
    from django.utils.translation import gettext as _

    if user is None:
        return
    if person is not None and person.user_id is not None and person.user_id == user.pk:
        raise AccessDenied(
            _("Bạn không thể tự giao hay thay đổi vai trò của chính mình; hãy đề nghị người quản lý đơn vị."),
            field="person",
        )
    scope = scope_of(user)
    wanted = frozenset(role.actions or ()) | {"view"}
    if wanted & PRIVILEGED_ACTIONS and not scope.network_wide("admin"):
        raise AccessDenied(
            _("Bạn không thể giao vai trò %(role)s: vai trò này có quyền mà bạn không có.") % {"role": role.display_name},
            field="role",
        )
    missing = wanted - scope.actions_on(unit, reach=role_reach(role, unit))
    if missing:
        raise AccessDenied(
            _(
                "Bạn không thể giao vai trò %(role)s tại %(unit)s: vai trò này có quyền mà bạn không có ở đó (%(actions)s)."
            ) % {"role": role.display_name, "unit": unit.display_name, "actions": ", ".join(sorted(missing))},
            field="role",
        )


# --------------------------------------------------------------------------- names under a label


def label_guarded(model) -> bool:
    """Whether who may read rows of `model` depends on a TLP label (its own or that of the
    object it hangs off): then a name or title of such a row is itself under the label."""
    policy = getattr(model, "access_policy", None)
    return isinstance(policy, (SharedUnitsPolicy, TLPPolicy, BorrowedAudiencePolicy, RollupLabelPolicy)) or (
        isinstance(policy, ParentPolicy) and label_guarded(policy._parent_model())
    )


def neutral_name(model, pk) -> str:
    """How an object is named to a reader who may not read it: its kind and id
    ("Sự cố #123"), never its title."""
    kind = str(model._meta.verbose_name)
    return f"{kind[:1].upper()}{kind[1:]} #{pk}"


def hidden_ids(user, model, ids) -> set:
    """Of the ids `ids` of `model` (label-guarded), those `user` may not read."""
    from django.core.exceptions import ValidationError
    from django.db.models import IntegerField

    ids = {str(i) for i in ids if i not in (None, "")}
    if not ids or not label_guarded(model):
        return set()
    if isinstance(model._meta.pk, IntegerField):  # Auto/BigAuto fields included
        wanted = [int(i) for i in ids if is_pk(i)]
    else:
        wanted = list(ids)
    try:
        seen = {str(pk) for pk in visible_to(user, model).filter(pk__in=wanted).values_list("pk", flat=True)}
    except (ValueError, ValidationError):  # an id that is no id of this model: nothing to show
        seen = set()
    return ids - seen


def label_of(obj) -> str | None:
    """The TLP label that governs `obj`: its own, or that of the shared object it hangs
    off (an incident's comment: the incident's). None when it carries none."""
    if obj is None:
        return None
    policy = getattr(type(obj), "access_policy", None)
    if isinstance(policy, SharedUnitsPolicy):
        for step in filter(None, policy.through.split("__")):
            obj = getattr(obj, step, None)
            if obj is None:
                return None
    return getattr(obj, "tlp", None)
