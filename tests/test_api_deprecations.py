"""The API paths of the previous release, before each app's API moved under its own prefix
(/api/v1/tasks → /api/v1/program/tasks), still answer for one release: the same operation,
method and body, no redirect, with `Deprecation: true` and a `Link` to the new path. They
are not in the OpenAPI document, and docs/api-deprecations.md lists every one."""

import re
from pathlib import Path

import pytest
from django.test import Client

from vigil.core.appconfig import vigil_apps
from vigil.core.middleware import api_aliases, successor_path

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parent.parent / "docs" / "api-deprecations.md"


def assert_deprecated(response, new_path):
    assert response["Deprecation"] == "true"
    assert response["Link"] == f'<{new_path}>; rel="successor-version"'


def test_core_alias_answers_reads_and_writes(net, api_client):
    client = api_client(net.a_analyst)
    old, new = client.get("/api/v1/me"), client.get("/api/v1/core/me")
    assert old.status_code == new.status_code == 200 and old.json() == new.json()
    assert_deprecated(old, "/api/v1/core/me")
    assert "Deprecation" not in new
    created = client.post("/api/v1/tokens", {"name": "old-client", "days": 30}, content_type="application/json")
    assert created.status_code == 201 and created.json()["name"] == "old-client"
    assert_deprecated(created, "/api/v1/core/tokens")
    assert "old-client" in {t["name"] for t in client.get("/api/v1/core/tokens").json()}


def test_org_alias_answers_and_keeps_the_access_rules(net, api_client):
    unit = net.prov_a
    old = api_client(net.a_analyst).get(f"/api/v1/units/{unit.pk}")
    assert old.status_code == 200 and old.json()["code"] == unit.code
    assert_deprecated(old, f"/api/v1/org/units/{unit.pk}")
    refused = api_client(net.b_analyst).patch(f"/api/v1/units/{unit.pk}", {"name": "X"},
                                              content_type="application/json")
    assert refused.status_code in (403, 404)
    assert_deprecated(refused, f"/api/v1/org/units/{unit.pk}")
    assert Client().get("/api/v1/units").status_code == 401


def test_program_alias_answers(net, api_client):
    client = api_client(net.office_staff)
    old, new = client.get("/api/v1/tasks"), client.get("/api/v1/program/tasks")
    assert old.status_code == new.status_code == 200 and old.json() == new.json()
    assert_deprecated(old, "/api/v1/program/tasks")
    office = client.get("/api/v1/office/calendar")
    assert office.status_code == 200
    assert_deprecated(office, "/api/v1/program/office/calendar")


def test_apps_already_under_their_prefix_have_no_alias(net, api_client):
    client = api_client(net.a_analyst)
    for path in ("/api/v1/incidents", "/api/v1/intel/indicators", "/api/v1/assets/systems"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Deprecation" not in response, path


def test_a_path_that_is_no_alias_is_still_a_404_problem(net, api_client):
    response = api_client(net.a_analyst).get("/api/v1/unitsx/1")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert "Deprecation" not in response
    assert successor_path("/api/v1/unitsx/1", api_aliases()) is None
    assert successor_path("/org/units/", api_aliases()) is None


def test_aliases_are_not_in_the_openapi_document():
    from vigil.api import api

    aliases = api_aliases()
    paths = api.get_openapi_schema()["paths"]
    assert aliases and not [p for p in paths if p.split("/")[3] in aliases]


def test_every_alias_is_documented():
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`/api/v1/([a-z-]+)/?…?` *\| *`/api/v1/([a-z]+)/\1", text))
    declared = {(segment, config.api_prefix) for config in vigil_apps() for segment in config.api_aliases}
    assert declared == documented
