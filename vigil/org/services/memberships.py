"""Writes on memberships: add one (person x unit x role from a date) and end one.

Memberships are history: they are ended (`until`), never deleted. Both writes need
`manage_members` on the unit. Nobody gives a role carrying an action they do not hold
there themselves, nor any role to themselves; a role that grants `admin` or `audit`
opens the whole platform, so only a network-wide administrator gives it
(`core.access.require_grantable`, as in core account_create).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.access import require, require_grantable, reset_scope, visible_to
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError, NotFound
from vigil.core.notify.text import render_value

from ..models import Membership, MembershipDecision, Person, Role, Unit


def check_manage_members(actor: Actor, unit: Unit) -> None:
    """`manage_members` on `unit` (the platform always has it)."""
    require(actor, "manage_members", unit)


def check_may_grant(actor: Actor, role: Role, unit: Unit, person: Person | None = None) -> None:
    """Refuse to hand out a role carrying an action the actor does not hold on the unit
    (as far as the role reaches), one carrying `admin`/`audit` unless the actor is a
    network-wide administrator, and any role to the actor themselves
    (`core.access.require_grantable`: the same rule for accounts and decisions)."""
    require_grantable(actor, role, unit, person=person)


def check_person_visible(actor: Actor, person: Person, field: str = "person") -> None:
    if not visible_to(actor, Person).filter(pk=person.pk).exists():
        raise NotFound(_("Không tìm thấy cán bộ."), field=field)


def overlapping(*, person: Person, unit: Unit, role: Role, since: dt.date, until: dt.date | None):
    """Memberships of the same (person, unit, role) whose period meets [since, until)."""
    qs = Membership.objects.filter(person=person, unit=unit, role=role).filter(
        Q(until__isnull=True) | Q(until__gt=since)
    )
    if until is not None:
        qs = qs.filter(since__lt=until)
    return qs


def create_membership(
    *,
    actor: Actor,
    person: Person,
    unit: Unit,
    role: Role,
    since: dt.date,
    until: dt.date | None = None,
    note: str = "",
    decision: MembershipDecision | None = None,
) -> Membership:
    """The checks and the write shared by `membership_add` and `decision_apply`
    (call inside a transaction; permission checks are the caller's)."""
    if not isinstance(since, dt.date):
        raise DomainError(_("Hãy nhập ngày bắt đầu (YYYY-MM-DD)."), field="since")
    if until is not None and until <= since:
        raise DomainError(_("Ngày kết thúc phải sau ngày bắt đầu."), field="until")
    if not person.is_active:
        raise DomainError(
            _("%(name)s không còn công tác; không thể giao vai trò.") % {"name": person.full_name},
            field="person",
        )
    if not unit.is_active:
        raise DomainError(_("Đơn vị đã ngừng hoạt động."), field="unit")
    # Serialise concurrent writers on the same person (SQLite serialises by itself).
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if overlapping(person=person, unit=unit, role=role, since=since, until=until).exists():
        raise Conflict(
            _("%(person)s đã giữ vai trò %(role)s tại %(unit)s trong khoảng thời gian này.")
            % {"person": person.full_name, "role": role.display_name, "unit": unit.display_name},
            field="role",
            code="duplicate",
        )
    membership = Membership(
        person=person, unit=unit, role=role, since=since, until=until, note=(note or "").strip(),
        decision=decision,
    )
    membership.full_clean()
    membership.save()
    audit.record(actor=actor, action="create", obj=membership, after=audit.snapshot(membership))
    return membership


def membership_add(
    *,
    actor: Actor,
    person: Person,
    unit: Unit,
    role: Role,
    since: dt.date | None = None,
    until: dt.date | None = None,
    note: str = "",
) -> Membership:
    """Give `person` the `role` in `unit` from `since` (today by default) until `until`
    (open-ended by default). Needs `manage_members` on the unit; refuses a second
    overlapping membership of the same person in the same role and unit."""
    if unit is None:
        raise DomainError(_("Hãy chọn đơn vị."), field="unit")
    if person is None:
        raise DomainError(_("Hãy chọn cán bộ."), field="person")
    if role is None:
        raise DomainError(_("Hãy chọn vai trò."), field="role")
    check_manage_members(actor, unit)
    check_person_visible(actor, person)
    check_may_grant(actor, role, unit, person)
    since = since or timezone.localdate()
    with transaction.atomic():
        membership = create_membership(
            actor=actor, person=person, unit=unit, role=role, since=since, until=until, note=note
        )
    reset_scope(person.user)
    return membership


def end_membership(
    *, actor: Actor, membership: Membership, until: dt.date, ended_by: MembershipDecision | None = None,
    note: str = "",
) -> Membership:
    """Set the end of an ongoing membership (call inside a transaction)."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not isinstance(until, dt.date):
        raise DomainError(_("Hãy nhập ngày kết thúc (YYYY-MM-DD)."), field="until")
    if membership.until is not None and membership.until <= until:
        raise Conflict(
            _("Thành viên này đã kết thúc từ ngày %(d)s.") % {"d": render_value(membership.until)},
            field="until",
            code="ended",
        )
    if until <= membership.since:
        raise DomainError(
            _("Ngày kết thúc phải sau ngày bắt đầu (%(d)s).") % {"d": render_value(membership.since)},
            field="until",
        )
    before = audit.snapshot(membership)
    membership.until = until
    membership.ended_by = ended_by
    if note:
        membership.note = (f"{membership.note} · {note.strip()}" if membership.note else note.strip())[:300]
    membership.full_clean()
    membership.save()
    audit.record(actor=actor, action="end", obj=membership, before=before, after=audit.snapshot(membership))
    return membership


def membership_end(
    *, actor: Actor, membership: Membership, until: dt.date | None = None, note: str = ""
) -> Membership:
    """End a membership on `until` (today by default: it no longer counts from that day).
    Needs `manage_members` on the membership's unit. The row is kept as history."""
    check_manage_members(actor, membership.unit)
    until = until or timezone.localdate()
    with transaction.atomic():
        membership = end_membership(actor=actor, membership=membership, until=until, note=note)
    reset_scope(membership.person.user)
    return membership
