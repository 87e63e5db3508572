"""The pre-meeting report as a DOCX in the administrative layout (see vigil.core.documents.docx_layout)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from vigil.core.documents.charts import bar_chart
from vigil.core.documents.docx_layout import (
    AdministrativeDocument,
    GroupRow,
    Issuer,
    Signer,
    short_date,
)
from vigil.core.selectors.charts import STATUS_COLOURS

from ..status import CANCELLED, STATUS_CHOICES
from .premeeting import PreMeetingReport, Summary

DASH = "—"


def document_symbol(unit) -> str:
    """The issuer's abbreviation in the symbol: its short name without spaces ('VP BCĐ'
    → 'VPBCĐ'), or its code in capitals."""
    if unit.short_name:
        return "".join(unit.short_name.split()).upper()
    return unit.code.upper()


def _conclusion_rows(report: PreMeetingReport) -> list:
    rows: list = []
    for block in report.meetings:
        notice = ""
        if block.notice_number:
            notice = _("Thông báo kết luận số %(n)s ngày %(d)s") % {
                "n": block.notice_number, "d": short_date(block.notice_date),
            }
        title = f"{block.title} ({short_date(block.held_on)})" + (f" — {notice}" if notice else "")
        rows.append(GroupRow(title))
        if not block.conclusions:
            rows.append(["", _("Chưa ghi nhận kết luận của phiên họp."), "", "", "", ""])
        for c in block.conclusions:
            if not c.tasks:
                rows.append([str(c.number), c.text, _("Chưa giao nhiệm vụ"), "", "", ""])
                continue
            for i, t in enumerate(c.tasks):
                status = t.status_label
                if t.children:
                    status = f"{status}\n({t.children_summary})"
                rows.append([
                    str(c.number) if i == 0 else "", c.text if i == 0 else "", t.title, t.lead_unit,
                    short_date(t.due_date), status,
                ])
    return rows


def _status_chart(doc: AdministrativeDocument, s: Summary) -> None:
    """The tasks followed in the period by status, as a bar chart (the summary's figures)."""
    if not s.total:
        return
    doc.paragraph(_("Biểu đồ: tình trạng các nhiệm vụ theo dõi trong kỳ"), bold=True, indent=False)
    bar_chart(
        doc, [_("Tình trạng"), _("Biểu đồ"), _("Số lượng (tỷ lệ)")],
        [(str(label), s.count(status), f"{s.count(status)} ({s.percent(status):.1f}%)", STATUS_COLOURS[status])
         for status, label in STATUS_CHOICES if status != CANCELLED],
    )


def render_docx(report: PreMeetingReport, *, number: str = "", place: str | None = None) -> bytes:
    """The report as DOCX bytes, in the language active now (build it inside
    `translation.override(report.language)`)."""
    issuer_unit = report.issuer_unit or report.body_unit
    body = report.body_unit.display_name
    doc = AdministrativeDocument(
        issuer=Issuer(
            name=issuer_unit.display_name,
            parent_name=report.issuer_parent.display_name if report.issuer_parent else "",
            symbol=document_symbol(issuer_unit),
        ),
        kind_title=_("BÁO CÁO"),
        kind_code="BC",
        summary=report.summary_line,
        date=report.until,
        place=place,
        number=number,
        language=report.language,
    )
    period = {"since": short_date(report.since), "until": short_date(report.until), "body": body}
    doc.paragraph(
        _("Báo cáo tình hình thực hiện các kết luận và nhiệm vụ của %(body)s từ ngày %(since)s đến ngày "
          "%(until)s (số liệu tính đến hết ngày %(until)s), như sau:") % period
    )

    # I. What was concluded last time.
    if report.previous_meeting is not None:
        doc.section(_("Kết luận phiên họp trước và nhiệm vụ đã giao"), 1)
    else:
        doc.section(_("Kết luận các phiên họp trong kỳ và nhiệm vụ đã giao"), 1)
    rows = _conclusion_rows(report)
    if rows:
        doc.table(
            [_("Mục"), _("Nội dung kết luận"), _("Nhiệm vụ"), _("Đơn vị chủ trì"), _("Hạn"), _("Tình trạng")],
            rows, widths_mm=[11, 48, 40, 26, 19, 21], align=["c", "l", "l", "l", "c", "l"],
        )
    else:
        doc.paragraph(_("Trong kỳ không có phiên họp nào của %(body)s.") % period, italic=True)

    # II. What was done.
    doc.section(_("Nhiệm vụ đã hoàn thành trong kỳ"), 2)
    if report.done:
        doc.paragraph(
            ngettext("Trong kỳ đã hoàn thành %(n)s nhiệm vụ, trong đó %(on_time)s nhiệm vụ đúng hạn và %(late)s "
                     "nhiệm vụ quá hạn.",
                     "Trong kỳ đã hoàn thành %(n)s nhiệm vụ, trong đó %(on_time)s nhiệm vụ đúng hạn và %(late)s "
                     "nhiệm vụ quá hạn.", report.done_count) % {
                "n": report.done_count,
                "on_time": sum(1 for g in report.done for t in g.tasks if t.status == "done_on_time"),
                "late": sum(1 for g in report.done for t in g.tasks if t.status == "done_late"),
            }
        )
        rows = []
        n = 0
        for group in report.done:
            rows.append(GroupRow(f"{group.unit} ({len(group.tasks)})"))
            for t in group.tasks:
                n += 1
                product = t.product + (f": {t.product_description}" if t.product_description else "")
                rows.append([
                    str(n), t.title, short_date(t.due_date), short_date(t.completed_on), t.status_label,
                    product, t.latest_report or DASH, str(t.evidence_count),
                ])
        doc.table(
            [_("STT"), _("Nhiệm vụ"), _("Hạn"), _("Hoàn thành"), _("Tình trạng"), _("Sản phẩm"),
             _("Kết quả báo cáo gần nhất"), _("Minh chứng")],
            rows, widths_mm=[10, 34, 18, 18, 18, 24, 30, 13], align=["c", "l", "c", "c", "l", "l", "l", "c"],
        )
    else:
        doc.paragraph(_("Trong kỳ không có nhiệm vụ nào hoàn thành."), italic=True)

    # III. What is late and by whom.
    doc.section(_("Nhiệm vụ quá hạn và đơn vị chậm"), 3)
    doc.heading(_("Nhiệm vụ quá hạn"), 1)
    if report.overdue:
        rows = [
            [str(i), t.title, t.lead_unit, t.assignee or DASH, short_date(t.due_date), str(t.days_late),
             f"{t.progress}%"]
            for i, t in enumerate(report.overdue, start=1)
        ]
        doc.table(
            [_("STT"), _("Nhiệm vụ"), _("Đơn vị chủ trì"), _("Người được giao"), _("Hạn"),
             _("Số ngày quá hạn"), _("Tiến độ")],
            rows, widths_mm=[10, 48, 32, 27, 19, 15, 14], align=["c", "l", "l", "l", "c", "c", "c"],
        )
    else:
        doc.paragraph(_("Không có nhiệm vụ quá hạn."), italic=True)
    doc.heading(_("Nhiệm vụ giao nhiều đơn vị: các đơn vị chậm"), 2)
    if report.late_parents:
        rows = []
        for i, p in enumerate(report.late_parents, start=1):
            late = "\n".join(
                ngettext("%(unit)s (quá hạn %(days)s ngày, tiến độ %(progress)s%%)",
                         "%(unit)s (quá hạn %(days)s ngày, tiến độ %(progress)s%%)", c.days_late) % {
                    "unit": c.lead_unit, "days": c.days_late, "progress": c.progress,
                }
                for c in p.late
            )
            rows.append([str(i), p.task.title, short_date(p.task.due_date),
                         f"{len(p.late)}/{p.unit_count}", late])
        doc.table(
            [_("STT"), _("Nhiệm vụ"), _("Hạn"), _("Số đơn vị chậm"), _("Đơn vị chậm")],
            rows, widths_mm=[10, 52, 19, 20, 64], align=["c", "l", "c", "c", "l"],
        )
    else:
        doc.paragraph(_("Không có nhiệm vụ giao nhiều đơn vị bị chậm."), italic=True)

    # IV. Summary numbers.
    s = report.summary
    doc.section(_("Số liệu tổng hợp"), 4)
    doc.table(
        [pgettext("summary", "Chỉ tiêu"), _("Số lượng"), _("Tỷ lệ")],
        [[label, str(count), f"{pct:.1f}%" if pct is not None else ""] for label, count, pct in s.rows()],
        widths_mm=[105, 30, 30], align=["l", "c", "c"],
    )
    _status_chart(doc, s)
    doc.heading(_("Đơn vị có nhiều nhiệm vụ quá hạn nhất"), 1)
    if s.overdue_by_unit:
        doc.table(
            [_("STT"), _("Đơn vị"), _("Số nhiệm vụ quá hạn")],
            [[str(i), u.unit, str(u.count)] for i, u in enumerate(s.overdue_by_unit, start=1)],
            widths_mm=[12, 113, 40], align=["c", "l", "c"],
        )
    else:
        doc.paragraph(_("Không có nhiệm vụ quá hạn."), italic=True)
    doc.heading(_("Đề nghị gia hạn đang chờ quyết định"), 2)
    if report.extensions:
        doc.table(
            [_("STT"), _("Nhiệm vụ"), _("Đơn vị chủ trì"), _("Hạn hiện tại"), _("Hạn đề nghị"), _("Lý do"),
             _("Ngày đề nghị")],
            [
                [str(i), e.task_title, e.lead_unit, short_date(e.old_due_date), short_date(e.new_due_date),
                 e.reason, short_date(e.requested_on)]
                for i, e in enumerate(report.extensions, start=1)
            ],
            widths_mm=[10, 38, 27, 19, 19, 33, 19], align=["c", "l", "l", "c", "c", "l", "c"],
        )
    else:
        doc.paragraph(_("Không có đề nghị gia hạn đang chờ quyết định."), italic=True)

    doc.paragraph(
        _("Trên đây là báo cáo tình hình thực hiện các kết luận và nhiệm vụ, kính trình %(body)s xem xét, "
          "chỉ đạo./.") % period
    )
    recipients = [_("%(body)s (để báo cáo)") % period] if issuer_unit.pk != report.body_unit.pk else [
        _("Thành viên %(body)s") % period
    ]
    recipients.append(_("Lưu: VT, %(symbol)s") % {"symbol": document_symbol(issuer_unit)})
    doc.closing(
        recipients=recipients,
        signer=Signer(position=report.signer_position or _("Thủ trưởng đơn vị"), name=report.signer_name),
    )
    return doc.to_bytes()
