"""The statistics page, its API and `vigil incident-stats`."""

import json

import pytest
from django.core.management import CommandError, call_command

from .test_reports_docx import make_incident, make_taxonomy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_stats():
    """Statistics are cached per visibility and filters: each test starts afresh."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def data(net):
    tax = make_taxonomy()
    make_incident(net.prov_a, itype=tax["type"], ack_h=2, res_h=10, state="closed", severity="high")
    make_incident(net.prov_a_dept, itype=tax["dos"], ack_h=4, state="in_progress", severity="low")
    make_incident(net.prov_b, ack_h=1, severity="critical")


def test_page_shows_tables_and_bars(net, data, login):
    response = login(net.agency_analyst).get("/incidents/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    for table in ("stats-unit", "stats-class", "stats-severity", "stats-month"):
        assert f'data-testid="{table}"' in html
    assert 'data-testid="stats-total">3<' in html
    assert "vg-bar" in html and "Tỉnh A" in html and "Tỉnh B" in html


def test_page_for_a_province_counts_only_its_scope(net, data, login):
    html = login(net.b_analyst).get("/incidents/stats/").content.decode()
    assert 'data-testid="stats-total">1<' in html
    assert "Tỉnh A" not in html.split('data-testid="stats-unit"')[1].split("</table>")[0]


def test_page_bad_filter_is_a_message_not_a_crash(net, data, login):
    response = login(net.agency_analyst).get("/incidents/stats/?since=2026-99-01")
    assert response.status_code == 400
    assert 'data-testid="stats-error"' in response.content.decode()


def test_page_needs_login(client):
    response = client.get("/incidents/stats/")
    assert response.status_code == 302


def test_api_stats(net, data, api_client):
    response = api_client(net.agency_analyst).get("/api/v1/incidents/stats?unit=tinh-a")
    assert response.status_code == 200
    body = response.json()
    assert body["total"]["count"] == 2 and body["root"] == "tinh-a"
    assert body["total"]["ack_mean_h"] == pytest.approx(3.0)
    assert api_client(net.agency_analyst).get("/api/v1/incidents/stats?severity=huge").status_code == 400


def test_cli_stats_json_and_table(net, data, capsys):
    call_command("incident_stats", "--as", "agency_analyst", "--json")
    body = json.loads(capsys.readouterr().out)
    assert body["total"]["count"] == 3
    call_command("incident_stats", "--as", "a_analyst", "--unit", "tinh-a")
    out = capsys.readouterr().out
    assert "Tỉnh A (trực tiếp)" in out
    with pytest.raises(CommandError):
        call_command("incident_stats", "--as", "agency_analyst", "--from", "not-a-date")
