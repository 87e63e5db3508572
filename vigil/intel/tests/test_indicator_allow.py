"""A value on a warninglist (a phishing page under a popular hosting platform) can be
activated by an analyst all the same, with a reason: it then joins the blocklists and is no
longer marked revoked in STIX; the decision can be withdrawn; only those who may change
the indicator decide, through the page, the API and the CLI alike."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, DomainError
from vigil.intel import reference as reference_data
from vigil.intel import stixmap
from vigil.intel.models import Indicator
from vigil.intel.selectors import IndicatorFilters
from vigil.intel.services import exports, indicators, ingest
from vigil.intel.services.sources import source_create

pytestmark = pytest.mark.django_db

HOSTED = "vietcombank-xacminh.blogspot.com"  # blogspot.com is on the Tranco top-10k list


@pytest.fixture
def hosted(net):
    reference_data.load_all()
    source = source_create(actor=Actor(user=net.users["a_analyst"]), owner_unit=net.units["prov_a"],
                           name="Phản ánh", tlp="green")
    job = ingest.import_bytes(actor=Actor(user=net.users["a_analyst"]), source=source,
                              data=f"{HOSTED}\nsafe-other.example.vn\n".encode(), format="list",
                              options={"type": "domain"})
    assert job.counts["warninglisted"] == 1
    return Indicator.objects.get(value=HOSTED)


def _rpz(user) -> str:
    return "".join(exports.export(actor=Actor(user=user), fmt="rpz",
                                  filters=IndicatorFilters.parse({"type": "domain"})).chunks)


def test_allowing_a_warninglisted_value_activates_it_everywhere_and_can_be_undone(net, hosted):
    a = net.users["a_analyst"]
    assert hosted.status == "warninglisted" and "tranco" in hosted.warning.lower()
    assert HOSTED not in _rpz(a) and stixmap.stix_for_indicator(hosted).get("revoked") is True
    with pytest.raises(DomainError) as missing:
        indicators.indicator_allow(actor=Actor(user=a), indicator=hosted, reason=" ")
    assert missing.value.field == "reason"
    indicators.indicator_allow(actor=Actor(user=a), indicator=hosted, reason="Trang giả mạo trên Blogspot")
    hosted.refresh_from_db()
    assert hosted.status == "active" and hosted.warning  # the list still says why it was held
    assert HOSTED in _rpz(a) and "revoked" not in stixmap.stix_for_indicator(hosted)
    # a later import keeps the analyst's decision
    ingest.import_records(actor=Actor(user=a), source=hosted.claims.first().source,
                          records=[ingest.Record(type="domain", value=HOSTED, line=1)], label="again")
    hosted.refresh_from_db()
    assert hosted.status == "active"
    indicators.indicator_allow(actor=Actor(user=a), indicator=hosted, allow=False)
    hosted.refresh_from_db()
    assert hosted.status == "warninglisted" and HOSTED not in _rpz(a)


def test_only_those_who_may_change_it_decide(net, hosted):
    with pytest.raises(AccessDenied):
        indicators.indicator_allow(actor=Actor(user=net.users["b_analyst"]), indicator=hosted, reason="x")
    with pytest.raises(DomainError):
        indicators.indicator_allow(actor=Actor(user=net.users["a_analyst"]),
                                   indicator=Indicator.objects.get(value="safe-other.example.vn"), reason="x")


def test_page_api_and_cli_allow(net, hosted, login, api_client):
    client = login(net.users["a_analyst"])
    page = client.get(f"/intel/indicators/{hosted.pk}/").content.decode()
    assert 'data-testid="allow-form"' in page
    resp = client.post(f"/intel/indicators/{hosted.pk}/allow/", {"reason": ""})
    assert resp.status_code == 400 and 'data-testid="allow-form"' in resp.content.decode()
    resp = client.post(f"/intel/indicators/{hosted.pk}/allow/", {"reason": "Trang giả mạo"})
    assert resp.status_code == 302
    assert 'data-testid="allowed"' in client.get(f"/intel/indicators/{hosted.pk}/").content.decode()
    api = api_client(net.users["a_analyst"])
    body = api.post(f"/api/v1/intel/indicators/{hosted.pk}/disallow").json()
    assert body["status"] == "warninglisted" and body["warning_allowed_at"] is None
    assert api_client(net.users["b_analyst"]).post(
        f"/api/v1/intel/indicators/{hosted.pk}/allow", {"reason": "x"}, content_type="application/json"
    ).status_code == 403
    out = io.StringIO()
    call_command("intel", "indicators", "allow", str(hosted.pk), "--reason", "Trang giả mạo",
                 "--as", "a_analyst", stdout=out)
    hosted.refresh_from_db()
    assert hosted.status == "active"
    with pytest.raises(CommandError):
        call_command("intel", "indicators", "allow", str(hosted.pk), "--as", "b_analyst", stdout=io.StringIO())
