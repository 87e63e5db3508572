"""Lost updates (issue 11, item 10): every edit writes only the fields sent, and a stale
edit — an API write with an old ETag in If-Match, a page form with an old hidden version —
is refused (412 / 409) instead of silently reverting someone else's change."""

import json
import re
import threading
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.db.models import CharField, TextField
from django.test import Client

from tests.test_access_matrix import API_PREFIX, fill, world  # noqa: F401  (the world fixture)
from vigil.core import concurrency
from vigil.core.actors import Actor
from vigil.core.services.auth import token_create
from vigil.intel.models import Source
from vigil.intel.services.sources import source_create


def _token_client(user):
    _t, secret = token_create(actor=Actor(user=user), user=user, name="lost-updates", scope="write")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _source(net, **fields):
    return source_create(actor=Actor(user=net.users["a_analyst"]), owner_unit=net.units["prov_a"],
                         name="Nguồn đối tác A", tlp="amber", **fields)


def _patch(client, url, body, **headers):
    return client.patch(url, data=json.dumps(body), content_type="application/json", **headers)


# --------------------------------------------------------------------------- the shared mechanism


@pytest.mark.django_db
def test_save_writes_only_the_fields_named_and_bumps_the_version(net):
    source = _source(net, description="một")
    stale = Source.objects.get(pk=source.pk)
    Source.objects.filter(pk=source.pk).update(default_confidence=90)  # someone else's change
    stale.description = "hai"
    concurrency.save(stale, ["description"])
    fresh = Source.objects.get(pk=source.pk)
    assert (fresh.description, fresh.default_confidence) == ("hai", 90)
    assert fresh.version == stale.version == source.version + 1


@pytest.mark.django_db
def test_save_refuses_a_stale_version_and_writes_nothing(net):
    source = _source(net, description="một")
    first = source.version
    source.description = "hai"
    concurrency.save(source, ["description"], expected=first)
    source.description = "ba"
    with pytest.raises(concurrency.StaleObject) as caught:
        concurrency.save(source, ["description"], expected=first)
    assert caught.value.status == 409 and "Nguồn đối tác A" in str(caught.value.message)
    assert Source.objects.get(pk=source.pk).description == "hai"


@pytest.mark.django_db
def test_any_save_of_an_existing_row_bumps_the_version(net):
    source = _source(net)
    before = source.version
    source.is_active = False
    source.save(update_fields=["is_active"])
    assert source.version == before + 1 == Source.objects.get(pk=source.pk).version


# --------------------------------------------------------------------------- intel sources over the API


@pytest.mark.django_db
def test_source_api_etag_and_if_match(net):
    source = _source(net)
    client = _token_client(net.users["a_analyst"])
    url = f"/api/v1/intel/sources/{source.pk}"
    got = client.get(url)
    assert got.status_code == 200 and got["ETag"] == f'"v{source.version}"'
    etag = got["ETag"]
    changed = _patch(client, url, {"description": "mới"}, HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] != etag
    stale = _patch(client, url, {"default_confidence": 10}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["Content-Type"].startswith("application/problem+json")
    assert "Nguồn đối tác A" in stale.json()["detail"]
    assert Source.objects.get(pk=source.pk).default_confidence != 10
    assert client.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert Source.objects.filter(pk=source.pk).exists()
    # The current tag (or none at all) is accepted.
    again = _patch(client, url, {"default_confidence": 10}, HTTP_IF_MATCH=changed["ETag"])
    assert again.status_code == 200
    assert _patch(client, url, {"lifetime_days": 7}).status_code == 200


@pytest.mark.django_db
def test_source_edit_form_refuses_a_stale_version(net, client):
    source = _source(net, description="gốc")
    client.force_login(net.users["a_analyst"])
    url = f"/intel/sources/{source.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200
    assert f'name="version" value="{source.version}"' in page.content.decode()
    # Another user changes the description meanwhile.
    _patch(_token_client(net.users["a_head"]), f"/api/v1/intel/sources/{source.pk}", {"description": "của người khác"})
    form = {"name": source.name, "kind": source.kind, "description": "gốc", "reliability": source.reliability,
            "default_confidence": 70, "tlp": source.tlp, "is_active": "on", "version": source.version}
    resp = client.post(url, form)
    assert resp.status_code == 409
    body = resp.content.decode()
    assert "Nguồn đối tác A" in body and "đã được người khác thay đổi" in body
    fresh = Source.objects.get(pk=source.pk)
    assert (fresh.description, fresh.default_confidence) == ("của người khác", source.default_confidence)


# --------------------------------------------------------------------------- two writers at once


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers: PostgreSQL")
def test_concurrent_patches_of_different_fields_both_survive(transactional_db):
    from vigil.testing import make_network

    net = make_network()
    source = _source(net)
    url = f"/api/v1/intel/sources/{source.pk}"
    clients = [_token_client(net.users["a_analyst"]), _token_client(net.users["a_head"])]
    failures = []
    for round_ in range(20):
        barrier = threading.Barrier(2)
        statuses = []

        def writer(client, body, barrier=barrier, statuses=statuses):
            try:
                barrier.wait(timeout=10)
                statuses.append(_patch(client, url, body).status_code)
            finally:
                connection.close()

        bodies = [{"description": f"mô tả {round_}"}, {"default_confidence": round_}]
        threads = [threading.Thread(target=writer, args=(c, b)) for c, b in zip(clients, bodies, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        fresh = Source.objects.get(pk=source.pk)
        if statuses != [200, 200] or (fresh.description, fresh.default_confidence) != (f"mô tả {round_}", round_):
            failures.append((round_, statuses, fresh.description, fresh.default_confidence))
    assert not failures, failures


# --------------------------------------------------------------------------- every PATCH/PUT route honours If-Match


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _sample(schema, node):
    """The smallest valid value for a JSON schema node (required properties only)."""
    node = _resolve(schema, node)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if _resolve(schema, o).get("type") != "null"]
            return _sample(schema, options[0])
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return {name: _sample(schema, node["properties"][name]) for name in node.get("required", [])}
    if kind == "array":
        return [_sample(schema, node.get("items", {}))] if node.get("minItems") else []
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return max(1, node.get("minimum", 1))
    if node.get("format") == "date":
        return "2027-01-15"
    if node.get("format") == "date-time":
        return "2027-01-15T08:00:00+07:00"
    return "x"


def _body_for(schema, operation) -> dict:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    return _sample(schema, content["schema"]) if content else {}


def _preferences_body():
    from vigil.core.notify import registry

    return {"preferences": [{"kind": registry.all_kinds()[0].code, "channel": "in_app", "enabled": False}]}


WRITERS = ("admin", "a_head", "a_analyst", "a_dept", "office_staff")


def test_every_patch_and_put_route_answers_412_to_a_wrong_etag(world):  # noqa: F811
    from vigil.api import api

    schema = api.get_openapi_schema()
    net = world["net"]
    clients = {name: _token_client(net.users[name]) for name in WRITERS}
    checked, failures = [], []
    for path, operations in schema["paths"].items():
        for method in ("patch", "put"):
            if method not in operations:
                continue
            route = re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))
            url, _kinds = fill(route if route.startswith(API_PREFIX) else API_PREFIX + route, world)
            body = _body_for(schema, operations[method])
            if path.endswith("/notifications/preferences"):
                body = _preferences_body()
            answers = []
            for name in WRITERS:
                resp = getattr(clients[name], method)(url, data=json.dumps(body), content_type="application/json",
                                                      HTTP_IF_MATCH='"v999999"')
                answers.append((name, resp.status_code))
                if resp.status_code not in (403, 404):
                    break
            checked.append((method, url))
            if answers[-1][1] != 412:
                failures.append((method.upper(), url, answers, resp.content[:300]))
            elif resp.json().get("status") != 412 or not resp["Content-Type"].startswith("application/problem+json"):
                failures.append((method.upper(), url, "not a problem detail"))
    assert len(checked) >= 20, checked
    assert not failures, failures


# --------------------------------------------------------------------------- every edit form refuses a stale version


class _FormParser(HTMLParser):
    """The fields of the page's POST forms, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "data": {}, "multi": set()}
            self.forms.append(self._form)
        if self._form is None:
            return
        data = self._form["data"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    data.setdefault(name, []).append(a.get("value") or "on")
            elif kind not in ("submit", "button", "file"):
                data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": []}
            if "multiple" in a:
                self._form["multi"].add(name)
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            if not self._select["first"]:  # the first real choice (a required select left empty)
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            data[name] = [""]

    def handle_data(self, text):
        if self._textarea and self._form is not None:
            self._form["data"][self._textarea][0] += text

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            s = self._select
            chosen = s["chosen"] or ([] if s["name"] in self._form["multi"] or s["first"] is None else [s["first"]])
            self._form["data"][s["name"]] = chosen
            self._select = None
        elif tag == "form":
            self._form = None


def _version_form(html: str):
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if any(name.rsplit("-", 1)[-1] == "version" for name in form["data"]):
            form["data"].pop("csrfmiddlewaretoken", None)
            return form
    return None


def _edit_pages(w):
    from vigil.assets.models import InformationSystem
    from vigil.core.models import WebhookEndpoint
    from vigil.incidents.models import Incident
    from vigil.org.models import MembershipDecision, Person, Role, Unit
    from vigil.program.models import (
        Conclusion,
        Finding,
        Inspection,
        InspectionTarget,
        Meeting,
        MeetingAttendee,
        MeetingSite,
        Task,
        WorkProgramme,
    )

    a, g = w["amber"], w["global"]
    m = {"meeting_id": a["meeting_id"]}
    return [
        ("org:unit_edit", {"unit_id": a["unit_id"]}, Unit, a["unit_id"]),
        ("org:person_edit", {"person_id": a["person_id"]}, Person, a["person_id"]),
        ("org:decision_edit", {"decision_id": a["decision_id"]}, MembershipDecision, a["decision_id"]),
        ("program:programme_edit", {"programme_id": a["programme_id"]}, WorkProgramme, a["programme_id"]),
        ("program:inspection_edit", {"inspection_id": a["inspection_id"]}, Inspection, a["inspection_id"]),
        ("program:inspection_target_edit", {"inspection_id": a["inspection_id"], "target_id": a["target_id"]},
         InspectionTarget, a["target_id"]),
        ("program:finding_edit", {"finding_id": a["finding_id"]}, Finding, a["finding_id"]),
        ("program:meeting_edit", m, Meeting, a["meeting_id"]),
        ("program:meeting_attendee_edit", {**m, "attendee_id": a["attendee_id"]}, MeetingAttendee, a["attendee_id"]),
        ("program:meeting_site_edit", {**m, "site_id": a["site_id"]}, MeetingSite, a["site_id"]),
        ("program:meeting_conclusion_edit", {**m, "conclusion_id": a["conclusion_id"]}, Conclusion,
         a["conclusion_id"]),
        ("program:task_edit", {"task_id": a["task_id"]}, Task, a["task_id"]),
        ("assets:system_edit", {"system_id": a["system_id"]}, InformationSystem, a["system_id"]),
        ("incidents:triage", {"incident_id": a["incident_id"]}, Incident, a["incident_id"]),
        ("intel:source_edit", {"intel_source_id": a["intel_source_id"]}, Source, a["intel_source_id"]),
        ("core:webhook_detail", {"webhook_id": a["webhook_id"]}, WebhookEndpoint, a["webhook_id"]),
        ("core:role_edit", {"role_id": g["role_id"]}, Role, g["role_id"]),
    ]


def _someone_else_changes(row, fields) -> None:
    """Another user changes a text field the form shows (or at least saves the object)."""
    for field in row._meta.concrete_fields:
        if (isinstance(field, CharField | TextField) and field.editable and not field.choices
                and field.name in fields and not field.unique):
            value = f"{getattr(row, field.attname) or ''} (sửa song song)"
            setattr(row, field.attname, value[-(field.max_length or 1000):])
            break
    row.save()


def test_every_edit_form_carries_the_version_and_refuses_a_stale_one(world):  # noqa: F811
    from django.urls import reverse

    from vigil.incidents import reference as reference_data
    from vigil.incidents.models import Incident, IncidentType
    from vigil.program.models import Inspection

    net = world["net"]

    reference_data.upsert_taxonomy()  # the triage form needs the incident types and the matrix
    reference_data.upsert_severity()
    reference_data.upsert_sla()
    Incident.objects.filter(pk=world["amber"]["incident_id"]).update(
        incident_type=IncidentType.objects.filter(is_active=True).order_by("pk").first())
    # Findings are edited while their inspection is under way.
    Inspection.objects.filter(pk=world["amber"]["inspection_id"]).update(status=Inspection.Status.IN_PROGRESS)
    sessions = {}
    for name in WRITERS:
        sessions[name] = Client()
        sessions[name].force_login(net.users[name])
    failures = []
    for route, kwargs, model, pk in _edit_pages(world):
        url = reverse(route, kwargs=kwargs)
        form = client = None
        for name in WRITERS:
            page = sessions[name].get(url)
            if page.status_code == 200 and (form := _version_form(page.content.decode())):
                client = sessions[name]
                break
        if form is None:
            failures.append((route, "no edit form with a version for any writer"))
            continue
        row = model._base_manager.get(pk=pk)
        assert str(row.version) in [v for k, vs in form["data"].items() if k.endswith("version") for v in vs], route
        _someone_else_changes(row, form["data"])
        before = model._base_manager.filter(pk=pk).values().get()
        resp = client.post(form["action"] or url, {k: v for k, v in form["data"].items()})
        after = model._base_manager.filter(pk=pk).values().get()
        body = resp.content.decode()
        if resp.status_code != 409 or "đã được người khác thay đổi" not in body:
            errors = re.findall(r'(?:invalid-feedback|alert-danger)[^>]*>([^<]*)', body)
            failures.append((route, resp.status_code, errors or body[:300]))
        elif before != after:
            failures.append((route, "a refused form still wrote", before, after))
    assert not failures, failures
