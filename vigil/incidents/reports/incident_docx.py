"""One incident as a report document (DOCX) in the Vietnamese administrative layout
(Decree 30/2020/NĐ-CP; the builder is `vigil.program.reports.docx_layout`):

    BÁO CÁO — Sự cố an toàn thông tin mạng <reference>
    I. Thông tin chung   II. Hệ thống bị ảnh hưởng   III. Diễn biến (timeline)
    IV. Dấu hiệu kỹ thuật (defanged)   V. Đơn vị xử lý   VI. Nhiệm vụ
    VII. Báo cáo theo quy định   VIII. Thời hạn xử lý (SLA)   IX. Nguyên nhân, bài học
    Nơi nhận / signer

The TLP label (TLP 2.0: in the header of every page, coloured on black) is printed at
the top of every page, and again in the footer. `incident_report_export` is the one
entry point pages, the API and `vigil incident-report` call: it checks that the actor
may view the incident (NotFound otherwise), writes the `incidents.incident.export`
audit entry (and a view entry for TLP:RED) and returns the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from vigil.core import audit
from vigil.core.actors import Actor
from vigil.core.models import TLP
from vigil.program.reports.docx_layout import (
    TEXT_WIDTH_MM,
    AdministrativeDocument,
    Issuer,
    Signer,
    add_run,
)

from ..models import Incident, IncidentUnit, Observable, SlaBreach, SlaTarget, StageReport
from ..observables import defang
from ..selectors.incidents import incident_get

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXPORT_ACTION = "incidents.incident.export"
# TLP 2.0 colours (FIRST): the label's text on a black background.
TLP_COLOURS = {
    TLP.RED: "FF2B2B", TLP.AMBER: "FFC000", TLP.AMBER_STRICT: "FFC000", TLP.GREEN: "33FF00",
    TLP.CLEAR: "FFFFFF",
}


@dataclass
class IncidentFile:
    content: bytes
    filename: str
    content_type: str
    incident: Incident


# --------------------------------------------------------------------------- helpers


def _local(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def _hours(later, earlier) -> str:
    if later is None or earlier is None:
        return ""
    h = (later - earlier).total_seconds() / 3600
    return f"{h:.1f}"


def _unit_name(unit) -> str:
    return unit.display_name if unit is not None else ""


def _user_name(user) -> str:
    if user is None:
        return ""
    return getattr(user, "full_name", "") or user.get_username()


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def _issuer(user, incident: Incident) -> tuple[Issuer, object]:
    """The issuing unit: the actor's home unit when it handles the incident or holds it in
    its subtree, else the lead unit, else the owner."""
    person = getattr(user, "person", None) if user is not None else None
    home = getattr(person, "home_unit", None)
    unit = home or incident.lead_unit or incident.owner_unit
    parent = unit.parent if unit is not None and unit.parent_id else None
    symbol = (unit.short_name or unit.code or "").upper().replace(" ", "") if unit else ""
    return Issuer(name=_unit_name(unit), parent_name=_unit_name(parent), symbol=symbol), unit


def _shade(run, fill: str) -> None:
    rpr = run._element.get_or_add_rPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    rpr.append(shd)


def tlp_label(incident: Incident) -> str:
    return _label(TLP.choices, incident.tlp)


def _tlp_run(paragraph, label: str, colour: str, *, size: float = 11) -> None:
    run = add_run(paragraph, label)
    run.font.name = "Times New Roman"
    run.font.bold = True
    run.font.size = Pt(size)
    run.font.color.rgb = RGBColor.from_string(colour)
    _shade(run, "000000")


def _tlp_everywhere(doc: AdministrativeDocument, incident: Incident) -> None:
    """The TLP label at the top right of every page (first page included) and at the
    bottom of every page, as TLP 2.0 asks of documents."""
    label = tlp_label(incident)
    colour = TLP_COLOURS.get(incident.tlp, "FFFFFF")
    section = doc.doc.sections[0]
    first = section.first_page_header.paragraphs[0]
    # Other pages: the page number lives in the header's first paragraph; the label goes
    # on its own line above it.
    others = section.header.paragraphs[0].insert_paragraph_before()
    for p in (first, others):
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _tlp_run(p, label, colour)
    for footer in (section.first_page_footer, section.footer):
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _tlp_run(p, label, colour, size=9)


# --------------------------------------------------------------------------- gathering


@dataclass
class IncidentReportData:
    incident: Incident
    systems: list
    timeline: list
    observables: list
    units: list
    tasks: list
    stage_reports: list
    breaches: list
    sla: SlaTarget | None
    supporting: list


def gather(incident: Incident) -> IncidentReportData:
    """Everything the document shows about one incident the caller may already see (its
    parts are readable by whoever reads the incident: same handling units)."""
    units = list(
        IncidentUnit.objects.filter(incident=incident).select_related("unit", "answered_by").order_by("role", "assigned_at")
    )
    tasks = list(incident.tasks.select_related("unit", "assignee").prefetch_related("items").order_by("created_at", "pk"))
    return IncidentReportData(
        incident=incident,
        systems=list(incident.systems.select_related("owner_unit").prefetch_related("addresses").order_by("name")),
        timeline=list(incident.timeline.order_by("at", "pk")),
        observables=list(Observable.objects.filter(incident=incident).order_by("kind", "value")),
        units=units,
        tasks=tasks,
        stage_reports=list(StageReport.objects.filter(incident=incident).select_related("stage", "submitted_by")
                           .order_by("due_at", "pk")),
        breaches=list(SlaBreach.objects.filter(incident=incident).select_related("escalated_to").order_by("detected_at")),
        sla=SlaTarget.objects.filter(severity=incident.severity).first() if incident.severity else None,
        supporting=[u for u in units if u.role == IncidentUnit.Role.SUPPORT and u.active],
    )


# --------------------------------------------------------------------------- rendering


def render_docx(data: IncidentReportData, *, user=None, number: str = "", place: str | None = None,
                today: dt.date | None = None) -> bytes:
    """The document's bytes, in the active language."""
    inc = data.incident
    issuer, issuing_unit = _issuer(user, inc)
    doc = AdministrativeDocument(
        issuer=issuer, kind_title=_("BÁO CÁO"), kind_code="BC",
        summary=_("Sự cố an toàn thông tin mạng %(ref)s") % {"ref": inc.reference},
        date=today or timezone.localdate(), place=place, number=number,
    )
    _tlp_everywhere(doc, inc)
    n = 0

    def section(title):
        nonlocal n
        n += 1
        doc.section(title, number=n)

    # I. General information
    section(_("Thông tin chung"))
    klass = inc.incident_type.klass if inc.incident_type_id else None
    general = [
        (_("Mã theo dõi"), inc.reference),
        (_("Tiêu đề"), inc.title),
        (_("Nhóm sự cố"), (klass.name_en if _en() else klass.name) if klass else _("Chưa phân loại")),
        (_("Loại sự cố"), (inc.incident_type.name_en if _en() else inc.incident_type.name)
         if inc.incident_type_id else _("Chưa phân loại")),
        (_("Mức độ nghiêm trọng"), inc.get_severity_display() if inc.severity else _("Chưa đánh giá")),
        (_("Mức ảnh hưởng / mức khẩn cấp"), " / ".join(
            x for x in (inc.get_impact_display() if inc.impact else "", inc.get_urgency_display() if inc.urgency else "")
            if x) or "—"),
        (_("Phân loại chia sẻ"), f"{tlp_label(inc)} · {inc.get_pap_display()}"),
        (_("Trạng thái"), inc.get_state_display()),
        (_("Kênh tiếp nhận"), inc.get_channel_display()),
        (_("Đơn vị sở hữu"), _unit_name(inc.owner_unit)),
        (_("Đơn vị chủ trì xử lý"), _unit_name(inc.lead_unit) or "—"),
        (_("Đơn vị phối hợp"), ", ".join(_unit_name(u.unit) for u in data.supporting) or "—"),
        (_("Đơn vị báo cáo"), _unit_name(inc.reporter_unit) or inc.reporter_name or "—"),
        (_("Lĩnh vực"), inc.sector or "—"),
        (_("Thời điểm phát hiện"), _local(inc.detected_at)),
        (_("Thời điểm tiếp nhận"), _local(inc.received_at)),
        (_("Thời điểm xác nhận tiếp nhận"), _local(inc.acknowledged_at) or "—"),
        (_("Thời điểm khắc phục"), _local(inc.resolved_at) or "—"),
        (_("Thời điểm đóng"), _local(inc.closed_at) or "—"),
    ]
    if inc.merged_into_id:
        general.append((_("Đã gộp vào"), inc.merged_into.reference))
    doc.table([_("Nội dung"), _("Thông tin")], [[k, v] for k, v in general], widths_mm=[60, TEXT_WIDTH_MM - 60])
    if inc.description:
        doc.heading(_("Mô tả"))
        for line in inc.description.splitlines():
            if line.strip():
                doc.paragraph(line.strip())

    # II. Affected systems
    section(_("Hệ thống thông tin bị ảnh hưởng"))
    if data.systems:
        rows = []
        for i, s in enumerate(data.systems, start=1):
            addresses = ", ".join(defang(a.kind, a.value) for a in s.addresses.all()[:10])
            rows.append([str(i), s.name, _unit_name(s.owner_unit), str(s.level or ""), addresses])
        doc.table([_("STT"), _("Hệ thống"), _("Đơn vị chủ quản"), _("Cấp độ"), _("Địa chỉ")], rows,
                  widths_mm=[12, 50, 45, 18, TEXT_WIDTH_MM - 125], align=["c", "l", "l", "c", "l"])
    else:
        doc.paragraph(_("Chưa xác định hệ thống bị ảnh hưởng."))

    # III. Timeline
    section(_("Diễn biến và các bước xử lý"))
    if data.timeline:
        rows = [[_local(e.at), e.actor_name or "—", e.text or e.kind] for e in data.timeline]
        doc.table([_("Thời điểm"), _("Người thực hiện"), _("Nội dung")], rows,
                  widths_mm=[32, 40, TEXT_WIDTH_MM - 72])
    else:
        doc.paragraph(_("Chưa có diễn biến nào được ghi nhận."))

    # IV. Observables
    section(_("Dấu hiệu kỹ thuật"))
    if data.observables:
        rows = [[str(i), o.get_kind_display(), defang(o.kind, o.value), _("Có") if o.is_ioc else _("Không"), o.note]
                for i, o in enumerate(data.observables, start=1)]
        doc.table([_("STT"), _("Loại"), _("Giá trị (đã vô hiệu hoá liên kết)"), _("IOC"), _("Ghi chú")], rows,
                  widths_mm=[12, 22, 80, 14, TEXT_WIDTH_MM - 128], align=["c", "l", "l", "c", "l"])
    else:
        doc.paragraph(_("Không có dấu hiệu kỹ thuật."))

    # V. Handling units and their answers
    section(_("Đơn vị tham gia xử lý"))
    if data.units:
        rows = [[_unit_name(u.unit), u.get_role_display(), u.get_answer_display(),
                 _local(u.answered_at) or "—", u.reason or ""] for u in data.units]
        doc.table([_("Đơn vị"), _("Vai trò"), _("Trả lời"), _("Thời điểm"), _("Lý do")], rows,
                  widths_mm=[50, 22, 22, 30, TEXT_WIDTH_MM - 124])
    else:
        doc.paragraph(_("Chưa giao đơn vị xử lý."))

    # VI. Tasks
    section(_("Nhiệm vụ xử lý"))
    if data.tasks:
        rows = []
        for i, t in enumerate(data.tasks, start=1):
            items = list(t.items.all())
            done = sum(1 for it in items if it.done)
            checklist = f"{done}/{len(items)}" if items else "—"
            rows.append([str(i), t.title, _unit_name(t.unit), t.get_status_display(), _local(t.due_at) or "—",
                         checklist])
        doc.table([_("STT"), _("Nhiệm vụ"), _("Đơn vị thực hiện"), _("Trạng thái"), _("Hạn"), _("Danh mục")], rows,
                  widths_mm=[12, 55, 38, 22, 30, TEXT_WIDTH_MM - 157], align=["c", "l", "l", "l", "l", "c"])
    else:
        doc.paragraph(_("Không có nhiệm vụ."))

    # VII. Statutory reports
    section(_("Báo cáo theo quy định"))
    if data.stage_reports:
        rows = []
        for s in data.stage_reports:
            stage = s.stage.name_en if _en() and s.stage.name_en else s.stage.name
            if s.sequence > 1:
                stage = f"{stage} #{s.sequence}"
            if s.submitted_at is None:
                status = _("Chưa nộp")
            elif s.submitted_at <= s.due_at:
                status = _("Đúng hạn")
            else:
                status = _("Quá hạn")
            rows.append([stage, _local(s.due_at), _local(s.submitted_at) or "—", status])
        doc.table([_("Báo cáo"), _("Hạn nộp"), _("Đã nộp lúc"), _("Kết quả")], rows,
                  widths_mm=[65, 35, 35, TEXT_WIDTH_MM - 135])
    else:
        doc.paragraph(_("Không có báo cáo theo quy định."))

    # VIII. SLA
    section(_("Kết quả thực hiện thời hạn xử lý (SLA)"))
    clocks = [
        (_("Tiếp nhận"), inc.acknowledge_due, inc.acknowledged_at, SlaBreach.Clock.ACKNOWLEDGE),
        (_("Phản hồi đầu tiên"), inc.respond_due, inc.first_response_at, SlaBreach.Clock.RESPOND),
        (_("Xử lý xong"), inc.resolve_due, inc.resolved_at, SlaBreach.Clock.RESOLVE),
    ]
    breached = {b.clock for b in data.breaches}
    rows = []
    for label, due, done, clock in clocks:
        if done is not None and due is not None:
            verdict = _("Đạt") if done <= due else _("Không đạt")
        elif due is not None and clock in breached:
            verdict = _("Không đạt")
        elif due is None:
            verdict = "—"
        else:
            verdict = _("Đang theo dõi")
        rows.append([label, _local(due) or "—", _local(done) or "—", _hours(done, inc.received_at) or "—", verdict])
    doc.table([_("Mốc"), _("Hạn"), _("Thực hiện"), _("Số giờ"), _("Kết quả")], rows,
              widths_mm=[38, 35, 35, 20, TEXT_WIDTH_MM - 128], align=["l", "l", "l", "r", "l"])
    if data.breaches:
        doc.paragraph(_("Các lần leo thang:"), bold=True)
        for b in data.breaches:
            doc.bullet(_("%(clock)s, mức %(level)s, lúc %(at)s: %(unit)s") % {
                "clock": b.get_clock_display(), "level": b.level, "at": _local(b.detected_at),
                "unit": _unit_name(b.escalated_to) or "—",
            })

    # IX. Root cause and lessons learned
    section(_("Nguyên nhân và bài học kinh nghiệm"))
    doc.heading(_("Kết quả xử lý"), number=1)
    doc.paragraph(inc.resolution or "—")
    doc.heading(_("Nguyên nhân gốc"), number=2)
    doc.paragraph(inc.root_cause or "—")
    doc.heading(_("Bài học kinh nghiệm"), number=3)
    doc.paragraph(inc.lessons_learned or "—")

    recipients = [_("Cơ quan thường trực (để tổng hợp)")]
    if inc.owner_unit_id and inc.owner_unit != issuing_unit:
        recipients.append(_unit_name(inc.owner_unit))
    recipients.append(_("Lưu: VT"))
    doc.closing(recipients=recipients, signer=Signer(position=_("Thủ trưởng đơn vị"), name=""))
    return doc.to_bytes()


def _en() -> bool:
    return (translation.get_language() or "vi").startswith("en")


def report_filename(incident: Incident) -> str:
    return f"bao-cao-su-co_{incident.reference}.docx"


# --------------------------------------------------------------------------- entry point


def incident_report_export(*, actor: Actor, incident_id, language: str | None = None, number: str = "",
                           place: str | None = None) -> IncidentFile:
    """The DOCX report of incident `incident_id` for `actor`: NotFound unless the actor
    may view it; an `incidents.incident.export` audit entry (and, for TLP:RED, a view
    entry) written with the file."""
    from vigil.core.errors import NotFound

    user = actor.user
    try:
        pk = int(incident_id)
    except (TypeError, ValueError):
        raise NotFound(_("Không tìm thấy sự cố."), field="incident_id") from None
    incident = incident_get(user=user, pk=pk)
    language = language or "vi"
    with translation.override(language):
        content = render_docx(gather(incident), user=user, number=number, place=place)
    with transaction.atomic():
        audit.record(actor=actor, action=EXPORT_ACTION, obj=incident,
                     after={"format": "docx", "language": language, "tlp": incident.tlp})
        audit.record_view(actor, incident)
    return IncidentFile(content, report_filename(incident), DOCX_TYPE, incident)
