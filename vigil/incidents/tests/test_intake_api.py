"""Incident API: report (201, Idempotency-Key replay 200), track, taxonomy, triage,
duplicates and merge; a sibling province sees and changes nothing of province A's."""

import pytest

from vigil.core.actors import Actor
from vigil.incidents import reference as reference_data
from vigil.incidents.models import Incident
from vigil.incidents.services import intake

pytestmark = pytest.mark.django_db
API = "/api/v1/incidents"


@pytest.fixture
def ref(net):
    reference_data.load_all()
    return net


def new(net, user="a_analyst", **kw):
    kw.setdefault("title", "Máy chủ thư bị dò mật khẩu")
    return intake.incident_report(actor=Actor(user=net.users[user]), **kw)


def test_report_answers_201_with_the_tracking_number(ref, api_client):
    client = api_client(ref.users["a_analyst"])
    resp = client.post(f"{API}/reports", {
        "title": "Phát hiện mã độc", "observables": ["hxxp://evil[.]example/a", {"kind": "ipv4", "value": "1.2.3.4"}],
        "tlp": "green",
    }, content_type="application/json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    incident = Incident.objects.get(pk=body["id"])
    assert body["reference"] == incident.reference and body["state"] == "new" and body["replayed"] is False
    assert incident.channel == "api" and incident.observables.count() == 2


def test_idempotency_key_replay_answers_200_with_the_same_incident(ref, api_client):
    client = api_client(ref.users["a_analyst"])
    payload = {"title": "Tấn công DDoS"}
    first = client.post(f"{API}/reports", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(f"{API}/reports", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True
    other = api_client(ref.users["b_analyst"]).post(f"{API}/reports", payload, content_type="application/json",
                                                    HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]  # keys are per user
    assert Incident.objects.count() == 2


def test_idempotency_key_replayed_with_another_body_is_422(ref, api_client):
    client = api_client(ref.users["a_analyst"])
    first = client.post(f"{API}/reports", {"title": "Tấn công DDoS"}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == 201
    other = client.post(f"{API}/reports", {"title": "Tấn công DDoS", "description": "khác"},
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422 and other["Content-Type"] == "application/problem+json"
    body = other.json()
    assert body["status"] == 422 and body["type"].endswith("idempotency-key-reused")
    assert "Idempotency-Key" in str(body.get("errors"))
    assert Incident.objects.count() == 1 and Incident.objects.get().description == ""


def test_bad_report_is_a_problem_naming_the_fields(ref, api_client):
    resp = api_client(ref.users["a_analyst"]).post(f"{API}/reports", {
        "title": " ", "reporter_email": "x", "observables": ["???"],
    }, content_type="application/json")
    assert resp.status_code == 422 and resp["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in resp.json()["errors"]}
    assert {"title", "reporter_email", "observables"} <= fields
    assert not Incident.objects.exists()


def test_report_needs_a_token(ref, client):
    assert client.post(f"{API}/reports", {"title": "x"}, content_type="application/json").status_code == 401


def test_taxonomy_lists_classes_and_types(ref, api_client):
    body = api_client(ref.users["b_analyst"]).get(f"{API}/taxonomy").json()
    assert len(body) == 11 and sum(len(c["types"]) for c in body) == 39


def test_track_is_for_the_reporter_and_handlers_only(ref, api_client):
    incident = new(ref, user="a_dept")
    resp = api_client(ref.users["a_dept"]).get(f"{API}/track/{incident.reference}")
    assert resp.status_code == 200 and resp.json()["state"] == "new"
    assert api_client(ref.users["a_head"]).get(f"{API}/track/{incident.reference}").status_code == 200
    assert api_client(ref.users["b_analyst"]).get(f"{API}/track/{incident.reference}").status_code == 404


def test_triage_through_the_api(ref, api_client):
    incident = new(ref)
    resp = api_client(ref.users["a_analyst"]).post(f"{API}/{incident.pk}/triage", {
        "incident_type": "intrusion-attempts:brute-force", "impact": 3, "urgency": 3, "pap": "amber",
    }, content_type="application/json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["severity"] == "high" and body["state"] == "triaged" and body["acknowledge_due"]


def test_sibling_province_cannot_triage_merge_or_see_duplicates(ref, api_client):
    incident = new(ref)
    b = api_client(ref.users["b_analyst"])
    resp = b.post(f"{API}/{incident.pk}/triage", {"incident_type": "fraud:phishing", "impact": 1, "urgency": 1},
                  content_type="application/json")
    assert resp.status_code == 404
    assert b.post(f"{API}/{incident.pk}/merge", {"into": incident.pk, "reason": "x"},
                  content_type="application/json").status_code == 404
    assert b.get(f"{API}/{incident.pk}/duplicates").status_code == 404
    assert Incident.objects.get(pk=incident.pk).state == "new"


def test_viewer_without_change_gets_403_on_triage(ref, api_client):
    incident = new(ref, tlp="green")
    resp = api_client(ref.users["b_analyst"]).post(f"{API}/{incident.pk}/triage", {
        "incident_type": "fraud:phishing", "impact": 1, "urgency": 1,
    }, content_type="application/json")
    assert resp.status_code == 403  # GREEN: seen by every member, changed only by its handlers


def test_duplicates_and_merge_through_the_api(ref, api_client):
    keep = new(ref, observables=["203.0.113.40"])
    dup = new(ref, observables=["203.0.113.40"])
    a = api_client(ref.users["a_analyst"])
    dups = a.get(f"{API}/{dup.pk}/duplicates").json()
    assert dups[0]["id"] == keep.pk and dups[0]["shared_values"] == ["203.0.113.40"]
    resp = a.post(f"{API}/{dup.pk}/merge", {"into": keep.reference, "reason": "Trùng"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["state"] == "merged" and resp.json()["merged_into"] == keep.reference
