"""Webhooks through the API, the pages and the CLI; a sibling province sees none of
province A's endpoints or deliveries."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from vigil.core.actors import Actor
from vigil.core.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from vigil.core.notify import webhooks

from .test_webhooks_delivery import receiver

API = "/api/v1/core"


@pytest.fixture
def endpoint(net):
    ep, _secret = webhooks.endpoint_create(actor=Actor(user=net.a_analyst), unit=net.prov_a, name="SOC A",
                                           url="https://soc.a.example/hook")
    return ep


def post_json(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def test_api_create_returns_the_secret_once(net, api_client):
    client = api_client(net.a_analyst)
    r = post_json(client, f"{API}/webhooks", {"unit_id": net.prov_a.pk, "name": "SOC", "url": "https://x.example/h",
                                             "kinds": ["incidents.sla.breached"], "include_descendants": True})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["secret"].startswith("whsec_") and body["kinds"] == ["incidents.sla.breached"]
    # The one unit shape of every API answer (core.api.schemas.UnitRef).
    assert body["unit"] == {"id": net.prov_a.pk, "code": "tinh-a", "name": "Tỉnh A", "name_en": "Province A"}
    r = client.get(f"{API}/webhooks/{body['id']}")
    assert r.status_code == 200 and "secret" not in r.json()
    assert AuditEntry.objects.filter(action="core.webhook.create").exists()
    assert "whsec_" not in json.dumps(list(AuditEntry.objects.values_list("after", flat=True)))


def test_api_refuses_bad_input_naming_the_field(net, api_client):
    client = api_client(net.a_analyst)
    r = post_json(client, f"{API}/webhooks", {"unit_id": net.prov_a.pk, "name": "SOC", "url": "https://u:p@x.example/"})
    assert r.status_code == 400 and "url" in json.dumps(r.json())
    r = post_json(client, f"{API}/webhooks", {"unit_id": net.prov_a.pk, "name": "SOC", "url": "https://x.example/",
                                             "kinds": ["bogus"]})
    assert r.status_code == 400 and "kinds" in json.dumps(r.json())
    r = post_json(client, f"{API}/webhooks", {"unit_id": net.prov_b.pk, "name": "SOC", "url": "https://x.example/"})
    assert r.status_code == 404  # province B is not even visible


def test_api_update_disable_rotate_test_retry_delete(net, api_client, endpoint):
    client = api_client(net.a_analyst)
    r = client.patch(f"{API}/webhooks/{endpoint.pk}", data=json.dumps({"is_active": False}),
                     content_type="application/json")
    assert r.status_code == 200 and r.json()["is_active"] is False
    old = WebhookEndpoint.objects.get(pk=endpoint.pk).secret
    r = post_json(client, f"{API}/webhooks/{endpoint.pk}/rotate-secret")
    assert r.status_code == 200 and r.json()["secret"] != old
    holder = {"secret": r.json()["secret"]}
    with receiver(answers=(500, 200), secret_of=lambda: holder["secret"]) as (url, seen):
        client.patch(f"{API}/webhooks/{endpoint.pk}", data=json.dumps({"url": url}), content_type="application/json")
        r = post_json(client, f"{API}/webhooks/{endpoint.pk}/test")
        assert r.status_code == 200 and r.json()["status"] == "failed"
        delivery_id = r.json()["id"]
        r = client.get(f"{API}/webhooks/{endpoint.pk}/deliveries")
        assert r.json()["count"] == 1
        r = post_json(client, f"{API}/webhooks/{endpoint.pk}/deliveries/{delivery_id}/retry")
        assert r.status_code == 200 and r.json()["status"] == "delivered" and r.json()["attempts"] == 2
        r = post_json(client, f"{API}/webhooks/{endpoint.pk}/deliveries/{delivery_id}/retry")
        assert r.status_code == 400
    assert all(s["valid"] for s in seen)
    assert client.delete(f"{API}/webhooks/{endpoint.pk}").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_api_sibling_province_cannot_see_or_change(net, api_client, endpoint):
    d = WebhookDelivery.objects.create(endpoint=endpoint, event_id="msg_x", kind="core.webhook.test", payload={})
    client = api_client(net.b_analyst)
    assert client.get(f"{API}/webhooks").json() == []
    assert client.get(f"{API}/webhooks/{endpoint.pk}").status_code == 404
    assert client.get(f"{API}/webhooks/{endpoint.pk}/deliveries").status_code == 404
    assert client.get(f"{API}/webhooks/{endpoint.pk}/deliveries/{d.pk}").status_code == 404
    assert post_json(client, f"{API}/webhooks/{endpoint.pk}/rotate-secret").status_code == 404
    assert client.delete(f"{API}/webhooks/{endpoint.pk}").status_code == 404
    # A viewer of province A cannot manage it either.
    assert api_client(net.nobody).get(f"{API}/webhooks").status_code in (200, 401, 403)


def test_pages_list_create_shows_secret_once(net, login):
    client = login(net.a_analyst)
    r = client.get("/webhooks/")
    assert r.status_code == 200 and b'data-testid="webhook-create-form"' in r.content
    assert b'value="incidents.sla.breached"' in r.content
    r = client.post("/webhooks/", {"unit": net.prov_a.pk, "name": "SOC", "url": "https://x.example/h",
                                   "kinds": ["incidents.sla.breached"], "is_active": "on"})
    assert r.status_code == 200 and b'data-testid="webhook-secret"' in r.content
    ep = WebhookEndpoint.objects.get(name="SOC")
    assert ep.kinds == ["incidents.sla.breached"] and ep.is_active
    r = client.get(f"/webhooks/{ep.pk}/")
    assert r.status_code == 200 and b'data-testid="webhook-secret"' not in r.content
    r = client.post("/webhooks/", {"unit": net.prov_a.pk, "name": "Bad", "url": "ftp://x.example/"})
    assert r.status_code == 400 and b'data-field="url"' in r.content


def test_pages_detail_actions(net, login, endpoint):
    client = login(net.a_analyst)
    with receiver(answers=(500, 200)) as (url, seen):
        webhooks.endpoint_update(actor=Actor(user=net.a_analyst), endpoint=endpoint, url=url)
        assert client.post(f"/webhooks/{endpoint.pk}/test/").status_code == 302
        d = WebhookDelivery.objects.get(endpoint=endpoint)
        r = client.get(f"/webhooks/{endpoint.pk}/")
        assert b'data-testid="delivery-retry"' in r.content
        assert client.post(f"/webhooks/{endpoint.pk}/deliveries/{d.pk}/retry/").status_code == 302
        d.refresh_from_db()
        assert d.status == "delivered"
    r = client.post(f"/webhooks/{endpoint.pk}/rotate/")
    assert r.status_code == 200 and b'data-testid="webhook-secret"' in r.content
    client.post(f"/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    r = client.post(f"/webhooks/{endpoint.pk}/", {"name": "Renamed", "url": "https://y.example/"})
    assert r.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.name == "Renamed"
    assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_pages_sibling_province_gets_404(net, login, endpoint):
    d = WebhookDelivery.objects.create(endpoint=endpoint, event_id="msg_y", kind="core.webhook.test", payload={})
    client = login(net.b_analyst)
    r = client.get("/webhooks/")
    assert r.status_code == 200 and b"SOC A" not in r.content
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/webhooks/{endpoint.pk}/rotate/").status_code == 404
    assert client.post(f"/webhooks/{endpoint.pk}/deliveries/{d.pk}/retry/").status_code == 404
    assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_cli(net, endpoint):
    out = StringIO()
    call_command("webhooks", "create", "--unit", "tinh-a", "--name", "CLI", "--url", "https://c.example/",
                 "--kind", "incidents.sla.escalated", "--as", "a_analyst", "--json", stdout=out)
    created = json.loads(out.getvalue())
    assert created["secret"].startswith("whsec_")
    out = StringIO()
    call_command("webhooks", "list", "--as", "a_analyst", "--json", stdout=out)
    assert {d["name"] for d in json.loads(out.getvalue())} == {"SOC A", "CLI"}
    out = StringIO()
    call_command("webhooks", "list", "--as", "b_analyst", "--json", stdout=out)
    assert json.loads(out.getvalue()) == []
    call_command("webhooks", "disable", str(created["id"]), "--as", "a_analyst", stdout=StringIO())
    assert WebhookEndpoint.objects.get(pk=created["id"]).is_active is False
    out = StringIO()
    call_command("webhooks", "rotate", str(created["id"]), "--as", "a_analyst", stdout=out)
    assert "whsec_" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("webhooks", "rotate", str(created["id"]), "--as", "b_analyst")
    with pytest.raises(CommandError):
        call_command("webhooks", "create", "--unit", "tinh-a", "--name", "X", "--url", "ftp://x", "--as", "a_analyst")
    out = StringIO()
    call_command("webhooks", "deliveries", str(endpoint.pk), "--as", "a_analyst", "--json", stdout=out)
    assert json.loads(out.getvalue()) == []
    out = StringIO()
    call_command("webhooks", "deliver-due", "--json", stdout=out)
    assert json.loads(out.getvalue())["attempted"] == 0
