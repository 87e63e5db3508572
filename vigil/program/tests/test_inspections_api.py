"""API: an inspection end to end (plan, targets, workflow, findings, finding → task,
follow-up and closing), problems naming the field, and who sees what."""

import datetime as dt

import pytest

from vigil.core.models import AuditEntry
from vigil.program.models import Finding, Inspection, Task

from .test_inspections_fixtures import DUE, END, START, YEAR, finding, finish_task, started

pytestmark = pytest.mark.django_db
API = "/api/v1/program"


def post(client, url, body=None):
    return client.post(f"{API}{url}", body or {}, content_type="application/json")


def patch(client, url, body):
    return client.patch(f"{API}{url}", body, content_type="application/json")


def test_an_inspection_end_to_end_through_the_api(net, api_client):
    client = api_client(net.a_analyst)
    resp = post(client, "/inspections", {
        "inspecting_unit_id": net.prov_a.pk, "title": "Kiểm tra ATTT", "year": YEAR,
        "planned_start": START.isoformat(), "planned_end": END.isoformat(),
        "target_unit_ids": [net.prov_a_dept.pk], "lead_inspector_id": net.people["a_analyst"].pk,
    })
    assert resp.status_code == 201, resp.content
    body = resp.json()
    iid = body["id"]
    assert body["status"] == "planned" and body["next_statuses"] == ["in_progress"]
    assert [t["unit_code"] for t in body["targets"]] == ["tinh-a-sotc"] and body["lead_inspector_name"] == "Phạm Thị A"
    resp = post(client, f"/inspections/{iid}/targets", {"unit_id": net.prov_a_sub.pk, "note": "Thêm"})
    assert resp.status_code == 201, resp.content
    tid = resp.json()["id"]
    resp = patch(client, f"/inspections/{iid}/targets/{tid}", {"visited_on": START.isoformat()})
    assert resp.status_code == 200 and resp.json()["visited_on"] == START.isoformat() and resp.json()["note"] == "Thêm"
    assert client.delete(f"{API}/inspections/{iid}/targets/{tid}").status_code == 204
    # illegal move: a 409 problem naming `status`
    resp = post(client, f"/inspections/{iid}/status", {"status": "closed"})
    assert resp.status_code == 409 and resp["Content-Type"] == "application/problem+json"
    assert resp.json()["errors"][0]["field"] == "status"
    assert post(client, f"/inspections/{iid}/status", {"status": "in_progress"}).json()["status"] == "in_progress"
    # findings only at targets
    resp = post(client, f"/inspections/{iid}/findings", {"unit_id": net.prov_a_sub.pk, "text": "Sai"})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "unit"
    resp = post(client, f"/inspections/{iid}/findings", {
        "unit_id": net.prov_a_dept.pk, "text": "Chưa có quy chế", "severity": 4, "recommendation": "Ban hành quy chế",
    })
    assert resp.status_code == 201, resp.content
    f = resp.json()
    assert (f["number"], f["severity"], f["severity_label"], f["status"], f["tasks"]) == (1, 4, "Nghiêm trọng", "open", [])
    fid = f["id"]
    assert patch(client, f"/findings/{fid}", {"severity": 3}).json()["severity"] == 3
    # the recommendation becomes a task
    resp = post(client, f"/findings/{fid}/tasks", {"due_date": DUE.isoformat()})
    assert resp.status_code == 201, resp.content
    assert resp.json()["status"] == "not_started" and resp.json()["lead_unit_code"] == "tinh-a-sotc"
    task = Task.objects.get(pk=resp.json()["id"])
    assert (task.source, task.finding_id, task.assigning_unit_id) == ("inspection", fid, net.prov_a.pk)
    # closing is refused while the task is open, allowed once it is done
    resp = post(client, f"/findings/{fid}/close", {"note": "Xong"})
    assert resp.status_code == 409 and resp.json()["errors"][0]["field"] == "tasks"
    finish_task(net, task)
    resp = post(client, f"/findings/{fid}/close", {"note": "Đã kiểm tra lại"})
    assert resp.status_code == 200 and resp.json()["status"] == "closed"
    assert resp.json()["tasks"][0]["status"] == "done_on_time" and resp.json()["closed_by"] == "a_analyst"
    resp = patch(client, f"/inspections/{iid}", {"summary": "Kết luận kiểm tra"})
    assert resp.status_code == 200 and resp.json()["summary"] == "Kết luận kiểm tra"
    assert post(client, f"/inspections/{iid}/status", {"status": "reported"}).status_code == 200
    resp = post(client, f"/inspections/{iid}/status", {"status": "closed"})
    assert resp.status_code == 200 and resp.json()["status"] == "closed" and resp.json()["next_statuses"] == []
    assert AuditEntry.objects.filter(action__startswith="program.", channel="api").count() >= 10


def test_bad_input_gets_a_problem_naming_the_field(net, api_client):
    client = api_client(net.a_analyst)
    resp = post(client, "/inspections", {
        "inspecting_unit_id": net.prov_a.pk, "title": "X", "year": YEAR,
        "planned_start": START.isoformat(), "planned_end": (START - dt.timedelta(days=1)).isoformat(),
    })
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "planned_end"
    resp = post(client, "/inspections", {"title": "X"})
    assert resp.status_code == 422
    assert {e["field"] for e in resp.json()["errors"]} >= {"inspecting_unit_id", "year", "planned_start"}
    resp = post(client, "/inspections", {
        "inspecting_unit_id": 999999, "title": "X", "year": YEAR,
        "planned_start": START.isoformat(), "planned_end": END.isoformat(),
    })
    assert resp.status_code == 404 and resp.json()["errors"][0]["field"] == "inspecting_unit_id"
    inspection = started(net)
    resp = post(client, f"/inspections/{inspection.pk}/status", {"status": "finished"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "status"
    resp = post(client, f"/inspections/{inspection.pk}/findings", {"unit_id": net.prov_a_dept.pk, "text": "x", "severity": 7})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "severity"
    assert Inspection.objects.count() == 1 and not Finding.objects.exists()


def test_override_reason_closes_a_finding_with_an_open_task(net, api_client):
    inspection = started(net)
    f = finding(net, inspection)
    client = api_client(net.a_analyst)
    assert post(client, f"/findings/{f.pk}/tasks", {"due_date": DUE.isoformat(), "title": "Sửa"}).status_code == 201
    resp = post(client, f"/findings/{f.pk}/close", {"note": "Chuyển kỳ sau", "override_reason": "Đã sáp nhập"})
    assert resp.status_code == 200 and "Đã sáp nhập" in resp.json()["close_note"]
    resp = post(client, f"/findings/{f.pk}/reopen", {"reason": "Tái diễn"})
    assert resp.status_code == 200 and resp.json()["status"] == "open"


def test_followup_list_filters_by_severity_unit_and_year(net, api_client):
    inspection = started(net)
    high = finding(net, inspection, "prov_a_dept", severity=4)
    low = finding(net, inspection, "prov_a_sub", severity=1)
    client = api_client(net.office_staff)
    ids = lambda resp: [f["id"] for f in resp.json()["items"]]  # noqa: E731
    assert ids(client.get(f"{API}/findings")) == [high.pk, low.pk]
    assert ids(client.get(f"{API}/findings?severity=1")) == [low.pk]
    assert ids(client.get(f"{API}/findings?min_severity=3")) == [high.pk]
    assert ids(client.get(f"{API}/findings?unit=tinh-a-tb")) == [low.pk]
    assert ids(client.get(f"{API}/findings?year={YEAR - 1}")) == []
    assert ids(client.get(f"{API}/findings?inspection_id={inspection.pk}&q=quy+chế")) == [high.pk, low.pk]
    resp = client.get(f"{API}/inspections?year={YEAR}&unit=tinh-a")
    assert [i["id"] for i in resp.json()["items"]] == [inspection.pk]
    assert resp.json()["items"][0]["open_finding_count"] == 2
    assert client.get(f"{API}/inspections?status=closed").json()["items"] == []
    assert client.get(f"{API}/findings?unit=khong-co").status_code == 404


def test_inspected_unit_reads_its_own_findings_only_and_writes_nothing(net, api_client):
    inspection = started(net)
    own = finding(net, inspection, "prov_a_dept")
    other = finding(net, inspection, "prov_a_sub")
    client = api_client(net.a_dept)
    body = client.get(f"{API}/inspections/{inspection.pk}").json()
    assert body["finding_count"] == 1 and [t["unit_code"] for t in body["targets"]] == ["tinh-a-sotc"]
    assert body["next_statuses"] == []
    assert [f["id"] for f in client.get(f"{API}/inspections/{inspection.pk}/findings").json()] == [own.pk]
    assert client.get(f"{API}/findings/{other.pk}").status_code == 404
    assert post(client, f"/findings/{own.pk}/close", {"note": "Đã sửa"}).status_code == 403
    assert patch(client, f"/inspections/{inspection.pk}", {"title": "Khác"}).status_code == 403


def test_sibling_province_gets_404_and_changes_nothing(net, api_client):
    inspection = started(net)
    f = finding(net, inspection)
    client = api_client(net.b_analyst)
    assert client.get(f"{API}/inspections").json()["items"] == []
    assert client.get(f"{API}/inspections/{inspection.pk}").status_code == 404
    assert client.get(f"{API}/findings/{f.pk}").status_code == 404
    assert post(client, f"/inspections/{inspection.pk}/status", {"status": "reported"}).status_code == 404
    assert post(client, f"/findings/{f.pk}/close", {"note": "x"}).status_code == 404
    assert client.delete(f"{API}/findings/{f.pk}").status_code == 404
    resp = post(client, "/inspections", {
        "inspecting_unit_id": net.prov_a.pk, "title": "X", "year": YEAR,
        "planned_start": START.isoformat(), "planned_end": END.isoformat(),
    })
    assert resp.status_code in (403, 404)
    assert Inspection.objects.count() == 1 and Finding.objects.get().status == "open"
