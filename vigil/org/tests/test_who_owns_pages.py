"""The who-owns page."""

import pytest
from django.urls import reverse

from .constituency_fixtures import claims_fixture  # noqa: F401 (the `claims` fixture)

pytestmark = pytest.mark.django_db


def html(resp) -> str:
    return resp.content.decode()


def test_form_renders_empty(net, login):
    resp = login(net.a_analyst).get(reverse("org:who_owns"))
    assert resp.status_code == 200 and 'data-testid="who-owns-form"' in html(resp)
    assert "who-owns-result" not in html(resp)


def test_answer_names_the_most_specific_owner(net, login, claims):
    page = html(login(net.office_staff).get(reverse("org:who_owns"), {"value": "10.1.2.3"}))
    assert 'data-testid="who-owns-owner" data-unit="tinh-a-sotc"' in page
    assert 'data-testid="who-owns-matches"' in page


def test_conflicting_owners_are_flagged(net, login, claims):
    page = html(login(net.office_staff).get(reverse("org:who_owns"), {"value": "mail.tinh-a.gov.vn"}))
    assert page.count('data-testid="who-owns-owner"') == 2 and 'data-testid="who-owns-conflict"' in page


def test_owner_outside_scope_is_neither_named_nor_hinted(net, login, claims):
    c = login(net.b_analyst)
    headers = {"HX-Request": "true"}  # the result fragment alone
    page = html(c.get(reverse("org:who_owns"), {"value": "10.1.2.3"}, headers=headers))
    assert "tinh-a-sotc" not in page and "Sở Tài chính tỉnh A" not in page
    unclaimed = html(c.get(reverse("org:who_owns"), {"value": "192.0.2.1"}, headers=headers))
    assert 'data-testid="who-owns-none"' in page
    assert page.replace("10.1.2.3/32", "X").replace("10.1.2.3", "X") == unclaimed.replace(
        "192.0.2.1/32", "X").replace("192.0.2.1", "X")


def test_unknown_value(net, login, claims):
    page = html(login(net.office_staff).get(reverse("org:who_owns"), {"value": "192.0.2.1"}))
    assert 'data-testid="who-owns-none"' in page


def test_bad_value_is_an_error_on_the_field_not_a_500(net, login):
    c = login(net.office_staff)
    for value in ("10.0.0.300", "not a domain!", "x" * 300, "AS0"):
        resp = c.get(reverse("org:who_owns"), {"value": value})
        assert resp.status_code == 200
        assert 'data-field="value"' in html(resp), value


def test_htmx_returns_the_form_and_answer_only(net, login, claims):
    resp = login(net.office_staff).get(reverse("org:who_owns"), {"value": "AS64500"}, HTTP_HX_REQUEST="true")
    page = html(resp)
    assert "<html" not in page and 'data-testid="who-owns-result"' in page
