"""Services on people: who may create and edit whom, and what a bad value answers."""

import pytest
from django.core.exceptions import ValidationError

from vigil.core.access import can
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.models import AuditEntry, User
from vigil.org.services.people import person_create, person_update
from vigil.testing import make_user

from .people_factories import actor, person

pytestmark = pytest.mark.django_db


def test_province_head_creates_person_in_own_subtree_with_audit(net):
    p = person_create(
        actor=actor(net.a_head), full_name="  Trần   Văn  Bình ", home_unit=net.prov_a_dept,
        position="Phó Giám đốc Sở", email="binh@tinh-a.gov.vn",
    )
    assert p.full_name == "Trần Văn Bình"
    entry = AuditEntry.objects.filter(object_type="org.person", object_id=str(p.pk)).get()
    assert entry.action == "create" and entry.actor == net.a_head and entry.after["full_name"] == "Trần Văn Bình"


def test_sibling_province_cannot_create_person_in_other_province(net):
    make_user(net, "b_head", net.prov_b, "head")
    with pytest.raises(AccessDenied):
        person_create(actor=actor(net.users["b_head"]), full_name="Lê Thị Lan", home_unit=net.prov_a_dept)


def test_office_creates_person_anywhere(net):
    p = person_create(actor=actor(net.office_staff), full_name="Lê Thị Lan", home_unit=net.prov_b_dept)
    assert p.home_unit == net.prov_b_dept


def test_blank_name_and_bad_email_name_their_fields(net):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=actor(net.a_head), full_name="   ", home_unit=net.prov_a, email="not-an-email")
    assert {"full_name", "email"} <= set(exc.value.message_dict)


def test_missing_home_unit_names_the_field(net):
    with pytest.raises(DomainError) as exc:
        person_create(actor=actor(net.a_head), full_name="Lê Thị Lan", home_unit=None)
    assert exc.value.field == "home_unit"


def test_update_needs_change_on_home_unit(net):
    p = person(net.prov_a_dept, "Phạm Văn Hùng")
    updated = person_update(actor=actor(net.a_head), person=p, position="Chánh Văn phòng")
    assert updated.position == "Chánh Văn phòng"
    with pytest.raises(AccessDenied):
        person_update(actor=actor(net.b_analyst), person=p, position="x")
    assert AuditEntry.objects.filter(object_type="org.person", object_id=str(p.pk), action="update").count() == 1


def test_moving_a_person_needs_add_on_the_new_home_unit(net):
    p = person(net.prov_a_dept, "Phạm Văn Hùng")
    with pytest.raises(AccessDenied):
        person_update(actor=actor(net.a_head), person=p, home_unit=net.prov_b)
    moved = person_update(actor=actor(net.office_staff), person=p, home_unit=net.prov_b)
    assert moved.home_unit == net.prov_b


def test_unknown_field_is_refused(net):
    p = person(net.prov_a_dept)
    with pytest.raises(DomainError):
        person_update(actor=actor(net.a_head), person=p, created_at=None)


def test_linking_a_login_needs_a_network_administrator(net):
    account = User.objects.create_user(username="moi", password="Vigil-test-pass-2026")
    p = person(net.prov_a_dept, "Đặng Thu Hà")
    with pytest.raises(AccessDenied):
        person_update(actor=actor(net.a_head), person=p, user=account)
    person_update(actor=actor(net.admin), person=p, user=account)
    p.refresh_from_db()
    assert p.user == account


def test_an_account_links_to_one_person_only(net):
    p = person(net.prov_a_dept, "Đặng Thu Hà")
    with pytest.raises(DomainError) as exc:
        person_update(actor=actor(net.admin), person=p, user=net.a_head)
    assert exc.value.field == "user"


def test_a_person_always_sees_themself_and_sibling_does_not(net):
    me = net.people["a_analyst"]
    assert can(net.a_analyst, "view", me)
    assert not can(net.b_analyst, "view", me)
