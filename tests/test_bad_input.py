"""Hostile input is a clear 4xx (or a clear CLI message), never a 500 or a traceback:
huge page numbers on every paginated list, unit references that are not plain digits,
control characters in what DOCX/XLSX files carry, bodies over the limit, JSON nested
thousands deep (API, STIX/MISP uploads, TAXII), truncated and nested files at the CLI;
and the OpenAPI document names each schema once and documents the errors."""

import gzip
import io
import json

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.test_access_matrix import world  # noqa: F401 (the fixture)
from vigil.core.actors import Actor
from vigil.core.refs import is_pk
from vigil.core.safejson import JSONTooDeep
from vigil.core.safejson import loads as safe_loads
from vigil.core.xmltext import xml_safe

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000


def _schema():
    from vigil.api import api

    return api.get_openapi_schema()


# --------------------------------------------------------------------------- pages


def _paginated_paths(schema) -> list[str]:
    return [
        path for path, item in schema["paths"].items()
        if "get" in item and any(p["in"] == "query" and p["name"] == "page" for p in item["get"].get("parameters", []))
    ]


def test_every_paginated_list_answers_a_huge_page_number_with_422(world, api_client):  # noqa: F811
    values = {**world["global"], **world["amber"]}
    client = api_client(world["net"].users["office_staff"])
    paths = _paginated_paths(_schema())
    assert len(paths) >= 12
    answered = {}
    for path in paths:
        url = path
        for name, value in values.items():
            url = url.replace("{" + name + "}", str(value))
        if "{" in url:
            continue
        answered[path] = client.get(url, {"page": 10**18})
    assert len(answered) >= 12
    # ninja's page-number lists refuse the number; the office's lists clamp it to the last page
    wrong = {p: r.status_code for p, r in answered.items() if r.status_code not in (200, 422)}
    assert not wrong, wrong
    refused = [r for r in answered.values() if r.status_code == 422]
    assert len(refused) >= 12
    assert all(r.json()["errors"][0]["field"] == "page" for r in refused)
    # a page past the end but within the bound is still an ordinary (empty) page
    ok = client.get("/api/v1/core/audit", {"page": 999_999})
    assert ok.status_code == 200 and ok.json()["items"] == []


# --------------------------------------------------------------------------- references


def test_only_plain_ascii_digits_are_read_as_ids():
    assert is_pk("12") and is_pk(12) and is_pk("0")
    for value in ("²", "①", "١٢", "12a", "", " 12", "-1", "9" * 19, None, True, 1.0):
        assert not is_pk(value), value


@pytest.fixture
def incident(net):
    from vigil.incidents import reference as reference_data
    from vigil.incidents.services import intake

    reference_data.load_all()
    return intake.incident_report(actor=Actor(user=net.users["a_analyst"]), title="Máy chủ bị dò\x01 mật khẩu")


@pytest.mark.parametrize("value", ["²", "①", "99999999999999999999999"])
def test_triage_with_a_unit_reference_that_is_not_an_id_names_the_field(net, incident, api_client, value):
    resp = api_client(net.users["a_analyst"]).post(f"/api/v1/incidents/{incident.pk}/triage", {
        "incident_type": "intrusion-attempts:brute-force", "impact": 3, "urgency": 3, "tlp": "amber",
        "shared_with": [value],
    }, content_type="application/json")
    assert 400 <= resp.status_code < 500, resp.content
    assert "shared_with" in resp.content.decode()


# --------------------------------------------------------------------------- DOCX / XLSX


def test_xml_safe_drops_only_what_xml_forbids():
    assert xml_safe("a\x01b\x00c\x1fd\ufffe\tx\ny\rz") == "abcd\tx\ny\rz"
    assert xml_safe(12) == 12 and xml_safe(None) is None


def test_a_control_character_in_a_comment_does_not_break_the_incident_docx(net, incident):
    from vigil.incidents.documents.incident_docx import incident_report_export
    from vigil.incidents.services.comments import comment_add

    actor = Actor(user=net.users["a_analyst"])
    comment_add(actor=actor, incident=incident, body="Đã chặn\x01 địa chỉ\x0b nguồn")
    produced = incident_report_export(actor=actor, incident_id=incident.pk)
    doc = Document(io.BytesIO(produced.content))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "Máy chủ bị dò mật khẩu" in text
    assert "\x01" not in text and "\x0b" not in text


def test_a_control_character_in_a_title_does_not_break_the_xlsx_list(net, incident):
    from vigil.incidents.documents import list_exports
    from vigil.incidents.selectors.lists import IncidentFilters

    user = net.users["agency_analyst"]
    produced = list_exports.incident_list_export(
        actor=Actor(user=user), fmt="xlsx", filters=IncidentFilters())
    sheet = load_workbook(io.BytesIO(produced.content())).worksheets[0]
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Máy chủ bị dò mật khẩu" in values


# --------------------------------------------------------------------------- bodies


def test_a_json_body_over_the_limit_is_413_not_500(net, api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    body = json.dumps({"title": "x" * (70 * 1024)})
    resp = api_client(net.users["a_analyst"]).post("/api/v1/incidents/reports", body, content_type="application/json")
    assert resp.status_code == 413, resp.content
    assert resp["Content-Type"] == "application/problem+json"
    assert resp.json()["status"] == 413


def test_json_nested_thousands_deep_is_a_400_problem_on_the_api(net, api_client):
    resp = api_client(net.users["a_analyst"]).post("/api/v1/incidents/reports", DEEP, content_type="application/json")
    assert resp.status_code == 400, resp.content
    assert resp["Content-Type"] == "application/problem+json"
    body = resp.json()  # in the user's language, saying what is wrong (not ninja's English line)
    assert body["title"] == "Nội dung JSON không hợp lệ." and "100" in body["detail"]


def test_safe_loads_bounds_the_depth_and_reads_ordinary_json():
    assert safe_loads('{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    for text in (DEEP, "[" * 150 + "]" * 150):
        with pytest.raises(JSONTooDeep):
            safe_loads(text)
    with pytest.raises(json.JSONDecodeError):  # what callers already catch
        safe_loads(DEEP)


@pytest.mark.parametrize("code", ["stix", "misp"])
def test_stix_and_misp_files_nested_too_deep_are_a_line_error(code):
    from vigil.intel.formats import importer
    from vigil.intel.formats.base import Problem

    nested = '{"type": "bundle", "id": "bundle--1", "objects": ' + DEEP + "}"
    if code == "misp":
        nested = '{"Event": {"info": "x", "Attribute": ' + DEEP + "}}"
    records = list(importer(code).records(io.BytesIO(nested.encode())))
    problems = [r for r in records if isinstance(r, Problem)]
    assert problems, "the file must be refused with a line error"


def test_taxii_add_nested_too_deep_is_a_taxii_400(net, api_client):
    from vigil.intel import reference as reference_data

    reference_data.load_all()
    from vigil.intel.models import TaxiiCollection

    collection = TaxiiCollection.objects.order_by("pk").first()
    resp = api_client(net.users["a_analyst"]).post(
        f"/taxii2/vigil/collections/{collection.uuid}/objects/", '{"objects": ' + DEEP + "}",
        content_type="application/taxii+json;version=2.1", HTTP_ACCEPT="application/taxii+json;version=2.1")
    assert resp.status_code == 400, resp.content
    assert resp["Content-Type"].startswith("application/taxii+json")
    assert resp.json()["http_status"] == "400"


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("kind", ["truncated-gz", "nested"])
def test_the_cli_answers_a_bad_file_with_a_message_not_a_traceback(net, tmp_path, capsys, kind):
    from vigil.cli import main
    from vigil.intel.services.sources import source_create

    source_create(actor=Actor.platform(), owner_unit=net.units["prov_a"], name="Đối tác X", kind="partner")
    if kind == "truncated-gz":
        path = tmp_path / "bundle.json.gz"
        path.write_bytes(gzip.compress(json.dumps({"type": "bundle", "objects": []}).encode() * 50)[:40])
    else:
        path = tmp_path / "bundle.json"
        path.write_text('{"type": "bundle", "id": "bundle--1", "objects": ' + DEEP + "}", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["vigil", "intel", "import", str(path), "--format", "stix", "--source", "Đối tác X",
              "--as", "a_analyst"])
    err = capsys.readouterr().err
    assert exc.value.code == 1
    assert "Traceback" not in err and err.strip()


def test_cli_failure_messages_cover_input_errors():
    import zlib

    from vigil.cli import failure_message

    assert failure_message(EOFError("Compressed file ended before the end-of-stream marker was reached"))
    assert failure_message(zlib.error("invalid stored block lengths"))
    assert "nope.json" in failure_message(FileNotFoundError(2, "No such file or directory", "nope.json"))
    assert failure_message(RecursionError())
    assert failure_message(KeyError("bug")) is None  # a bug keeps its traceback


# --------------------------------------------------------------------------- OpenAPI


def test_every_schema_name_belongs_to_one_class():
    from vigil.api import api
    from vigil.core.openapi import schema_name_collisions

    assert schema_name_collisions(api) == {}


def test_the_collision_guard_sees_two_classes_with_one_name():
    from ninja import NinjaAPI, Router, Schema

    def make(field_type):
        return type("TaskIn", (Schema,), {"__annotations__": {"title": field_type}})

    first, second = make(str), make(int)
    api = NinjaAPI(urls_namespace="collision-test")
    router = Router()

    class Wrap1(Schema):
        task: first

    class Wrap2(Schema):
        task: second

    @router.post("/a", response=Wrap1)
    def a(request, body: Wrap1):
        return body

    @router.post("/b", response=Wrap2)
    def b(request, body: Wrap2):
        return body

    api.add_router("/", router)
    from vigil.core.openapi import schema_name_collisions

    assert list(schema_name_collisions(api)) == ["TaskIn"]


def test_the_documented_body_of_post_tasks_is_the_committee_task():
    schema = _schema()
    body = schema["paths"]["/api/v1/program/tasks"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[-1]
    props = schema["components"]["schemas"][name]["properties"]
    assert {"lead_units", "assigning_unit"} <= set(props), props.keys()


def test_every_operation_documents_its_problem_responses():
    schema = _schema()
    assert "ProblemDetail" in schema["components"]["schemas"]
    missing = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            codes = {str(c) for c in op["responses"]}
            need = {"400", "403", "404", "409", "422"}
            if op.get("security"):
                need.add("401")
            if "requestBody" in op:
                need.add("413")
            if method in ("patch", "put"):
                need.add("412")
            if need - codes:
                missing.append(f"{method.upper()} {path}: {sorted(need - codes)}")
            problem = op["responses"].get(404) or op["responses"].get("404")
            assert "application/problem+json" in problem.get("content", {}), (method, path)
    assert not missing, missing


def test_a_meeting_start_time_is_a_local_time_documented_without_format_time():
    from vigil.core.errors import DomainError
    from vigil.program.services.meetings.common import _time

    schema = _schema()
    start = schema["components"]["schemas"]["MeetingOut"]["properties"]["start_time"]
    assert "format" not in json.dumps(start) and "pattern" in json.dumps(start)
    assert _time("08:30").isoformat() == "08:30:00"
    for value in ("08:30:00Z", "08:30+07:00", "25:00", "²"):
        with pytest.raises(DomainError):
            _time(value)


def test_intel_lists_and_csv_times_with_unicode_digits_are_ordinary_values():
    from vigil.intel.formats import importer
    from vigil.intel.formats.csvfmt import parse_time

    records = list(importer("list", type="domain", score_confidence=10).records(
        io.BytesIO("lua-dao.xyz ²\nlua-dao-2.xyz 7\n".encode())))
    assert [(r.value, r.confidence) for r in records] == [("lua-dao.xyz", None), ("lua-dao-2.xyz", 70)]
    for text in ("²", "9" * 30, "١٢٣"):
        with pytest.raises(ValueError):
            parse_time(text)


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_an_api_path_no_operation_has_is_a_404_problem_for_every_method(net, method):
    from django.test import Client

    from vigil.core.services.auth import token_create

    user = net.users["a_analyst"]
    _t, secret = token_create(actor=Actor(user=user, channel="cli"), user=user, name="t", scope="write")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")  # as a real client
    resp = getattr(client, method)("/api/v1/incidents/1/tasks/-5/items/2")
    assert resp.status_code == 404
    assert resp["Content-Type"] == "application/problem+json"
