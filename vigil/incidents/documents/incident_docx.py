"""One incident as a report document (DOCX) in the Vietnamese administrative layout
(Decree 30/2020/NĐ-CP; the builder is `vigil.core.documents.docx_layout`):

    BÁO CÁO — Sự cố an toàn thông tin mạng <reference>
    I. Thông tin chung   II. Hệ thống bị ảnh hưởng   III. Diễn biến (timeline)
    IV. Dấu hiệu kỹ thuật (defanged)   V. Đơn vị xử lý   VI. Nhiệm vụ
    VII. Báo cáo theo quy định   VIII. Thời hạn xử lý (SLA)   IX. Nguyên nhân, bài học
    Nơi nhận / signer

The TLP label (TLP 2.0: in the header of every page, coloured on black) is printed at
the top of every page, and again in the footer. `incident_report_export` is the one
entry point pages, the API and `vigil incidents report` call: it checks that the actor
may view the incident (NotFound otherwise), writes the `incidents.incident.export`
audit entry (and a view entry for TLP:RED) and returns the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from vigil.core import audit
from vigil.core.actors import Actor
from vigil.core.documents.docx_layout import (
    TEXT_WIDTH_MM,
    AdministrativeDocument,
    Issuer,
    Signer,
    add_run,
)
from vigil.core.models import TLP
from vigil.core.observables import defang

from ..models import Incident, IncidentUnit, Observable, SlaBreach, SlaTarget, StageReport
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
    """The document's bytes, in the active language: the header, then each section of
    `_sections()` numbered I, II, … in turn, then the recipients and the signer."""
    inc = data.incident
    issuer, issuing_unit = _issuer(user, inc)
    doc = AdministrativeDocument(
        issuer=issuer, kind_title=_("BÁO CÁO"), kind_code="BC",
        summary=_("Sự cố an toàn thông tin mạng %(ref)s") % {"ref": inc.reference},
        date=today or timezone.localdate(), place=place, number=number,
    )
    _tlp_everywhere(doc, inc)
    for n, (title, write) in enumerate(_sections(), start=1):
        doc.section(title, number=n)
        write(doc, data)
    doc.closing(recipients=_recipients(inc, issuing_unit), signer=Signer(position=_("Thủ trưởng đơn vị"), name=""))
    return doc.to_bytes()


def _sections() -> tuple:
    """The numbered sections in order: (title in the active language, writer)."""
    return (
        (_("Thông tin chung"), _write_general),
        (_("Hệ thống thông tin bị ảnh hưởng"), _write_systems),
        (_("Diễn biến và các bước xử lý"), _write_timeline),
        (_("Dấu hiệu kỹ thuật"), _write_observables),
        (_("Đơn vị tham gia xử lý"), _write_units),
        (_("Nhiệm vụ xử lý"), _write_tasks),
        (_("Báo cáo theo quy định"), _write_stage_reports),
        (_("Kết quả thực hiện thời hạn xử lý (SLA)"), _write_sla),
        (_("Nguyên nhân và bài học kinh nghiệm"), _write_lessons),
    )


def _table_or_note(doc: AdministrativeDocument, rows: list, headers: list, empty: str, **layout) -> None:
    """A table of `rows`, or the sentence `empty` when there are none."""
    if rows:
        doc.table(headers, rows, **layout)
    else:
        doc.paragraph(empty)


# I. General information


def _or_dash(value) -> str:
    return value or "—"


def _localised_name(obj) -> str:
    return obj.name_en if _en() else obj.name


def _classification(inc: Incident) -> tuple[str, str]:
    """The incident's class and type names, or "not classified" for both."""
    if not inc.incident_type_id:
        return _("Chưa phân loại"), _("Chưa phân loại")
    return _localised_name(inc.incident_type.klass), _localised_name(inc.incident_type)


def _impact_urgency(inc: Incident) -> str:
    parts = (inc.get_impact_display() if inc.impact else "", inc.get_urgency_display() if inc.urgency else "")
    return _or_dash(" / ".join(x for x in parts if x))


def _general_rows(data: IncidentReportData) -> list[tuple[str, str]]:
    inc = data.incident
    klass, itype = _classification(inc)
    general = [
        (_("Mã theo dõi"), inc.reference),
        (_("Tiêu đề"), inc.title),
        (_("Nhóm sự cố"), klass),
        (_("Loại sự cố"), itype),
        (_("Mức độ nghiêm trọng"), inc.get_severity_display() if inc.severity else _("Chưa đánh giá")),
        (_("Mức ảnh hưởng / mức khẩn cấp"), _impact_urgency(inc)),
        (_("Phân loại chia sẻ"), f"{tlp_label(inc)} · {inc.get_pap_display()}"),
        (_("Trạng thái"), inc.get_state_display()),
        (_("Kênh tiếp nhận"), inc.get_channel_display()),
        (_("Đơn vị sở hữu"), _unit_name(inc.owner_unit)),
        (_("Đơn vị chủ trì xử lý"), _or_dash(_unit_name(inc.lead_unit))),
        (_("Đơn vị phối hợp"), _or_dash(", ".join(_unit_name(u.unit) for u in data.supporting))),
        (_("Đơn vị báo cáo"), _or_dash(_unit_name(inc.reporter_unit) or inc.reporter_name)),
        (_("Lĩnh vực"), _or_dash(inc.sector)),
        (_("Thời điểm phát hiện"), _local(inc.detected_at)),
        (_("Thời điểm tiếp nhận"), _local(inc.received_at)),
        (_("Thời điểm xác nhận tiếp nhận"), _or_dash(_local(inc.acknowledged_at))),
        (_("Thời điểm khắc phục"), _or_dash(_local(inc.resolved_at))),
        (_("Thời điểm đóng"), _or_dash(_local(inc.closed_at))),
    ]
    if inc.merged_into_id:
        general.append((_("Đã gộp vào"), inc.merged_into.reference))
    return general


def _write_general(doc: AdministrativeDocument, data: IncidentReportData) -> None:
    doc.table([_("Nội dung"), _("Thông tin")], [[k, v] for k, v in _general_rows(data)],
              widths_mm=[60, TEXT_WIDTH_MM - 60])
    description = data.incident.description
    if description:
        doc.heading(_("Mô tả"))
        for line in description.splitlines():
            if line.strip():
                doc.paragraph(line.strip())


# II. Affected systems


def _write_systems(doc: AdministrativeDocument, data: IncidentReportData) -> None:
    rows = []
    for i, s in enumerate(data.systems, start=1):
        addresses = ", ".join(defang(a.kind, a.value) for a in s.addresses.all()[:10])
        rows.append([str(i), s.name, _unit_name(s.owner_unit), str(s.level or ""), addresses])
    _table_or_note(doc, rows, [_("STT"), _("Hệ thống"), _("Đơn vị chủ quản"), _("Cấp độ"), _("Địa chỉ")],
                   _("Chưa xác định hệ thống bị ảnh hưởng."),
                   widths_mm=[12, 50, 45, 18, TEXT_WIDTH_MM - 125], align=["c", "l", "l", "c", "l"])


# III. Timeline


def _write_timeline(doc: AdministrativeDocument, data: IncidentReportData) -> None:
    rows = [[_local(e.at), e.actor_name or "—", e.display_text or e.kind] for e in data.timeline]
    _table_or_note(doc, rows, [_("Thời điểm"), _("Người thực hiện"), _("Nội dung")],
                   _("Chưa có diễn biến nào được ghi nhận."), widths_mm=[32, 40, TEXT_WIDTH_MM - 72])


# IV. Observables


def _write_observables(doc: AdministrativeDocument, data: IncidentReportData) -> None:
    rows = [[str(i), o.get_kind_display(), defang(o.kind, o.value), _("Có") if o.is_ioc else _("Không"), o.note]
            for i, o in enumerate(data.observables, start=1)]
    _table_or_note(doc, rows, [_("STT"), _("Loại"), _("Giá trị (đã vô hiệu hoá liên kết)"), _("IOC"), _("Ghi chú")],
                   _("Không có dấu hiệu kỹ thuật."),
                   widths_mm=[12, 22, 80, 14, TEXT_WIDTH_MM - 128], align=["c", "l", "l", "c", "l"])


# V. Handling units and their answers


def _write_units(doc: AdministrativeDocument, data: IncidentReportData) -> None:
    rows = [[_unit_name(u.unit), u.get_role_display(), u.get_answer_display(),
             _or_dash(_local(u.answered_at)), u.reason or ""] for u in data.units]
    _table_or_note(doc, rows, [_("Đơn vị"), _("Vai trò"), _("Trả lời"), _("Thời điểm"), _("Lý do")],
                   _("Chưa giao đơn vị xử lý."), widths_mm=[50, 22, 22, 30, TEXT_WIDTH_MM - 124])


# VI. Tasks


def _checklist_progress(task) -> str:
    """"done/total" of the task's checklist, or a dash without one."""
    items = list(task.items.all())
    if not items:
        return "—"
    return f"{sum(1 for it in items if it.done)}/{len(items)}"


def _write_tasks(doc: AdministrativeDocument, data: IncidentReportData) -> None:
    rows = [[str(i), t.title, _unit_name(t.unit), t.get_status_display(), _or_dash(_local(t.due_at)),
             _checklist_progress(t)] for i, t in enumerate(data.tasks, start=1)]
    _table_or_note(doc, rows, [_("STT"), _("Nhiệm vụ"), _("Đơn vị thực hiện"), _("Trạng thái"), _("Hạn"), _("Danh mục")],
                   _("Không có nhiệm vụ."),
                   widths_mm=[12, 55, 38, 22, 30, TEXT_WIDTH_MM - 157], align=["c", "l", "l", "l", "l", "c"])


# VII. Statutory reports


def _stage_name(report: StageReport) -> str:
    """The stage's name in the active language, with "#n" for a repeated update."""
    stage = report.stage.name_en if _en() and report.stage.name_en else report.stage.name
    return f"{stage} #{report.sequence}" if report.sequence > 1 else stage


def _stage_result(report: StageReport) -> str:
    if report.submitted_at is None:
        return _("Chưa nộp")
    return _("Đúng hạn") if report.submitted_at <= report.due_at else _("Quá hạn")


def _write_stage_reports(doc: AdministrativeDocument, data: IncidentReportData) -> None:
    rows = [[_stage_name(s), _local(s.due_at), _or_dash(_local(s.submitted_at)), _stage_result(s)]
            for s in data.stage_reports]
    _table_or_note(doc, rows, [_("Báo cáo"), _("Hạn nộp"), _("Đã nộp lúc"), _("Kết quả")],
                   _("Không có báo cáo theo quy định."), widths_mm=[65, 35, 35, TEXT_WIDTH_MM - 135])


# VIII. SLA


def _clock_verdict(due, done, breached: bool) -> str:
    """Met / missed / still running for one SLA clock; a dash when it has no deadline."""
    if done is not None and due is not None:
        return _("Đạt") if done <= due else _("Không đạt")
    if due is None:
        return "—"
    return _("Không đạt") if breached else _("Đang theo dõi")


def _write_sla(doc: AdministrativeDocument, data: IncidentReportData) -> None:
    inc = data.incident
    clocks = [
        (pgettext("SLA clock", "Tiếp nhận"), inc.acknowledge_due, inc.acknowledged_at, SlaBreach.Clock.ACKNOWLEDGE),
        (_("Phản hồi đầu tiên"), inc.respond_due, inc.first_response_at, SlaBreach.Clock.RESPOND),
        (_("Xử lý xong"), inc.resolve_due, inc.resolved_at, SlaBreach.Clock.RESOLVE),
    ]
    breached = {b.clock for b in data.breaches}
    rows = [[label, _or_dash(_local(due)), _or_dash(_local(done)), _or_dash(_hours(done, inc.received_at)),
             _clock_verdict(due, done, clock in breached)] for label, due, done, clock in clocks]
    doc.table([_("Mốc"), _("Hạn"), _("Thực hiện"), _("Số giờ"), _("Kết quả")], rows,
              widths_mm=[38, 35, 35, 20, TEXT_WIDTH_MM - 128], align=["l", "l", "l", "r", "l"])
    if data.breaches:
        doc.paragraph(_("Các lần leo thang:"), bold=True)
        for b in data.breaches:
            doc.bullet(_("%(clock)s, mức %(level)s, lúc %(at)s: %(unit)s") % {
                "clock": b.get_clock_display(), "level": b.level, "at": _local(b.detected_at),
                "unit": _or_dash(_unit_name(b.escalated_to)),
            })


# IX. Root cause and lessons learned


def _write_lessons(doc: AdministrativeDocument, data: IncidentReportData) -> None:
    inc = data.incident
    doc.heading(_("Kết quả xử lý"), number=1)
    doc.paragraph(inc.resolution or "—")
    doc.heading(_("Nguyên nhân gốc"), number=2)
    doc.paragraph(inc.root_cause or "—")
    doc.heading(_("Bài học kinh nghiệm"), number=3)
    doc.paragraph(inc.lessons_learned or "—")


def _recipients(inc: Incident, issuing_unit) -> list[str]:
    """"Nơi nhận": the standing office, the owner unit when another unit issues, the archive."""
    recipients = [_("Cơ quan thường trực (để tổng hợp)")]
    if inc.owner_unit_id and inc.owner_unit != issuing_unit:
        recipients.append(_unit_name(inc.owner_unit))
    recipients.append(_("Lưu: VT"))
    return recipients


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

    try:
        pk = int(incident_id)
    except (TypeError, ValueError):
        raise NotFound(_("Không tìm thấy sự cố."), field="incident_id") from None
    incident = incident_get(user=actor, pk=pk)  # the access layer decides from the Actor
    language = language or "vi"
    with translation.override(language):
        content = render_docx(gather(incident), user=actor.user, number=number, place=place)
    with transaction.atomic():
        audit.record(actor=actor, action=EXPORT_ACTION, obj=incident,
                     after={"format": "docx", "language": language, "tlp": incident.tlp})
        audit.record_view(actor, incident)
    return IncidentFile(content, report_filename(incident), DOCX_TYPE, incident)
