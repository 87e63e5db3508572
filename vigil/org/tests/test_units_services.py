"""Unit services: create, update, move with the subtree's paths rewritten; who may do what."""

import pytest
from django.core.exceptions import ValidationError

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.models import AuditEntry
from vigil.org.models import Unit
from vigil.org.services.units import unit_create, unit_move, unit_update

pytestmark = pytest.mark.django_db


def act(user):
    return Actor(user=user, channel="web")


def test_province_analyst_creates_a_unit_under_own_province(net):
    unit = unit_create(actor=act(net.a_analyst), code="tinh-a-cntt", name="Sở CNTT tỉnh A",
                       kind="provincial_department", parent=net.prov_a)
    assert unit.path == net.prov_a.path + f"{unit.pk:08d}." and unit.depth == 2
    assert AuditEntry.objects.filter(object_type="org.unit", object_id=str(unit.pk), action="create").exists()


def test_sibling_province_cannot_create_under_the_other(net):
    with pytest.raises(AccessDenied):
        unit_create(actor=act(net.b_analyst), code="x", name="X", kind="provincial_department", parent=net.prov_a)
    assert not Unit.objects.filter(code="x").exists()


def test_sibling_province_cannot_edit_the_other(net):
    with pytest.raises(AccessDenied):
        unit_update(actor=act(net.b_analyst), unit=net.prov_a, name="Đổi tên")
    net.prov_a.refresh_from_db()
    assert net.prov_a.name == "Tỉnh A"


def test_sibling_province_cannot_move_units_of_the_other(net):
    with pytest.raises(AccessDenied):
        unit_move(actor=act(net.b_analyst), unit=net.prov_a_dept, new_parent=net.prov_b)
    with pytest.raises(AccessDenied):  # nor pull one of its own under the other province
        unit_move(actor=act(net.b_analyst), unit=net.prov_b_dept, new_parent=net.prov_a)


def test_office_can_create_edit_and_move_anywhere(net):
    office = act(net.office_staff)
    unit = unit_create(actor=office, code="tinh-b-cntt", name="Sở CNTT tỉnh B", kind="provincial_department", parent=net.prov_b)
    unit_update(actor=office, unit=unit, name="Sở Khoa học và Công nghệ tỉnh B", email="skhcn@b.example.vn")
    unit_move(actor=office, unit=unit, new_parent=net.prov_a)
    unit.refresh_from_db()
    assert unit.parent_id == net.prov_a.pk and unit.name.startswith("Sở Khoa học")


def test_root_needs_a_network_administrator(net):
    with pytest.raises(AccessDenied):
        unit_create(actor=act(net.a_head), code="root-2", name="Gốc 2", kind="other")
    unit = unit_create(actor=act(net.admin), code="root-2", name="Gốc 2", kind="other")
    assert unit.depth == 0 and unit.parent is None


def test_move_rewrites_the_paths_and_depths_of_the_whole_subtree(net):
    office = act(net.office_staff)
    grandchild = unit_create(actor=office, code="tinh-a-tb-to", name="Tổ ứng cứu", kind="working_group", parent=net.prov_a_sub)
    unit_move(actor=office, unit=net.prov_a, new_parent=net.ministry)  # odd, but legal
    for code in ("tinh-a", "tinh-a-tb", "tinh-a-sotc", "tinh-a-tb-to"):
        u = Unit.objects.get(code=code)
        assert u.path == u.compute_path(), code
        assert u.path.startswith(net.ministry.path)
        assert u.depth == u.path.count(".") - 1
    grandchild.refresh_from_db()
    assert grandchild.depth == 4
    assert AuditEntry.objects.filter(action="move", object_id=str(net.prov_a.pk)).count() == 1


def test_move_under_own_descendant_is_refused_naming_the_parent_field(net):
    with pytest.raises(DomainError) as exc:
        unit_move(actor=act(net.office_staff), unit=net.prov_a, new_parent=net.prov_a_sub)
    assert exc.value.field == "parent"


def test_move_to_the_current_parent_writes_nothing(net):
    before = AuditEntry.objects.count()
    unit_move(actor=act(net.office_staff), unit=net.prov_a_dept, new_parent=net.prov_a)
    assert AuditEntry.objects.count() == before


def test_duplicate_code_is_a_validation_error_on_code(net):
    with pytest.raises(ValidationError) as exc:
        unit_create(actor=act(net.office_staff), code="tinh-a", name="Trùng", kind="province", parent=net.national)
    assert "code" in exc.value.message_dict


def test_unknown_kind_names_the_kind_field(net):
    with pytest.raises(DomainError) as exc:
        unit_create(actor=act(net.office_staff), code="k", name="K", kind="nope", parent=net.national)
    assert exc.value.field == "kind"


def test_update_audits_before_and_after_only_when_something_changed(net):
    office = act(net.office_staff)
    before = AuditEntry.objects.count()
    unit_update(actor=office, unit=net.prov_b, name="Tỉnh B")
    assert AuditEntry.objects.count() == before
    unit_update(actor=office, unit=net.prov_b, phone="0236 000 000")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "update" and entry.before["phone"] == "" and entry.after["phone"] == "0236 000 000"


def test_department_responder_cannot_edit_its_parent_province(net):
    with pytest.raises(AccessDenied):
        unit_update(actor=act(net.a_dept), unit=net.prov_a, name="X")
    unit_update(actor=act(net.a_dept), unit=net.prov_a_dept, phone="1")
