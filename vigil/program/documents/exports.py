"""Producing report files for download: the one place that checks the export right,
renders the file in the report's language and writes the `export` audit entry. Pages,
the API and the `vigil program report` command all call `premeeting_export`."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.actors import Actor
from vigil.core.dates import parse_date
from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError

from .premeeting import PreMeetingReport, premeeting_report, require_export_right

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class ReportFile:
    content: bytes
    filename: str
    content_type: str
    report: PreMeetingReport


def report_language(value: str | None, user=None) -> str:
    """'vi' or 'en': the one asked for, else the user's own, else Vietnamese."""
    if value:
        value = value.strip().lower()[:2]
        if value not in ("vi", "en"):
            raise DomainError(_("Ngôn ngữ báo cáo phải là vi hoặc en."), field="lang")
        return value
    own = getattr(user, "language", "") or "vi"
    return own if own in ("vi", "en") else "vi"


def premeeting_build(*, user, language: str, **params) -> PreMeetingReport:
    """Gather the report in `language` (labels and unit names in that language)."""
    with translation.override(language):
        return premeeting_report(user=user, language=language, **params)


def premeeting_filename(report: PreMeetingReport, fmt: str) -> str:
    stem = "bao-cao-phien-hop" if report.language == "vi" else "pre-meeting-report"
    return f"{stem}_{report.body_unit.code}_{report.until:%Y%m%d}.{fmt}"


def premeeting_export(*, actor: Actor, fmt: str, language: str, number: str = "", place: str | None = None,
                      **params) -> ReportFile:
    """The pre-meeting report as a file (`fmt` docx or xlsx) for `actor`, recorded in the
    audit log as an export of the tasks it names. Needs the `export` action (any unit);
    the file holds only what the actor may see."""
    if fmt not in FORMATS:
        raise DomainError(_("Định dạng phải là docx hoặc xlsx."), field="format")
    user = actor.user
    require_export_right(user)
    report = premeeting_build(user=user, language=language, **params)
    with translation.override(language):
        if fmt == "docx":
            from .premeeting_docx import render_docx

            content = render_docx(report, number=number, place=place)
        else:
            from .premeeting_xlsx import render_xlsx

            content = render_xlsx(report)
    audit.record_export(
        actor, object_type="program.task", count=len(report.task_ids()), fmt=fmt,
        unit_id=report.body_unit.pk, filters=report.filters,
        object_repr=_("Báo cáo phục vụ phiên họp: %(unit)s, %(since)s – %(until)s (%(fmt)s)") % {
            "unit": report.body_unit.name, "since": report.since.strftime("%d/%m/%Y"),
            "until": report.until.strftime("%d/%m/%Y"), "fmt": fmt,
        },
    )
    return ReportFile(content, premeeting_filename(report, fmt), FORMATS[fmt], report)



def missing_choice_message() -> str:
    return _("Hãy chọn phiên họp hoặc đơn vị cần báo cáo.")


def report_params(*, user, meeting=None, unit=None, since=None, until=None, subtree: bool = False) -> dict:
    """Turn what an interface received (a meeting id, a unit id or code, ISO dates) into
    the arguments of `premeeting_report`; NotFound / DomainError name the field at fault.
    A meeting, when given, decides the unit."""
    from .premeeting import report_meeting

    found_meeting = report_meeting(user=user, meeting_id=meeting) if meeting not in (None, "") else None
    found_unit = None
    if found_meeting is None:
        if unit in (None, ""):
            raise DomainError(missing_choice_message(), field="unit")
        found_unit = unit_ref(user, unit, field="unit")
    return {
        "meeting": found_meeting, "unit": found_unit, "since": parse_date(since, "since"),
        "until": parse_date(until, "until"), "subtree": bool(subtree),
    }
