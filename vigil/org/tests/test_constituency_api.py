"""API of constituency, who owns X? and overlaps."""

import json

import pytest

from vigil.org.models import ConstituencyEntry

from .constituency_fixtures import claims_fixture  # noqa: F401 (the `claims` fixture)

pytestmark = pytest.mark.django_db

API = "/api/v1/org"


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_add_list_and_remove_an_entry(net, api_client):
    c = api_client(net.a_head)
    resp = post(c, f"{API}/units/{net.prov_a.pk}/constituency", {"value": "2001:DB8:AB::/48", "note": "IPv6"})
    assert resp.status_code == 201, resp.content
    entry = resp.json()
    assert (entry["kind"], entry["value"], entry["prefix_len"]) == ("ipv6", "2001:db8:ab::/48", 48)
    listing = c.get(f"{API}/units/{net.prov_a.pk}/constituency").json()
    assert [e["value"] for e in listing["items"]] == ["2001:db8:ab::/48"]
    resp = c.delete(f"{API}/units/{net.prov_a.pk}/constituency/{entry['id']}")
    assert resp.status_code == 204
    assert not ConstituencyEntry.objects.filter(pk=entry["id"]).exists()


def test_invalid_value_is_a_problem_naming_the_field(net, api_client):
    c = api_client(net.a_head)
    resp = post(c, f"{API}/units/{net.prov_a.pk}/constituency", {"value": "10.0.0.1/8"})
    assert resp.status_code == 400
    body = resp.json()
    assert resp["Content-Type"] == "application/problem+json"
    assert body["errors"][0]["field"] == "value" and "10.0.0.0/8" in body["errors"][0]["message"]
    resp = post(c, f"{API}/units/{net.prov_a.pk}/constituency", {"value": "10.0.0.0/8", "kind": "cidr"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "kind"
    resp = post(c, f"{API}/units/{net.prov_a.pk}/constituency", {"value": "example.vn", "kind": "ipv4"})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "value"


def test_duplicate_is_409(net, api_client):
    c = api_client(net.a_head)
    assert post(c, f"{API}/units/{net.prov_a.pk}/constituency", {"value": "AS64500"}).status_code == 201
    resp = post(c, f"{API}/units/{net.prov_a.pk}/constituency", {"value": "64500"})
    assert resp.status_code == 409 and resp.json()["errors"][0]["field"] == "value"


def test_constituency_permissions(net, api_client, claims):
    b = api_client(net.b_analyst)
    assert post(b, f"{API}/units/{net.prov_a.pk}/constituency", {"value": "192.0.2.0/24"}).status_code == 404
    assert post(b, f"{API}/units/{net.national.pk}/constituency", {"value": "192.0.2.0/24"}).status_code == 403
    entry = claims[("prov_a", "10.1.0.0/16")]
    assert b.delete(f"{API}/units/{net.prov_a.pk}/constituency/{entry.pk}").status_code == 404
    # an entry id of another unit, through a unit one may change, is still 404
    a = api_client(net.a_analyst)
    other = claims[("prov_b", "tinh-ab.gov.vn")]
    assert a.delete(f"{API}/units/{net.prov_a.pk}/constituency/{other.pk}").status_code == 404
    assert api_client(net.auditor).delete(f"{API}/units/{net.prov_a.pk}/constituency/{entry.pk}").status_code == 403
    assert ConstituencyEntry.objects.filter(pk__in=[entry.pk, other.pk]).count() == 2


def test_who_owns(net, api_client, claims):
    resp = api_client(net.office_staff).get(f"{API}/who-owns", {"value": "10.1.2.3"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["kind"] == "ipv4" and body["value"] == "10.1.2.3/32"
    assert body["owner"]["unit"]["code"] == "tinh-a-sotc" and body["owner"]["matched"] == "10.1.2.0/24"
    assert [m["matched"] for m in body["matches"]] == ["10.1.2.0/24", "10.1.0.0/16", "10.0.0.0/8"]
    assert "outside_scope" not in body


def test_who_owns_does_not_hint_at_a_hidden_more_specific_claim(net, api_client, claims):
    b = api_client(net.b_analyst)
    body = b.get(f"{API}/who-owns", {"value": "www.stc.tinh-a.gov.vn"}).json()
    assert body["owner"]["unit"]["code"] == "tinh-b"  # tinh-b's own (conflicting) claim
    assert "tinh-a-sotc" not in json.dumps(body) and "outside_scope" not in body
    # the answer about tinh-a-sotc's sub-domain is the same as about one nobody else claims
    other = b.get(f"{API}/who-owns", {"value": "www.other.tinh-a.gov.vn"}).json()
    assert {k: v for k, v in body.items() if k not in ("query", "value")} == {
        k: v for k, v in other.items() if k not in ("query", "value")}


def test_who_owns_bad_value_is_a_problem(net, api_client):
    c = api_client(net.office_staff)
    resp = c.get(f"{API}/who-owns", {"value": "300.1.1.1"})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "value"
    assert c.get(f"{API}/who-owns").status_code == 422


def test_overlaps_api(net, api_client, claims):
    resp = api_client(net.office_staff).get(f"{API}/constituency/overlaps", {"relation": "conflict"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 5 and all(o["relation"] == "conflict" for o in body["items"])
    resp = api_client(net.b_analyst).get(f"{API}/constituency/overlaps")
    for o in resp.json()["items"]:
        for side in (o["wider"], o["narrower"]):
            assert side["unit"] is None or side["unit"]["code"] in ("tinh-b", "bcd-qg")
    assert api_client(net.office_staff).get(f"{API}/constituency/overlaps", {"kind": "x"}).status_code == 422
