"""Logging out everywhere ends every browser session of the user, and only theirs."""

import pytest
from django.test import Client

from vigil.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    assert client.get("/account/").status_code == 200
    return client


def test_logout_everywhere_page_ends_other_sessions(net):
    laptop, phone = logged_in(net.a_analyst), logged_in(net.a_analyst)
    colleague = logged_in(net.b_analyst)
    assert 'data-testid="logout-everywhere-confirm"' in phone.get("/account/logout-everywhere/").content.decode()
    response = phone.post("/account/logout-everywhere/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    for client in (laptop, phone):
        again = client.get("/account/")
        assert again.status_code == 302 and again["Location"].startswith("/login/")
    assert colleague.get("/account/").status_code == 200
    assert AuditEntry.objects.filter(action="logout_all", actor=net.a_analyst).exists()
    # Logging in again works (with the account as it is now in the database).
    net.a_analyst.refresh_from_db()
    assert logged_in(net.a_analyst)


def test_logout_everywhere_api_ends_sessions_but_not_tokens(net, api_client):
    browser = logged_in(net.a_analyst)
    client = api_client(net.a_analyst)
    response = client.post("/api/v1/core/me/logout-everywhere")
    assert response.status_code == 200 and response.json()["detail"]
    assert browser.get("/account/").status_code == 302
    assert browser.get("/api/v1/core/me").status_code == 401
    assert client.get("/api/v1/core/me").status_code == 200


def test_session_cookie_is_http_only(net, password_login):
    client, _ = password_login("a_analyst")
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
