"""API: membership decisions end to end, the signed file, TLP:RED audit of views."""

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from vigil.core.models import AuditEntry
from vigil.org.models import Membership

from .people_factories import member, pdf_bytes, pdf_upload, person

pytestmark = pytest.mark.django_db
API = "/api/v1/org"


def new_decision(client, unit, **kw):
    body = {
        "unit_id": unit.pk, "number": "15/QĐ-UBND", "date": "2025-04-01", "effective_date": "2025-04-10",
        "issuer": "Chủ tịch UBND tỉnh A", "title": "Kiện toàn Tiểu ban An ninh mạng tỉnh A",
    }
    body.update(kw)
    return client.post(f"{API}/decisions", body, content_type="application/json")


def test_decision_lifecycle_through_the_api(net, api_client):
    client = api_client(net.a_head)
    outgoing = person(net.prov_a_dept, "Phan Văn Cũ")
    old = member(outgoing, net.prov_a_sub, "head", since=date(2024, 1, 1))
    incoming = person(net.prov_a_dept, "Phan Văn Mới")
    resp = new_decision(client, net.prov_a_sub)
    assert resp.status_code == 201, resp.content
    d = resp.json()
    assert d["status"] == "draft" and d["tlp"] == "amber" and d["items"] == [] and d["has_signed_file"] is False
    did = d["id"]
    r1 = client.post(f"{API}/decisions/{did}/items", {"action": "remove", "person_id": outgoing.pk, "role": "head"}, content_type="application/json")
    r2 = client.post(f"{API}/decisions/{did}/items", {"action": "appoint", "person_id": incoming.pk, "role": "head"}, content_type="application/json")
    r3 = client.post(f"{API}/decisions/{did}/items", {"action": "appoint", "person_id": incoming.pk, "role": "member"}, content_type="application/json")
    assert (r1.status_code, r2.status_code, r3.status_code) == (201, 201, 201)
    assert client.delete(f"{API}/decisions/{did}/items/{r3.json()['id']}").status_code == 204
    resp = client.post(f"{API}/decisions/{did}/file", {"signed_file": pdf_upload()})
    assert resp.status_code == 200, resp.content
    assert resp.json()["signed_file_sha256"] == hashlib.sha256(pdf_bytes()).hexdigest()
    resp = client.post(f"{API}/decisions/{did}/apply")
    assert resp.status_code == 200 and resp.json()["status"] == "applied"
    assert len(resp.json()["items"]) == 2
    old.refresh_from_db()
    assert old.until == date(2025, 4, 10) and old.ended_by_id == did
    assert Membership.objects.get(person=incoming, role__code="head").decision_id == did
    # frozen now
    resp = client.patch(f"{API}/decisions/{did}", {"title": "Sửa"}, content_type="application/json")
    assert resp.status_code == 409
    assert client.post(f"{API}/decisions/{did}/apply").status_code == 409
    # the file downloads, and the download is audited as an export
    resp = client.get(f"{API}/decisions/{did}/file")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert b"".join(resp.streaming_content) == pdf_bytes()
    assert AuditEntry.objects.filter(action="export", object_id=str(did), channel="api").count() == 1


def test_list_decisions_filters(net, api_client):
    client = api_client(net.a_head)
    new_decision(client, net.prov_a_sub)
    new_decision(client, net.prov_a_dept, number="16/QĐ-UBND", title="Kiện toàn tổ ứng cứu")
    assert client.get(f"{API}/decisions").json()["count"] == 2
    assert client.get(f"{API}/decisions", {"unit_id": net.prov_a_dept.pk}).json()["count"] == 1
    assert client.get(f"{API}/decisions", {"q": "ứng cứu"}).json()["items"][0]["number"] == "16/QĐ-UBND"
    assert client.get(f"{API}/decisions", {"status": "applied"}).json()["count"] == 0
    assert api_client(net.b_analyst).get(f"{API}/decisions").json()["count"] == 0
    assert api_client(net.office_staff).get(f"{API}/decisions", {"subtree_of": "tinh-a"}).json()["count"] == 2


def test_decision_problems_name_the_field(net, api_client):
    client = api_client(net.a_head)
    resp = new_decision(client, net.prov_a_sub, effective_date="2025-03-01")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "effective_date"
    resp = new_decision(client, net.prov_a_sub, tlp="purple")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "tlp"
    new_decision(client, net.prov_a_sub)
    resp = new_decision(client, net.prov_a_sub)
    assert resp.status_code == 409 and resp.json()["errors"][0]["field"] == "number"


def test_apply_failure_names_the_item_and_changes_nothing(net, api_client):
    client = api_client(net.a_head)
    did = new_decision(client, net.prov_a_sub).json()["id"]
    a = person(net.prov_a_dept, "Kiều Văn Đạt")
    b = person(net.prov_a_dept, "Lâm Thị Ngọc")
    client.post(f"{API}/decisions/{did}/items", {"action": "appoint", "person_id": a.pk, "role": "member"}, content_type="application/json")
    client.post(f"{API}/decisions/{did}/items", {"action": "remove", "person_id": b.pk, "role": "member"}, content_type="application/json")
    resp = client.post(f"{API}/decisions/{did}/apply")
    assert resp.status_code == 400
    problem = resp.json()
    assert problem["errors"][0]["field"] == "items" and "Lâm Thị Ngọc" in problem["detail"]
    assert not Membership.objects.filter(person=a).exists()
    assert client.get(f"{API}/decisions/{did}").json()["status"] == "draft"


def test_file_upload_refusals(net, api_client):
    client = api_client(net.a_head)
    did = new_decision(client, net.prov_a_sub).json()["id"]
    fake = SimpleUploadedFile("qd.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    resp = client.post(f"{API}/decisions/{did}/file", {"signed_file": fake})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "signed_file"
    with override_settings(VIGIL_MAX_UPLOAD_BYTES=200):
        resp = client.post(f"{API}/decisions/{did}/file", {"signed_file": pdf_upload(size=300)})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "signed_file"
    assert "MB" in resp.json()["detail"]
    resp = client.post(f"{API}/decisions/{did}/file", {})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"].endswith("signed_file")
    assert client.get(f"{API}/decisions/{did}/file").status_code == 404


def test_sibling_gets_404_and_viewer_without_right_403(net, api_client):
    did = new_decision(api_client(net.a_head), net.prov_a_sub).json()["id"]
    b = api_client(net.b_analyst)
    assert b.get(f"{API}/decisions/{did}").status_code == 404
    assert b.post(f"{API}/decisions/{did}/apply").status_code == 404
    assert b.post(f"{API}/decisions", {"unit_id": net.prov_a_sub.pk, "number": "1", "date": "2025-01-01", "issuer": "x", "title": "y"}, content_type="application/json").status_code == 404
    analyst = api_client(net.a_analyst)
    assert analyst.get(f"{API}/decisions/{did}").status_code == 200
    assert analyst.post(f"{API}/decisions/{did}/apply").status_code == 403


def test_red_decision_is_seen_by_recipients_only_and_each_view_is_audited(net, api_client):
    resp = new_decision(api_client(net.a_head), net.prov_a_sub, tlp="red", recipients=["auditor"])
    did = resp.json()["id"]
    assert resp.json()["recipients"] == ["auditor"]
    office = api_client(net.office_staff)
    assert office.get(f"{API}/decisions/{did}").status_code == 404
    assert did not in [d["id"] for d in office.get(f"{API}/decisions").json()["items"]]
    recipient = api_client(net.auditor)
    before = AuditEntry.objects.filter(action="view", object_id=str(did)).count()
    assert recipient.get(f"{API}/decisions/{did}").status_code == 200
    assert recipient.get(f"{API}/decisions/{did}").status_code == 200
    listed = recipient.get(f"{API}/decisions").json()["items"]
    assert [d["id"] for d in listed] == [did]
    views = AuditEntry.objects.filter(action="view", object_id=str(did), actor=net.auditor)
    assert views.count() - before == 3 and views.first().channel == "api"
    # an AMBER decision's views are not logged
    amber = new_decision(api_client(net.a_head), net.prov_a_sub, number="99").json()["id"]
    api_client(net.a_head).get(f"{API}/decisions/{amber}")
    assert not AuditEntry.objects.filter(action="view", object_id=str(amber)).exists()


def test_patch_draft_audience_and_get_membership(net, api_client):
    client = api_client(net.a_head)
    did = new_decision(client, net.prov_a_sub).json()["id"]
    resp = client.patch(
        f"{API}/decisions/{did}", {"tlp": "red", "recipients": ["auditor"], "title": "Kiện toàn (mật)"},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["tlp"] == "red" and resp.json()["recipients"] == ["auditor"]
    assert api_client(net.office_staff).get(f"{API}/decisions/{did}").status_code == 404
    resp = client.patch(f"{API}/decisions/{did}", {"shared_with": [net.prov_b.pk]}, content_type="application/json")
    assert resp.status_code == 404 and resp.json()["errors"][0]["field"] == "shared_with"
    m = member(person(net.prov_a_dept), net.prov_a_sub, "member")
    assert client.get(f"{API}/memberships/{m.pk}").json()["unit_code"] == "tinh-a-tb"
    assert api_client(net.b_analyst).get(f"{API}/memberships/{m.pk}").status_code == 404
