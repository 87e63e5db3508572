"""Pages: the report form and its receipt, the triage and merge forms, the triage
section's context; a sibling province gets 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vigil.core.actors import Actor
from vigil.incidents import reference as reference_data
from vigil.incidents.models import Incident
from vigil.incidents.services import intake
from vigil.incidents.views.intake import detail_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref(net):
    reference_data.load_all()
    return net


def new(net, user="a_analyst", **kw):
    kw.setdefault("title", "Trang web bị thay đổi giao diện")
    return intake.incident_report(actor=Actor(user=net.users[user]), **kw)


def test_report_form_stores_the_report_and_shows_the_tracking_number(ref, login):
    client = login(ref.users["a_analyst"])
    assert client.get("/incidents/report/").status_code == 200
    resp = client.post("/incidents/report/", {
        "title": "Phát hiện mã độc", "description": "Máy trạm kết nối C2", "observables": "hxxp://c2[.]example/x\n",
        "tlp": "amber", "reporter_unit": ref.units["prov_a"].pk,
        "attachments": [SimpleUploadedFile("a.txt", b"log"), SimpleUploadedFile("b.pdf", b"%PDF-1.4 y")],
    })
    assert resp.status_code == 302, resp.content.decode()[:2000]
    incident = Incident.objects.get()
    assert resp["Location"] == f"/incidents/report/{incident.reference}/"
    page = client.get(resp["Location"])
    assert page.status_code == 200 and incident.reference in page.content.decode()
    assert incident.evidence.count() == 2 and incident.observables.get().kind == "url"
    assert incident.channel == "web"


def test_report_form_shows_errors_next_to_fields(ref, login):
    client = login(ref.users["a_analyst"])
    resp = client.post("/incidents/report/", {
        "title": "x", "observables": "không phải dấu hiệu", "tlp": "amber",
        "attachments": [SimpleUploadedFile("v.exe", b"MZ")],
    })
    assert resp.status_code == 400
    body = resp.content.decode()
    assert 'data-field="observables"' in body and 'data-field="attachments"' in body
    assert not Incident.objects.exists()


def test_a_non_member_cannot_open_the_report_form(ref, login):
    assert login(ref.users["nobody"]).get("/incidents/report/").status_code == 403


def test_sibling_cannot_read_the_receipt(ref, login):
    incident = new(ref)
    assert login(ref.users["b_analyst"]).get(f"/incidents/report/{incident.reference}/").status_code == 404


def test_triage_form_classifies(ref, login):
    incident = new(ref)
    from vigil.incidents.models import IncidentType

    client = login(ref.users["a_analyst"])
    assert client.get(f"/incidents/{incident.pk}/triage/").status_code == 200
    resp = client.post(f"/incidents/{incident.pk}/triage/", {
        "incident_type": IncidentType.objects.get(code="intrusions:application-compromise").pk,
        "impact": "3", "urgency": "4", "tlp": "amber", "pap": "amber", "owner_unit": incident.owner_unit_id,
    })
    assert resp.status_code == 302, resp.content.decode()[:3000]
    incident.refresh_from_db()
    assert incident.severity == "critical" and incident.state == "triaged"


def test_triage_form_does_not_offer_out_of_scope_types(ref, login):
    incident = new(ref)
    from vigil.incidents.models import IncidentType

    speech = IncidentType.objects.get(code="abusive-content:harmful-speech")
    resp = login(ref.users["a_analyst"]).post(f"/incidents/{incident.pk}/triage/", {
        "incident_type": speech.pk, "impact": "1", "urgency": "1", "tlp": "amber", "pap": "amber",
        "owner_unit": incident.owner_unit_id,
    })
    assert resp.status_code == 400 and 'data-field="incident_type"' in resp.content.decode()


def test_sibling_gets_404_on_triage_and_merge_pages(ref, login):
    incident = new(ref)
    client = login(ref.users["b_analyst"])
    assert client.get(f"/incidents/{incident.pk}/triage/").status_code == 404
    assert client.post(f"/incidents/{incident.pk}/merge/", {"into": incident.pk, "reason": "x"}).status_code == 404


def test_merge_form_merges_and_lists_duplicates(ref, login):
    keep = new(ref, observables=["198.51.100.77"])
    dup = new(ref, observables=["198.51.100.77"])
    client = login(ref.users["a_analyst"])
    page = client.get(f"/incidents/{dup.pk}/merge/")
    assert page.status_code == 200 and keep.reference in page.content.decode()
    resp = client.post(f"/incidents/{dup.pk}/merge/", {"into": keep.pk, "reason": "Trùng báo cáo"})
    assert resp.status_code == 302
    dup.refresh_from_db()
    assert dup.state == "merged" and dup.merged_into_id == keep.pk


def test_detail_panel_offers_triage_only_to_those_who_may_change(ref, rf):
    incident = new(ref, tlp="green")
    req = rf.get("/")
    req.user = ref.users["a_analyst"]
    assert detail_panel(req, incident)["triage_can_change"] is True
    req.user = ref.users["b_analyst"]
    ctx = detail_panel(req, incident)
    assert ctx["triage_can_change"] is False and ctx["triage_duplicates"] == []


def test_triage_section_renders(ref, rf):
    from django.template.loader import render_to_string

    incident = new(ref)
    req = rf.get("/")
    req.user = ref.users["a_analyst"]
    html = render_to_string("incidents/_detail_triage.html", {"incident": incident, **detail_panel(req, incident)})
    assert incident.reference in html and f"/incidents/{incident.pk}/triage/" in html
