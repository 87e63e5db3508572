"""Login through the real page: Argon2, lockout, the TOTP second factor and the per-role rule."""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.core.actors import Actor
from vigil.core.models import AuditEntry, User
from vigil.core.services.roles import role_set_2fa
from vigil.org.models import Role
from vigil.testing import PASSWORD

from .conftest import totp_code

pytestmark = pytest.mark.django_db


def test_production_hasher_is_argon2_and_logs_in():
    from vigil import settings as base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        user = User.objects.create_user(username="argon", password=PASSWORD)
        assert user.password.startswith("argon2$")
        response = Client().post("/login/", {"username": "argon", "password": PASSWORD})
        assert response.status_code == 302


def test_login_and_failed_login_are_audited(net, password_login):
    _client, bad = password_login("a_analyst", "wrong-password")
    assert bad.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in bad.content.decode()
    failed = AuditEntry.objects.filter(action="login_failed").first()
    assert failed is not None and failed.object_repr == "a_analyst" and failed.actor_id is None
    client, ok = password_login("a_analyst")
    assert ok.status_code == 302
    login = AuditEntry.objects.filter(action="login").first()
    assert login.actor == net.a_analyst and login.unit_id == net.prov_a.pk
    assert login.address == "127.0.0.1"


def test_username_is_locked_out_after_repeated_failures(net, password_login):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [password_login("b_analyst", f"wrong-{i}")[1].status_code for i in range(limit)]
    assert statuses[:-1] == [200] * (limit - 1)
    # Even the right password is refused now, with the lockout page.
    client, response = password_login("b_analyst")
    assert response.status_code == 429
    assert "tạm bị khoá" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_failed", object_repr="b_analyst").count() >= limit
    # Another user is not affected.
    assert password_login("a_analyst")[1].status_code == 302


def test_bad_login_input_names_the_field(net):
    response = Client().post("/login/", {"username": "", "password": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-field="username"' in body and 'data-field="password"' in body


def _enrol(client):
    """Enrol a TOTP device through the setup page, as a user would with a phone."""
    page = client.get("/account/otp/setup/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and 'data-testid="otp-secret"' in body
    user_id = client.session["_auth_user_id"]
    device = TOTPDevice.objects.get(user_id=user_id, confirmed=False)
    return device, client.post("/account/otp/setup/", {"token": totp_code(device), "next": "/account/"})


def test_totp_enrolment_then_login_needs_a_real_code(net, login, password_login):
    client = login(net.a_head)
    device, confirmed = _enrol(client)
    assert confirmed.status_code == 302 and confirmed["Location"] == "/account/"
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="otp_enrol", actor=net.a_head).exists()
    # The enrolling session is verified already.
    assert client.get("/account/").status_code == 200

    # A new login stops at the second step...
    fresh, response = password_login("a_head", next="/account/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/login/otp/")
    assert fresh.get("/account/").status_code == 302
    assert fresh.get("/account/")["Location"].startswith("/login/otp/")
    # ...which a code of the next time step passes (the current one was used to enrol).
    verified = fresh.post(response["Location"], {"token": totp_code(device, offset_steps=1)})
    assert verified.status_code == 302 and verified["Location"] == "/account/tokens/"
    assert fresh.get("/account/").status_code == 200


def test_wrong_totp_code_is_refused_next_to_the_field(net, login, password_login):
    _device, _ = _enrol(login(net.a_head))
    fresh, response = password_login("a_head")
    refused = fresh.post("/login/otp/", {"token": "000000"})
    assert refused.status_code == 400
    assert 'data-field="token"' in refused.content.decode()
    malformed = fresh.post("/login/otp/", {"token": "12ab"})
    assert "Mã gồm đúng 6 chữ số." in malformed.content.decode()
    assert fresh.get("/account/").status_code == 302


def test_enrolled_user_cannot_enrol_a_new_device_without_verifying(net, login, password_login):
    _enrol(login(net.a_head))
    attacker, _ = password_login("a_head")  # knows the password, not the phone
    response = attacker.get("/account/otp/setup/")
    assert response.status_code == 302 and response["Location"].startswith("/login/otp/")
    assert TOTPDevice.objects.filter(user=net.a_head).count() == 1


def test_role_requiring_2fa_sends_holders_to_enrolment_and_blocks_session_api(net, password_login):
    role = Role.objects.get(code="analyst")
    role_set_2fa(actor=Actor(user=net.admin), role=role, required=True)
    client, response = password_login("a_analyst", next="/account/")
    assert response["Location"].startswith("/login/otp/")
    # No device yet: verification sends to enrolment.
    to_setup = client.get(response["Location"])
    assert to_setup.status_code == 302 and to_setup["Location"].startswith("/account/otp/setup/")
    assert client.get("/account/").status_code == 302
    # The browser session cannot use the API before the second factor.
    assert client.get("/api/v1/core/me").status_code == 401
    setup = client.get(to_setup["Location"])
    assert 'data-testid="otp-required"' in setup.content.decode()
    device = TOTPDevice.objects.get(user=net.a_analyst, confirmed=False)
    done = client.post("/account/otp/setup/", {"token": totp_code(device), "next": "/account/"})
    assert done.status_code == 302 and done["Location"] == "/account/"
    assert client.get("/account/").status_code == 200
    me = client.get("/api/v1/core/me")
    assert me.status_code == 200 and me.json()["second_factor_required"] is True


def test_users_of_roles_without_2fa_are_not_asked(net, password_login):
    client, response = password_login("b_analyst", next="/account/")
    assert response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200
    assert client.get("/api/v1/core/me").status_code == 200


def test_verified_user_may_replace_the_authenticator(net, login):
    client = login(net.a_head)
    _enrol(client)
    response = client.post("/account/otp/setup/", {"action": "reset"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=net.a_head, confirmed=True).exists()
    assert AuditEntry.objects.filter(action="otp_reset", actor=net.a_head).exists()
