"""Intelligence's own policies: a claim that borrows its source's audience, and an
indicator labelled by the most permissive of its claims. The generic policies (TLP,
parent, owner, global) stay in `vigil.core.access`."""

from __future__ import annotations

from django.db.models import Q

from vigil.core.access import MATCH_ALL, Policy, policy_for, row_pks
from vigil.core.models import TLP


class BorrowedAudiencePolicy(Policy):
    """Rows that carry their own TLP label but borrow the audience of a parent
    `SharedObject` (`field`): an indicator's claim from a source is labelled per claim,
    while "the owning unit", "the units it is shared with" and "the named recipients" are
    the source's. CLEAR and GREEN: every member. AMBER: the parent's owning unit's scope
    and its `shared_with` units. AMBER+STRICT: members of the parent's owning unit. RED:
    the parent's recipients and author. Writes need the action on the parent's unit.

    The parents are few (sources), so each branch is a `parent_id IN (…)` test."""

    label_guarded = True

    def __init__(self, field: str):
        self.field = field
        self.model = None

    def __set_name__(self, owner, name):
        self.model = owner

    def _parents(self):
        return self.model._meta.get_field(self.field).related_model._default_manager

    def q(self, scope, action):
        if scope.superuser:
            return MATCH_ALL
        owner = scope.unit_q(action, prefix="owner_unit__")
        if action != "view":
            return Q(**{f"{self.field}__in": row_pks(self._parents().filter(owner))})
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
            | Q(tlp=TLP.AMBER, **{f"{self.field}__in": row_pks(amber)})
            | Q(tlp=TLP.AMBER_STRICT, **{f"{self.field}__in": row_pks(strict)})
            | Q(tlp=TLP.RED, **{f"{self.field}__in": row_pks(red)})
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

    label_guarded = True

    def __init__(self, children: str, parent_field: str):
        self.children = children
        self.parent_field = parent_field
        self.model = None

    def __set_name__(self, owner, name):
        self.model = owner

    def _child_model(self):
        return self.model._meta.get_field(self.children).related_model

    def q(self, scope, action):
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
