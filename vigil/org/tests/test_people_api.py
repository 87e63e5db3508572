"""API: people and memberships (happy paths, problem details naming the field, 403/404)."""

from datetime import date

import pytest

from vigil.testing import make_user

from .people_factories import member, person

pytestmark = pytest.mark.django_db
API = "/api/v1/org"


def test_list_people_is_scoped_paginated_and_filtered(net, api_client):
    person(net.prov_a_dept, "Bùi Thị Thu")
    person(net.prov_b_dept, "Tô Văn Khải")
    client = api_client(net.a_analyst)
    body = client.get(f"{API}/people").json()
    names = {p["full_name"] for p in body["items"]}
    assert "Bùi Thị Thu" in names and "Tô Văn Khải" not in names and body["count"] == len(names)
    body = client.get(f"{API}/people", {"q": "thu", "subtree_of": "tinh-a-sotc"}).json()
    assert [p["full_name"] for p in body["items"]] == ["Bùi Thị Thu"]
    assert body["items"][0]["home_unit_code"] == "tinh-a-sotc"
    page = client.get(f"{API}/people", {"page_size": 1}).json()
    assert len(page["items"]) == 1 and page["count"] > 1


def test_filter_by_role(net, api_client):
    p = person(net.prov_a_dept, "Chu Văn Tâm")
    member(p, net.prov_a_sub, "secretary")
    body = api_client(net.office_staff).get(f"{API}/people", {"role": "secretary", "subtree_of": net.prov_a.pk}).json()
    assert [x["full_name"] for x in body["items"]] == ["Chu Văn Tâm"]


def test_create_person_and_read_it_back(net, api_client):
    client = api_client(net.a_head)
    resp = client.post(
        f"{API}/people", {"full_name": "Lý Thị Hạnh", "home_unit_id": net.prov_a_dept.pk, "position": "Chuyên viên"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    pid = resp.json()["id"]
    got = client.get(f"{API}/people/{pid}").json()
    assert got["full_name"] == "Lý Thị Hạnh" and got["memberships"] == [] and got["username"] is None


def test_create_person_validation_names_the_field(net, api_client):
    client = api_client(net.a_head)
    resp = client.post(f"{API}/people", {"home_unit_id": net.prov_a.pk}, content_type="application/json")
    assert resp.status_code == 422 and resp["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in resp.json()["errors"]] == ["full_name"]
    resp = client.post(
        f"{API}/people", {"full_name": "Lý Hạnh", "home_unit_id": net.prov_a.pk, "email": "khong-phai-email"},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "email"


def test_create_person_in_sibling_province_is_404_and_without_right_is_403(net, api_client):
    resp = api_client(net.b_analyst).post(
        f"{API}/people", {"full_name": "X", "home_unit_id": net.prov_a_dept.pk}, content_type="application/json"
    )
    assert resp.status_code == 404 and resp.json()["errors"][0]["field"] == "home_unit_id"
    resp = api_client(net.a_dept).post(
        f"{API}/people", {"full_name": "X", "home_unit_id": net.prov_a.pk}, content_type="application/json"
    )
    assert resp.status_code == 403


def test_get_and_patch_person_of_sibling_is_404(net, api_client):
    p = person(net.prov_a_dept, "Mai Văn Sơn")
    client = api_client(net.b_analyst)
    assert client.get(f"{API}/people/{p.pk}").status_code == 404
    resp = client.patch(f"{API}/people/{p.pk}", {"position": "x"}, content_type="application/json")
    assert resp.status_code == 404


def test_patch_person(net, api_client):
    p = person(net.prov_a_dept, "Mai Văn Sơn")
    resp = api_client(net.a_head).patch(
        f"{API}/people/{p.pk}", {"position": "Trưởng phòng", "is_active": False}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["position"] == "Trưởng phòng" and resp.json()["is_active"] is False
    # visible but not changeable: 403
    resp = api_client(net.a_analyst).patch(f"{API}/people/{net.people['a_head'].pk}", {"username": "auditor"}, content_type="application/json")
    assert resp.status_code == 403


def test_memberships_add_list_end(net, api_client):
    p = person(net.prov_a_dept, "Quách Thị Yến")
    client = api_client(net.a_head)
    resp = client.post(
        f"{API}/memberships",
        {"person_id": p.pk, "unit_id": net.prov_a_sub.pk, "role": "member", "since": "2025-02-01"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    mid = resp.json()["id"]
    assert resp.json()["active"] is True and resp.json()["role"] == "member"
    listed = client.get(f"{API}/memberships", {"unit_id": net.prov_a_sub.pk}).json()
    assert [m["id"] for m in listed["items"]] == [mid]
    resp = client.post(f"{API}/memberships/{mid}/end", {"until": "2025-08-01"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["until"] == "2025-08-01" and resp.json()["active"] is False
    assert client.get(f"{API}/memberships", {"person_id": p.pk, "active": True}).json()["count"] == 0
    assert client.get(f"{API}/memberships", {"person_id": p.pk, "on": "2025-03-01"}).json()["count"] == 1
    assert client.get(f"{API}/memberships", {"subtree_of": "tinh-a", "active": False}).json()["count"] >= 1
    got = client.get(f"{API}/people/{p.pk}").json()
    assert [m["id"] for m in got["memberships"]] == [mid]


def test_membership_errors_are_problems_naming_the_field(net, api_client):
    p = person(net.prov_a_dept)
    client = api_client(net.a_head)
    base = {"person_id": p.pk, "unit_id": net.prov_a_sub.pk, "role": "member"}
    resp = client.post(f"{API}/memberships", {**base, "since": "2025-05-01", "until": "2025-01-01"}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "until"
    resp = client.post(f"{API}/memberships", {**base, "role": "khong-co"}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "role"
    resp = client.post(f"{API}/memberships", {**base, "since": "01/05/2025"}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "since"
    client.post(f"{API}/memberships", base, content_type="application/json")
    resp = client.post(f"{API}/memberships", base, content_type="application/json")
    assert resp.status_code == 409 and resp.json()["errors"][0]["field"] == "role"


def test_membership_of_sibling_is_404_and_end_without_right_is_403(net, api_client):
    m = member(person(net.prov_a_dept), net.prov_a_sub, "member", since=date(2025, 1, 1))
    assert api_client(net.b_analyst).post(f"{API}/memberships/{m.pk}/end", {}, content_type="application/json").status_code == 404
    assert api_client(net.a_analyst).post(f"{API}/memberships/{m.pk}/end", {}, content_type="application/json").status_code == 403
    make_user(net, "b_head", net.prov_b, "head")
    resp = api_client(net.users["b_head"]).post(
        f"{API}/memberships", {"person_id": net.people["b_analyst"].pk, "unit_id": net.prov_a_sub.pk, "role": "member"},
        content_type="application/json",
    )
    assert resp.status_code == 404


def test_read_only_token_cannot_write(net, api_client):
    resp = api_client(net.a_head, scope="read").post(
        f"{API}/people", {"full_name": "X", "home_unit_id": net.prov_a.pk}, content_type="application/json"
    )
    assert resp.status_code == 403
