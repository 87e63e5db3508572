"""CLI: `vigil inspections list|show|findings|close-finding --as USER`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from vigil.core.models import AuditEntry
from vigil.program.services import inspections as svc

from .test_inspections_fixtures import DUE, YEAR, act, finding, started

pytestmark = pytest.mark.django_db


def run(*args):
    """Run the command in Vietnamese (the default language), whatever a test before set."""
    out = StringIO()
    with translation.override("vi"):
        call_command("inspections", *args, stdout=out)
    return out.getvalue()


def test_list_and_show_follow_the_access_layer(net):
    inspection = started(net, title="Kiểm tra ATTT tỉnh A")
    f = finding(net, inspection, "prov_a_dept", text="Thiếu quy chế")
    finding(net, inspection, "prov_a_sub", text="Thiếu biên bản")
    svc.finding_to_task(actor=act(net, "a_analyst"), finding=f, due_date=DUE, title="Ban hành quy chế")
    assert "Kiểm tra ATTT tỉnh A" in run("list", "--as", "office_staff")
    assert "Kiểm tra ATTT tỉnh A" not in run("list", "--as", "b_analyst")
    data = json.loads(run("list", "--year", str(YEAR), "--unit", "tinh-a", "--json", "--as", "a_analyst"))
    assert [(d["id"], d["finding_count"], d["open_finding_count"]) for d in data] == [(inspection.pk, 2, 2)]
    out = run("show", str(inspection.pk), "--as", "a_analyst")
    assert "Thiếu quy chế" in out and "Thiếu biên bản" in out and "Ban hành quy chế" in out and "Chưa thực hiện" in out
    # the inspected department sees its own finding only
    data = json.loads(run("show", str(inspection.pk), "--json", "--as", "a_dept"))
    assert [t["unit_code"] for t in data["targets"]] == ["tinh-a-sotc"]
    assert [x["text"] for x in data["findings"]] == ["Thiếu quy chế"]
    with pytest.raises(CommandError) as exc:
        run("show", str(inspection.pk), "--as", "b_analyst")
    assert exc.value.returncode == 3 and "inspection_id" in str(exc.value)


def test_findings_to_follow_up_filter_by_severity_subtree_and_year(net):
    inspection = started(net)
    high = finding(net, inspection, "prov_a_dept", severity=4)
    low = finding(net, inspection, "prov_a_sub", severity=1)
    ids = lambda *args: [f["id"] for f in json.loads(run("findings", "--json", "--as", "office_staff", *args))]  # noqa: E731
    assert ids() == [high.pk, low.pk]
    assert ids("--severity", "1") == [low.pk]
    assert ids("--min-severity", "3") == [high.pk]
    assert ids("--subtree", "tinh-a-sotc") == [high.pk]
    assert ids("--year", str(YEAR - 1)) == []
    assert ids("--inspection", str(inspection.pk), "--status", "all") == [high.pk, low.pk]
    assert "2 phát hiện." in run("findings", "--as", "office_staff")
    with pytest.raises(CommandError) as exc:
        run("findings", "--year", "năm-nay", "--as", "office_staff")
    assert "--year" in str(exc.value)


def test_close_finding_refuses_open_tasks_unless_overridden(net):
    inspection = started(net)
    f = finding(net, inspection)
    svc.finding_to_task(actor=act(net, "a_analyst"), finding=f, due_date=DUE)
    with pytest.raises(CommandError) as exc:
        run("close-finding", str(f.pk), "--note", "Xong", "--as", "a_analyst")
    assert exc.value.returncode == 1 and "tasks:" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("close-finding", str(f.pk), "--note", "Xong", "--override", "Sáp nhập", "--as", "a_dept")
    assert "quyền" in str(exc.value)
    with pytest.raises(CommandError):
        run("close-finding", str(f.pk), "--note", "Xong", "--as", "b_analyst")
    out = run("close-finding", str(f.pk), "--note", "Chuyển kỳ sau", "--override", "Đơn vị sáp nhập", "--as", "a_analyst")
    assert "Đã đóng phát hiện số 1" in out
    assert AuditEntry.objects.get(action="program.finding.close").channel == "cli"
    with pytest.raises(CommandError) as exc:
        run("close-finding", str(f.pk), "--note", "Lần nữa", "--as", "a_analyst")
    assert "status:" in str(exc.value)


def test_missing_identity_is_a_usage_error(net):
    with pytest.raises(CommandError) as exc:
        run("list")
    assert exc.value.returncode == 2 and "--as" in str(exc.value)
