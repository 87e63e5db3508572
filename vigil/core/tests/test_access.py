"""The access layer: memberships x roles x descendants x TLP."""

import pytest

from vigil.core.access import can, can_in_unit, visible_to
from vigil.org.models import Unit

pytestmark = pytest.mark.django_db


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_province_analyst_sees_own_subtree_and_ancestors_only(net):
    seen = codes(visible_to(net.a_analyst, Unit))
    assert {"tinh-a", "tinh-a-tb", "tinh-a-sotc", "bcd-qg"} <= seen
    assert "tinh-b" not in seen and "tinh-b-sotc" not in seen and "bo-x" not in seen


def test_sibling_province_cannot_change_other_province(net):
    assert not can(net.b_analyst, "change", net.prov_a)
    assert not can_in_unit(net.b_analyst, "add", net.prov_a_dept)
    assert can(net.a_analyst, "change", net.prov_a_dept)


def test_office_role_sees_whole_tree(net):
    assert codes(visible_to(net.office_staff, Unit)) == set(Unit.objects.values_list("code", flat=True))
    assert can(net.office_staff, "change", net.prov_b_dept)


def test_role_without_descendants_stays_on_its_unit(net):
    assert can(net.a_dept, "change", net.prov_a_dept)
    assert not can(net.a_dept, "change", net.prov_a)


def test_membership_not_yet_started_grants_nothing(net):
    assert list(visible_to(net.nobody, Unit)) == []


def test_anonymous_sees_nothing(net):
    from django.contrib.auth.models import AnonymousUser

    assert visible_to(AnonymousUser(), Unit).count() == 0


def test_visible_within_skips_nothing_it_should_not(net):
    """visible_within equals visible_to whatever the anchors: it only saves work when the
    scope covers them, and falls back to the full filter otherwise."""
    from vigil.core.access import covers, visible_within
    from vigil.org.models import Unit

    units = net.units
    a_analyst, b_analyst, office = net.users["a_analyst"], net.users["b_analyst"], net.users["office_staff"]
    assert covers(a_analyst, units["prov_a_dept"], subtree=True)
    assert not covers(a_analyst, units["national"], subtree=False)  # an ancestor, seen only as such
    assert not covers(b_analyst, units["prov_a"], subtree=True)
    assert covers(office, units["prov_b"], subtree=True)
    assert not covers(net.users["a_dept"], units["prov_a"], subtree=True)
    for user in (a_analyst, b_analyst, office, net.users["a_dept"], net.users["nobody"]):
        for unit in units.values():
            for subtree in (True, False):
                confined = Unit.objects.filter(path__startswith=unit.path) if subtree else Unit.objects.filter(pk=unit.pk)
                got = set(visible_within(user, confined, [(unit, subtree)]).values_list("pk", flat=True))
                want = set(visible_to(user, confined).values_list("pk", flat=True))
                # the unit policy adds ancestors, never inside a covered anchor
                assert got == want, (user.username, unit.code, subtree)
