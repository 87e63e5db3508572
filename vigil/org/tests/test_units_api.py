"""API of the unit tree: reads through the access layer, writes through services,
problems (RFC 9457) on bad input, 404 outside one's view, 403 when seen but not allowed."""

import json

import pytest

from vigil.org.models import Unit

pytestmark = pytest.mark.django_db

API = "/api/v1/org"


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data=json.dumps(data), content_type="application/json")


def codes(resp):
    return [u["code"] for u in resp.json()["items"]]


def test_list_units_is_paginated_and_limited_to_the_scope(net, api_client):
    resp = api_client(net.a_analyst).get(f"{API}/units")
    assert resp.status_code == 200
    body = resp.json()
    assert set(codes(resp)) == {"bcd-qg", "tinh-a", "tinh-a-tb", "tinh-a-sotc"}
    assert body["count"] == 4
    assert codes(api_client(net.office_staff).get(f"{API}/units?page_size=2")) == ["bcd-qg", "vp-bcd"]


def test_list_units_filters(net, api_client):
    c = api_client(net.office_staff)
    assert set(codes(c.get(f"{API}/units?kind=province"))) == {"tinh-a", "tinh-b"}
    assert codes(c.get(f"{API}/units?parent_id={net.prov_a.pk}")) == ["tinh-a-tb", "tinh-a-sotc"]
    assert set(codes(c.get(f"{API}/units?subtree_of={net.prov_a.pk}"))) == {"tinh-a", "tinh-a-tb", "tinh-a-sotc"}
    assert set(codes(c.get(f"{API}/units?q=so tai chinh"))) == {"tinh-a-sotc", "tinh-b-sotc"}
    assert codes(c.get(f"{API}/units?q=Sở Tài chính tỉnh B")) == ["tinh-b-sotc"]
    assert codes(c.get(f"{API}/units?is_active=false")) == []


def test_subtree_of_a_unit_outside_the_scope_is_404(net, api_client):
    resp = api_client(net.a_analyst).get(f"{API}/units?subtree_of={net.prov_b.pk}")
    assert resp.status_code == 404
    assert resp["Content-Type"] == "application/problem+json"


def test_bad_filter_is_a_validation_problem(net, api_client):
    resp = api_client(net.office_staff).get(f"{API}/units?parent_id=abc")
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "parent_id"


def test_get_unit_with_ancestors_and_counts(net, api_client):
    resp = api_client(net.a_analyst).get(f"{API}/units/{net.prov_a_dept.pk}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["code"] == "tinh-a-sotc" and body["kind"] == "provincial_department"
    assert [a["code"] for a in body["ancestors"]] == ["bcd-qg", "tinh-a"]
    assert body["stats"]["members"] == 1 and body["stats"]["children"] == 0


def test_sibling_unit_is_404_not_403(net, api_client):
    c = api_client(net.a_analyst)
    for url in (f"{API}/units/{net.prov_b.pk}", f"{API}/units/{net.prov_b.pk}/children",
                f"{API}/units/{net.prov_b.pk}/ancestors", f"{API}/units/999999"):
        resp = c.get(url)
        assert resp.status_code == 404, url
        assert resp.json()["status"] == 404


def test_children_and_ancestors(net, api_client):
    c = api_client(net.office_staff)
    assert codes(c.get(f"{API}/units/{net.prov_a.pk}/children")) == ["tinh-a-tb", "tinh-a-sotc"]
    resp = c.get(f"{API}/units/{net.prov_a_sub.pk}/ancestors")
    assert [a["code"] for a in resp.json()] == ["bcd-qg", "tinh-a"]


def test_unit_kinds(net, api_client):
    resp = api_client(net.a_dept).get(f"{API}/unit-kinds")
    assert resp.status_code == 200
    kinds = {k["code"]: k for k in resp.json()}
    assert kinds["committee_office"]["oversees_network"] is True
    assert "province" in kinds


def test_create_unit_under_own_province(net, api_client):
    resp = post(api_client(net.a_analyst), f"{API}/units", {
        "code": "tinh-a-cntt", "name": "Sở Khoa học và Công nghệ tỉnh A", "kind": "provincial_department",
        "parent_id": net.prov_a.pk, "email": "skhcn@a.example.vn",
    })
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["parent_id"] == net.prov_a.pk and body["depth"] == 2
    assert Unit.objects.get(code="tinh-a-cntt").path.startswith(net.prov_a.path)


def test_create_under_a_sibling_is_404_and_under_a_visible_ancestor_is_403(net, api_client):
    c = api_client(net.b_analyst)
    payload = {"code": "x", "name": "X", "kind": "provincial_department"}
    assert post(c, f"{API}/units", {**payload, "parent_id": net.prov_a.pk}).status_code == 404
    resp = post(c, f"{API}/units", {**payload, "parent_id": net.national.pk})
    assert resp.status_code == 403
    assert resp["Content-Type"] == "application/problem+json"
    assert post(c, f"{API}/units", payload).status_code == 403  # a root needs a network admin
    assert not Unit.objects.filter(code="x").exists()


def test_create_validation_problems_name_the_field(net, api_client):
    c = api_client(net.office_staff)
    resp = post(c, f"{API}/units", {"code": "bad code!", "name": "", "kind": "province", "parent_id": net.national.pk})
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json()["errors"]}
    assert {"code", "name"} <= fields
    resp = post(c, f"{API}/units", {"code": "tinh-a", "name": "Trùng", "kind": "province", "parent_id": net.national.pk})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "code"
    resp = post(c, f"{API}/units", {"code": "k", "name": "K", "kind": "nope", "parent_id": net.national.pk})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "kind"
    resp = post(c, f"{API}/units", {"code": "k", "name": "K", "kind": "other", "parent_id": net.national.pk, "colour": "x"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "colour"
    resp = c.post(f"{API}/units", data="{not json", content_type="application/json")
    assert resp.status_code in (400, 422)


def test_patch_unit(net, api_client):
    c = api_client(net.a_analyst)
    resp = patch(c, f"{API}/units/{net.prov_a_dept.pk}", {"phone": "0236 123 456", "name_en": "Finance"})
    assert resp.status_code == 200 and resp.json()["phone"] == "0236 123 456"
    resp = patch(c, f"{API}/units/{net.prov_a_dept.pk}", {"email": "not-an-email"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "email"
    assert patch(c, f"{API}/units/{net.national.pk}", {"phone": "1"}).status_code == 403
    assert patch(c, f"{API}/units/{net.prov_b.pk}", {"phone": "1"}).status_code == 404


def test_read_only_token_cannot_write(net, api_client):
    resp = patch(api_client(net.office_staff, scope="read"), f"{API}/units/{net.prov_a.pk}", {"phone": "1"})
    assert resp.status_code == 403


def test_move_unit_rewrites_paths(net, api_client):
    c = api_client(net.office_staff)
    resp = post(c, f"{API}/units/{net.prov_a_dept.pk}/move", {"parent_id": net.prov_b.pk})
    assert resp.status_code == 200 and resp.json()["parent_id"] == net.prov_b.pk
    moved = Unit.objects.get(pk=net.prov_a_dept.pk)
    assert moved.path == moved.compute_path() and moved.path.startswith(net.prov_b.path)
    resp = post(c, f"{API}/units/{net.prov_b.pk}/move", {"parent_id": moved.pk})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "parent"


def test_move_permissions(net, api_client):
    a = api_client(net.a_analyst)
    assert post(a, f"{API}/units/{net.prov_a_dept.pk}/move", {"parent_id": net.prov_b.pk}).status_code == 404
    assert post(a, f"{API}/units/{net.prov_a_dept.pk}/move", {"parent_id": net.national.pk}).status_code == 403
    assert post(a, f"{API}/units/{net.prov_a_dept.pk}/move", {"parent_id": net.prov_a_sub.pk}).status_code == 200


def test_anonymous_is_401(net, client):
    resp = client.get(f"{API}/units")
    assert resp.status_code == 401


def test_every_unit_operation_is_documented(net, api_client):
    spec = api_client(net.office_staff).get("/api/v1/openapi.json").json()
    ours = [
        op for path, ops in spec["paths"].items()
        for op in ops.values()
        if "org: units" in op.get("tags", [])
    ]
    assert len(ours) == 16  # + GET /sectors
    for op in ours:
        assert op.get("summary"), op
        assert any(code.startswith("2") for code in op["responses"]), op
