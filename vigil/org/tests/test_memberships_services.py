"""Services on memberships: add and end, permissions, validation, history."""

from datetime import date

import pytest

from vigil.core.access import can_in_unit
from vigil.core.errors import AccessDenied, Conflict, DomainError, NotFound
from vigil.core.models import AuditEntry
from vigil.org.models import Membership
from vigil.org.services.memberships import membership_add, membership_end
from vigil.testing import make_user

from .people_factories import actor, member, person, role

pytestmark = pytest.mark.django_db


def test_head_adds_member_in_own_subtree_and_the_grant_takes_effect(net):
    p = person(net.prov_a_dept, "Ngô Văn Long")
    m = membership_add(
        actor=actor(net.a_head), person=p, unit=net.prov_a_sub, role=role("member"), since=date(2025, 5, 1)
    )
    assert m.until is None and m.since == date(2025, 5, 1)
    assert AuditEntry.objects.filter(object_type="org.membership", object_id=str(m.pk), action="create").exists()
    # the new grant counts at once for the person's account
    assert not can_in_unit(net.a_dept, "change", net.prov_a_sub)
    membership_add(actor=actor(net.a_head), person=net.people["a_dept"], unit=net.prov_a_sub, role=role("secretary"))
    assert can_in_unit(net.a_dept, "change", net.prov_a_sub)


def test_sibling_province_head_cannot_add_members(net):
    make_user(net, "b_head", net.prov_b, "head")
    p = person(net.prov_b_dept)
    with pytest.raises(AccessDenied):
        membership_add(actor=actor(net.users["b_head"]), person=p, unit=net.prov_a_sub, role=role("member"))


def test_role_without_manage_members_cannot_add(net):
    p = person(net.prov_a_dept)
    with pytest.raises(AccessDenied):
        membership_add(actor=actor(net.a_analyst), person=p, unit=net.prov_a_sub, role=role("member"))


def test_office_adds_members_anywhere(net):
    p = person(net.prov_b_dept)
    m = membership_add(actor=actor(net.office_staff), person=p, unit=net.prov_b_dept, role=role("member"))
    assert m.pk


def test_person_outside_the_actors_sight_is_not_found(net):
    stranger = person(net.prov_b_dept, "Người tỉnh B")
    with pytest.raises(NotFound) as exc:
        membership_add(actor=actor(net.a_head), person=stranger, unit=net.prov_a_sub, role=role("member"))
    assert exc.value.field == "person"


def test_until_before_since_names_until(net):
    p = person(net.prov_a_dept)
    with pytest.raises(DomainError) as exc:
        membership_add(
            actor=actor(net.a_head), person=p, unit=net.prov_a_sub, role=role("member"),
            since=date(2025, 5, 1), until=date(2025, 4, 1),
        )
    assert exc.value.field == "until"


def test_no_second_overlapping_membership_in_the_same_role(net):
    p = person(net.prov_a_dept)
    member(p, net.prov_a_sub, "member", since=date(2025, 1, 1), until=date(2025, 6, 1))
    with pytest.raises(Conflict) as exc:
        membership_add(
            actor=actor(net.a_head), person=p, unit=net.prov_a_sub, role=role("member"), since=date(2025, 5, 1)
        )
    assert exc.value.field == "role"
    # a period that starts when the previous one ended is fine, and so is another role
    membership_add(actor=actor(net.a_head), person=p, unit=net.prov_a_sub, role=role("member"), since=date(2025, 6, 1))
    membership_add(actor=actor(net.a_head), person=p, unit=net.prov_a_sub, role=role("secretary"), since=date(2025, 5, 1))


def test_inactive_person_cannot_be_given_a_role(net):
    p = person(net.prov_a_dept, is_active=False)
    with pytest.raises(DomainError) as exc:
        membership_add(actor=actor(net.a_head), person=p, unit=net.prov_a_sub, role=role("member"))
    assert exc.value.field == "person"


def test_roles_that_open_the_platform_need_a_network_administrator(net):
    p = person(net.prov_a_dept)
    for code in ("admin", "auditor"):
        with pytest.raises(AccessDenied):
            membership_add(actor=actor(net.a_head), person=p, unit=net.prov_a, role=role(code))
    assert membership_add(actor=actor(net.admin), person=p, unit=net.prov_a, role=role("auditor")).pk


def test_end_keeps_the_row_as_history(net):
    p = person(net.prov_a_dept)
    m = member(p, net.prov_a_sub, "member", since=date(2025, 1, 1))
    ended = membership_end(actor=actor(net.a_head), membership=m, until=date(2025, 9, 1), note="Nghỉ hưu")
    assert ended.until == date(2025, 9, 1) and "Nghỉ hưu" in ended.note
    assert Membership.objects.filter(pk=m.pk).exists()
    assert not Membership.objects.active(date(2025, 9, 1)).filter(pk=m.pk).exists()
    assert Membership.objects.active(date(2025, 8, 31)).filter(pk=m.pk).exists()
    entry = AuditEntry.objects.get(object_type="org.membership", object_id=str(m.pk), action="end")
    assert entry.before["until"] is None and entry.after["until"] == "2025-09-01"


def test_end_twice_or_before_start_is_refused(net):
    p = person(net.prov_a_dept)
    m = member(p, net.prov_a_sub, "member", since=date(2025, 1, 1))
    with pytest.raises(DomainError) as exc:
        membership_end(actor=actor(net.a_head), membership=m, until=date(2024, 12, 1))
    assert exc.value.field == "until"
    membership_end(actor=actor(net.a_head), membership=m, until=date(2025, 3, 1))
    m.refresh_from_db()
    with pytest.raises(Conflict):
        membership_end(actor=actor(net.a_head), membership=m, until=date(2025, 4, 1))


def test_sibling_cannot_end_a_membership(net):
    make_user(net, "b_head", net.prov_b, "head")
    m = member(person(net.prov_a_dept), net.prov_a_sub, "member")
    with pytest.raises(AccessDenied):
        membership_end(actor=actor(net.users["b_head"]), membership=m)
    m.refresh_from_db()
    assert m.until is None
