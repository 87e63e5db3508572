"""Issue 11, item 13: naming TLP:RED recipients (membership decisions, incidents, intel
sources) must not tell which accounts exist. A username that does not exist, an inactive
one and one the caller may not see get the same error; the people the caller may see, and
those of the units above them, can be named."""

import json

import pytest
from django.urls import reverse

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.incidents import reference as incident_reference
from vigil.incidents.services import intake
from vigil.org.selectors.people import recipient_candidates, recipients_named
from vigil.testing import make_user

pytestmark = pytest.mark.django_db

NOBODY = "khong-ton-tai-xyz"


def message_for(call, name):
    """The error message of `call(name)` with the name blanked."""
    with pytest.raises(DomainError) as exc:
        call(name)
    assert exc.value.field == "recipients"
    return str(exc.value.message).replace(name, "NAME")


def test_unknown_hidden_and_inactive_accounts_get_the_same_error(net):
    gone = make_user(net, "da_nghi", net.units["prov_b"], "analyst")
    gone.is_active = False
    gone.save()

    def call(name):
        return recipients_named(user=net.a_head, values=[name])

    unknown = message_for(call, NOBODY)
    assert message_for(call, "b_analyst") == unknown  # exists, in a sibling province
    assert message_for(call, "da_nghi") == unknown
    # people the caller may see, those above them and the network's office can be named
    named = recipients_named(user=net.a_head, values=["a_analyst", "auditor", "office_staff", "agency_analyst"])
    assert [u.username for u in named] == ["a_analyst", "auditor", "office_staff", "agency_analyst"]
    assert "b_analyst" not in set(recipient_candidates(user=net.a_head).values_list("username", flat=True))


def test_decision_api_does_not_enumerate_accounts(net, api_client):
    client = api_client(net.a_head)

    def post(name):
        return client.post("/api/v1/org/decisions", {
            "unit_id": net.prov_a_sub.pk, "number": "15/QĐ-UBND", "date": "2025-04-01",
            "issuer": "Chủ tịch UBND tỉnh A", "title": "Kiện toàn", "tlp": "red", "recipients": [name],
        }, content_type="application/json")

    hidden, unknown = post("b_analyst"), post(NOBODY)
    assert hidden.status_code == unknown.status_code == 400
    assert json.dumps(hidden.json()).replace("b_analyst", "NAME") == json.dumps(unknown.json()).replace(NOBODY, "NAME")
    assert post("auditor").status_code == 201


def test_decision_page_does_not_enumerate_accounts(net, login):
    client = login(net.a_head)

    def errors(name):
        resp = client.post(reverse("org:decision_create"), {
            "unit": net.prov_a_sub.pk, "number": "30/QĐ-UBND", "date": "2025-04-01", "effective_date": "2025-04-15",
            "issuer": "Chủ tịch UBND tỉnh A", "title": "Kiện toàn", "tlp": "red", "recipients": name,
        })
        page = resp.content.decode().replace(name, "NAME")
        assert 'data-field="recipients"' in page
        start = page.index('data-field="recipients"')
        return page[start:start + 600]

    assert errors("b_analyst") == errors(NOBODY)


def test_incident_triage_does_not_enumerate_accounts(net, api_client):
    incident_reference.load_all()
    incident = intake.incident_report(actor=Actor(user=net.a_analyst), title="Máy chủ thư bị dò mật khẩu")
    client = api_client(net.a_analyst)

    def triage(name):
        return client.post(f"/api/v1/incidents/{incident.pk}/triage", {
            "incident_type": "intrusion-attempts:brute-force", "impact": 3, "urgency": 3, "tlp": "red",
            "recipients": [name],
        }, content_type="application/json")

    hidden, unknown = triage("b_analyst"), triage(NOBODY)
    assert hidden.status_code == unknown.status_code and hidden.status_code in (400, 422)
    assert json.dumps(hidden.json()).replace("b_analyst", "NAME") == json.dumps(unknown.json()).replace(NOBODY, "NAME")
    assert not incident.recipients.exists()


def test_intel_source_does_not_enumerate_accounts(net, api_client):
    client = api_client(net.a_head)

    def create(name, n):
        return client.post("/api/v1/intel/sources", {
            "owner_unit": "tinh-a", "name": f"nguồn mật {n}", "tlp": "red", "recipients": [name],
        }, content_type="application/json")

    hidden, unknown = create("b_analyst", 1), create(NOBODY, 2)
    assert hidden.status_code == unknown.status_code == 400
    assert json.dumps(hidden.json()).replace("b_analyst", "NAME") == json.dumps(unknown.json()).replace(NOBODY, "NAME")
    assert create("a_analyst", 3).status_code == 201
