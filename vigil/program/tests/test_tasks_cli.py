"""CLI: `vigil tasks list|show|create|report|confirm|accept|return|extend|decide|cancel|cascade --as USER`."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from vigil.core.models import AuditEntry
from vigil.program import status as S
from vigil.program.models import EvidenceFile, ExtensionRequest, Task
from vigil.testing import make_user

pytestmark = pytest.mark.django_db

TODAY = S.today()
DUE = TODAY + dt.timedelta(days=30)


@pytest.fixture
def world(net):
    make_user(net, "office_head", net.units["office"], "head")
    make_user(net, "b_head", net.units["prov_b"], "head")
    return net


def run(*args):
    out = StringIO()
    call_command("tasks", *args, stdout=out)
    return out.getvalue()


def create_for_provinces():
    data = json.loads(run(
        "create", "--title", "Rà soát hệ thống", "--assigning-unit", "vp-bcd", "--lead-unit", "tinh-a",
        "--lead-unit", "tinh-b", "--due", DUE.isoformat(), "--source", "directive", "--as", "office_staff", "--json",
    ))
    children = {t["lead_unit"]["code"]: t["id"] for t in json.loads(run("list", "--json", "--as", "office_staff"))
                if t["parent_id"]}
    return data["id"], children["tinh-a"], children["tinh-b"]


def test_create_list_and_show(world):
    parent_id, a_id, b_id = create_for_provinces()
    assert Task.objects.get(pk=parent_id).children.count() == 2
    out = run("list", "--as", "office_staff")
    assert "Rà soát hệ thống" in out and "3 nhiệm vụ." in out
    assert [t["id"] for t in json.loads(run("list", "--json", "--as", "b_analyst"))] == [b_id]
    assert [t["id"] for t in json.loads(run("list", "--unit", "tinh-a", "--relation", "lead", "--json", "--as", "office_staff"))] == [a_id]
    assert json.loads(run("list", "--top-level", "--json", "--as", "office_staff"))[0]["id"] == parent_id
    shown = run("show", str(parent_id), "--as", "office_staff")
    assert "tinh-a" in shown and "tinh-b" in shown and "Chưa thực hiện" in shown
    assert AuditEntry.objects.filter(action="program.task.create", channel="cli").count() == 3


def test_create_for_all_provinces_by_kind(world):
    out = run("create", "--title", "Diễn tập", "--assigning-unit", "vp-bcd", "--lead-kind", "province",
              "--due", DUE.isoformat(), "--as", "office_staff")
    assert "2 đơn vị" in out


def test_workflow_report_confirm_accept_return(world, tmp_path):
    parent_id, a_id, b_id = create_for_provinces()
    evidence = tmp_path / "bien-ban.pdf"
    evidence.write_bytes(b"%PDF-1.4 cli evidence")
    out = run("report", str(a_id), "--percent", "80", "--text", "Gần xong", "--file", str(evidence), "--as", "a_analyst")
    assert "80%" in out and "1" in out
    assert EvidenceFile.objects.get().name == "bien-ban.pdf"
    assert Task.objects.get(pk=parent_id).progress == 40
    run("confirm", str(a_id), "--note", "Xong", "--as", "a_head")
    data = json.loads(run("accept", str(a_id), "--as", "office_head", "--json"))
    assert data["state"] == "accepted" and data["status"] == "done_on_time"
    run("confirm", str(b_id), "--as", "b_head")
    run("return", str(b_id), "--reason", "Thiếu minh chứng", "--as", "office_head")
    shown = json.loads(run("show", str(b_id), "--json", "--as", "b_analyst"))
    assert shown["state"] == "open" and shown["events"][-1]["kind"] == "returned"
    assert shown["events"][-1]["note"] == "Thiếu minh chứng"


def test_extension_approved_and_refused(world):
    _parent_id, a_id, b_id = create_for_provinces()
    new_due = (DUE + dt.timedelta(days=10)).isoformat()
    ext = json.loads(run("extend", str(a_id), "--new-due", new_due, "--reason", "Chờ thiết bị", "--as", "a_analyst", "--json"))
    out = run("decide", str(ext["id"]), "--approve", "--as", "office_head")
    assert (DUE + dt.timedelta(days=10)).strftime("%d/%m/%Y") in out
    assert Task.objects.get(pk=a_id).due_date.isoformat() == new_due
    ext_b = json.loads(run("extend", str(b_id), "--new-due", new_due, "--reason", "x", "--as", "b_analyst", "--json"))
    with pytest.raises(CommandError) as exc:
        run("decide", str(ext_b["id"]), "--refuse", "--as", "office_head")
    assert "note" in str(exc.value)
    run("decide", str(ext_b["id"]), "--refuse", "--note", "Không đủ căn cứ", "--as", "office_head")
    assert Task.objects.get(pk=b_id).due_date == DUE
    assert ExtensionRequest.objects.get(pk=ext_b["id"]).status == "refused"


def test_cancel_and_cascade(world):
    parent_id, a_id, _b_id = create_for_provinces()
    out = run("cascade", str(a_id), "--lead-unit", "tinh-a-sotc", "--as", "a_analyst")
    assert "1" in out and Task.objects.get(pk=a_id).children.get().lead_unit.code == "tinh-a-sotc"
    run("cancel", str(parent_id), "--reason", "Trùng lặp", "--as", "office_staff")
    assert set(Task.objects.values_list("state", flat=True)) == {"cancelled"}


def test_refusals_exit_non_zero_and_name_the_problem(world):
    _parent_id, a_id, _b_id = create_for_provinces()
    with pytest.raises(CommandError) as exc:
        run("show", str(a_id), "--as", "b_analyst")
    assert exc.value.returncode == 3 and "task_id" in str(exc.value)  # not found (or not visible)
    with pytest.raises(CommandError) as exc:
        run("report", str(a_id), "--percent", "10", "--text", "x", "--as", "b_analyst")
    assert exc.value.returncode == 3
    run("confirm", str(a_id), "--as", "a_head")
    with pytest.raises(CommandError) as exc:
        run("accept", str(a_id), "--as", "a_head")
    assert exc.value.returncode == 3 and "nghiệm thu" in str(exc.value)  # access denied
    with pytest.raises(CommandError) as exc:
        run("create", "--title", "x", "--assigning-unit", "vp-bcd", "--lead-unit", "tinh-a",
            "--due", (TODAY - dt.timedelta(days=1)).isoformat(), "--as", "office_staff")
    assert "due_date" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("create", "--title", "x", "--assigning-unit", "vp-bcd", "--lead-unit", "khong-co",
            "--due", DUE.isoformat(), "--as", "office_staff")
    assert "lead_units" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("report", str(a_id), "--percent", "10", "--text", "x", "--file", "/khong/co.pdf", "--as", "a_analyst")
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        run("list", "--due-from", "01/01/2026", "--as", "office_staff")
    assert "YYYY-MM-DD" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("list")
    assert exc.value.returncode == 2


def test_responder_cannot_confirm(world):
    out = json.loads(run("create", "--title", "Cập nhật phương án", "--assigning-unit", "tinh-a",
                         "--lead-unit", "tinh-a-sotc", "--due", DUE.isoformat(), "--as", "a_analyst", "--json"))
    run("report", str(out["id"]), "--percent", "100", "--text", "Xong", "--as", "a_dept")
    with pytest.raises(CommandError) as exc:
        run("confirm", str(out["id"]), "--as", "a_dept")
    assert "lãnh đạo" in str(exc.value)
    assert Task.objects.get(pk=out["id"]).state == "open"
