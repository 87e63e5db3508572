"""The pre-meeting report as an XLSX workbook: one sheet per section, each with a bold
header row, frozen panes, column widths and an autofilter; dates are real dates
(dd/mm/yyyy), a task's status is its label with a fill colour."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from vigil.core import exports
from vigil.core.documents.docx_layout import short_date

from .. import status as st
from .premeeting import PreMeetingReport

DATE_FORMAT = "DD/MM/YYYY"
# Fill colours per status (the Bootstrap colours of status.STATUS_COLOURS, lightened for print).
STATUS_FILLS = {
    st.NOT_STARTED: "E2E3E5",
    st.IN_PROGRESS: "CFE2FF",
    st.DONE_ON_TIME: "D1E7DD",
    st.DONE_LATE: "FFF3CD",
    st.OVERDUE: "F8D7DA",
    st.CANCELLED: "F8F9FA",
}
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAP = Alignment(wrap_text=True, vertical="top")


def _sheet(wb, title: str, columns: list[tuple[str, int]], rows: list[list], *, status_col: int | None = None,
           status_codes: list[str | None] | None = None):
    """A sheet with `columns` ((header, width) pairs) and `rows`; `status_codes[i]` gives
    the status of row i, whose `status_col` cell is filled with its colour."""
    ws = wb.create_sheet(title=title[:31])
    ws.append(exports.xlsx_row(ws, [h for h, _w in columns]))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for i, (_h, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for r, row in enumerate(rows, start=2):
        ws.append(exports.xlsx_row(ws, row))  # XML-safe, no formula, text typed as text
        for cell in ws[r]:
            if hasattr(cell.value, "year"):
                cell.number_format = DATE_FORMAT
            cell.alignment = WRAP
        if status_col is not None and status_codes and status_codes[r - 2]:
            ws.cell(row=r, column=status_col).fill = PatternFill(
                "solid", fgColor=STATUS_FILLS.get(status_codes[r - 2], "FFFFFF")
            )
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    return ws


def render_xlsx(report: PreMeetingReport) -> bytes:
    """The report as XLSX bytes, in the language active now."""
    wb = Workbook()
    wb.remove(wb.active)
    s = report.summary

    # Summary first: what someone opening the file wants to see.
    info = [
        [_("Đơn vị"), report.body_unit.display_name],
        [_("Từ ngày"), report.since],
        [_("Đến ngày"), report.until],
    ]
    if report.meeting is not None:
        info.append([pgettext("field", "Phiên họp"), f"{report.meeting.title} ({short_date(report.meeting.held_on)})"])
    if report.previous_meeting is not None:
        info.append([_("Phiên họp trước"), f"{report.previous_meeting.title} ({short_date(report.previous_meeting.held_on)})"])
    rows = info + [[]] + [
        [label, count, (pct / 100.0) if pct is not None else None] for label, count, pct in s.rows()
    ]
    ws = _sheet(wb, _("Tổng hợp"), [(pgettext("summary", "Chỉ tiêu"), 55), (_("Giá trị"), 30), (_("Tỷ lệ"), 12)], rows)
    for row in ws.iter_rows(min_row=len(info) + 3, min_col=3, max_col=3):
        for cell in row:
            cell.number_format = "0.0%"
    ws.auto_filter.ref = None

    # 1. Conclusions and their tasks.
    rows, codes = [], []
    for block in report.meetings:
        for c in block.conclusions:
            tasks = c.tasks or [None]
            for t in tasks:
                rows.append([
                    block.title, block.held_on, block.notice_number, c.number, c.text,
                    t.title if t else _("Chưa giao nhiệm vụ"), t.lead_unit if t else None,
                    t.due_date if t else None, t.status_label if t else None,
                    t.children_summary if t else None,
                ])
                codes.append(t.status if t else None)
    _sheet(wb, _("Kết luận"), [
        (_("Phiên họp"), 30), (_("Ngày họp"), 12), (_("Số thông báo"), 14), (_("Mục"), 6),
        (_("Nội dung kết luận"), 50), (_("Nhiệm vụ"), 40), (_("Đơn vị chủ trì"), 28), (_("Hạn"), 12),
        (_("Tình trạng"), 20), (_("Các đơn vị thực hiện"), 40),
    ], rows, status_col=9, status_codes=codes)

    # 2. Done.
    rows, codes = [], []
    for group in report.done:
        for t in group.tasks:
            rows.append([
                t.id, t.title, group.unit, t.due_date, t.completed_on, t.status_label, t.product,
                t.product_description, t.latest_report, t.latest_report_on, t.evidence_count,
            ])
            codes.append(t.status)
    _sheet(wb, _("Đã hoàn thành"), [
        (_("Mã nhiệm vụ"), 8), (_("Nhiệm vụ"), 40), (_("Đơn vị chủ trì"), 28), (_("Hạn"), 12), (_("Hoàn thành"), 12),
        (_("Tình trạng"), 20), (_("Sản phẩm"), 14), (_("Mô tả sản phẩm"), 30), (_("Kết quả báo cáo gần nhất"), 50),
        (_("Ngày báo cáo"), 12), (_("Minh chứng"), 10),
    ], rows, status_col=6, status_codes=codes)

    # 3. Overdue, and the late units of tasks assigned to many units.
    rows = [
        [t.id, t.title, t.lead_unit, t.assignee, t.due_date, t.days_late, t.progress / 100.0,
         t.latest_report_on, t.status_label]
        for t in report.overdue
    ]
    ws = _sheet(wb, _("Quá hạn"), [
        (_("Mã nhiệm vụ"), 8), (_("Nhiệm vụ"), 40), (_("Đơn vị chủ trì"), 28), (_("Người được giao"), 24), (_("Hạn"), 12),
        (_("Số ngày quá hạn"), 10), (_("Tiến độ"), 10), (_("Báo cáo gần nhất"), 12), (_("Tình trạng"), 14),
    ], rows, status_col=9, status_codes=[t.status for t in report.overdue])
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=7):
        for cell in row:
            cell.number_format = "0%"
    rows = []
    for p in report.late_parents:
        for c in p.late:
            rows.append([p.task.id, p.task.title, p.task.due_date, p.unit_count, c.lead_unit, c.days_late,
                         c.progress / 100.0])
    ws = _sheet(wb, _("Đơn vị chậm"), [
        (_("Mã nhiệm vụ"), 8), (_("Nhiệm vụ"), 40), (_("Hạn"), 12), (_("Số đơn vị được giao"), 12),
        (_("Đơn vị chậm"), 30), (_("Số ngày quá hạn"), 10), (_("Tiến độ"), 10),
    ], rows)
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=7):
        for cell in row:
            cell.number_format = "0%"

    # 4. Overdue by unit, pending extension requests.
    _sheet(wb, _("Quá hạn theo đơn vị"), [(_("Đơn vị"), 40), (_("Số nhiệm vụ quá hạn"), 14)],
           [[u.unit, u.count] for u in s.overdue_by_unit])
    _sheet(wb, pgettext("sheet", "Đề nghị gia hạn chờ quyết định"), [
        (_("Mã nhiệm vụ"), 8), (_("Nhiệm vụ"), 40), (_("Đơn vị chủ trì"), 28), (_("Hạn hiện tại"), 12),
        (_("Hạn đề nghị"), 12), (_("Lý do"), 40), (_("Ngày đề nghị"), 12),
    ], [[e.task_id, e.task_title, e.lead_unit, e.old_due_date, e.new_due_date, e.reason, e.requested_on]
        for e in report.extensions])
    wb.properties.title = report.summary_line[:250]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
