"""API: meetings end to end (attendees, sites, multipart documents, notice, conclusions,
tasks for all provinces), problems naming the field, and a sibling province's 404s."""

import hashlib

import pytest
from django.test import override_settings

from vigil.core.models import AuditEntry
from vigil.org.models import Person
from vigil.program.models import Meeting, MeetingDocument, Task

from .test_meetings_factories import (
    DUE,
    FUTURE,
    PAST,
    act,
    national_meeting,
    pdf_upload,
    province_meeting,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/program"
JSON = "application/json"


def test_meeting_lifecycle_through_the_api(net, api_client):
    client = api_client(net.office_staff)
    chair = Person.objects.create(full_name="Nguyễn Văn Chủ Trì", home_unit=net.national)
    resp = client.post(f"{API}/meetings", {
        "body_unit_id": net.national.pk, "title": "Phiên họp toàn quốc", "held_on": PAST.isoformat(),
        "start_time": "08:00", "is_online": True, "chair_id": chair.pk, "agenda": "1. Tổng kết",
    }, content_type=JSON)
    assert resp.status_code == 201, resp.content
    m = resp.json()
    assert m["status"] == "planned" and m["chair_name"] == "Nguyễn Văn Chủ Trì" and m["body_unit_code"] == "bcd-qg"
    mid = m["id"]
    # attendees
    resp = client.post(f"{API}/meetings/{mid}/attendees", {"person_id": chair.pk, "presence": "delegated"}, content_type=JSON)
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "delegate_name"
    resp = client.post(f"{API}/meetings/{mid}/attendees", {"person_id": chair.pk}, content_type=JSON)
    assert resp.status_code == 201
    aid = resp.json()["id"]
    resp = client.patch(f"{API}/meetings/{mid}/attendees/{aid}", {"presence": "delegated", "delegate_name": "Phó ban"}, content_type=JSON)
    assert resp.status_code == 200 and resp.json()["delegate_name"] == "Phó ban"
    # sites: every province at once
    resp = client.post(f"{API}/meetings/{mid}/sites", {"all_of_kind": "province"}, content_type=JSON)
    assert resp.status_code == 201 and {s["unit_code"] for s in resp.json()} == {"tinh-a", "tinh-b"}
    sid = resp.json()[1]["id"]
    resp = client.patch(f"{API}/meetings/{mid}/sites/{sid}", {"attended": False, "participants": 0}, content_type=JSON)
    assert resp.status_code == 200 and resp.json()["attended"] is False
    # a document, multipart
    upload = pdf_upload()
    content = upload.read()
    upload.seek(0)
    resp = client.post(f"{API}/meetings/{mid}/documents", {"file": upload, "title": "Thông báo", "kind": "notice"})
    assert resp.status_code == 201, resp.content
    doc = resp.json()
    assert doc["sha256"] == hashlib.sha256(content).hexdigest() and doc["content_type"] == "application/pdf"
    resp = client.get(doc["download"])
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == content
    # conclusions and the notice
    resp = client.post(f"{API}/meetings/{mid}/conclusions", {"text": "Các tỉnh rà soát hệ thống"}, content_type=JSON)
    assert resp.status_code == 201 and resp.json()["number"] == 1
    cid = resp.json()["id"]
    resp = client.post(f"{API}/meetings/{mid}/conclude", {"notice_number": "15/TB-BCĐ", "notice_date": PAST.isoformat()}, content_type=JSON)
    assert resp.status_code == 200 and resp.json()["status"] == "concluded"
    resp = client.patch(f"{API}/meetings/{mid}/conclusions/{cid}", {"text": "Sửa"}, content_type=JSON)
    assert resp.status_code == 409
    # the conclusion becomes a task for all provinces
    resp = client.post(f"{API}/meetings/{mid}/conclusions/{cid}/tasks", {"all_of_kind": "province", "due_date": DUE.isoformat()}, content_type=JSON)
    assert resp.status_code == 201, resp.content
    task = resp.json()["tasks"][0]
    assert task["children"] == 2 and task["children_by_status"] == {"not_started": 2}
    assert task["status"] == "not_started" and task["status_label"]
    detail = client.get(f"{API}/meetings/{mid}").json()
    assert len(detail["attendees"]) == 1 and len(detail["sites"]) == 2 and len(detail["documents"]) == 1
    assert detail["conclusions"][0]["tasks"][0]["id"] == task["id"]
    assert AuditEntry.objects.filter(action__startswith="program.", channel="api").count() >= 9


def test_problems_name_the_field(net, api_client):
    client = api_client(net.a_analyst)
    resp = client.post(f"{API}/meetings", {"body_unit_id": net.prov_a_sub.pk, "title": "", "held_on": "x"}, content_type=JSON)
    assert resp.status_code == 422
    assert {e["field"] for e in resp.json()["errors"]} == {"title", "held_on"}
    resp = client.post(f"{API}/meetings", {"body_unit_id": 999999, "title": "Họp", "held_on": PAST.isoformat()}, content_type=JSON)
    assert resp.status_code == 404 and resp.json()["errors"][0]["field"] == "body_unit_id"
    m = province_meeting(net)
    resp = client.post(f"{API}/meetings/{m.pk}/status", {"status": "held"}, content_type=JSON)
    assert resp.status_code == 200
    resp = client.post(f"{API}/meetings/{m.pk}/status", {"status": "concluded"}, content_type=JSON)
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "notice_number"
    resp = client.post(f"{API}/meetings/{m.pk}/sites", {"unit_id": net.prov_a_dept.pk}, content_type=JSON)
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "is_online"
    resp = client.patch(f"{API}/meetings/{m.pk}", {"held_on": FUTURE.isoformat()}, content_type=JSON)
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "held_on"


def test_notice_number_conflict_is_409(net, api_client):
    client = api_client(net.a_analyst)
    a, b = province_meeting(net), province_meeting(net, title="Họp hai")
    assert client.patch(f"{API}/meetings/{a.pk}", {"notice_number": "01/TB"}, content_type=JSON).status_code == 200
    resp = client.patch(f"{API}/meetings/{b.pk}", {"notice_number": "01/TB"}, content_type=JSON)
    assert resp.status_code == 409 and resp.json()["errors"][0]["field"] == "notice_number"


def test_document_too_large_is_refused_and_nothing_stored(net, api_client):
    m = province_meeting(net)
    client = api_client(net.a_analyst)
    with override_settings(VIGIL_MAX_UPLOAD_BYTES=100):
        resp = client.post(f"{API}/meetings/{m.pk}/documents", {"file": pdf_upload(size=400)})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "file"
    assert not MeetingDocument.objects.exists()


def test_list_filters(net, api_client):
    national_meeting(net, title="Họp BCĐ")
    province_meeting(net, title="Họp tiểu ban")
    client = api_client(net.office_staff)
    names = [m["title"] for m in client.get(f"{API}/meetings").json()["items"]]
    assert set(names) == {"Họp BCĐ", "Họp tiểu ban"}
    names = [m["title"] for m in client.get(f"{API}/meetings", {"body_unit_id": "tinh-a-tb"}).json()["items"]]
    assert names == ["Họp tiểu ban"]
    names = [m["title"] for m in client.get(f"{API}/meetings", {"subtree_of": "tinh-a", "year": PAST.year}).json()["items"]]
    assert names == ["Họp tiểu ban"]
    assert client.get(f"{API}/meetings", {"status": "done"}).status_code == 422


def test_sibling_province_reads_and_changes_nothing(net, api_client):
    m = province_meeting(net)
    c = m.conclusions.create(number=1, text="Kết luận A")
    client = api_client(net.b_analyst)
    assert client.get(f"{API}/meetings").json()["items"] == []
    for path in ("", "/attendees", "/sites", "/documents", "/conclusions", f"/conclusions/{c.pk}"):
        assert client.get(f"{API}/meetings/{m.pk}{path}").status_code == 404, path
    assert client.patch(f"{API}/meetings/{m.pk}", {"title": "x"}, content_type=JSON).status_code == 404
    resp = client.post(f"{API}/meetings/{m.pk}/conclusions/{c.pk}/tasks", {"lead_unit_ids": [net.prov_b.pk], "due_date": DUE.isoformat()}, content_type=JSON)
    assert resp.status_code == 404
    assert client.delete(f"{API}/meetings/{m.pk}/conclusions/{c.pk}").status_code == 404
    assert Meeting.objects.get().title == "Họp Tiểu ban tỉnh A quý I" and not Task.objects.exists()
    assert m.conclusions.count() == 1


def test_connected_site_reads_but_cannot_write(net, api_client):
    from vigil.program.services import meetings as svc

    m = national_meeting(net)
    svc.sites_add_all(actor=act(net, "office_staff"), meeting=m)
    client = api_client(net.b_analyst)
    assert client.get(f"{API}/meetings/{m.pk}").status_code == 200
    resp = client.post(f"{API}/meetings/{m.pk}/conclusions", {"text": "x"}, content_type=JSON)
    assert resp.status_code == 403 and not m.conclusions.exists()
