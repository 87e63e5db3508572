"""The pre-meeting report's DOCX and XLSX files hold exactly the right tasks in the right
sections, for the user asking, in Vietnamese and in English; each export is audited."""

import datetime as dt
import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied
from vigil.core.models import AuditEntry
from vigil.program.documents import exports

from .test_report_premeeting import TODAY, build_world, days


@pytest.fixture
def world(net):
    return build_world(net)


def export(user, fmt, lang="vi", **params):
    return exports.premeeting_export(actor=Actor(user=user, channel="web"), fmt=fmt, language=lang, **params)


def docx_text(content: bytes) -> tuple[Document, str]:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return doc, "\n".join(parts)


def section_between(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end)]


def table_after(doc: Document, heading: str):
    """The first table that follows the paragraph `heading` in the body."""
    body = doc.element.body
    seen = False
    for child in body.iterchildren():
        if child.tag == qn("w:p") and "".join(t.text or "" for t in child.iter(qn("w:t"))).strip() == heading:
            seen = True
        elif seen and child.tag == qn("w:tbl"):
            from docx.table import Table

            return Table(child, doc)
    raise AssertionError(f"no table after {heading!r}")


# --------------------------------------------------------------------------- DOCX


def test_docx_puts_each_task_in_its_section(world):
    produced = export(world.net.users["office_staff"], "docx", meeting=world.target)
    assert produced.filename == f"bao-cao-phien-hop_bcd-qg_{TODAY:%Y%m%d}.docx"
    doc, text = docx_text(produced.content)
    header = doc.tables[0]
    assert header.cell(0, 0).paragraphs[1].text == "VĂN PHÒNG BAN CHỈ ĐẠO"  # the office reports
    assert header.cell(0, 0).paragraphs[0].text == "BAN CHỈ ĐẠO QUỐC GIA"
    assert "Tình hình thực hiện kết luận, nhiệm vụ từ ngày" in text

    conclusions = table_after(doc, "I. KẾT LUẬN PHIÊN HỌP TRƯỚC VÀ NHIỆM VỤ ĐÃ GIAO")
    rows = [[c.text for c in r.cells] for r in conclusions.rows]
    assert rows[1][0].startswith("Phiên họp thứ nhất") and "12/TB-BCĐ" in rows[1][0]
    assert rows[2][:4] == ["1", world.c_provinces.text, "Rà soát hệ thống thông tin", "Ban Chỉ đạo quốc gia"]
    assert "2 đơn vị" in rows[2][5] and "1 quá hạn" in rows[2][5]
    assert rows[3][2] == "Xây dựng quy chế phối hợp" and rows[3][5] == "Hoàn thành quá hạn"
    assert rows[4][:3] == ["3", world.c_office.text, "Chưa giao nhiệm vụ"]
    assert "Kết luận cũ không thuộc kỳ" not in text

    done = table_after(doc, "II. NHIỆM VỤ ĐÃ HOÀN THÀNH TRONG KỲ")
    done_rows = [[c.text for c in r.cells] for r in done.rows][1:]
    assert [r[1] for r in done_rows if r[0] != r[1]] == [
        "Rà soát hệ thống thông tin (tỉnh B)", "Xây dựng quy chế phối hợp",
    ]
    group_rows = [r[0] for r in done_rows if r[0] == r[-1]]
    assert group_rows == ["Tỉnh B (1)", "Bộ X (1)"]
    ministry = done_rows[-1]
    assert ministry[4] == "Hoàn thành quá hạn"
    assert ministry[5] == "Văn bản: Quy chế phối hợp ứng cứu sự cố"
    assert ministry[6] == "Đã ban hành Quy chế số 5/QC-BX" and ministry[7] == "3"

    overdue = table_after(doc, "1. Nhiệm vụ quá hạn")
    overdue_rows = [[c.text for c in r.cells] for r in overdue.rows][1:]
    assert overdue_rows == [[
        "1", "Rà soát hệ thống thông tin (tỉnh A)", "Tỉnh A", "Phạm Thị A", world.child_a.due_date.strftime("%d/%m/%Y"),
        "10", "40%",
    ]]
    late = table_after(doc, "2. Nhiệm vụ giao nhiều đơn vị: các đơn vị chậm")
    assert [c.text for c in late.rows[1].cells][1:4] == [
        "Rà soát hệ thống thông tin", world.parent.due_date.strftime("%d/%m/%Y"), "1/2",
    ]
    assert late.rows[1].cells[4].text == "Tỉnh A (quá hạn 10 ngày, tiến độ 40%)"

    summary = table_after(doc, "IV. SỐ LIỆU TỔNG HỢP")
    figures = {r.cells[0].text: (r.cells[1].text, r.cells[2].text) for r in summary.rows[1:]}
    assert figures["Tổng số nhiệm vụ theo dõi trong kỳ"] == ("5", "")
    assert figures["Hoàn thành đúng hạn"] == ("1", "20.0%")
    assert figures["Chậm (hoàn thành quá hạn và đang quá hạn)"] == ("2", "40.0%")
    assert figures["Đề nghị gia hạn đang chờ quyết định"] == ("1", "")
    units = table_after(doc, "1. Đơn vị có nhiều nhiệm vụ quá hạn nhất")
    assert [c.text for c in units.rows[1].cells] == ["1", "Tỉnh A", "1"]
    extensions = table_after(doc, "2. Đề nghị gia hạn đang chờ quyết định")
    assert extensions.rows[1].cells[5].text == "Cần thêm thời gian rà soát"
    # Never in the national committee's own report: the provinces' internal work, work
    # done before the period, cancelled work.
    for absent in ("Việc riêng của tỉnh A", "Việc riêng của tỉnh B", "Nhiệm vụ đã xong từ kỳ trước",
                   "Nhiệm vụ đã huỷ"):
        assert absent not in text
    assert doc.tables[-1].cell(0, 0).paragraphs[0].text == "Nơi nhận:"


def test_sibling_provinces_docx_holds_nothing_of_the_other_province(world):
    b = world.net.users["b_analyst"]
    _doc, text = docx_text(export(b, "docx", unit=world.net.units["prov_b"], since=days(-60)).content)
    assert "Việc riêng của tỉnh B" in text and "Rà soát hệ thống thông tin (tỉnh B)" in text
    for leaked in ("tỉnh A", "Tỉnh A", "Cần thêm thời gian rà soát", "Phạm Thị A"):
        assert leaked not in text
    _doc, national = docx_text(export(b, "docx", unit=world.net.units["national"], since=days(-60)).content)
    assert "Rà soát hệ thống thông tin (tỉnh B)" in national
    for leaked in ("(tỉnh A)", "Tỉnh A", "Xây dựng quy chế phối hợp", "Phiên họp thứ nhất"):
        assert leaked not in national


def test_english_docx_translates_labels_and_unit_names(world):
    _doc, text = docx_text(export(world.net.users["office_staff"], "docx", lang="en", meeting=world.target).content)
    assert "SOCIALIST REPUBLIC OF VIET NAM" in text and "Recipients:" in text
    assert "I. CONCLUSIONS OF THE PREVIOUS MEETING AND THE TASKS ASSIGNED" in text
    assert "Province A (10 days late, progress 40%)" in text
    assert "Done late" in text or "Completed late" in text
    assert "CỘNG HÒA" not in text and "Tỉnh A" not in text


# --------------------------------------------------------------------------- XLSX


def test_xlsx_has_one_sheet_per_section_with_real_dates_and_status_colours(world):
    produced = export(world.net.users["office_staff"], "xlsx", meeting=world.target)
    wb = load_workbook(io.BytesIO(produced.content))
    assert wb.sheetnames == [
        "Tổng hợp", "Kết luận", "Đã hoàn thành", "Quá hạn", "Đơn vị chậm", "Quá hạn theo đơn vị",
        "Đề nghị gia hạn chờ quyết định",
    ]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1] if c.value)
        assert ws.column_dimensions["A"].width >= 6

    done = wb["Đã hoàn thành"]
    rows = list(done.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[5]) for r in rows] == [
        ("Rà soát hệ thống thông tin (tỉnh B)", "Tỉnh B", "Hoàn thành đúng hạn"),
        ("Xây dựng quy chế phối hợp", "Bộ X", "Hoàn thành quá hạn"),
    ]
    assert isinstance(done["D2"].value, dt.datetime) and done["D2"].number_format == "DD/MM/YYYY"
    assert done["E3"].value.date() == days(-5)
    assert done["F2"].fill.fgColor.rgb.endswith("D1E7DD") and done["F3"].fill.fgColor.rgb.endswith("FFF3CD")
    assert rows[1][8] == "Đã ban hành Quy chế số 5/QC-BX" and rows[1][10] == 3

    overdue = list(wb["Quá hạn"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[5], r[6]) for r in overdue] == [("Rà soát hệ thống thông tin (tỉnh A)", "Tỉnh A", 10, 0.4)]
    assert wb["Quá hạn"]["I2"].fill.fgColor.rgb.endswith("F8D7DA")

    conclusions = list(wb["Kết luận"].iter_rows(min_row=2, values_only=True))
    assert [(r[3], r[5]) for r in conclusions] == [
        (1, "Rà soát hệ thống thông tin"), (2, "Xây dựng quy chế phối hợp"), (3, "Chưa giao nhiệm vụ"),
    ]
    late = list(wb["Đơn vị chậm"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[3], r[4], r[5]) for r in late] == [("Rà soát hệ thống thông tin", 2, "Tỉnh A", 10)]
    summary = {r[0]: r[1:] for r in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert summary["Tổng số nhiệm vụ theo dõi trong kỳ"][0] == 5
    assert summary["Hoàn thành đúng hạn"] == (1, 0.2)
    assert summary["Từ ngày"][0].date() == days(-60)
    assert [r[:2] for r in wb["Quá hạn theo đơn vị"].iter_rows(min_row=2, values_only=True)] == [("Tỉnh A", 1)]
    ext = list(wb["Đề nghị gia hạn chờ quyết định"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[5]) for r in ext] == [("Rà soát hệ thống thông tin (tỉnh A)", "Cần thêm thời gian rà soát")]


def test_sibling_provinces_xlsx_holds_nothing_of_the_other_province(world):
    produced = export(world.net.users["b_analyst"], "xlsx", unit=world.net.units["national"], since=days(-60))
    wb = load_workbook(io.BytesIO(produced.content))
    cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert "Rà soát hệ thống thông tin (tỉnh B)" in cells
    assert not [c for c in cells if "tỉnh A" in c or "Tỉnh A" in c or "quy chế" in c]


def test_english_xlsx_names_its_sheets_in_english(world):
    wb = load_workbook(io.BytesIO(export(world.net.users["office_staff"], "xlsx", lang="en", meeting=world.target).content))
    assert wb.sheetnames[:4] == ["Summary", "Conclusions", "Done", "Overdue"]
    assert wb["Overdue"]["C2"].value == "Province A"


# --------------------------------------------------------------------------- audit and rights


def test_each_export_is_an_audit_entry_naming_format_count_and_query(world):
    office = world.net.users["office_staff"]
    before = AuditEntry.objects.filter(action="export").count()
    export(office, "docx", meeting=world.target)
    export(office, "xlsx", meeting=world.target)
    entries = list(AuditEntry.objects.filter(action="export").order_by("seq"))[before:]
    assert [e.after["format"] for e in entries] == ["docx", "xlsx"]
    entry = entries[0]
    assert entry.actor == office and entry.object_type == "program.task"
    assert entry.unit_id == world.net.units["national"].pk
    # parent, its two units' tasks, the ministry's task
    assert entry.after["count"] == 4
    assert entry.after["filters"]["meeting"] == world.target.pk
    assert entry.after["filters"]["since"] == days(-60).isoformat()


def test_roles_without_export_cannot_download(world):
    with pytest.raises(AccessDenied):
        export(world.net.users["a_dept"], "docx", unit=world.net.units["prov_a_dept"], since=days(-60))
    assert not AuditEntry.objects.filter(action="export", actor=world.net.users["a_dept"]).exists()
