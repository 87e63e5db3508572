"""Nobody grants a role carrying more than they hold on the unit, and nobody changes their
own roles (issue 11, item 14: a unit's secretary made themselves head of their unit).
One rule (`core.access.require_grantable`) for memberships, decisions and accounts; the
page, the API and the CLI go through those services."""

from datetime import date

import pytest

from vigil.core.access import can_in_unit, reset_scope
from vigil.core.errors import AccessDenied
from vigil.core.services.accounts import account_create
from vigil.org.models import Membership, Role
from vigil.org.services.decisions import decision_add_item, decision_create
from vigil.org.services.memberships import membership_add
from vigil.testing import PASSWORD, make_user

from .people_factories import actor, person, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(net):
    """The secretary of Tỉnh A: manages members, but holds neither `delete` nor `approve`."""
    return make_user(net, "a_secretary", net.prov_a, "secretary", full_name="Thư Ký A")


def test_secretary_cannot_make_themselves_head_of_their_unit(net, secretary):
    with pytest.raises(AccessDenied) as exc:
        membership_add(actor=actor(secretary), person=net.people["a_secretary"], unit=net.prov_a, role=role("head"))
    assert exc.value.field == "person" and "chính mình" in str(exc.value.message)
    assert not Membership.objects.filter(person=net.people["a_secretary"], role__code="head").exists()
    reset_scope(secretary)
    assert not can_in_unit(secretary, "approve", net.prov_a)


def test_secretary_cannot_make_anyone_head_but_may_give_roles_within_their_own(net, secretary):
    p = person(net.prov_a, "Cán Bộ Mới")
    with pytest.raises(AccessDenied) as exc:
        membership_add(actor=actor(secretary), person=p, unit=net.prov_a, role=role("head"))
    assert exc.value.field == "role"
    assert "approve" in str(exc.value.message) and "delete" in str(exc.value.message)
    # Lower in the tree too: the secretary's grant reaches it, the head's actions still do not.
    with pytest.raises(AccessDenied):
        membership_add(actor=actor(secretary), person=p, unit=net.prov_a_sub, role=role("deputy_head"))
    assert membership_add(actor=actor(secretary), person=p, unit=net.prov_a, role=role("analyst")).pk
    assert membership_add(actor=actor(secretary), person=p, unit=net.prov_a_sub, role=role("secretary")).pk


def test_nobody_changes_their_own_roles_not_even_downwards(net):
    with pytest.raises(AccessDenied) as exc:
        membership_add(actor=actor(net.a_head), person=net.people["a_head"], unit=net.prov_a_sub, role=role("member"))
    assert exc.value.field == "person"


def test_a_grant_on_the_unit_alone_does_not_hand_out_a_role_reaching_below_it(net):
    clerk = Role.objects.create(code="clerk", name="Văn thư", actions=["add", "change", "manage_members"],
                                reaches_descendants=False)
    editor = Role.objects.create(code="editor", name="Biên tập", actions=["add", "change"], reaches_descendants=True)
    user = make_user(net, "a_clerk", net.prov_a, clerk.code)
    p = person(net.prov_a, "Cán Bộ Khác")
    assert membership_add(actor=actor(user), person=p, unit=net.prov_a, role=role("responder")).pk  # unit only
    with pytest.raises(AccessDenied) as exc:
        membership_add(actor=actor(user), person=p, unit=net.prov_a, role=editor)
    assert "add" in str(exc.value.message) and "change" in str(exc.value.message)


def test_decisions_apply_the_same_rule(net, secretary):
    d = decision_create(actor=actor(secretary), unit=net.prov_a, number="09/QĐ", date=date(2025, 2, 1),
                        issuer="UBND tỉnh A", title="Kiện toàn")
    with pytest.raises(AccessDenied):
        decision_add_item(actor=actor(secretary), decision=d, action="appoint", person=net.people["a_secretary"],
                          role=role("analyst"))
    with pytest.raises(AccessDenied):
        decision_add_item(actor=actor(secretary), decision=d, action="appoint", person=person(net.prov_a, "Người Khác"),
                          role=role("head"))


def test_accounts_apply_the_same_rule(net, secretary):
    with pytest.raises(AccessDenied) as exc:
        account_create(actor=actor(secretary), username="new_head", password=PASSWORD, unit_code=net.prov_a.code,
                       role_code="head")
    assert exc.value.field == "role"
    assert account_create(actor=actor(secretary), username="new_analyst", password=PASSWORD,
                          unit_code=net.prov_a.code, role_code="analyst").pk


def test_api_refuses_a_self_promotion_with_a_clear_problem(net, secretary, api_client):
    client = api_client(secretary)
    resp = client.post("/api/v1/org/memberships", {"person_id": net.people["a_secretary"].pk, "unit_id": net.prov_a.pk,
                                                   "role": "head"}, content_type="application/json")
    assert resp.status_code == 403, resp.content
    assert "chính mình" in resp.json()["detail"]
    assert not Membership.objects.filter(person=net.people["a_secretary"], role__code="head").exists()


def test_page_refuses_a_self_promotion_next_to_the_field(net, secretary, login):
    from django.urls import reverse

    client = login(secretary)
    url = reverse("org:unit_membership_add", kwargs={"unit_id": net.prov_a.pk})
    resp = client.post(url, {"person": net.people["a_secretary"].pk, "unit": net.prov_a.pk,
                             "role": role("head").pk, "since": "2026-01-05"})
    assert resp.status_code == 200 and "chính mình" in resp.content.decode()
    assert not Membership.objects.filter(person=net.people["a_secretary"], role__code="head").exists()
