"""The access layer decides from the Actor: the named platform actor may do everything,
an actor without a user that is not the platform nothing, and "holds an action somewhere"
is one function that the menu and the pages share."""

from datetime import date

import pytest
from django.urls import reverse

from vigil.core import access
from vigil.core.actors import Actor, system_actor
from vigil.core.errors import AccessDenied
from vigil.core.navigation import menu_for
from vigil.core.selectors import is_auditor
from vigil.org.models import Membership, Person, Role, Unit

pytestmark = pytest.mark.django_db


def test_the_platform_is_one_named_actor():
    platform = Actor.platform("job")
    assert platform.is_platform and platform.user is None and platform.channel == "job"
    assert system_actor("cli").is_platform
    assert not Actor(user=None).is_platform
    with pytest.raises(ValueError):
        Actor(user=object(), is_platform=True)


def test_the_platform_may_do_everything_and_sees_everything(net):
    platform = Actor.platform("job")
    for action in access.ACTIONS:
        assert access.allowed(platform, action, net.prov_b_dept)
        assert access.allowed(platform, action, None)
        assert access.holds(platform, action)
    access.require(platform, "admin", None)
    assert access.visible_to(platform, Unit).count() == Unit.objects.count()


def test_an_actor_without_a_user_is_anonymous_not_the_platform(net):
    anonymous = Actor(user=None, channel="job")
    for action in access.ACTIONS:
        assert not access.allowed(anonymous, action, net.prov_a)
        assert not access.allowed(anonymous, action, None)
        assert not access.holds(anonymous, action)
    with pytest.raises(AccessDenied):
        access.require(anonymous, "change", net.prov_a)
    assert not access.visible_to(anonymous, Unit).exists()
    assert not access.is_member(anonymous)


def test_services_obey_the_one_rule_for_both(net):
    """A write that let a user-less actor through (org) and one that refused it (incidents)
    now both decide by the same rule."""
    from vigil.org.services.units import unit_update

    with pytest.raises(AccessDenied):
        unit_update(actor=Actor(user=None, channel="cli"), unit=net.prov_a, phone="0123")
    updated = unit_update(actor=Actor.platform("cli"), unit=net.prov_a, phone="0123")
    assert updated.phone == "0123"


def test_user_entry_points_accept_an_actor_or_a_user(net):
    actor = Actor(user=net.a_analyst, channel="api")
    assert access.allowed(actor, "change", net.prov_a_dept) == access.allowed(net.a_analyst, "change", net.prov_a_dept)
    assert not access.allowed(actor, "change", net.prov_b)
    assert set(access.visible_to(actor, Unit)) == set(access.visible_to(net.a_analyst, Unit))
    assert access.member_units(actor) == {net.prov_a.pk}
    assert access.acts_for(actor, net.prov_a_dept) and not access.acts_for(actor, net.prov_b)
    # A network-wide grant does not answer for another unit.
    assert not access.acts_for(net.office_staff, net.prov_a)


def test_a_role_granting_only_admin_sees_the_audit_log_in_the_menu_and_opens_it(net, client):
    """`holds(user, "audit")` is the one answer: the menu and the page agree (admin implies
    every action)."""
    role = Role.objects.create(code="admin-only", name="Quản trị", actions=["admin"], reaches_descendants=True)
    user = type(net.a_analyst).objects.create_user(username="admin_only", password="x-Pass-2026-long")
    person = Person.objects.create(full_name="Chỉ Quản Trị", home_unit=net.prov_a, user=user)
    Membership.objects.create(person=person, unit=net.prov_a, role=role, since=date(2025, 1, 1))
    assert access.holds(user, "audit") and is_auditor(user)
    urls = [entry.get("url") for item in menu_for(user) for entry in [item, *item.get("children", [])]]
    assert reverse("core:audit_list") in urls
    client.force_login(user)
    assert client.get(reverse("core:audit_list")).status_code == 200


def test_holds_is_false_without_the_action(net):
    assert not access.holds(net.b_analyst, "audit")
    assert access.holds(net.auditor, "audit")
    assert access.holds(net.a_head, "export") == bool(
        {"export", "admin"} & set(Role.objects.get(code="head").actions)
    )
