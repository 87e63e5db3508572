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
