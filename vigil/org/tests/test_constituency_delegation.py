"""Issue 11, item 5: a claim inside or over another unit's claim is a delegation request
that the other unit (or the office) accepts or refuses; only roles that manage a unit may
claim; pending and refused claims never route a report. Service, API, pages, CLI."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from vigil.core.actors import Actor, system_actor
from vigil.core.errors import AccessDenied, Conflict
from vigil.core.models import AuditEntry, Notification
from vigil.incidents.services import routing
from vigil.org.models import ConstituencyEntry
from vigil.org.selectors.constituency import who_owns
from vigil.org.services.constituency import constituency_add, constituency_decide
from vigil.testing import make_user

pytestmark = pytest.mark.django_db

API = "/api/v1/org"
Status = ConstituencyEntry.Status


@pytest.fixture
def world(net):
    """tinh-a-sotc answers for 10.1.2.0/24 and stc.tinh-a.gov.vn; tinh-b has a head."""
    make_user(net, "b_head", net.units["prov_b"], "head", full_name="Trưởng B")
    for value in ("10.1.2.0/24", "stc.tinh-a.gov.vn"):
        constituency_add(actor=system_actor(), unit=net.units["prov_a_dept"], value=value)
    return net


def act(user, channel="web"):
    return Actor(user=user, channel=channel)


def owner(value):
    return routing.find_owner_unit(values=[value]).unit


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


# --------------------------------------------------------------------------- service


def test_an_analyst_may_not_claim_at_all(world):
    with pytest.raises(AccessDenied):
        constituency_add(actor=act(world.b_analyst), unit=world.prov_b, value="10.1.2.7")
    with pytest.raises(AccessDenied):
        constituency_add(actor=act(world.b_analyst), unit=world.prov_b, value="192.0.2.0/24")
    assert not ConstituencyEntry.objects.filter(unit=world.prov_b).exists()


@pytest.mark.parametrize("value", ["10.1.2.7", "10.0.0.0/8", "www.stc.tinh-a.gov.vn", "tinh-a.gov.vn"])
def test_a_claim_inside_or_over_another_units_claim_is_pending_and_does_not_route(world, value):
    """The hijack: a /32 inside another unit's /24 routed a third party's report to the
    claimant. Over (a wider block, a parent domain) is the same request."""
    entry = constituency_add(actor=act(world.b_head), unit=world.prov_b, value=value)
    assert entry.status == Status.PENDING
    assert list(entry.consent_units.all()) == [world.prov_a_dept]
    probe = {"10.1.2.7": "10.1.2.7", "10.0.0.0/8": "10.1.2.9", "www.stc.tinh-a.gov.vn": "www.stc.tinh-a.gov.vn",
             "tinh-a.gov.vn": "mail.stc.tinh-a.gov.vn"}[value]
    assert owner(probe) == world.prov_a_dept
    assert who_owns(user=world.office_staff, value=probe).owner.unit == world.prov_a_dept
    assert who_owns(user=world.b_head, value=probe).owners == []  # its own request is not an answer
    log = AuditEntry.objects.get(object_type="org.constituencyentry", object_id=str(entry.pk), action="create")
    assert log.after["status"] == "pending"
    told = Notification.objects.filter(kind="org.constituency.requested")
    assert {n.recipient.username for n in told} == {"a_dept"}  # the unit's people who may act
    assert entry.value in told.first().title


def test_a_claim_overlapping_nobody_or_delegated_already_is_active(world):
    entry = constituency_add(actor=act(world.b_head), unit=world.prov_b, value="192.0.2.0/24")
    assert entry.status == Status.ACTIVE and not entry.consent_units.exists()
    inner = constituency_add(actor=act(world.b_head), unit=world.prov_b, value="192.0.2.64/26")
    assert inner.status == Status.ACTIVE  # inside its own claim


def test_a_manager_of_the_other_unit_claims_directly(world):
    """a_head manages tinh-a's subtree, so a claim of tinh-a inside tinh-a-sotc's block
    needs nobody else; the office may claim anything for anyone."""
    entry = constituency_add(actor=act(world.a_head), unit=world.prov_a, value="10.1.2.0/25")
    assert entry.status == Status.ACTIVE and entry.decided_by == world.a_head
    entry = constituency_add(actor=act(world.office_staff), unit=world.prov_b, value="10.1.2.128/25")
    assert entry.status == Status.ACTIVE
    assert owner("10.1.2.200") == world.prov_b


def test_accept_then_it_routes_and_the_claimant_is_told(world):
    entry = constituency_add(actor=act(world.b_head), unit=world.prov_b, value="10.1.2.7")
    with pytest.raises(AccessDenied):  # the claimant cannot accept for the other unit
        constituency_decide(actor=act(world.b_head), entry=entry, accept=True)
    with pytest.raises(AccessDenied):  # nor can someone of that unit who does not manage it
        constituency_decide(actor=act(world.a_dept), entry=entry, accept=True)
    constituency_decide(actor=act(world.a_head), entry=entry, accept=True, note="đồng ý phân cấp")
    entry.refresh_from_db()
    assert (entry.status, entry.decided_by, entry.decision_note) == (Status.ACTIVE, world.a_head, "đồng ý phân cấp")
    assert owner("10.1.2.7") == world.prov_b
    assert AuditEntry.objects.filter(action="org.constituency.accept", object_id=str(entry.pk)).exists()
    assert Notification.objects.filter(kind="org.constituency.decided", recipient=world.b_head).exists()
    with pytest.raises(Conflict):
        constituency_decide(actor=act(world.a_head), entry=entry, accept=False)


def test_refuse_keeps_it_refused_and_unrouted(world):
    entry = constituency_add(actor=act(world.b_head), unit=world.prov_b, value="10.1.2.7")
    constituency_decide(actor=act(world.office_staff), entry=entry, accept=False)
    entry.refresh_from_db()
    assert entry.status == Status.REFUSED
    assert owner("10.1.2.7") == world.prov_a_dept
    assert AuditEntry.objects.filter(action="org.constituency.refuse", object_id=str(entry.pk)).exists()


# --------------------------------------------------------------------------- API


def test_api_claim_request_list_and_decision(world, api_client):
    b = api_client(world.b_head)
    resp = post(b, f"{API}/units/{world.prov_b.pk}/constituency", {"value": "10.1.2.7"})
    assert resp.status_code == 201 and resp.json()["status"] == "pending"
    entry_id = resp.json()["id"]
    analyst = api_client(world.b_analyst)
    assert post(analyst, f"{API}/units/{world.prov_b.pk}/constituency", {"value": "10.1.2.8"}).status_code == 403
    mine = b.get(f"{API}/constituency/requests").json()["items"]
    assert [(r["id"], r["can_decide"]) for r in mine] == [(entry_id, False)]
    a = api_client(world.a_head)
    theirs = a.get(f"{API}/constituency/requests").json()["items"]
    assert [(r["id"], r["unit"]["code"], r["can_decide"]) for r in theirs] == [(entry_id, "tinh-b", True)]
    url = f"{API}/constituency/requests/{entry_id}/decision"
    assert post(b, url, {"accept": True}).status_code == 403
    assert post(api_client(world.agency_analyst), url, {"accept": True}).status_code == 403
    assert post(api_client(world.auditor), url, {"accept": True}).status_code == 403
    assert post(a, url, {"accept": "maybe"}).status_code == 422
    resp = post(a, url, {"accept": True, "note": "ok"})
    assert resp.status_code == 200 and resp.json()["status"] == "active"
    assert post(a, url, {"accept": False}).status_code == 409
    assert owner("10.1.2.7") == world.prov_b


def test_api_decision_on_a_request_one_cannot_see_is_404(world, api_client):
    entry = constituency_add(actor=act(world.b_head), unit=world.prov_b, value="10.1.2.7")
    url = f"{API}/constituency/requests/{entry.pk}/decision"
    make_user(world, "m_head", world.units["ministry"], "head")
    assert post(api_client(world.users["m_head"]), url, {"accept": True}).status_code == 404
    assert post(api_client(world.users["m_head"]), f"{API}/constituency/requests/999999/decision",
                {"accept": True}).status_code == 404


# --------------------------------------------------------------------------- pages


def test_pages_show_the_request_and_decide_it(world, login):
    c = login(world.b_head)
    resp = c.post(reverse("org:constituency_add", args=[world.prov_b.pk]), {"values": "10.1.2.7", "kind": ""})
    assert resp.status_code == 302
    entry = ConstituencyEntry.objects.get(unit=world.prov_b)
    assert entry.status == Status.PENDING
    page = c.get(reverse("org:unit_detail", args=[world.prov_b.pk])).content.decode()
    assert 'data-testid="constituency-status"' in page
    page = c.get(reverse("org:constituency_requests")).content.decode()
    assert f'id="claim-{entry.pk}"' in page and 'data-testid="request-decide"' not in page
    decide = reverse("org:constituency_decide", args=[entry.pk])
    assert c.post(decide, {"decision": "accept"}).status_code == 403
    c = login(world.a_head)
    page = c.get(reverse("org:constituency_requests")).content.decode()
    assert 'data-testid="request-decide"' in page and "10.1.2.7/32" in page
    assert c.get(decide).status_code == 405
    assert c.post(decide, {"decision": "refuse", "note": "không"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.REFUSED and entry.decision_note == "không"
    assert owner("10.1.2.7") == world.prov_a_dept


def test_an_analyst_gets_no_claim_form_and_a_refusal(world, login):
    c = login(world.b_analyst)
    page = c.get(reverse("org:unit_detail", args=[world.prov_b.pk])).content.decode()
    assert "constituency-add-form" not in page
    resp = c.post(reverse("org:constituency_add", args=[world.prov_b.pk]), {"values": "10.1.2.7", "kind": ""})
    assert resp.status_code == 403
    assert not ConstituencyEntry.objects.filter(unit=world.prov_b).exists()


# --------------------------------------------------------------------------- CLI


def cli(*args):
    out = StringIO()
    call_command("units", *args, stdout=out)
    return out.getvalue()


def test_cli_claim_requests_and_decide(world):
    with pytest.raises(CommandError):
        cli("claim", "tinh-b", "10.1.2.7", "--as", "b_analyst")
    data = json.loads(cli("claim", "tinh-b", "10.1.2.7", "--as", "b_head", "--json"))
    assert data["status"] == "pending"
    listed = json.loads(cli("requests", "--as", "a_head", "--json"))
    assert [(r["id"], r["can_decide"]) for r in listed] == [(data["id"], True)]
    with pytest.raises(CommandError):
        cli("decide", str(data["id"]), "accept", "--as", "b_head")
    out = cli("decide", str(data["id"]), "accept", "--as", "a_head")
    assert str(data["id"]) in out
    assert owner("10.1.2.7") == world.prov_b
    assert AuditEntry.objects.filter(action="org.constituency.accept", channel="cli").exists()
