"""Reference data: `vigil load-reference` loads kinds, roles and the units of the network,
idempotently, through the unit services (paths and audit right)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.core.models import AuditEntry
from vigil.org.models import Role, Unit, UnitKind
from vigil.org.reference import REFERENCE_DIR, ReferenceDataError, load_units, read_toml, unit_rows
from vigil.testing import shared_data_dir

# The loaders fill an empty database: the standard test network is taken out (see conftest).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_network")]

DIVISIONS = shared_data_dir() / "vietnam/admin-units/vn-divisions-2025-nested.json"


def load(**kwargs) -> str:
    out = StringIO()
    call_command("load_reference", stdout=out, **kwargs)
    return out.getvalue()


def test_load_reference_creates_the_network_and_a_second_run_changes_nothing():
    first = load()
    assert "Đơn vị: " in first and "tạo mới" in first
    units = Unit.objects.count()
    audits = AuditEntry.objects.count()
    second = load()
    assert Unit.objects.count() == units
    assert AuditEntry.objects.count() == audits  # nothing written, nothing audited
    for line in second.splitlines():
        assert ": 0 tạo mới, 0 cập nhật," in line, line


def test_thirty_four_provinces_each_with_its_provincial_subcommittee():
    load()
    provinces = Unit.objects.filter(kind__code="province")
    assert provinces.count() == 34
    assert provinces.filter(admin_code__regex=r"^\d\d$").count() == 34
    subs = Unit.objects.filter(kind__code="provincial_subcommittee")
    assert subs.count() == 34
    for sub in subs.select_related("parent"):
        assert sub.code == f"{sub.parent.code}-tb"
        assert sub.parent.kind.code == "province"
        assert sub.path.startswith(sub.parent.path) and sub.depth == sub.parent.depth + 1
    hanoi = Unit.objects.get(code="ha-noi")
    assert (hanoi.name, hanoi.admin_code, hanoi.parent.code) == ("Thành phố Hà Nội", "01", "bcd-qg")
    assert Unit.objects.get(code="ho-chi-minh").admin_code == "79"
    cities = {"ha-noi", "hai-phong", "hue", "da-nang", "ho-chi-minh", "can-tho"}
    assert cities <= set(provinces.values_list("code", flat=True))


def test_committee_office_agency_subcommittees_and_ministries_have_their_kinds():
    load()
    kind = dict(Unit.objects.values_list("code", "kind__code"))
    assert kind["bcd-qg"] == "national_committee"
    assert kind["vp-bcd"] == "committee_office"
    assert kind["cqtt"] == "standing_agency"
    assert kind["bo-cong-an"] == kind["bo-quoc-phong"] == kind["ngan-hang-nha-nuoc"] == "ministry"
    assert Unit.objects.filter(kind__code="subcommittee").count() >= 5
    assert Unit.objects.filter(kind__code="ministry").count() >= 17
    root = Unit.objects.get(code="bcd-qg")
    assert root.parent is None and root.depth == 0
    assert not Unit.objects.exclude(pk=root.pk).filter(parent__isnull=True).exists()
    for unit in Unit.objects.all():
        assert unit.path == unit.compute_path()
    assert all(u.name_en for u in Unit.objects.all())


def test_kinds_and_roles_are_loaded_from_their_files():
    load()
    assert set(UnitKind.objects.values_list("code", flat=True)) == {
        row["code"] for row in read_toml("unit_kinds.toml")["kind"]
    }
    assert Role.objects.count() == len(read_toml("roles.toml")["role"])


def test_units_are_created_through_the_service_with_an_audit_entry_each():
    creates = AuditEntry.objects.filter(object_type="org.unit", action="create")
    before = list(creates.values_list("pk", flat=True))  # the test network's units
    load()
    created = creates.exclude(pk__in=before)
    assert created.count() == Unit.objects.count()
    assert set(created.values_list("channel", flat=True)) == {"cli"}


def test_reload_repairs_an_edited_name_and_moves_a_misplaced_province():
    load()
    hanoi = Unit.objects.get(code="ha-noi")
    Unit.objects.filter(pk=hanoi.pk).update(name="Hà Nội (sai)")
    from vigil.core.actors import system_actor
    from vigil.org.services.units import unit_move

    unit_move(actor=system_actor(), unit=hanoi, new_parent=Unit.objects.get(code="hue"))
    out = load()
    assert "Đơn vị: 0 tạo mới, 1 cập nhật" in out
    hanoi.refresh_from_db()
    sub = Unit.objects.get(code="ha-noi-tb")
    assert hanoi.name == "Thành phố Hà Nội" and hanoi.parent.code == "bcd-qg"
    assert sub.path.startswith(hanoi.path) and sub.depth == 2


def test_contacts_filled_in_by_users_survive_a_reload():
    load()
    Unit.objects.filter(code="da-nang").update(email="attt@danang.example.vn")
    load()
    assert Unit.objects.get(code="da-nang").email == "attt@danang.example.vn"


def test_reference_loads_beside_the_test_network(net):
    load()
    assert Unit.objects.get(code="tinh-a").parent.code == "bcd-qg"  # user units untouched
    assert Unit.objects.get(code="bcd-qg").pk == net.national.pk


def test_a_malformed_file_is_refused_with_the_file_and_row_named(tmp_path):
    (tmp_path / "units.toml").write_text(
        '[[unit]]\ncode = "bcd-qg"\nname = "Ban"\nkind = "national_committee"\n'
        '[[unit]]\ncode = "x"\nname = "X"\nkind = "ministry"\nparent = "nowhere"\n',
        encoding="utf-8",
    )
    (tmp_path / "provinces.toml").write_text("", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="nowhere"):
        unit_rows(tmp_path)
    (tmp_path / "units.toml").write_text('[[unit]]\ncode = "y"\nname = "Y"\nkind = "ministry"\ncolour = "red"\n')
    with pytest.raises(ReferenceDataError, match=r"units.toml, mục 1 \(y\).*colour"):
        unit_rows(tmp_path)


def test_an_unknown_kind_is_refused_and_nothing_is_written(tmp_path):
    call_command("load_reference", stdout=StringIO())
    before = Unit.objects.count()
    (tmp_path / "units.toml").write_text('[[unit]]\ncode = "new-x"\nname = "X"\nkind = "bogus"\n')
    (tmp_path / "provinces.toml").write_text("")
    with pytest.raises(ReferenceDataError, match="bogus"):
        load_units(tmp_path)
    assert Unit.objects.count() == before


def test_command_turns_a_data_error_into_a_command_error(monkeypatch, tmp_path):
    (tmp_path / "units.toml").write_text("not [valid toml")
    monkeypatch.setattr("vigil.org.reference.REFERENCE_DIR", tmp_path)
    with pytest.raises(CommandError, match="units.toml|unit_kinds.toml"):
        call_command("load_reference", stdout=StringIO())


def test_province_names_and_codes_agree_with_the_national_list():
    if not DIVISIONS.exists():
        pytest.skip("shared data not present")
    official = {f"{p['code']:02d}": p["name"] for p in json.loads(DIVISIONS.read_text(encoding="utf-8"))}
    ours = {row["admin_code"]: row["name"] for row in read_toml("provinces.toml")["province"]}
    assert ours == official
    codes = {row["admin_code"]: row["code"] for row in read_toml("provinces.toml")["province"]}
    theirs = {f"{p['code']:02d}": p["codename"].replace("_", "-") for p in json.loads(DIVISIONS.read_text(encoding="utf-8"))}
    assert codes == theirs
    assert (REFERENCE_DIR / "provinces.toml").exists()
