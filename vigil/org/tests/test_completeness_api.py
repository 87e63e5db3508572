"""API: completeness list and target date."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from vigil.testing import make_user

from .people_factories import complete_body

pytestmark = pytest.mark.django_db
API = "/api/v1/org"


def test_completeness_list_filters(net, api_client):
    complete_body(net.prov_a_sub, effective=date(2025, 3, 1))
    client = api_client(net.office_staff)
    rows = {r["unit_code"]: r for r in client.get(f"{API}/completeness", {"on": "2025-06-01"}).json()["items"]}
    assert rows["tinh-a-tb"]["complete"] is True and rows["tinh-a-tb"]["members"] == 5
    assert rows["bcd-qg"]["missing"] == ["no_head", "no_focal_point", "too_few_members", "no_decision"]
    assert len(rows["bcd-qg"]["missing_text"]) == 4
    before = client.get(f"{API}/completeness", {"on": "2025-02-01", "subtree_of": "tinh-a"}).json()["items"]
    assert [r["unit_code"] for r in before] == ["tinh-a-tb"] and before[0]["complete"] is False
    incomplete = client.get(f"{API}/completeness", {"on": "2025-06-01", "incomplete_only": True}).json()["items"]
    assert "tinh-a-tb" not in {r["unit_code"] for r in incomplete}
    assert client.get(f"{API}/completeness", {"on": "hôm qua"}).status_code == 422


def test_completeness_scope_for_a_province(net, api_client):
    rows = api_client(net.b_analyst).get(f"{API}/completeness").json()["items"]
    assert rows == []
    assert api_client(net.b_analyst).get(f"{API}/completeness", {"subtree_of": "tinh-a"}).status_code == 404


def test_target_get_and_put(net, api_client):
    assert api_client(net.a_analyst).get(f"{API}/completeness/target").json()["target_date"] is None
    resp = api_client(net.office_staff).put(f"{API}/completeness/target", {"target_date": "2025-12-31"}, content_type="application/json")
    assert resp.status_code == 403
    chief = make_user(net, "office_chief", net.office, "head")
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    resp = api_client(chief).put(f"{API}/completeness/target", {"target_date": past, "note": "Kết luận 12"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["passed"] is True and resp.json()["set_by"] == "office_chief"
    got = api_client(net.a_analyst).get(f"{API}/completeness/target").json()
    assert got["target_date"] == past and got["note"] == "Kết luận 12"
    resp = api_client(chief).put(f"{API}/completeness/target", {"target_date": "31/12/2025"}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "target_date"
