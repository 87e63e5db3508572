"""The access layer: memberships x roles x descendants x TLP 2.0, implemented once.

Every decision about who may do what is taken here, from the `Actor` (or, for older
callers, a user): `allowed(actor, action, target)` / `require(...)` guard writes,
`visible_to(actor, queryset, action)` filters reads, `holds(actor, action)` says whether
an action is held on at least one unit. Models say how they are reached by declaring
`access_policy`, an instance of one of the policies below (or of an app's own policy in
`<app>/access.py`); a model without one is not readable through this layer at all.

The platform (`Actor.platform(...)`: jobs, reference and demo loaders, the CLI's system
commands) may do every action and sees everything; an actor without a user that is not
the platform is anonymous: denied every write, shown nothing.

Who holds which grants is not known to core: the app that owns units, roles and
memberships registers a grant source (`register_grant_source`, called from its
AppConfig.ready()), so core imports no domain app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from .actors import Actor
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


# --------------------------------------------------------------------------- grant source


@dataclass(frozen=True)
class GrantSource:
    """Where grants come from, registered by the app that owns units and memberships.

    `grants_of(user)`: the Grants of an active, authenticated user's active memberships
    ("view" included in each grant's actions). `unit_model()`: the unit model (its rows
    have `pk` and a materialised `path`). `holders_of(action)`: the ids of the users
    with an active membership in a role granting `action`, anywhere.
    `members_holding(unit_ids, action)`: the active users who are direct members of
    those units in a role granting `action` (or `admin`), by unit, role order and name."""

    grants_of: Callable[[object], Iterable[Grant]]
    unit_model: Callable[[], type]
    holders_of: Callable[[str], list[int]]
    members_holding: Callable[[list[int], str], list]


_SOURCE: GrantSource | None = None


def register_grant_source(*, grants_of, unit_model, holders_of, members_holding) -> None:
    """Install the grant source (the org app does, in its AppConfig.ready())."""
    global _SOURCE
    _SOURCE = GrantSource(grants_of=grants_of, unit_model=unit_model, holders_of=holders_of,
                          members_holding=members_holding)


def grant_source() -> GrantSource:
    if _SOURCE is None:
        raise RuntimeError("no grant source registered: the app owning memberships must call register_grant_source()")
    return _SOURCE


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
        for grant in grant_source().grants_of(self.user):
            self.grants.append(grant)
            self.member_unit_ids.add(grant.unit_id)

    @property
    def is_member(self) -> bool:
        return self.superuser or bool(self.grants)

    def _grants_for(self, action: str):
        return [g for g in self.grants if action in g.actions or "admin" in g.actions]

    def holds(self, action: str) -> bool:
        """Whether `action` is held on at least one unit (`admin` holds every action)."""
        return self.superuser or bool(self._grants_for(action))

    def direct_unit_ids(self, action: str) -> list[int]:
        """The units of the grants holding `action`, each in that unit itself."""
        return sorted({g.unit_id for g in self._grants_for(action)})

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

    def acts_for(self, action: str, unit) -> bool:
        """Whether `action` is held in `unit` itself: a grant there, or one reaching it from
        an ancestor. A network-wide grant does not answer for another unit."""
        if self.superuser:
            return True
        return any(
            g.unit_id == unit.pk or (g.subtree and unit.path.startswith(g.path)) for g in self._grants_for(action)
        )

    def unit_ids(self, action: str = "view"):
        """The ids of the units where `action` is granted, for `unit_id IN (…)` filters: a
        list (a subquery past a few thousand units); None when it is granted everywhere.
        Read each time: a unit created or moved during a request must count at once."""
        q = self.unit_q(action)
        if q is MATCH_ALL:
            return None
        units = grant_source().unit_model()._default_manager.filter(q)
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
    return grant_source().holders_of(action)


def members_holding(units, action: str) -> list:
    """The active accounts of the direct members of `units` (units or ids; None skipped)
    whose role grants `action` (or `admin`): who answers for those units, to be told
    about something (never what they may see: that stays with their own scope)."""
    ids = [getattr(u, "pk", u) for u in units if u is not None]
    return grant_source().members_holding(ids, action) if ids else []


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
    """How a model's rows are reached. Subclasses implement `q` and `unit_of`.
    `label_guarded`: who may read a row depends on a TLP label (its own or its parent's)."""

    joins_many = False
    label_guarded = False

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


class TLPPolicy(Policy):
    """Objects under TLP 2.0 owned by a unit (see core.models.SharedObject).

    CLEAR and GREEN: every member of the platform. AMBER: the owning unit's scope and the
    units it is shared with. AMBER+STRICT: direct members of the owning unit only.
    RED: named recipients only (and the author). Writes always need the action on the
    owning unit, whatever the label.
    """

    field = "owner_unit"
    joins_many = True
    label_guarded = True

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


def row_pks(rows: QuerySet):
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
        return row_pks(rows)

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
    list (`row_pks`) for the to-many audiences, so rows are never repeated and the filter
    stays a union of index scans that keyset lists can use. `q` and `allows` agree:
    `allows` is `q` applied to the one row."""

    joins_many = False
    label_guarded = True

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
                Q(**{self._p("pk__in"): row_pks(shared)}),
                Q(**{self._p("pk__in"): row_pks(named)}),
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
        return Q(**{f"{self.field}__in": row_pks(parents)})

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


def _principal(subject) -> tuple[object, bool]:
    """(user, is the platform) of an Actor or a user. Only `Actor.platform(...)` is the
    platform; an Actor without a user is anonymous, like None."""
    if isinstance(subject, Actor):
        return (None, True) if subject.is_platform else (subject.user, False)
    return subject, False


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def _is_unit(target) -> bool:
    return isinstance(getattr(type(target), "access_policy", None), UnitPolicy)


def is_platform(actor) -> bool:
    """Whether `actor` is the platform itself (jobs, loaders, the CLI's system commands)."""
    return _principal(actor)[1]


def allowed(actor, action: str, target=None) -> bool:
    """Whether `actor` (an Actor, or a user) may perform `action` on `target`: a model
    instance (by its model's policy), a unit (the action on that unit: on objects of it,
    or to create one there), or None (the action held network-wide). The platform may do
    everything; an anonymous or inactive actor nothing."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    user, platform = _principal(actor)
    if platform:
        return True
    if not _active(user):
        return False
    scope = scope_of(user)
    if target is None or _is_unit(target):
        return scope.allows(action, target)
    return policy_for(type(target)).allows(scope, action, target)


def require(actor, action: str, target=None) -> None:
    """`allowed(...)` or AccessDenied."""
    if not allowed(actor, action, target):
        raise AccessDenied()


def holds(actor, action: str) -> bool:
    """Whether `actor` (an Actor, or a user) holds `action` on at least one unit (a role
    granting `admin` holds every action). The one answer for "may use this at all":
    the menu, the audit log, exports."""
    user, platform = _principal(actor)
    if platform:
        return True
    return _active(user) and scope_of(user).holds(action)


def is_member(actor) -> bool:
    """Whether `actor` belongs to the platform: an active membership, a superuser, or the
    platform itself."""
    user, platform = _principal(actor)
    if platform:
        return True
    return _active(user) and scope_of(user).is_member


def member_units(actor) -> frozenset[int]:
    """The ids of the units where `actor` holds a membership itself (none for the
    platform, which belongs to no unit)."""
    user, _platform = _principal(actor)
    if not _active(user):
        return frozenset()
    return frozenset(scope_of(user).member_unit_ids)


def member_of(actor, unit) -> bool:
    """Whether `actor` may act on behalf of `unit` as one of its members (report for it):
    a membership in it, a superuser, or the platform."""
    user, platform = _principal(actor)
    if platform:
        return True
    if not _active(user):
        return False
    scope = scope_of(user)
    return scope.superuser or unit.pk in scope.member_unit_ids


def acts_for(actor, unit, action: str = "change") -> bool:
    """Whether `actor` holds `action` in `unit` itself (a membership there, or one reaching
    it from an ancestor), so it may answer for that unit. A network-wide grant does not
    answer for another unit; the platform and a superuser do."""
    user, platform = _principal(actor)
    if platform:
        return True
    return _active(user) and scope_of(user).acts_for(action, unit)


def may_act_on_account(actor, user) -> bool:
    """Whether `actor` may act on `user`'s own account (API tokens, second factor,
    sessions): that user themselves, an active superuser, or the platform."""
    me, platform = _principal(actor)
    if platform:
        return True
    if not _active(me):
        return False
    return me.pk == user.pk or bool(getattr(me, "is_superuser", False))


def allowed_on_all(actor, action: str, units) -> bool:
    """Whether `actor` holds `action` network-wide or on every unit of `units` (all of
    them: consenting on behalf of several units). True for no units at all, for whoever
    is signed in."""
    user, platform = _principal(actor)
    if platform:
        return True
    if not _active(user):
        return False
    scope = scope_of(user)
    return scope.network_wide(action) or all(scope.allows(action, u) for u in units)


def units_in_scope(actor, units: QuerySet, action: str = "view") -> QuerySet:
    """The units of `units` (a unit queryset) where `actor` holds `action`: its scope
    only, without the ancestors `visible_to` adds to show the tree's root."""
    user, platform = _principal(actor)
    if platform:
        return units
    if not _active(user):
        return units.none()
    q = scope_of(user).unit_q(action)
    return units if q is MATCH_ALL else units.filter(q)


def home_unit_id(actor, action: str = "view") -> int | None:
    """The highest unit where `actor` holds `action` by a membership (the shallowest
    grant, one reaching descendants first): where its views start. None without one."""
    user, _platform = _principal(actor)
    if not _active(user):
        return None
    grants = sorted(scope_of(user)._grants_for(action), key=lambda g: (g.path.count("."), not g.subtree, g.path))
    return grants[0].unit_id if grants else None


def audience_key(actor) -> str:
    """A cache key part naming what, beside the scope, decides which labelled rows a
    reader sees: the units they are a direct member of; "all" for whoever sees
    everything (a superuser, the platform)."""
    user, platform = _principal(actor)
    if platform:
        return "all"
    if not _active(user):
        return "none"
    scope = scope_of(user)
    if scope.superuser:
        return "all"
    return "m" + ",".join(str(i) for i in sorted(scope.member_unit_ids))


def visible_to(actor, qs: QuerySet | type, action: str = "view") -> QuerySet:
    """The rows of `qs` (a queryset or a model) on which `actor` (an Actor, or a user)
    may perform `action`. The platform sees every row; an anonymous actor none."""
    if not isinstance(qs, QuerySet):
        qs = qs._default_manager.all()
    user, platform = _principal(actor)
    if platform:
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    scope = scope_of(user)
    q = policy_for(qs.model).q(scope, action)
    if q is MATCH_ALL:
        return qs
    if policy_for(qs.model).joins_many:
        # M2M joins would duplicate rows; a pk subquery keeps the queryset clean to chain.
        return qs.filter(pk__in=qs.model._default_manager.filter(q).values("pk"))
    return qs.filter(q)


def covers(actor, unit, *, subtree: bool, action: str = "view") -> bool:
    """Whether `actor` holds `action` on `unit` and, with `subtree`, on all its descendants
    (seeing a unit only as the ancestor of one's own unit does not count)."""
    user, platform = _principal(actor)
    if platform:
        return True
    if not _active(user):
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


def scope_anchors(actor, action: str = "view"):
    """The (unit, subtree) pairs where `actor` holds `action`: one per membership grant.
    None when it is held network-wide (the platform too); [] for no grant at all. Lets a
    selector express "everything this user may see" as filters on unit columns its
    indexes answer."""
    user, platform = _principal(actor)
    if platform:
        return None
    if not _active(user):
        return []
    scope = scope_of(user)
    if scope.network_wide(action):
        return None
    grants = scope._grants_for(action)
    units = grant_source().unit_model()._default_manager.in_bulk([g.unit_id for g in grants])
    return [(units[g.unit_id], g.subtree) for g in grants if g.unit_id in units]


def visible_within(actor, qs: QuerySet, anchors, action: str = "view") -> QuerySet:
    """`visible_to(actor, qs, action)` for a queryset its caller has already confined to
    rows reached through `anchors`: (unit, subtree) pairs such that every row of `qs` has
    one of its policy's unit paths inside one of them. When the actor's scope holds every
    anchor entirely, the policy cannot remove a row, and its filter (for multi-unit
    policies a subquery over the whole table) is skipped. Otherwise it applies as usual.
    Under a label (`label_guarded`: TLP on incidents, decisions, sources, ...) holding the
    units is not enough (AMBER+STRICT and RED stay with the owning or handling units
    themselves, RED with its recipients): the policy always applies."""
    anchors = list(anchors)
    if label_guarded(qs.model):
        return visible_to(actor, qs, action)
    if anchors and all(covers(actor, unit, subtree=subtree, action=action) for unit, subtree in anchors):
        return qs
    return visible_to(actor, qs, action)


# The older, user-based names: thin wrappers over the entry points above.


def can(user, action: str, obj) -> bool:
    """Whether `user` may perform `action` on `obj` (a model instance, by its policy;
    a unit by UnitPolicy, which lets one view the ancestors of one's units)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if _is_unit(obj) and not is_platform(user):
        user, _platform = _principal(user)
        return _active(user) and policy_for(type(obj)).allows(scope_of(user), action, obj)
    return allowed(user, action, obj)


def can_in_unit(user, action: str, unit) -> bool:
    """Whether `user` may perform `action` on objects of `unit` (e.g. create one there)."""
    return allowed(user, action, unit)


def require_in_unit(user, action: str, unit) -> None:
    require(user, action, unit)


def require_network(user, action: str) -> None:
    require(user, action, None)


# Actions that open the whole platform: only a network-wide administrator hands them out.
PRIVILEGED_ACTIONS = frozenset({"admin", "audit"})


def role_grants(role, action: str) -> bool:
    """Whether a membership of `role` grants `action` (a role holding `admin` grants every
    action): the one reading of a role's actions outside the grant source, for the rules that
    pick who answers for a unit (notification recipients, escalations)."""
    held = set(role.actions or ()) | {"view"}
    return action in held or "admin" in held


def role_reach(role, unit) -> str:
    """Where a membership of `role` in `unit` grants its actions (see the grant source)."""
    if not role.reaches_descendants:
        return "unit"
    return "network" if unit.kind.oversees_network else "subtree"


def require_grantable(actor, role, unit, *, person=None) -> None:
    """Refuse to let `actor` give `role` in `unit` (to `person`) when the role carries an
    action the actor does not hold there, as far as the role reaches (a secretary cannot
    make anyone head), when it opens the whole platform (`admin`, `audit`) and the actor
    is no network-wide administrator, or when `person` is the actor (nobody changes their
    own roles). The one rule for every write that grants a role: memberships, decisions,
    accounts. The platform (the CLI without --as, loaders) may grant any role; an
    anonymous actor none."""
    from django.utils.translation import gettext as _

    user, platform = _principal(actor)
    if platform:
        return
    if not _active(user):
        raise AccessDenied()
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
    return bool(getattr(policy, "label_guarded", False)) or (
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
