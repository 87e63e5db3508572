"""Reporting stages and SLA through the API, the pages and the CLI, with access checks:
a sibling province sees and submits nothing of province A."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from vigil.incidents.models import SlaBreach, StageReport
from vigil.incidents.services import sla, stages

from .test_sla_services import make_incident as sla_incident
from .test_sla_services import make_targets
from .test_stages_services import GOOD, make_incident, make_stages, taxonomy

API = "/api/v1"


@pytest.fixture
def world(net):
    klass, infected, phishing = taxonomy()
    make_stages(klass, infected)
    now = timezone.now()
    inc = make_incident(net.prov_a, infected, detected_at=now - dt.timedelta(days=2), received_at=now)
    stages.stages_schedule(inc)
    initial = StageReport.objects.get(incident=inc, stage__code="initial")
    return {"net": net, "incident": inc, "initial": initial}


def test_api_lists_and_submits_stage_reports(world, api_client):
    net, inc, initial = world["net"], world["incident"], world["initial"]
    client = api_client(net.a_analyst)
    r = client.get(f"{API}/incidents/{inc.pk}/stage-reports")
    assert r.status_code == 200
    assert {row["stage_code"] for row in r.json()} == {"initial", "update", "final", "malware"}
    r = client.post(f"{API}/incidents/{inc.pk}/stage-reports/{initial.pk}/submit",
                    data=json.dumps({"data": {**GOOD, "affected": "x"}}), content_type="application/json")
    assert r.status_code == 400
    assert "data.affected" in json.dumps(r.json())
    r = client.post(f"{API}/incidents/{inc.pk}/stage-reports/{initial.pk}/submit",
                    data=json.dumps({"data": GOOD}), content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["submitted_at"] and r.json()["data"]["affected"] == 3
    r = client.post(f"{API}/incidents/{inc.pk}/stage-reports/{initial.pk}/submit",
                    data=json.dumps({"data": GOOD}), content_type="application/json")
    assert r.status_code == 409


def test_api_sibling_province_sees_and_submits_nothing(world, api_client):
    net, inc, initial = world["net"], world["incident"], world["initial"]
    client = api_client(net.b_analyst)
    assert client.get(f"{API}/incidents/{inc.pk}/stage-reports").status_code == 404
    assert client.get(f"{API}/incidents/{inc.pk}/sla").status_code == 404
    r = client.post(f"{API}/incidents/{inc.pk}/stage-reports/{initial.pk}/submit",
                    data=json.dumps({"data": GOOD}), content_type="application/json")
    assert r.status_code == 404
    assert client.get(f"{API}/incidents/stage-reports/due").json()["items"] == []
    assert client.get(f"{API}/incidents/stage-reports/overdue").json() == []
    initial.refresh_from_db()
    assert initial.submitted_at is None


def test_api_due_overdue_and_reference(world, api_client):
    net = world["net"]
    due = api_client(net.a_analyst).get(f"{API}/incidents/stage-reports/due").json()
    assert due["count"] == 4 and due["items"][0]["late"] is True
    late = api_client(net.agency_analyst).get(f"{API}/incidents/stage-reports/overdue").json()
    assert late[0]["unit"]["code"] == "tinh-a" and late[0]["count"] == 2 and late[0]["days_late"] >= 0


def test_api_reporting_stages_reference(world, api_client):
    r = api_client(world["net"].b_analyst).get(f"{API}/incidents/reporting-stages")
    assert r.status_code == 200, r.content
    stages_ref = r.json()
    assert {s["code"] for s in stages_ref} >= {"initial", "final"}
    assert stages_ref[0]["fields"][0]["name"] == "summary"


def test_api_sla_and_breaches(net, api_client):
    make_targets()
    inc = sla_incident(net.prov_a_dept)
    sla.sla_check(now=inc.received_at + dt.timedelta(minutes=130))
    r = api_client(net.a_analyst).get(f"{API}/incidents/{inc.pk}/sla")
    assert r.status_code == 200
    body = r.json()
    assert body["escalation_level"] == 2
    ack = next(c for c in body["clocks"] if c["clock"] == "acknowledge")
    assert ack["state"] == "overdue" and ack["level"] == 2
    assert len(body["breaches"]) == 2
    rows = api_client(net.agency_analyst).get(f"{API}/incidents/sla/breaches?level=2").json()
    assert rows["count"] == 1 and rows["items"][0]["escalated_to"]["code"] == "cqtt"
    assert api_client(net.b_analyst).get(f"{API}/incidents/sla/breaches").json()["count"] == 0
    assert api_client(net.a_analyst).get(f"{API}/incidents/sla/breaches?unit=tinh-a-tb").json()["count"] == 0
    assert api_client(net.a_analyst).get(f"{API}/incidents/sla/breaches?unit=tinh-b").status_code == 404
    assert api_client(net.a_analyst).get(f"{API}/incidents/sla/breaches?unit=nope").status_code == 404


def test_pages_stage_form_submits_and_names_the_field(world, login):
    net, inc, initial = world["net"], world["incident"], world["initial"]
    client = login(net.a_analyst)
    url = f"/incidents/{inc.pk}/stage-reports/{initial.pk}/submit/"
    r = client.get(url)
    assert r.status_code == 200 and b'name="summary"' in r.content and b'type="datetime-local"' in r.content
    r = client.post(url, {**GOOD, "affected": "abc"})
    assert r.status_code == 400
    r = client.post(url, GOOD)
    assert r.status_code == 302
    initial.refresh_from_db()
    assert initial.submitted_by == net.a_analyst


def test_pages_sibling_province_cannot_open_or_submit(world, login):
    net, inc, initial = world["net"], world["incident"], world["initial"]
    client = login(net.b_analyst)
    url = f"/incidents/{inc.pk}/stage-reports/{initial.pk}/submit/"
    assert client.get(url).status_code == 404
    assert client.post(url, GOOD).status_code == 404
    r = client.get("/incidents/stages/overdue/")
    assert r.status_code == 200 and b'data-unit="tinh-a"' not in r.content


def test_pages_lists(world, login, net):
    r = login(net.agency_analyst).get("/incidents/stages/overdue/")
    assert r.status_code == 200 and b'data-unit="tinh-a"' in r.content
    r = login(net.a_analyst).get("/incidents/stages/due/")
    assert r.status_code == 200 and r.content.count(b'data-testid="stage-due-row"') == 4
    r = login(net.agency_analyst).get("/incidents/sla/breaches/?clock=respond&date_from=2026-01-01")
    assert r.status_code == 200


def test_detail_panel_context(world, rf):
    from vigil.incidents.views.stages import detail_panel

    net, inc = world["net"], world["incident"]
    request = rf.get("/")
    request.user = net.a_analyst
    ctx = detail_panel(request, inc)
    assert len(ctx["stage_reports"]) == 4 and ctx["can_submit_stage_reports"]
    assert [c.clock for c in ctx["sla_clocks"]] == ["acknowledge", "respond", "resolve"]
    from django.template.loader import render_to_string

    html = render_to_string("incidents/_detail_stages.html", {"incident": inc, **ctx})
    assert 'data-testid="stage-report-submit"' in html
    html = render_to_string("incidents/_detail_sla.html", {"incident": inc, **ctx})
    assert 'data-testid="sla-clock"' in html


def test_cli_run_is_idempotent_and_lists(net):
    make_targets()
    inc = sla_incident(net.prov_a_dept)
    when = (inc.received_at + dt.timedelta(minutes=130)).isoformat()
    out = StringIO()
    call_command("incident_sla", "run", "--now", when, "--json", stdout=out)
    assert json.loads(out.getvalue())["level2"] == 1
    out = StringIO()
    call_command("incident_sla", "run", "--now", when, "--json", stdout=out)
    assert json.loads(out.getvalue())["level1"] == 0
    assert SlaBreach.objects.count() == 2
    out = StringIO()
    call_command("incident_sla", "breaches", "--as", "agency_analyst", "--json", stdout=out)
    assert len(json.loads(out.getvalue())) == 2
    with pytest.raises(CommandError):
        call_command("incident_sla", "run", "--now", "yesterday")


def test_cli_stages_and_submit(world):
    initial = world["initial"]
    out = StringIO()
    call_command("incident_sla", "stages-overdue", "--as", "agency_analyst", "--json", stdout=out)
    assert json.loads(out.getvalue())[0]["unit"]["code"] == "tinh-a"
    out = StringIO()
    call_command("incident_sla", "stages-due", "--as", "a_analyst", stdout=out)
    assert "initial" in out.getvalue()
    with pytest.raises(CommandError) as exc:
        call_command("incident_sla", "submit", str(initial.pk), "--data", json.dumps({"summary": "x"}),
                     "--as", "a_analyst")
    assert "data.affected" in str(exc.value)
    with pytest.raises(CommandError):
        call_command("incident_sla", "submit", str(initial.pk), "--data", json.dumps(GOOD), "--as", "b_analyst")
    out = StringIO()
    call_command("incident_sla", "submit", str(initial.pk), "--data", json.dumps(GOOD), "--as", "a_analyst",
                 "--json", stdout=out)
    assert json.loads(out.getvalue())["submitted_at"]
