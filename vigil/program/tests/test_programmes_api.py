"""API: work programmes — draft, tasks, approval by the head, frozen afterwards."""

import pytest

from vigil.program.models import Task, WorkProgramme

from .test_meetings_factories import DUE, TODAY, programme

pytestmark = pytest.mark.django_db
API = "/api/v1/program"
JSON = "application/json"


def test_programme_lifecycle_through_the_api(net, api_client):
    analyst, head = api_client(net.a_analyst), api_client(net.a_head)
    resp = analyst.post(f"{API}/programmes", {"unit_id": net.prov_a.pk, "year": TODAY.year, "title": "CT tỉnh A"}, content_type=JSON)
    assert resp.status_code == 201, resp.content
    pid = resp.json()["id"]
    assert resp.json()["status"] == "draft" and resp.json()["tasks"] == []
    resp = analyst.post(f"{API}/programmes", {"unit_id": net.prov_a.pk, "year": TODAY.year, "title": "Bản hai"}, content_type=JSON)
    assert resp.status_code == 409 and resp.json()["errors"][0]["field"] == "year"
    resp = head.post(f"{API}/programmes/{pid}/approve")
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "tasks"
    resp = analyst.post(f"{API}/programmes/{pid}/tasks", {"title": "Diễn tập", "due_date": DUE.isoformat(), "product": "drill"}, content_type=JSON)
    assert resp.status_code == 201 and resp.json()["task_count"] == 1
    assert resp.json()["tasks"][0]["lead_unit_code"] == "tinh-a" and resp.json()["tasks"][0]["status"] == "not_started"
    assert analyst.post(f"{API}/programmes/{pid}/approve").status_code == 403
    resp = head.post(f"{API}/programmes/{pid}/approve")
    assert resp.status_code == 200 and resp.json()["status"] == "approved" and resp.json()["approved_by"] == "a_head"
    resp = analyst.patch(f"{API}/programmes/{pid}", {"title": "Sửa"}, content_type=JSON)
    assert resp.status_code == 409 and resp.json()["errors"][0]["field"] == "status"
    resp = analyst.post(f"{API}/programmes/{pid}/tasks", {"title": "Phát sinh", "due_date": DUE.isoformat(),
                                                          "lead_unit_ids": [net.prov_a_dept.pk]}, content_type=JSON)
    assert resp.status_code == 201 and resp.json()["task_count"] == 2


def test_list_and_filters(net, api_client):
    programme(net)
    programme(net, who="b_analyst", unit=net.prov_b, year=TODAY.year + 1, title="CT B")
    office = api_client(net.office_staff)
    items = office.get(f"{API}/programmes").json()["items"]
    assert {p["unit_code"] for p in items} == {"tinh-a", "tinh-b"}
    items = office.get(f"{API}/programmes", {"unit_id": "tinh-b"}).json()["items"]
    assert [p["title"] for p in items] == ["CT B"]
    items = office.get(f"{API}/programmes", {"year": TODAY.year}).json()["items"]
    assert [p["unit_code"] for p in items] == ["tinh-a"]


def test_errors_name_the_field(net, api_client):
    client = api_client(net.a_analyst)
    resp = client.post(f"{API}/programmes", {"unit_id": net.prov_a.pk, "year": 1990, "title": ""}, content_type=JSON)
    assert resp.status_code == 422 and {e["field"] for e in resp.json()["errors"]} == {"year", "title"}
    p = programme(net)
    resp = client.post(f"{API}/programmes/{p.pk}/tasks", {"title": "X", "due_date": DUE.isoformat(), "lead_unit_ids": [999999]}, content_type=JSON)
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "lead_units"
    assert not Task.objects.exists()


def test_sibling_province_gets_404(net, api_client):
    p = programme(net)
    client = api_client(net.b_analyst)
    assert client.get(f"{API}/programmes").json()["items"] == []
    assert client.get(f"{API}/programmes/{p.pk}").status_code == 404
    assert client.post(f"{API}/programmes/{p.pk}/approve").status_code == 404
    assert client.patch(f"{API}/programmes/{p.pk}", {"title": "x"}, content_type=JSON).status_code == 404
    resp = client.post(f"{API}/programmes", {"unit_id": net.prov_a.pk, "year": TODAY.year + 1, "title": "x"}, content_type=JSON)
    assert resp.status_code == 404  # province A is out of B's sight altogether
    assert WorkProgramme.objects.count() == 1
