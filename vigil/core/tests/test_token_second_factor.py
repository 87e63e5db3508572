"""A role that requires a second factor also binds API tokens: a token made before the role
started requiring TOTP stops working (API, blocklist exports, TAXII) until its user enrols
an authenticator; the refusal says why, in each interface's own error format."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.core.actors import Actor
from vigil.core.services.auth import token_create
from vigil.org.models import Role

pytestmark = pytest.mark.django_db

TAXII = "application/taxii+json;version=2.1"


def _secret(user, scope="write"):
    _token, secret = token_create(actor=Actor(user=user), user=user, name="siem", scope=scope)
    return secret


def _require_2fa(code="analyst"):
    Role.objects.filter(code=code).update(requires_2fa=True)


def _calls(secret):
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return {
        "api": bearer.get("/api/v1/core/me"),
        "export": bearer.get("/api/v1/intel/exports/list"),
        "taxii": bearer.get("/taxii2/", HTTP_ACCEPT=TAXII),
    }


def test_token_made_before_the_role_required_2fa_is_refused_everywhere(net):
    secret = _secret(net.a_analyst)
    before = _calls(secret)
    assert {name: r.status_code for name, r in before.items()} == {"api": 200, "export": 200, "taxii": 200}

    _require_2fa()
    after = _calls(secret)
    for name in ("api", "export"):
        response = after[name]
        assert response.status_code == 403, name
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 403 and body["type"].endswith("second-factor-required")
        assert "xác thực hai lớp" in body["detail"]
    taxii = after["taxii"]
    assert taxii.status_code == 403
    assert taxii["Content-Type"].startswith("application/taxii+json")
    error = taxii.json()
    assert error["http_status"] == "403" and "xác thực hai lớp" in error["description"]


def test_refusal_is_in_english_for_an_english_client(net):
    secret = _secret(net.a_analyst)
    _require_2fa()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/core/me")
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]


def test_writes_are_refused_too(net):
    secret = _secret(net.a_analyst)
    _require_2fa()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        "/api/v1/core/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["type"].endswith("second-factor-required")


def test_token_works_again_once_the_user_has_a_confirmed_device(net):
    secret = _secret(net.a_analyst)
    _require_2fa()
    TOTPDevice.objects.create(user=net.a_analyst, name="Vigil", confirmed=False)
    assert _calls(secret)["api"].status_code == 403  # a pending device is not a second factor
    TOTPDevice.objects.filter(user=net.a_analyst).update(confirmed=True)
    assert {name: r.status_code for name, r in _calls(secret).items()} == {"api": 200, "export": 200, "taxii": 200}


def test_other_roles_are_not_affected(net):
    secret = _secret(net.b_analyst)
    _require_2fa("head")
    assert {name: r.status_code for name, r in _calls(secret).items()} == {"api": 200, "export": 200, "taxii": 200}
