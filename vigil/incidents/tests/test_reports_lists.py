"""The incident list as CSV and XLSX: columns, the list's filters, visible rows only, the
cap with its message, the audit entry; page, API and CLI."""

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.models import TLP, AuditEntry
from vigil.incidents.documents import list_exports
from vigil.incidents.selectors.lists import IncidentFilters

from .test_reports_docx import make_incident, make_taxonomy

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(net):
    tax = make_taxonomy()
    return {
        "a1": make_incident(net.prov_a, title="MARKER-A-INCIDENT một", itype=tax["type"], severity="high"),
        "a2": make_incident(net.prov_a_dept, title="Sở A hai", itype=tax["dos"], severity="low",
                            state="closed"),
        "b1": make_incident(net.prov_b, title="Tỉnh B ba", severity="critical"),
        "green": make_incident(net.prov_b, title="Tỉnh B xanh", tlp=TLP.GREEN, severity="medium"),
    }


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def export(user, fmt="csv", **filters):
    f = IncidentFilters.parse(user, filters)
    return list_exports.incident_list_export(actor=Actor(user=user), fmt=fmt, filters=f)


def test_csv_has_a_header_and_one_line_per_visible_incident(net, rows):
    produced = export(net.a_analyst)
    lines = _csv(produced.content())
    assert lines[0][:3] == ["Mã theo dõi", "Tiêu đề", "Trạng thái"]
    refs = {line[0] for line in lines[1:]}
    # Province A sees its own incidents (its subtree) and B's GREEN one, never B's AMBER one.
    assert refs == {rows["a1"].reference, rows["a2"].reference, rows["green"].reference}


def test_sibling_province_export_holds_none_of_a_amber_incidents(net, rows):
    content = export(net.b_analyst).content()
    assert b"MARKER-A-INCIDENT" not in content
    assert rows["a2"].reference.encode() not in content


def test_filters_state_severity_class_and_unit(net, rows):
    tax = make_taxonomy()
    assert [r[0] for r in _csv(export(net.a_analyst, state="closed").content())[1:]] == [rows["a2"].reference]
    assert [r[0] for r in _csv(export(net.a_analyst, severity="high").content())[1:]] == [rows["a1"].reference]
    assert [r[0] for r in _csv(export(net.a_analyst, klass=tax["other"].code).content())[1:]] == [rows["a2"].reference]
    by_unit = _csv(export(net.agency_analyst, unit="tinh-b").content())[1:]
    assert {r[0] for r in by_unit} == {rows["b1"].reference, rows["green"].reference}


def test_bad_filter_names_the_field(net, rows):
    with pytest.raises(DomainError) as err:
        export(net.a_analyst, state="bogus")
    assert err.value.field == "state"
    with pytest.raises(DomainError) as err:
        export(net.a_analyst, since="31/02/2026")
    assert err.value.field == "since"
    with pytest.raises(DomainError) as err:
        list_exports.incident_list_export(actor=Actor(user=net.a_analyst), fmt="pdf",
                                          filters=IncidentFilters())
    assert err.value.field == "format"


def test_xlsx_has_the_same_rows(net, rows):
    produced = export(net.agency_analyst, fmt="xlsx")
    ws = load_workbook(io.BytesIO(produced.content())).worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "Mã theo dõi"
    assert {v[0] for v in values[1:]} == {r.reference for r in rows.values()}


def test_cap_keeps_the_newest_rows_and_says_so(net, rows):
    f = IncidentFilters()
    produced = list_exports.incident_list_export(actor=Actor(user=net.agency_analyst), fmt="csv", filters=f, limit=2)
    lines = _csv(produced.content())
    assert produced.truncated and produced.count == 2 and produced.total == 4
    assert len(lines) == 1 + 2 + 1
    assert "2" in lines[-1][0] and "4" in lines[-1][0]


def test_export_is_audited_with_its_filters(net, rows):
    export(net.a_analyst, severity="high")
    entry = AuditEntry.objects.filter(action="export", object_type="incidents.incident").order_by("-seq").first()
    assert entry.after["count"] == 1 and entry.after["filters"]["severity"] == "high"


def test_export_needs_the_export_right(net, rows):
    with pytest.raises(AccessDenied):
        export(net.a_dept)  # a responder: no export action


def test_pages_stream_csv_and_xlsx(net, rows, login):
    client = login(net.a_analyst)
    response = client.get("/incidents/export.csv?severity=high")
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert [r[0] for r in _csv(body)[1:]] == [rows["a1"].reference]
    xlsx = client.get("/incidents/export.xlsx")
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
    bad = client.get("/incidents/export.csv?state=bogus")
    assert bad.status_code == 400


def test_api_export(net, rows, api_client):
    response = api_client(net.b_analyst).get("/api/v1/incidents/export?format=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert b"MARKER-A-INCIDENT" not in body and rows["b1"].reference.encode() in body
    assert api_client(net.b_analyst).get("/api/v1/incidents/export?format=pdf").status_code == 400


def test_cli_list_export(net, rows, tmp_path):
    out = tmp_path / "list.csv"
    call_command("incident_report", "--list", "--out", str(out), "--as", "agency_analyst", "--severity", "critical")
    assert [r[0] for r in _csv(out.read_bytes())[1:]] == [rows["b1"].reference]
