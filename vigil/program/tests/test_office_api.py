"""The office views' API: matrix, late work, on-time rates, incomplete bodies, a unit's
lists and counts, calendar and timeline."""

import pytest

from vigil.program.status import today

from .test_office_fixtures import build_work

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # their data is dated from the real today


@pytest.fixture
def live_work(net):
    """The shared tasks around the real today (pages, API and CLI compute status for today)."""
    return build_work(net, today())

API = "/api/v1/program/office"


def test_matrix_answers_columns_rows_and_coloured_cells(net, live_work, api_client):
    client = api_client(net.users["office_staff"])
    resp = client.get(f"{API}/matrix", {"under": "bcd-qg"})
    assert resp.status_code == 200
    data = resp.json()
    assert data["under"]["code"] == "bcd-qg"
    ids = [c["id"] for c in data["columns"]]
    assert set(ids) == {live_work["P"].pk, live_work["Q"].pk}
    p = ids.index(live_work["P"].pk)
    rows = {r["unit"]["code"]: r for r in data["rows"]}
    assert rows["tinh-a"]["cells"][p]["status"] == "done_on_time" and rows["tinh-a"]["cells"][p]["colour"] == "success"
    assert rows["tinh-b"]["cells"][p]["status"] == "overdue"
    assert rows["bo-x"]["cells"][p]["colour"] == "primary"
    assert rows["vp-bcd"]["cells"][p] is None
    assert data["columns"][p]["counts"] == {"done_on_time": 1, "overdue": 1, "in_progress": 1}
    assert data["pagination"]["total"] == 2


def test_matrix_refuses_bad_filters_naming_them(net, live_work, api_client):
    client = api_client(net.users["office_staff"])
    resp = client.get(f"{API}/matrix", {"source": "rumour"})
    assert resp.status_code == 400 and "source" in resp.content.decode()
    resp = client.get(f"{API}/matrix", {"under": "no-such-unit"})
    assert resp.status_code == 404 and "under" in resp.content.decode()
    assert client.get(f"{API}/matrix", {"per_page": 1000}).status_code == 422


def test_sibling_province_reads_nothing_of_the_other_through_the_api(net, live_work, api_client):
    client = api_client(net.users["b_analyst"])
    for path, params in [
        ("/matrix", {"under": "bcd-qg"}), ("/matrix", {}), ("/late", {"under": "bcd-qg", "rollup": True}),
        ("/on-time", {"under": "bcd-qg", "rollup": True}), ("/incomplete-bodies", {}),
        ("/calendar", {"unit": "bcd-qg"}), ("/timeline", {"unit": "bcd-qg"}),
        ("/units/tinh-b/tasks", {"relation": "any", "subtree": True, "status": "all"}),
    ]:
        resp = client.get(f"{API}{path}", params)
        assert resp.status_code == 200, path
        body = resp.content.decode()
        assert "MARKER-A-TASK" not in body and "tinh-a" not in body, path
    for unit in ("tinh-a", str(net.units["prov_a_dept"].pk)):
        assert client.get(f"{API}/units/{unit}/tasks").status_code == 404
        assert client.get(f"{API}/units/{unit}/summary").status_code == 404
    assert client.get(f"{API}/calendar", {"unit": "tinh-a"}).status_code == 404


def test_late_and_on_time_by_unit(net, live_work, api_client):
    client = api_client(net.users["office_staff"])
    late = client.get(f"{API}/late", {"under": "bcd-qg", "rollup": True}).json()
    rows = {r["unit"]["code"]: r for r in late["rows"]}
    assert rows["tinh-a"]["overdue"] == 1 and rows["tinh-b"]["overdue"] == 2 and late["total"] == 3
    rates = client.get(f"{API}/on-time", {"under": "bcd-qg", "unit_kind": "province"}).json()
    assert rates["year"] == today().year and [r["unit"]["code"] for r in rates["rows"]] == ["tinh-a", "tinh-b"]
    assert len(rates["rows"][0]["quarters"]) == 4
    assert client.get(f"{API}/on-time", {"year": 20}).status_code == 400


def test_incomplete_bodies_with_their_tasks(net, live_work, api_client):
    data = api_client(net.users["office_staff"]).get(f"{API}/incomplete-bodies").json()
    row = next(r for r in data if r["unit"]["code"] == "tinh-a-tb")
    assert row["owner"]["code"] == "tinh-a" and row["open"] == 2 and row["missing_codes"]


def test_unit_lists_and_summary(net, live_work, api_client):
    client = api_client(net.users["a_analyst"])
    data = client.get(f"{API}/units/tinh-a/tasks", {"relation": "assigned"}).json()
    assert [t["title"] for t in data["items"]] == ["MARKER-A-TASK sở", "A: tiểu ban"]
    assert data["pagination"]["total"] == 2 and data["items"][0]["status"] == "overdue"
    data = client.get(f"{API}/units/tinh-a/tasks", {"relation": "overdue", "subtree": True}).json()
    assert [t["title"] for t in data["items"]] == ["MARKER-A-TASK sở"]
    summary = client.get(f"{API}/units/tinh-a/summary", {"subtree": True}).json()
    assert summary["lead_open"] == 3 and summary["overdue"] == 1 and summary["supporting_open"] == 1
    resp = client.get(f"{API}/units/tinh-a/tasks", {"status": "late-ish"})
    assert resp.status_code == 400 and "status" in resp.content.decode()


def test_calendar_and_timeline(net, live_work, api_client):
    client = api_client(net.users["office_staff"])
    p_b = live_work["P_b"]
    cal = client.get(f"{API}/calendar", {"unit": "tinh-b", "year": p_b.due_date.year, "month": p_b.due_date.month}).json()
    day = next(d for d in cal["days"] if d["date"] == p_b.due_date.isoformat())
    assert day["counts"] == {"overdue": 1} and day["tasks"][0]["id"] == p_b.pk
    tl = client.get(f"{API}/timeline", {"unit": "tinh-b", "start": p_b.due_date.replace(day=1).isoformat()}).json()
    bar = next(b for b in tl["bars"] if b["task"]["id"] == p_b.pk)
    assert 0 <= bar["left"] < 100 and bar["width"] > 0
    assert client.get(f"{API}/timeline", {"months": 30}).status_code == 422
