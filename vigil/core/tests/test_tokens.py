"""Personal API tokens: hashed at rest, scoped, expiring, revocable — page, API and CLI."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from vigil.core.actors import Actor
from vigil.core.models import ApiToken, AuditEntry
from vigil.core.services.auth import token_create, token_revoke

pytestmark = pytest.mark.django_db


def bearer(secret):
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_token_is_stored_only_as_a_hash(net):
    token, secret = token_create(actor=Actor(user=net.a_analyst), user=net.a_analyst, name="siem")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith(f"vgl_{stored.key_id}_")
    assert stored.key_hash == ApiToken.hash_secret(secret) and secret not in stored.key_hash
    entry = AuditEntry.objects.get(action="create", object_type="core.apitoken", object_id=str(token.pk))
    assert entry.after["key_hash"] == "***" and secret not in str(entry.after)


def test_read_token_reads_but_is_refused_writes_with_problem_json(net, api_client):
    client = api_client(net.a_analyst, scope="read")
    me = client.get("/api/v1/core/me")
    assert me.status_code == 200
    assert [m["unit"]["code"] for m in me.json()["memberships"]] == [m["unit_code"] for m in me.json()["memberships"]]
    assert {"id", "code", "name", "name_en"} == set(me.json()["memberships"][0]["unit"])
    response = client.post("/api/v1/core/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 403
    assert ApiToken.objects.filter(user=net.a_analyst).count() == 1


def test_revoked_and_expired_tokens_are_refused_with_401(net):
    actor = Actor(user=net.a_analyst)
    revoked, revoked_secret = token_create(actor=actor, user=net.a_analyst, name="old")
    expired, expired_secret = token_create(actor=actor, user=net.a_analyst, name="late")
    assert bearer(revoked_secret).get("/api/v1/core/me").status_code == 200
    token_revoke(actor=actor, token=revoked)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for secret in (revoked_secret, expired_secret, "vgl_nothing_here", revoked_secret + "x"):
        response = bearer(secret).get("/api/v1/core/me")
        assert response.status_code == 401, secret
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_api_creates_lists_and_revokes_own_tokens(net, api_client):
    client = api_client(net.a_analyst)
    created = client.post("/api/v1/core/tokens", {"name": "feed", "scope": "read", "days": 30},
                          content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith(f"vgl_{body['key_id']}_") and body["scope"] == "read"
    assert bearer(body["secret"]).get("/api/v1/core/me").json()["username"] == "a_analyst"
    listed = client.get("/api/v1/core/tokens").json()
    assert {t["name"] for t in listed} == {"test", "feed"}
    assert all("secret" not in t for t in listed)
    assert client.get(f"/api/v1/core/tokens/{body['id']}").json()["active"] is True
    revoked = client.post(f"/api/v1/core/tokens/{body['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] and not revoked.json()["active"]
    assert bearer(body["secret"]).get("/api/v1/core/me").status_code == 401


def test_api_token_validation_names_the_field(net, api_client):
    client = api_client(net.a_analyst)
    response = client.post("/api/v1/core/tokens", {"name": "", "scope": "all", "days": 999},
                           content_type="application/json")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"name", "scope", "days"}


def test_token_cannot_mint_a_token_that_outlives_it(net):
    parent, secret = token_create(actor=Actor(user=net.a_analyst), user=net.a_analyst,
                                  name="short", scope="write", days=5)
    response = bearer(secret).post("/api/v1/core/tokens", {"name": "long", "days": 30},
                                   content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "days"


def test_nobody_reads_or_revokes_another_users_token(net, api_client):
    theirs, _ = token_create(actor=Actor(user=net.a_analyst), user=net.a_analyst, name="A")
    client = api_client(net.b_analyst)
    assert client.get(f"/api/v1/core/tokens/{theirs.pk}").status_code == 404
    assert client.post(f"/api/v1/core/tokens/{theirs.pk}/revoke").status_code == 404
    assert "A" not in {t["name"] for t in client.get("/api/v1/core/tokens").json()}
    page = Client()
    page.force_login(net.b_analyst)
    assert page.post(f"/account/tokens/{theirs.pk}/revoke/").status_code == 404
    assert page.get(f"/account/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_tokens_page_shows_the_secret_once_and_revokes(net, login):
    client = login(net.a_analyst)
    response = client.post("/account/tokens/", {"name": "SIEM", "scope": "write", "days": "10"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=net.a_analyst, name="SIEM")
    body = response.content.decode()
    assert 'data-testid="token-secret"' in body and f"vgl_{token.key_id}_" in body
    assert response["Cache-Control"] == "no-store"
    again = client.get("/account/tokens/").content.decode()
    assert 'data-testid="token-secret"' not in again and token.key_id in again
    revoked = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_tokens_page_shows_field_errors(net, login):
    client = login(net.a_analyst)
    response = client.post("/account/tokens/", {"name": "", "scope": "read", "days": "0"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field="name"' in body and 'data-field="days"' in body
    assert not ApiToken.objects.filter(user=net.a_analyst).exists()


def test_cli_creates_lists_and_revokes_tokens(net):
    out = io.StringIO()
    call_command("token", "create", "a_analyst", "--name", "cron", "--scope", "write", "--days", "7", stdout=out)
    secret = out.getvalue().strip()
    assert "\n" not in secret and secret.startswith("vgl_")
    token = ApiToken.objects.get(user=net.a_analyst, name="cron")
    assert token.scope == "write" and token.key_hash == ApiToken.hash_secret(secret)
    assert bearer(secret).get("/api/v1/core/me").status_code == 200
    entry = AuditEntry.objects.filter(object_type="core.apitoken", object_id=str(token.pk)).first()
    assert entry.channel == "cli" and entry.actor_name.startswith("cli:")

    listing = io.StringIO()
    call_command("token", "list", "a_analyst", stdout=listing)
    assert token.key_id in listing.getvalue() and "active" in listing.getvalue()

    call_command("token", "revoke", "a_analyst", token.key_id, stdout=io.StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(secret).get("/api/v1/core/me").status_code == 401


def test_cli_token_errors_are_clear(net):
    with pytest.raises(CommandError, match="ghost"):
        call_command("token", "create", "ghost")
    with pytest.raises(CommandError, match="days"):
        call_command("token", "create", "a_analyst", "--days", "0")
    other, _ = token_create(actor=Actor(user=net.b_analyst), user=net.b_analyst, name="B")
    with pytest.raises(CommandError, match=other.key_id):
        call_command("token", "revoke", "a_analyst", other.key_id)
