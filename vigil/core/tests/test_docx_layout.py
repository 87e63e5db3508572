"""The administrative DOCX builder (Decree 30/2020/NĐ-CP layout), read back with python-docx."""

import datetime as dt
import io

import pytest
from django.utils import translation
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from vigil.core.documents.docx_layout import (
    AdministrativeDocument,
    GroupRow,
    Issuer,
    Signer,
    administrative_date,
)


def build(lang="vi", date=dt.date(2026, 1, 5)) -> Document:
    with translation.override(lang):
        doc = AdministrativeDocument(
            issuer=Issuer(name="Văn phòng Ban Chỉ đạo quốc gia", parent_name="Ban Chỉ đạo quốc gia", symbol="VPBCĐ"),
            kind_title="Báo cáo", kind_code="BC", summary="Tình hình thực hiện nhiệm vụ quý I", date=date,
        )
        doc.section("Kết quả thực hiện", 1)
        doc.heading("Nhiệm vụ đã hoàn thành", 1)
        doc.paragraph("Nội dung báo cáo.")
        doc.table(["STT", "Nhiệm vụ", "Đơn vị"], [GroupRow("Tỉnh A (1)"), ["1", "Rà soát\nhệ thống", "Tỉnh A"]],
                  widths_mm=[15, 100, 50], align=["c", "l", "l"])
        doc.closing(recipients=["Ban Chỉ đạo quốc gia (để báo cáo)", "Lưu: VT, VPBCĐ"],
                    signer=Signer(position="Chánh Văn phòng", name="Nguyễn Văn A", authority="TM. Văn phòng"))
        return Document(io.BytesIO(doc.to_bytes()))


def runs(paragraphs):
    return [r for p in paragraphs for r in p.runs if r.text.strip()]


def texts(cell):
    return [p.text for p in cell.paragraphs if p.text.strip()]


def test_page_is_a4_with_the_decree_margins():
    section = build().sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert 20 <= round(section.top_margin.mm) <= 25 and 20 <= round(section.bottom_margin.mm) <= 25
    assert 30 <= round(section.left_margin.mm) <= 35 and 15 <= round(section.right_margin.mm) <= 20


def test_text_is_times_new_roman_13_to_14_points():
    doc = build()
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "Times New Roman"
    every_run = runs(doc.paragraphs) + [
        r for t in doc.tables for row in t.rows for c in row.cells for r in runs(c.paragraphs)
    ]
    assert every_run and all(r.font.name == "Times New Roman" for r in every_run)
    body = [r for r in runs(doc.paragraphs)]
    assert all(Pt(13) <= r.font.size <= Pt(14) for r in body)


def test_header_names_the_issuer_left_and_the_national_name_and_motto_right():
    doc = build()
    header = doc.tables[0]
    assert len(header.rows) == 2 and len(header.columns) == 2
    borders = header._tbl.tblPr.find(qn("w:tblBorders"))
    assert {el.get(qn("w:val")) for el in borders} == {"nil"}
    left, right = header.cell(0, 0), header.cell(0, 1)
    assert texts(left) == ["BAN CHỈ ĐẠO QUỐC GIA", "VĂN PHÒNG BAN CHỈ ĐẠO QUỐC GIA"]
    parent_run, name_run = runs(left.paragraphs)
    assert not parent_run.bold and name_run.bold
    # The short line under the issuer's name.
    assert left.paragraphs[-1]._p.pPr.find(qn("w:pBdr")) is not None
    assert texts(right) == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    national, motto = runs(right.paragraphs)
    assert national.bold and motto.bold and motto.underline
    number, place_date = header.cell(1, 0), header.cell(1, 1)
    assert number.paragraphs[0].text.replace(" ", "") == "Số:/BC-VPBCĐ"
    assert place_date.paragraphs[0].text == "Hà Nội, ngày 05 tháng 01 năm 2026"
    assert place_date.paragraphs[0].runs[0].italic


def test_title_and_summary_are_bold_and_centred():
    doc = build()
    title, summary = [p for p in doc.paragraphs if p.text.strip()][:2]
    assert title.text == "BÁO CÁO" and summary.text == "Tình hình thực hiện nhiệm vụ quý I"
    for p in (title, summary):
        assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER and p.runs[0].bold


def test_body_has_numbered_sections_and_bordered_tables_with_repeated_headers():
    doc = build()
    body = [p.text for p in doc.paragraphs if p.text.strip()]
    assert "I. KẾT QUẢ THỰC HIỆN" in body and "1. Nhiệm vụ đã hoàn thành" in body
    table = doc.tables[1]
    assert table.style.name == "Table Grid"
    assert [c.text for c in table.rows[0].cells] == ["STT", "Nhiệm vụ", "Đơn vị"]
    assert all(r.bold and r.font.size == Pt(12) for r in runs(table.rows[0].cells[0].paragraphs))
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[1].cells[0].text == "Tỉnh A (1)" and table.rows[1].cells[2].text == "Tỉnh A (1)"  # merged
    assert table.rows[2].cells[1].text == "Rà soát\nhệ thống"
    assert round(table.columns[1].width.mm) == 100


def test_closing_has_the_recipients_left_and_the_signer_right():
    doc = build()
    closing = doc.tables[-1]
    left, right = closing.cell(0, 0), closing.cell(0, 1)
    title = left.paragraphs[0].runs[0]
    assert title.text == "Nơi nhận:" and title.bold and title.italic and title.font.size == Pt(12)
    items = left.paragraphs[1:]
    assert [p.text for p in items] == ["- Ban Chỉ đạo quốc gia (để báo cáo);", "- Lưu: VT, VPBCĐ."]
    assert all(p.runs[0].font.size == Pt(11) for p in items)
    assert texts(right) == ["TM. VĂN PHÒNG", "CHÁNH VĂN PHÒNG", "Nguyễn Văn A"]
    assert all(r.bold for r in runs(right.paragraphs))


def test_page_numbers_start_on_the_second_page():
    section = build().sections[0]
    assert section.different_first_page_header_footer
    instr = section.header.paragraphs[0]._p.xpath(".//w:instrText")
    assert instr and instr[0].text.strip() == "PAGE"


def test_english_version_translates_the_labels_and_keeps_the_layout():
    doc = build("en", date=dt.date(2026, 3, 5))
    header = doc.tables[0]
    assert texts(header.cell(0, 1)) == ["SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness"]
    assert header.cell(1, 0).paragraphs[0].text.startswith("No.:")
    assert header.cell(1, 1).paragraphs[0].text == "Hanoi, 5 March 2026"
    assert doc.tables[-1].cell(0, 0).paragraphs[0].text == "Recipients:"
    assert round(doc.sections[0].left_margin.mm) == 30


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (dt.date(2026, 1, 5), "Hà Nội, ngày 05 tháng 01 năm 2026"),
        (dt.date(2026, 2, 28), "Hà Nội, ngày 28 tháng 02 năm 2026"),
        (dt.date(2026, 3, 9), "Hà Nội, ngày 09 tháng 3 năm 2026"),
        (dt.date(2026, 12, 31), "Hà Nội, ngày 31 tháng 12 năm 2026"),
    ],
)
def test_dates_take_a_leading_zero_for_days_below_ten_and_months_one_and_two(date, expected):
    assert administrative_date("Hà Nội", date, "vi") == expected
