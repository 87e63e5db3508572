"""Task API: the whole workflow through /api/v1/, access refusals as RFC 9457 problems,
bad input naming the field."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from vigil.core.actors import Actor
from vigil.program import status as S
from vigil.program.models import EvidenceFile, ExtensionRequest, Task
from vigil.program.services import tasks as svc
from vigil.testing import make_user

pytestmark = pytest.mark.django_db

TODAY = S.today()
DUE = TODAY + dt.timedelta(days=30)
API = "/api/v1/program"


@pytest.fixture
def world(net):
    make_user(net, "office_head", net.units["office"], "head", full_name="Trưởng Văn Phòng")
    make_user(net, "b_head", net.units["prov_b"], "head", full_name="Lê Văn B")
    return net


@pytest.fixture
def as_user(world, api_client):
    cache = {}

    def _client(name):
        if name not in cache:
            cache[name] = api_client(world.users[name])
        return cache[name]

    return _client


def post(client, path, data):
    return client.post(f"{API}{path}", data, content_type="application/json")


def new_task_body(net, **over):
    body = {
        "title": "Rà soát hệ thống thông tin", "assigning_unit": "vp-bcd", "lead_units": ["tinh-a", "tinh-b"],
        "due_date": DUE.isoformat(), "source": "directive", "source_reference": "CT 01/CT-TTg",
        "product": "report", "priority": 3,
    }
    body.update(over)
    return body


def provinces_task(client):
    resp = post(client, "/tasks", new_task_body(None))
    assert resp.status_code == 201, resp.content
    data = resp.json()
    children = {c["lead_unit"]["code"]: c["id"] for c in data["children"]}
    return data["id"], children["tinh-a"], children["tinh-b"]


def pdf(name="bien-ban.pdf", body=b"%PDF-1.4 evidence"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


# --------------------------------------------------------------------------- the workflow


def test_whole_workflow_through_the_api(as_user):
    office = as_user("office_staff")
    parent_id, a_id, b_id = provinces_task(office)
    parent = office.get(f"{API}/tasks/{parent_id}").json()
    assert parent["status"] == "not_started" and parent["progress"] == 0 and len(parent["children"]) == 2
    assert parent["lead_unit"]["code"] == "vp-bcd" and "cancel" in parent["actions"]

    # province A reports with a file; the parent's progress is derived
    a = as_user("a_analyst")
    resp = a.post(f"{API}/tasks/{a_id}/reports", {"percent": 60, "text": "Đã rà soát", "files": [pdf(), pdf("b.txt", b"ok")]})
    assert resp.status_code == 201, resp.content
    report = resp.json()
    assert report["percent"] == 60 and [e["name"] for e in report["evidence"]] == ["bien-ban.pdf", "b.txt"]
    assert office.get(f"{API}/tasks/{parent_id}").json()["progress"] == 30
    download = a.get(report["evidence"][0]["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 evidence"
    listing = a.get(f"{API}/tasks/{a_id}/reports").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == report["id"]

    # A's head confirms, the office accepts
    resp = post(as_user("a_head"), f"/tasks/{a_id}/confirm", {"note": "Hoàn thành"})
    assert resp.status_code == 200 and resp.json()["state"] == "submitted"
    resp = post(as_user("office_head"), f"/tasks/{a_id}/accept", {})
    assert resp.status_code == 200
    assert resp.json()["state"] == "accepted" and resp.json()["status"] == "done_on_time"

    # B's head confirms, the office returns it with a reason
    post(as_user("b_head"), f"/tasks/{b_id}/confirm", {})
    resp = post(as_user("office_head"), f"/tasks/{b_id}/return", {"reason": "Thiếu minh chứng"})
    assert resp.status_code == 200 and resp.json()["state"] == "open"
    events = as_user("b_analyst").get(f"{API}/tasks/{b_id}/events").json()["items"]
    assert [e["kind"] for e in events] == ["created", "confirmed", "returned"]
    assert events[-1]["note"] == "Thiếu minh chứng" and events[-1]["actor"] == "office_head"
    parent = office.get(f"{API}/tasks/{parent_id}").json()
    assert parent["state"] == "open"
    assert {c["lead_unit"]["code"]: c["status"] for c in parent["children"]} == {
        "tinh-a": "done_on_time", "tinh-b": "in_progress"}


def test_extension_approved_moves_the_due_date_and_refused_leaves_it(as_user):
    _parent_id, a_id, b_id = provinces_task(as_user("office_staff"))
    new_due = (DUE + dt.timedelta(days=20)).isoformat()
    resp = post(as_user("a_analyst"), f"/tasks/{a_id}/extensions", {"new_due_date": new_due, "reason": "Chờ thiết bị"})
    assert resp.status_code == 201 and resp.json()["status"] == "pending"
    ext_id = resp.json()["id"]
    resp = post(as_user("office_head"), f"/extensions/{ext_id}/decide", {"approve": True, "note": "Đồng ý"})
    assert resp.status_code == 200 and resp.json()["status"] == "approved"
    task = as_user("a_analyst").get(f"{API}/tasks/{a_id}").json()
    assert task["due_date"] == new_due and task["original_due_date"] == DUE.isoformat()
    history = as_user("a_analyst").get(f"{API}/tasks/{a_id}/extensions").json()
    assert [(h["status"], h["old_due_date"], h["new_due_date"]) for h in history] == [("approved", DUE.isoformat(), new_due)]

    resp = post(as_user("b_analyst"), f"/tasks/{b_id}/extensions", {"new_due_date": new_due, "reason": "Thiếu người"})
    ext_b = resp.json()["id"]
    resp = post(as_user("office_head"), f"/extensions/{ext_b}/decide", {"approve": False})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "note"
    resp = post(as_user("office_head"), f"/extensions/{ext_b}/decide", {"approve": False, "note": "Không đủ căn cứ"})
    assert resp.status_code == 200 and resp.json()["status"] == "refused"
    assert as_user("b_analyst").get(f"{API}/tasks/{b_id}").json()["due_date"] == DUE.isoformat()
    resp = post(as_user("office_head"), f"/extensions/{ext_b}/decide", {"approve": True})
    assert resp.status_code == 409


def test_withdrawing_an_extension(as_user):
    _parent_id, a_id, _b_id = provinces_task(as_user("office_staff"))
    ext = post(as_user("a_analyst"), f"/tasks/{a_id}/extensions", {
        "new_due_date": (DUE + dt.timedelta(days=3)).isoformat(), "reason": "x"}).json()
    assert post(as_user("b_analyst"), f"/extensions/{ext['id']}/withdraw", {}).status_code == 404
    resp = post(as_user("a_analyst"), f"/extensions/{ext['id']}/withdraw", {})
    assert resp.status_code == 200 and resp.json()["status"] == "withdrawn"


def test_cascade_cancel_and_patch(as_user, world):
    _parent_id, a_id, _b_id = provinces_task(as_user("office_staff"))
    resp = post(as_user("a_analyst"), f"/tasks/{a_id}/cascade", {"lead_units": ["tinh-a-sotc"]})
    assert resp.status_code == 201
    child = resp.json()["children"][0]
    assert child["lead_unit"]["code"] == "tinh-a-sotc" and child["assigning_unit"]["code"] == "tinh-a"
    resp = post(as_user("a_analyst"), f"/tasks/{a_id}/cascade", {"lead_units": ["tinh-b"]})
    assert resp.status_code in (400, 403) and resp.json()["errors"][0]["field"] == "lead_units"

    office = as_user("office_staff")
    resp = office.patch(f"{API}/tasks/{a_id}", {"title": "Rà soát lần 2", "priority": 4}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["title"] == "Rà soát lần 2" and resp.json()["priority"] == 4
    resp = office.patch(f"{API}/tasks/{a_id}", {"due_date": (DUE + dt.timedelta(days=9)).isoformat()}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "due_date"
    assert Task.objects.get(pk=a_id).due_date == DUE

    resp = post(office, f"/tasks/{a_id}/cancel", {"reason": "Gộp vào nhiệm vụ khác"})
    assert resp.status_code == 200 and resp.json()["status"] == "cancelled"
    assert resp.json()["children"][0]["status"] == "cancelled"


def test_list_filters(as_user, world):
    parent_id, a_id, b_id = provinces_task(as_user("office_staff"))
    svc.report_create(actor=Actor(user=world.users["a_analyst"]), task=Task.objects.get(pk=a_id), percent=5, text="x")
    office = as_user("office_staff")

    def ids(**params):
        data = office.get(f"{API}/tasks", params).json()
        return {t["id"] for t in data["items"]}

    assert ids() == {parent_id, a_id, b_id}
    assert ids(status="in_progress") == {a_id, parent_id}
    assert ids(unit="tinh-b", relation="lead") == {b_id}
    assert ids(top_level=True) == {parent_id}
    assert ids(parent_id=parent_id) == {a_id, b_id}
    assert ids(source="directive", q="rà soát") == {parent_id, a_id, b_id}
    assert ids(due_from=(DUE + dt.timedelta(days=1)).isoformat()) == set()
    assert {t["id"] for t in as_user("b_analyst").get(f"{API}/tasks").json()["items"]} == {b_id}
    resp = office.get(f"{API}/tasks", {"status": "late"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "status"
    resp = office.get(f"{API}/tasks", {"source": "rumour"})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "source"


# --------------------------------------------------------------------------- access


def test_sibling_province_cannot_read_or_report_on_a_task_of_province_a(as_user):
    _parent_id, a_id, _b_id = provinces_task(as_user("office_staff"))
    report = as_user("a_analyst").post(f"{API}/tasks/{a_id}/reports", {"percent": 10, "text": "A", "files": [pdf()]}).json()
    b = as_user("b_analyst")
    for path in (f"/tasks/{a_id}", f"/tasks/{a_id}/reports", f"/tasks/{a_id}/events", f"/tasks/{a_id}/extensions",
                 f"/evidence/{report['evidence'][0]['id']}"):
        resp = b.get(f"{API}{path}")
        assert resp.status_code == 404, path
        assert resp["Content-Type"] == "application/problem+json"
    resp = b.post(f"{API}/tasks/{a_id}/reports", {"percent": 99, "text": "B"})
    assert resp.status_code == 404
    assert Task.objects.get(pk=a_id).progress == 10


def test_a_responder_cannot_confirm_and_a_province_cannot_accept_its_own_task(as_user, world):
    task = svc.task_create(
        actor=Actor(user=world.users["a_analyst"]), title="Cập nhật phương án", assigning_unit=world.units["prov_a"],
        lead_units=[world.units["prov_a_dept"]], due_date=DUE,
    )
    resp = post(as_user("a_dept"), f"/tasks/{task.pk}/confirm", {})
    assert resp.status_code == 403 and resp.json()["status"] == 403
    assert "confirm" not in as_user("a_dept").get(f"{API}/tasks/{task.pk}").json()["actions"]

    _parent_id, a_id, _b_id = provinces_task(as_user("office_staff"))
    post(as_user("a_head"), f"/tasks/{a_id}/confirm", {})
    resp = post(as_user("a_head"), f"/tasks/{a_id}/accept", {})
    assert resp.status_code == 403
    assert Task.objects.get(pk=a_id).state == "submitted"


def test_confirming_twice_is_a_conflict(as_user):
    _parent_id, a_id, _b_id = provinces_task(as_user("office_staff"))
    post(as_user("a_head"), f"/tasks/{a_id}/confirm", {})
    resp = post(as_user("a_head"), f"/tasks/{a_id}/confirm", {})
    assert resp.status_code == 409 and resp.json()["type"].endswith("workflow")


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "over, status, field",
    [
        ({"due_date": (TODAY - dt.timedelta(days=1)).isoformat()}, 400, "due_date"),
        ({"start_date": (DUE + dt.timedelta(days=1)).isoformat()}, 400, "due_date"),
        ({"due_date": "31/12/2026"}, 422, "due_date"),
        ({"lead_units": ["khong-co"]}, 400, "lead_units"),
        ({"assigning_unit": "khong-co"}, 400, "assigning_unit"),
        ({"lead_units": []}, 400, "lead_units"),
        ({"title": ""}, 422, "title"),
        ({"priority": 9}, 422, "priority"),
        ({"assignee_id": 999999}, 400, "assignee_id"),
        ({"lead_units": [], "lead_kind": "khong-co"}, 400, "lead_kind"),
    ],
)
def test_bad_input_on_a_new_task_names_the_field(as_user, over, status, field):
    resp = post(as_user("office_staff"), "/tasks", new_task_body(None, **over))
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in resp.json()["errors"]]
    assert Task.objects.count() == 0


def test_all_provinces_by_kind(as_user):
    resp = post(as_user("office_staff"), "/tasks", new_task_body(None, lead_units=[], lead_kind="province"))
    assert resp.status_code == 201
    assert sorted(c["lead_unit"]["code"] for c in resp.json()["children"]) == ["tinh-a", "tinh-b"]


@override_settings(VIGIL_MAX_UPLOAD_BYTES=1024)
def test_a_file_too_large_is_refused_and_nothing_is_saved(as_user):
    _parent_id, a_id, _b_id = provinces_task(as_user("office_staff"))
    resp = as_user("a_analyst").post(f"{API}/tasks/{a_id}/reports", {
        "percent": 40, "text": "Kèm tệp", "files": [pdf(), pdf("lon.pdf", b"%PDF-" + b"x" * 2048)]})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["field"] == "files" and "quá lớn" in resp.json()["detail"]
    assert not Task.objects.get(pk=a_id).reports.exists() and not EvidenceFile.objects.exists()


@pytest.mark.parametrize("data, field", [
    ({"percent": 101, "text": "x"}, "percent"),
    ({"text": "x"}, "percent"),
    ({"percent": 10}, "text"),
])
def test_bad_progress_report_names_the_field(as_user, data, field):
    _parent_id, a_id, _b_id = provinces_task(as_user("office_staff"))
    resp = as_user("a_analyst").post(f"{API}/tasks/{a_id}/reports", data)
    assert resp.status_code == 422 and field in [e["field"] for e in resp.json()["errors"]]


def test_a_parent_task_takes_no_report(as_user):
    parent_id, _a_id, _b_id = provinces_task(as_user("office_staff"))
    resp = as_user("office_staff").post(f"{API}/tasks/{parent_id}/reports", {"percent": 10, "text": "x"})
    assert resp.status_code == 409


def test_extension_and_return_reasons_are_required(as_user):
    _parent_id, a_id, _b_id = provinces_task(as_user("office_staff"))
    resp = post(as_user("a_analyst"), f"/tasks/{a_id}/extensions", {"new_due_date": DUE.isoformat(), "reason": "x"})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "new_due_date"
    resp = post(as_user("a_analyst"), f"/tasks/{a_id}/extensions", {"new_due_date": "ngày mai", "reason": "x"})
    assert resp.status_code == 422
    assert not ExtensionRequest.objects.exists()
    post(as_user("a_head"), f"/tasks/{a_id}/confirm", {})
    resp = post(as_user("office_head"), f"/tasks/{a_id}/return", {"reason": ""})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "reason"
    resp = post(as_user("office_head"), f"/tasks/{a_id}/return", {"reason": "   "})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "reason"
