"""Query-count ceilings of every list page and list endpoint (NetBox's query-count baselines).

Every GET route without a path parameter, pages from the URL resolver and API operations
from the OpenAPI document, is loaded by a network-wide user (the committee office) over
the route access matrix's world, and must run at most the number of queries its row in
CEILINGS allows. Then the world's listed objects are copied a few more times and every
route is loaded again: it must run no more queries than before (a list whose queries grow
with its rows is an N+1). A list route missing from CEILINGS fails the test: measure it
(the failure says how many queries it ran) and add its row.
"""

import re
import uuid

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from tests.test_access_matrix import (
    API_PREFIX,
    PUBLIC,
    api_routes,
    fill,
    page_routes,
    route_variants,
    session_client,
    token_client,
    world,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.django_db

# Pages that are not lists: the login flow, language switch, the API's documentation, and
# the POST-only pages (mark all notifications read, set the completeness target).
NOT_LISTS = re.compile(r"^(static|login|logout|i18n|health|metrics|api/v1/docs|api/v1/openapi"
                       r"|notifications/read-all/$|org/completeness/target/$)")
# Lists that need a query to answer anything but a form error (the world's meeting, a value).
QUERIES = {
    "api who-owns": lambda w: "?value=portal.marker-a.example",
    "api premeeting-report": lambda w: "?unit=tinh-a&since=2025-01-01",
    "api premeeting-report/docx": lambda w: "?unit=tinh-a&since=2025-01-01",
    "api premeeting-report/xlsx": lambda w: "?unit=tinh-a&since=2025-01-01",
    "page program/reports/premeeting/docx": lambda w: f"?unit={w['net'].units['prov_a'].pk}&since=2025-01-01",
    "page program/reports/premeeting/xlsx": lambda w: f"?unit={w['net'].units['prov_a'].pk}&since=2025-01-01",
    "page org/who-owns/": lambda w: "?value=portal.marker-a.example",
}
# Who loads each list: the committee office (network-wide) unless the list is another role's.
READERS = {"page audit/": "auditor", "api audit": "auditor", "page admin/roles/": "admin"}

# "page <route>" / "taxii <route>" / "api <route>" -> the most queries the route may run for
# its reader over the world: what it ran when measured, plus 2 (SQLite and PostgreSQL, a
# session read). Lower a row when a list gets cheaper; raise one only with a reason.
# Every page also builds the sidebar, whose entries are shown only where their page opens
# (issue 13): whether the user may add an indicator and import into a source, one query
# each for the committee office (a unit-kind query for steering is skipped network-wide).
MENU_QUERIES = 2

CEILINGS: dict[str, int] = {
    "page ": 43,  # the home page (issue 13): ~12 work-queue panels, each a fixed number of queries
    # (the office's completeness panel: one count per month of its chart, six, and the total;
    # a unit with nothing late or due this week: one more, for its next open tasks)
    "page account/": 11,
    "page account/logout-everywhere/": 8,
    "page account/otp/setup/": 20,
    "page account/tokens/": 9,
    "page admin/roles/": 9,
    "page assets/systems/": 12,
    "page assets/systems/export/": 16,
    "page assets/systems/import/": 9,
    "page assets/systems/new/": 10,
    "page audit/": 13,
    "page incidents/": 16,
    "page incidents/export.csv": 18,
    "page incidents/export.xlsx": 18,
    "page incidents/report/": 12,
    "page incidents/sla/breaches/": 14,
    "page incidents/stages/due/": 11,
    "page incidents/stages/overdue/": 15,
    "page incidents/stats/": 18,
    "page intel/feeds/": 11,
    "page intel/feeds/new/": 10,
    "page intel/imports/": 10,
    "page intel/imports/new/": 10,
    "page intel/indicators/": 24,
    "page intel/indicators/new/": 10,
    "page intel/sightings/": 9,
    "page intel/sources/": 11,
    "page intel/sources/new/": 11,
    "page intel/taxonomies/": 9,
    "page intel/warninglists/": 9,
    "page notifications/": 10,
    "page notifications/preferences/": 11,
    "page org/completeness/": 17,  # + the progress chart: one count per month (six) and the total
    "page org/constituency/overlaps/": 9,
    "page org/constituency/requests/": 10,
    "page org/decisions/": 12,
    "page org/decisions/new/": 11,
    "page org/people/": 14,
    "page org/people/new/": 10,
    "page org/units/": 13,
    "page org/units/new/": 11,
    "page org/who-owns/": 9,
    "page program/calendar/": 13,
    "page program/findings/": 14,
    "page program/inspections/": 14,
    "page program/inspections/new/": 12,
    "page program/meetings/": 13,
    "page program/meetings/new/": 11,
    "page program/my-unit/": 8,
    "page program/office/bodies/": 12,
    "page program/office/late/": 13,
    "page program/office/matrix/": 14,
    "page program/office/on-time/": 13,
    "page program/programmes/": 13,
    "page program/programmes/new/": 10,
    "page program/reports/premeeting/": 10,
    "page program/reports/premeeting/docx": 24,
    "page program/reports/premeeting/xlsx": 24,
    "page program/tasks/": 12,
    "page program/tasks/new/": 14,
    "page program/timeline/": 13,
    "taxii taxii2/^$": 5,
    "taxii taxii2/^vigil/?$": 5,
    "taxii taxii2/^vigil/collections/?$": 7,
    "page webhooks/": 11,
    "api assets/systems": 8,
    "api assets/systems/export": 15,
    "api audit": 8,
    "api completeness": 7,
    "api completeness/target": 7,
    "api constituency/overlaps": 7,
    "api constituency/requests": 8,
    "api decisions": 8,
    "api findings": 9,
    "api incidents": 11,
    "api incidents/export": 17,
    "api incidents/reporting-stages": 6,
    "api incidents/sla/breaches": 11,
    "api incidents/stage-reports/due": 9,
    "api incidents/stage-reports/overdue": 12,
    "api incidents/stats": 7,
    "api incidents/taxonomy": 8,
    "api inspections": 8,
    "api intel/feeds": 8,
    "api intel/imports": 9,
    "api intel/indicators": 15,
    "api intel/sightings": 7,
    "api intel/sources": 8,
    "api intel/taxonomies": 7,
    "api intel/warninglists": 7,
    "api me": 9,
    "api meetings": 8,
    "api memberships": 8,
    "api notifications": 8,
    "api notifications/preferences": 8,
    "api notifications/unread-count": 7,
    "api office/calendar": 10,
    "api office/incomplete-bodies": 9,
    "api office/late": 9,
    "api office/matrix": 9,
    "api office/on-time": 9,
    "api office/timeline": 10,
    "api people": 8,
    "api premeeting-report": 16,
    "api premeeting-report/docx": 21,
    "api premeeting-report/xlsx": 21,
    "api programmes": 8,
    "api roles": 7,
    "api tasks": 8,
    "api tokens": 7,
    "api sectors": 7,
    "api unit-kinds": 7,
    "api units": 8,
    "api webhooks": 7,
    "api who-owns": 7,
}

# The listed objects copied to grow the world (their unique fields get a new value).
GROWN = (
    "org.Person", "org.MembershipDecision", "program.Meeting", "program.WorkProgramme", "program.Task",
    "program.Inspection", "assets.InformationSystem", "incidents.Incident", "intel.Source",
    "core.Notification", "core.WebhookEndpoint",
)


def list_routes():
    """Every GET route without a path parameter: "page <route>", "taxii <route>", "api <route>"."""
    pages = [r for r in page_routes() if "<" not in r and r not in PUBLIC and not NOT_LISTS.match(r)]
    keys = [f"{'taxii' if r.startswith('taxii2') else 'page'} {r}" for r in pages]
    keys += [f"api {r}" for r, methods in api_routes() if "get" in methods and "<" not in r
             and f"{API_PREFIX}{r}" not in PUBLIC]
    return keys


def _count(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        resp = client.get(url, **headers)
        if resp.streaming:
            b"".join(resp.streaming_content)
    return resp.status_code, len(queries)


def measure(objects):
    """{route key: (status, queries)} of every list route, loaded by its reader."""
    users = objects["net"].users
    out = {}
    for key in list_routes():
        kind, route = key.split(" ", 1)
        user = users[READERS.get(key, "office_staff")]
        query = QUERIES[key](objects) if key in QUERIES else ""
        if kind == "api":
            out[key] = _count(token_client(user), f"/{API_PREFIX}{route}{query}")
        elif kind == "taxii":
            url, _kinds = fill(route, objects)
            out[key] = _count(token_client(user), url, HTTP_ACCEPT="application/taxii+json;version=2.1")
        else:
            out[key] = _count(session_client(user), f"/{route}{query}")
    return out


def _grow(copies=3):
    """Copy every row of the GROWN models `copies` times, giving unique fields new values."""
    from django.apps import apps

    for label in GROWN:
        model = apps.get_model(label)
        unique = {f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key}
        for constraint in model._meta.constraints:
            unique |= set(getattr(constraint, "fields", ()) or ())
        rows = list(model.objects.all())
        for row in rows:
            original = row.pk
            for n in range(copies):
                row.pk = None
                row.id = None
                for name in unique:
                    field = model._meta.get_field(name)
                    value = getattr(row, field.attname)
                    if value is None and field.null:
                        continue
                    if isinstance(field, models.UUIDField):
                        setattr(row, name, uuid.uuid4())
                    elif isinstance(field, (models.CharField, models.SlugField)):
                        setattr(row, field.attname, f"{value}-{original}-{n}"[-field.max_length:])
                    elif field.is_relation and field.null:
                        setattr(row, field.attname, None)
                    elif isinstance(field, models.IntegerField):
                        setattr(row, name, (getattr(row, name) or 0) + 1000 + n)
                row.save(force_insert=True)
        assert model.objects.count() >= (copies + 1) * len(rows), label


def ceiling_key(key: str) -> str:
    """The CEILINGS row of a list route (an API route with or without its app's prefix)."""
    kind, route = key.split(" ", 1)
    if kind == "api":
        for variant in route_variants(route):
            if f"api {variant}" in CEILINGS:
                return f"api {variant}"
    return key


def ceiling(key: str) -> int:
    """The most queries a list route may run: its row, and for a page the sidebar's."""
    return CEILINGS.get(ceiling_key(key), 0) + (MENU_QUERIES if key.startswith("page ") else 0)


def test_every_list_route_has_a_ceiling():
    keys = {ceiling_key(key) for key in list_routes()}
    missing = sorted(keys - set(CEILINGS))
    assert not missing, f"add these list routes to CEILINGS in tests/test_query_counts.py: {missing}"
    stale = sorted(set(CEILINGS) - keys)
    assert not stale, f"CEILINGS rows of routes that no longer exist: {stale}"


def test_list_routes_stay_under_their_ceiling_and_do_not_grow_with_rows(world):  # noqa: F811
    """Each list runs at most its ceiling of queries; with three more copies of every
    listed object, it runs no more queries than before (no N+1)."""
    first = measure(world)
    failures = [f"{key}: {count} queries (ceiling {ceiling(key)}), status {status}"
                for key, (status, count) in first.items()
                if status >= 500 or count > ceiling(key)]
    _grow()
    second = measure(world)
    failures += [f"{key}: {first[key][1]} queries, {count} with more rows (N+1)"
                 for key, (_status, count) in second.items() if count > first[key][1]]
    assert not failures, "\n".join(failures)
