"""A DOCX document in the Vietnamese administrative layout (Decree 30/2020/NĐ-CP,
Appendix I): A4, margins 20 / 20 / 30 / 15 mm, Times New Roman; the header with the
issuing body on the left and the national name and motto on the right; the number and
symbol, place and date; the document kind and its summary (trích yếu); numbered body
sections and tables; the recipients ("Nơi nhận") and the signer at the end; page numbers
at the top centre from the second page on.

Reusable by any module that issues a document (pre-meeting reports, incident reports):

    doc = AdministrativeDocument(
        issuer=Issuer(name="Văn phòng Ban Chỉ đạo quốc gia", parent_name="Ban Chỉ đạo quốc gia",
                      symbol="VPBCĐ"),
        kind_title=_("BÁO CÁO"), kind_code="BC", summary="Tình hình thực hiện …", date=today,
    )
    doc.section(_("KẾT QUẢ THỰC HIỆN"), number=1)
    doc.paragraph("…")
    doc.table([_("STT"), _("Nội dung")], [["1", "…"]], widths_mm=[12, 150])
    doc.closing(recipients=["Như trên", "Lưu: VT"], signer=Signer(position="Chánh Văn phòng", name="…"))
    data = doc.to_bytes()

Labels ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số:", "Nơi nhận:" …) are translated in the
active language; build inside `translation.override(lang)` for an English version (the
layout does not change).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from vigil.core.xmltext import xml_safe

FONT = "Times New Roman"
# Sizes in points (Decree 30, Appendix I).
BODY_PT = 14
HEADER_PT = 13
TABLE_PT = 12
RECIPIENTS_TITLE_PT = 12
RECIPIENTS_PT = 11
# Margins in millimetres: top, bottom, left, right (Decree 30: 20-25, 20-25, 30-35, 15-20).
MARGINS_MM = (20, 20, 30, 15)
PAGE_MM = (210, 297)
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM[2] - MARGINS_MM[3]
HEADER_WIDTHS_MM = (68, TEXT_WIDTH_MM - 68)

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
MONTHS_EN = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]


@dataclass(frozen=True)
class Issuer:
    """The issuing body: its name, the body it belongs to (cơ quan chủ quản, may be
    empty), and its abbreviation in the document symbol ("VPBCĐ" in "Số: …/BC-VPBCĐ")."""

    name: str
    parent_name: str = ""
    symbol: str = ""


@dataclass(frozen=True)
class Signer:
    """Who signs: `authority` ("TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN"; may be empty), the
    position ("Chánh Văn phòng") and the name (empty on a draft to be completed)."""

    position: str
    name: str = ""
    authority: str = ""


@dataclass(frozen=True)
class GroupRow:
    """A table row spanning all columns (a group heading inside a table)."""

    text: str


def administrative_date(place: str, date: dt.date, language: str | None = None) -> str:
    """'Hà Nội, ngày 05 tháng 01 năm 2026': days below 10 and months 1 and 2 take a
    leading zero (Decree 30, Appendix I, II.5). In English: 'Hanoi, 5 January 2026'."""
    language = language or get_language() or "vi"
    if language.startswith("en"):
        return f"{place}, {date.day} {MONTHS_EN[date.month - 1]} {date.year}"
    day = f"{date.day:02d}"
    month = f"{date.month:02d}" if date.month <= 2 else str(date.month)
    return f"{place}, ngày {day} tháng {month} năm {date.year}"


def short_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


# --------------------------------------------------------------------------- low-level XML


def _set_run_font(run, *, size: float | None = None, bold=None, italic=None, underline=None) -> None:
    run.font.name = FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    if size is not None:
        run.font.size = Pt(size)
    # Only what is switched on is written: a run inherits "off" from the style.
    if bold:
        run.font.bold = True
    if italic:
        run.font.italic = True
    if underline:
        run.font.underline = True


def _bottom_border(paragraph) -> None:
    """A solid line under the paragraph (its width follows the paragraph's indents)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    ppr.append(borders)


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _fixed_widths(table, widths_mm) -> None:
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    for i, width in enumerate(widths_mm):
        table.columns[i].width = Mm(width)
        for cell in table.columns[i].cells:
            cell.width = Mm(width)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def add_run(paragraph, text):
    """The one way text enters the document: a run of `text` without the characters XML
    forbids (a control character in a comment must not break the report for everyone)."""
    return paragraph.add_run(xml_safe(str(text)))


def _page_number_field(paragraph) -> None:
    run = paragraph.add_run()
    _set_run_font(run, size=BODY_PT)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._element.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)


# --------------------------------------------------------------------------- the document


class AdministrativeDocument:
    """One administrative document, built top to bottom: the header on creation, then
    body sections, paragraphs and tables, then `closing()`, then `to_bytes()`."""

    def __init__(
        self,
        *,
        issuer: Issuer,
        kind_title: str,
        kind_code: str,
        summary: str,
        date: dt.date,
        place: str | None = None,
        number: str = "",
        language: str | None = None,
    ):
        self.language = language or get_language() or "vi"
        self.doc = Document()
        self._setup_page()
        self._setup_styles()
        self._header(issuer, kind_code, number, place or _("Hà Nội"), date)
        self._title(kind_title, summary)
        self.doc.core_properties.title = xml_safe(f"{kind_title}: {summary}")[:250]
        self.doc.core_properties.author = xml_safe(issuer.name)[:250]
        self.doc.core_properties.language = "en-GB" if self.language.startswith("en") else "vi-VN"

    # ---- setup

    def _setup_page(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        top, bottom, left, right = MARGINS_MM
        section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
        section.left_margin, section.right_margin = Mm(left), Mm(right)
        section.header_distance = Mm(10)
        # Page numbers: top centre, not on the first page.
        section.different_first_page_header_footer = True
        header_p = section.header.paragraphs[0]
        header_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_number_field(header_p)

    def _setup_styles(self) -> None:
        lang = "en-GB" if self.language.startswith("en") else "vi-VN"
        for name in ("Normal", "Table Grid", "Header", "Footer"):
            try:
                style = self.doc.styles[name]
            except KeyError:  # pragma: no cover - every default template has them
                continue
            style.font.name = FONT
            rpr = style.element.get_or_add_rPr()
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is None:
                fonts = OxmlElement("w:rFonts")
                rpr.insert(0, fonts)
            for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
                fonts.set(qn(attr), FONT)
            lang_el = OxmlElement("w:lang")
            lang_el.set(qn("w:val"), lang)
            rpr.append(lang_el)
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(BODY_PT)
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE

    def _para(self, container, text="", *, size=BODY_PT, bold=False, italic=False, underline=False,
              align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0, space_before=0):
        p = container.add_paragraph() if container is not None else self.doc.add_paragraph()
        p.alignment = align
        p.paragraph_format.space_after = Pt(space_after)
        p.paragraph_format.space_before = Pt(space_before)
        if text:
            run = add_run(p, text)
            _set_run_font(run, size=size, bold=bold, italic=italic, underline=underline)
        return p

    def _header(self, issuer: Issuer, kind_code: str, number: str, place: str, date: dt.date) -> None:
        table = self.doc.add_table(rows=2, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _no_borders(table)
        _fixed_widths(table, HEADER_WIDTHS_MM)
        left, right = table.cell(0, 0), table.cell(0, 1)
        left.paragraphs[0]._p.getparent().remove(left.paragraphs[0]._p)
        right.paragraphs[0]._p.getparent().remove(right.paragraphs[0]._p)
        if issuer.parent_name:
            self._para(left, issuer.parent_name.upper(), size=HEADER_PT)
        self._para(left, issuer.name.upper(), size=HEADER_PT, bold=True)
        line = self._para(left, "", size=6)
        # A short line under the name: a third of the column, centred.
        line.paragraph_format.left_indent = Mm(HEADER_WIDTHS_MM[0] / 3)
        line.paragraph_format.right_indent = Mm(HEADER_WIDTHS_MM[0] / 3)
        _bottom_border(line)
        self._para(right, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), size=HEADER_PT, bold=True)
        self._para(right, _("Độc lập - Tự do - Hạnh phúc"), size=BODY_PT, bold=True, underline=True)
        number_cell, date_cell = table.cell(1, 0), table.cell(1, 1)
        symbol = f"{kind_code}-{issuer.symbol}" if issuer.symbol else kind_code
        label = _("Số:")
        number_text = f"{label} {number or ' ' * 6}/{symbol}"
        number_cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        number_cell.paragraphs[0].paragraph_format.space_before = Pt(6)
        _set_run_font(add_run(number_cell.paragraphs[0], number_text), size=HEADER_PT)
        date_cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        date_cell.paragraphs[0].paragraph_format.space_before = Pt(6)
        _set_run_font(
            add_run(date_cell.paragraphs[0], administrative_date(place, date, self.language)),
            size=BODY_PT, italic=True,
        )
        self.header_table = table

    def _title(self, kind_title: str, summary: str) -> None:
        self._para(None, kind_title.upper(), bold=True, space_before=18)
        p = self._para(None, summary, bold=True)
        line = self._para(None, "", size=6, space_after=12)
        line.paragraph_format.left_indent = Mm(TEXT_WIDTH_MM * 0.35)
        line.paragraph_format.right_indent = Mm(TEXT_WIDTH_MM * 0.35)
        _bottom_border(line)
        self.summary_paragraph = p

    # ---- body

    def section(self, text: str, number: int | None = None):
        """A top-level heading: 'I. TEXT' (bold, upper case)."""
        label = f"{ROMAN[number - 1]}. " if number else ""
        return self._body_para(f"{label}{text.upper()}", bold=True, indent=True, space_before=6)

    def heading(self, text: str, number: str | int | None = None, *, italic: bool = False):
        """A second-level heading: '1. Text' (bold)."""
        label = f"{number}. " if number is not None else ""
        return self._body_para(f"{label}{text}", bold=True, italic=italic, indent=True)

    def paragraph(self, text: str, *, bold: bool = False, italic: bool = False, indent: bool = True):
        """A body paragraph: justified, first line indented 1.27 cm, 6 pt after."""
        return self._body_para(text, bold=bold, italic=italic, indent=indent)

    def bullet(self, text: str):
        """A '- text' line, as administrative documents list items."""
        return self._body_para(f"- {text}", indent=True)

    def _body_para(self, text, *, bold=False, italic=False, indent=True, space_before=0):
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt = p.paragraph_format
        fmt.first_line_indent = Cm(1.27) if indent else None
        fmt.space_after = Pt(6)
        fmt.space_before = Pt(space_before)
        fmt.line_spacing = 1.15
        run = add_run(p, text)
        _set_run_font(run, size=BODY_PT, bold=bold, italic=italic)
        return p

    def table(self, headers: list[str], rows: list, *, widths_mm: list[float] | None = None,
              align: list[str] | None = None, font_pt: float = TABLE_PT):
        """A bordered table: a bold header row repeated on each page, then `rows` (lists
        of strings, or GroupRow for a heading row spanning every column). `align` gives
        'l', 'c' or 'r' per column (default: left)."""
        cols = len(headers)
        widths_mm = widths_mm or [TEXT_WIDTH_MM / cols] * cols
        align = align or ["l"] * cols
        alignments = {"l": WD_ALIGN_PARAGRAPH.LEFT, "c": WD_ALIGN_PARAGRAPH.CENTER, "r": WD_ALIGN_PARAGRAPH.RIGHT}
        table = self.doc.add_table(rows=1, cols=cols)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for i, text in enumerate(headers):
            cell = table.rows[0].cells[i]
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_run_font(add_run(p, str(text)), size=font_pt, bold=True)
        _repeat_header(table.rows[0])
        for row in rows:
            cells = table.add_row().cells
            if isinstance(row, GroupRow):
                merged = cells[0].merge(cells[-1])
                p = merged.paragraphs[0]
                _set_run_font(add_run(p, row.text), size=font_pt, bold=True)
                continue
            for i, value in enumerate(row):
                p = cells[i].paragraphs[0]
                p.alignment = alignments.get(align[i], WD_ALIGN_PARAGRAPH.LEFT)
                lines = str(value if value is not None else "").split("\n")
                for n, line in enumerate(lines):
                    run = add_run(p, line)
                    _set_run_font(run, size=font_pt)
                    if n < len(lines) - 1:
                        run.add_break()
        _fixed_widths(table, widths_mm)
        # A little air after a table, before the next paragraph.
        spacer = self.doc.add_paragraph()
        spacer.paragraph_format.space_after = Pt(6)
        return table

    # ---- end

    def closing(self, *, recipients: list[str], signer: Signer) -> None:
        """The recipients ("Nơi nhận:", bold italic 12 pt; each line 11 pt, '- …;' and
        the last one ending with '.') on the left, the signer on the right."""
        table = self.doc.add_table(rows=1, cols=2)
        _no_borders(table)
        _fixed_widths(table, (TEXT_WIDTH_MM * 0.45, TEXT_WIDTH_MM * 0.55))
        left, right = table.cell(0, 0), table.cell(0, 1)
        p = left.paragraphs[0]
        p.paragraph_format.space_before = Pt(12)
        _set_run_font(add_run(p, _("Nơi nhận:")), size=RECIPIENTS_TITLE_PT, bold=True, italic=True)
        for i, text in enumerate(recipients):
            end = "." if i == len(recipients) - 1 else ";"
            text = text.rstrip(".;")
            self._para(left, f"- {text}{end}", size=RECIPIENTS_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
        first = right.paragraphs[0]
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        first.paragraph_format.space_before = Pt(12)
        if signer.authority:
            _set_run_font(add_run(first, signer.authority.upper()), size=BODY_PT, bold=True)
            self._para(right, signer.position.upper(), size=BODY_PT, bold=True)
        else:
            _set_run_font(add_run(first, signer.position.upper()), size=BODY_PT, bold=True)
        # Room for the signature and the seal.
        for _i in range(4):
            self._para(right, "")
        self._para(right, signer.name, size=BODY_PT, bold=True)
        self.closing_table = table

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()
