"""Import and export of the registry: all or nothing, skip bad lines, per-line errors,
upsert, access, CSV and XLSX round trips; and the due-date reminders."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from vigil.assets.models import InformationSystem
from vigil.assets.services import imports, reminders
from vigil.assets.services import systems as svc
from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.core.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db

HEADER = ("Mã đơn vị,Mã hệ thống,Tên hệ thống,Hình thức triển khai,Cấp độ,Số quyết định phê duyệt cấp độ,"
          "Ngày phê duyệt cấp độ,Quan trọng về an ninh quốc gia,Hạn rà soát,Địa chỉ,Phần mềm (CPE)\n")
GOOD_1 = ('tinh-a,dvc,Cổng dịch vụ công tỉnh A,Điện toán đám mây,3,12/QĐ-UBND,01/02/2025,có,31/12/2026,'
          '"192.0.2.0/28; dichvucong.tinh-a.example.vn",cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*\n')
GOOD_2 = 'tinh-a-sotc,mail,Thư điện tử Sở Tài chính,on_premises,2,,,không,2026-06-30,mail.sotc.example.vn,\n'
BAD_3 = "tinh-a,web,Trang thông tin,mars,9,,,không,31/13/2026,192.0.2.1/24,apache\n"


def actor(user):
    return Actor(user=user, channel="web")


def run(user, text, **kw):
    return imports.import_registry(actor=actor(user), content=text.encode(), filename="ds.csv", **kw)


def test_valid_csv_is_imported_and_audited(net):
    result = run(net.a_analyst, HEADER + GOOD_1 + GOOD_2)
    assert result.imported and not result.errors
    assert [c[0] for c in result.created] == [2, 3]
    dvc = InformationSystem.objects.get(code="dvc")
    assert dvc.hosting == "cloud" and dvc.level == 3 and dvc.national_security_important
    assert dvc.level_decision_date == dt.date(2025, 2, 1) and dvc.review_due == dt.date(2026, 12, 31)
    assert sorted(a.value for a in dvc.addresses.all()) == ["192.0.2.0/28", "dichvucong.tinh-a.example.vn"]
    assert dvc.software.get().product == "http_server"
    assert AuditEntry.objects.filter(action="assets.system.create").count() == 2
    summary = AuditEntry.objects.get(action="assets.system.import")
    assert summary.after["created"] and summary.after["rows"] == 2


def test_one_bad_row_means_nothing_is_imported(net):
    result = run(net.a_analyst, HEADER + GOOD_1 + GOOD_2 + BAD_3)
    assert not result.imported
    assert InformationSystem.objects.count() == 0
    assert result.bad_lines == [4]
    columns = {e.column for e in result.errors}
    assert {"Hình thức triển khai", "Cấp độ", "Hạn rà soát", "Địa chỉ", "Phần mềm (CPE)"} <= columns
    assert all(e.line == 4 for e in result.errors)
    assert "Dòng 4" in str(result.errors[0])
    assert not AuditEntry.objects.filter(action__startswith="assets.").exists()


def test_skip_bad_lines_imports_the_good_ones(net):
    result = run(net.a_analyst, HEADER + GOOD_1 + BAD_3 + GOOD_2, skip_bad_lines=True)
    assert result.imported
    assert result.skipped_lines == [3]
    assert set(InformationSystem.objects.values_list("code", flat=True)) == {"dvc", "mail"}


def test_dry_run_writes_nothing(net):
    result = run(net.a_analyst, HEADER + GOOD_1, dry_run=True)
    assert result.ok and not result.imported and result.rows == 1
    assert not InformationSystem.objects.exists()


def test_import_is_an_upsert_and_syncs_children(net):
    run(net.a_analyst, HEADER + GOOD_1)
    changed = GOOD_1.replace("Cổng dịch vụ công tỉnh A", "Cổng DVC tỉnh A").replace(
        '"192.0.2.0/28; dichvucong.tinh-a.example.vn"', "198.51.100.9")
    result = run(net.a_analyst, HEADER + changed)
    assert [u[0] for u in result.updated] == [2] and not result.created
    dvc = InformationSystem.objects.get(code="dvc")
    assert dvc.name == "Cổng DVC tỉnh A"
    assert [a.value for a in dvc.addresses.all()] == ["198.51.100.9/32"]
    again = run(net.a_analyst, HEADER + changed)
    assert [u[0] for u in again.unchanged] == [2]


def test_importer_may_only_write_its_units(net):
    text = HEADER + GOOD_1.replace("tinh-a,", "tinh-b,", 1) + GOOD_2.replace("tinh-a-sotc", "no-such-unit")
    result = run(net.a_analyst, text)
    assert not result.imported and result.bad_lines == [2, 3]
    # Same message for a unit that exists and one that does not: nothing leaks.
    assert result.errors[0].message.split("”")[1] == result.errors[1].message.split("”")[1]
    assert run(net.b_analyst, HEADER + GOOD_1.replace("tinh-a,", "tinh-b,", 1)).imported


def test_duplicate_keys_in_one_file_are_errors(net):
    result = run(net.a_analyst, HEADER + GOOD_1 + GOOD_1)
    assert result.bad_lines == [3] and "dòng 2" in result.errors[0].message


def test_english_headers_and_semicolon_csv_are_accepted(net):
    text = ("Unit code;System code;Name;Important;Review due;Addresses\n"
            "tinh-a;portal;Portal;yes;2026-01-31;\"203.0.113.5\n203.0.113.6\"\n")
    result = run(net.a_analyst, text)
    assert result.imported, [str(e) for e in result.errors]
    portal = InformationSystem.objects.get(code="portal")
    assert portal.national_security_important and portal.addresses.count() == 2


def test_unreadable_files_raise_a_file_error(net):
    with pytest.raises(DomainError) as exc:
        run(net.a_analyst, "Tên,Ghi chú\nx,y\n")
    assert exc.value.field == "file" and "Mã đơn vị" in str(exc.value.message)
    with pytest.raises(DomainError):
        imports.import_registry(actor=actor(net.a_analyst), content=b"\xff\xfe", filename="x.csv")
    with pytest.raises(DomainError):
        imports.import_registry(actor=actor(net.a_analyst), content=b"PK\x03\x04junk", filename="x.xlsx")
    with pytest.raises(DomainError):
        imports.import_registry(actor=actor(net.a_analyst), content=b"x", filename="x.txt")


def test_xlsx_round_trip(net):
    run(net.a_analyst, HEADER + GOOD_1 + GOOD_2)
    exported = imports.export_registry(actor=actor(net.a_analyst), fmt="xlsx")
    assert exported.count == 2 and exported.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet["A1"].value == "Mã đơn vị"
    assert AuditEntry.objects.filter(action="export", object_type="assets.informationsystem").exists()
    InformationSystem.objects.all().delete()
    result = imports.import_registry(actor=actor(net.a_analyst), content=exported.content, filename="x.xlsx")
    assert result.imported and len(result.created) == 2, [str(e) for e in result.errors]
    dvc = InformationSystem.objects.get(code="dvc")
    assert dvc.level_decision_date == dt.date(2025, 2, 1) and dvc.hosting == "cloud"
    assert dvc.addresses.count() == 2 and dvc.software.count() == 1


def test_csv_export_respects_visibility_and_round_trips(net):
    run(net.a_analyst, HEADER + GOOD_1)
    svc.system_create(actor=actor(net.b_analyst), owner_unit=net.prov_b, code="b-sys", name="Hệ thống B")
    exported = imports.export_registry(actor=actor(net.b_analyst), fmt="csv")
    text = exported.content.decode("utf-8-sig")
    assert "b-sys" in text and "dvc" not in text
    mine = imports.export_registry(actor=actor(net.a_analyst), fmt="csv")
    again = imports.import_registry(actor=actor(net.a_analyst), content=mine.content, filename="x.csv")
    assert again.imported and [u[0] for u in again.unchanged] == [2], [str(e) for e in again.errors]


def _due_system(net, **dates):
    return svc.system_create(actor=actor(net.a_head), owner_unit=net.prov_a, code="dvc", name="Cổng DVC", **dates)


def test_reminders_at_30_7_1_days_and_overdue_are_idempotent(net):
    today = dt.date(2026, 3, 1)
    _due_system(net, review_due=today + dt.timedelta(days=30), reapproval_due=today + dt.timedelta(days=6))
    first = reminders.run_reminders(today=today)
    assert first.notifications > 0
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {reminders.REVIEW_DUE, reminders.REAPPROVAL_DUE}
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert "a_head" in recipients and "b_analyst" not in recipients
    count = Notification.objects.count()
    assert reminders.run_reminders(today=today).notifications == 0
    assert reminders.run_reminders(today=today + dt.timedelta(days=1)).notifications == 0  # same stages
    assert Notification.objects.count() == count
    reminders.run_reminders(today=today + dt.timedelta(days=5))  # reapproval: 1 day left
    reminders.run_reminders(today=today + dt.timedelta(days=7))  # reapproval overdue
    assert Notification.objects.filter(kind=reminders.OVERDUE).exists()
    overdue = Notification.objects.filter(kind=reminders.OVERDUE).count()
    reminders.run_reminders(today=today + dt.timedelta(days=8))
    assert Notification.objects.filter(kind=reminders.OVERDUE).count() == overdue  # once per due date


def test_retired_systems_get_no_reminder(net):
    today = dt.date(2026, 3, 1)
    _due_system(net, review_due=today, status="retired")
    assert reminders.run_reminders(today=today).notifications == 0


def test_stage_for():
    d = dt.date(2026, 1, 31)
    days = (30, 7, 1)
    assert reminders.stage_for(d, dt.date(2025, 12, 1), days) is None
    assert reminders.stage_for(d, dt.date(2026, 1, 1), days) == "30"
    assert reminders.stage_for(d, dt.date(2026, 1, 25), days) == "7"
    assert reminders.stage_for(d, d, days) == "1"
    assert reminders.stage_for(d, dt.date(2026, 2, 1), days) == "overdue"
