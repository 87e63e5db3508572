"""Issue 11, item 13: adding by hand a value another unit holds only as RED must not tell
the caller when (or how confidently) that unit saw it. Every read of one indicator (and
the list) shows the roll-up of the claims the reader may see. API, page, CLI."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from vigil.core.actors import Actor
from vigil.intel import reference as reference_data
from vigil.intel.models import Indicator, IndicatorSource
from vigil.intel.services.indicators import indicator_add_manual

pytestmark = pytest.mark.django_db

VALUE = "c2.bi-mat.xyz"
LONG_AGO = dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.UTC)


@pytest.fixture
def red(net):
    """tinh-a holds VALUE as RED since 2020, with confidence 95."""
    reference_data.load_all()
    indicator = indicator_add_manual(actor=Actor(user=net.a_head), unit=net.prov_a, type="domain", value=VALUE,
                                     tlp="red", confidence=95, description="nguồn tin mật")
    IndicatorSource.objects.filter(indicator=indicator).update(first_seen=LONG_AGO)
    Indicator.objects.filter(pk=indicator.pk).update(first_seen=LONG_AGO)
    return indicator


def test_api_manual_add_shows_only_what_the_caller_may_see(net, api_client, red):
    b = api_client(net.b_analyst)
    resp = b.post("/api/v1/intel/indicators", json.dumps(
        {"type": "domain", "value": VALUE, "unit": "tinh-b", "tlp": "amber", "confidence": 40}),
        content_type="application/json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["id"] == red.pk
    assert not body["first_seen"].startswith("2020") and body["confidence"] == 40
    assert body["tlp"] == "amber" and body["description"] == ""
    detail = b.get(f"/api/v1/intel/indicators/{red.pk}").json()
    assert not detail["first_seen"].startswith("2020") and detail["confidence"] == 40
    listed = b.get("/api/v1/intel/indicators").json()["items"]
    assert [(i["id"], i["first_seen"][:4], i["confidence"]) for i in listed] == [(red.pk, body["first_seen"][:4], 40)]
    # the unit holding the RED claim still sees its own roll-up
    own = api_client(net.a_head).get(f"/api/v1/intel/indicators/{red.pk}").json()
    assert own["first_seen"].startswith("2020") and own["confidence"] == 95


def test_page_after_a_manual_add_shows_only_the_callers_times(net, login, red):
    c = login(net.b_analyst)
    resp = c.post(reverse("intel:indicator_create"), {
        "type": "domain", "value": VALUE, "unit": net.prov_b.pk, "tlp": "amber", "confidence": "40"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    page = c.get(resp["Location"]).content.decode()
    assert "02/01/2020" not in page and "nguồn tin mật" not in page


def test_cli_manual_add_shows_only_the_callers_times(net, red):
    out = StringIO()
    call_command("intel", "indicators", "add", "--type", "domain", "--value", VALUE, "--unit", "tinh-b",
                 "--confidence", "40", "--as", "b_analyst", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert not data["first_seen"].startswith("2020") and data["confidence"] == 40 and data["tlp"] == "amber"
