"""Vietnamese first: pages follow the reader's choice (stored on the account, or the switch's
cookie before signing in), never the browser's Accept-Language; API clients negotiate."""

import pytest
from django.test import Client

from vigil.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    return response["Content-Language"]


def test_a_browser_asking_for_english_still_gets_vietnamese_until_someone_chooses():
    page = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert _lang(page) == "vi"
    assert 'lang="vi"' in page.content.decode() and "Đăng nhập Vigil" in page.content.decode()


def test_the_switch_cookie_chooses_before_signing_in():
    client = Client()
    client.cookies["django_language"] = "en"
    page = client.get("/login/")
    assert _lang(page) == "en" and "Đăng nhập Vigil" not in page.content.decode()


def test_a_signed_in_user_reads_their_stored_language_on_every_device(net, client):
    user = net.users["a_analyst"]
    User.objects.filter(pk=user.pk).update(language="en")
    client.force_login(User.objects.get(pk=user.pk))
    client.cookies["django_language"] = "vi"  # another device's cookie: the account wins
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="vi")) == "en"


def test_the_switch_stores_the_choice_on_the_account_and_audits_it(net, client):
    user = net.users["a_analyst"]
    assert user.language == "vi"
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert User.objects.get(pk=user.pk).language == "en"
    entry = AuditEntry.objects.filter(action="set_language").latest("seq")
    assert entry.after == {"language": "en"} and entry.before == {"language": "vi"}
    assert _lang(Client().get("/login/")) == "vi"  # nobody else's pages change
    fresh = Client()
    fresh.force_login(User.objects.get(pk=user.pk))
    assert _lang(fresh.get("/")) == "en"


def test_the_switch_ignores_an_unknown_language(net, client):
    user = net.users["a_analyst"]
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert User.objects.get(pk=user.pk).language == "vi"
    assert not AuditEntry.objects.filter(action="set_language").exists()


def test_api_sets_the_preference_and_names_the_field_of_a_bad_value(net, api_client):
    user = net.users["b_analyst"]
    client = api_client(user)
    ok = client.patch("/api/v1/core/me", {"language": "en"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["language"] == "en"
    assert User.objects.get(pk=user.pk).language == "en"
    bad = client.patch("/api/v1/core/me", {"language": "fr"}, content_type="application/json")
    assert bad.status_code == 400
    assert "language" in bad.content.decode()
    assert User.objects.get(pk=user.pk).language == "en"


def test_api_problem_texts_still_follow_accept_language():
    assert _lang(Client().get("/api/v1/core/me", HTTP_ACCEPT_LANGUAGE="en")) == "en"
    assert Client().get("/api/v1/core/me", HTTP_ACCEPT_LANGUAGE="en").json()["title"] == "Authentication required"


def test_a_stale_preferences_change_is_refused_with_412(net, api_client):
    client = api_client(net.users["a_head"])
    etag = client.get("/api/v1/core/me")["ETag"]
    ok = client.patch("/api/v1/core/me", {"language": "en"}, content_type="application/json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok["ETag"] != etag
    stale = client.patch("/api/v1/core/me", {"language": "vi"}, content_type="application/json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and User.objects.get(pk=net.users["a_head"].pk).language == "en"
