"""`vigil program-report`: writes the pre-meeting report as DOCX or XLSX, as the user named."""

import io

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from openpyxl import load_workbook

from vigil.core.models import AuditEntry

from .test_report_premeeting import build_world, days


@pytest.fixture
def world(net):
    return build_world(net)


def run(*args):
    out = io.StringIO()
    call_command("program_report", *args, stdout=out)
    return out.getvalue()


def test_cli_writes_the_docx_for_a_meeting(world, tmp_path):
    target = tmp_path / "bao-cao.docx"
    out = run("--meeting", str(world.target.pk), "--output", str(target), "--as", "office_staff")
    assert "1 nhiệm vụ quá hạn" in out and str(target) in out
    doc = Document(str(target))
    text = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "Rà soát hệ thống thông tin (tỉnh A)" in text and "Xây dựng quy chế phối hợp" in text
    entry = AuditEntry.objects.get(action="export")
    assert entry.channel == "cli" and entry.actor == world.net.users["office_staff"]
    assert entry.after["format"] == "docx"


def test_cli_writes_the_xlsx_for_a_unit_and_period_in_english(world, tmp_path):
    target = tmp_path / "report.xlsx"
    run("--unit", "tinh-b", "--since", days(-60).isoformat(), "--output", str(target), "--lang", "en",
        "--as", "b_analyst")
    wb = load_workbook(str(target))
    done = [r[1] for r in wb["Done"].iter_rows(min_row=2, values_only=True)]
    assert sorted(done) == ["Rà soát hệ thống thông tin (tỉnh B)", "Việc riêng của tỉnh B"]
    cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
    assert not [c for c in cells if "tỉnh A" in c or "Province A" in c]


def test_cli_errors_name_the_field_and_write_nothing(world, tmp_path):
    target = tmp_path / "x.docx"
    with pytest.raises(CommandError) as exc:
        run("--unit", "khong-co", "--output", str(target), "--as", "office_staff")
    assert "unit" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("--unit", "bcd-qg", "--since", "hôm qua", "--output", str(target), "--as", "office_staff")
    assert "since" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("--meeting", str(world.target.pk), "--output", str(tmp_path / "x.pdf"), "--as", "office_staff")
    assert "--format" in str(exc.value)
    with pytest.raises(CommandError):
        run("--meeting", str(world.target.pk), "--output", str(target), "--as", "a_dept")  # no export right
    with pytest.raises(CommandError):
        run("--meeting", str(world.target.pk), "--output", str(target))  # who?
    assert not target.exists()
    assert not AuditEntry.objects.filter(action="export").exists()


def test_vigil_front_runs_it_as_program_report(world, tmp_path, capsys):
    from vigil.cli import help_text, main

    assert "program report" in help_text()
    target = tmp_path / "r.docx"
    main(["vigil", "program", "report", "--meeting", str(world.target.pk), "--output", str(target), "--as", "office_staff"])
    assert target.exists() and Document(str(target)).tables[0].cell(0, 1).paragraphs[0].text
