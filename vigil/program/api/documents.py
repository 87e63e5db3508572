"""Program API: reports. The pre-meeting report as JSON (a preview of what the files
hold) and as DOCX / XLSX files; each file download is an `export` audit entry.

    GET /premeeting-report?meeting_id=ID | ?unit=CODE[&since=&until=][&subtree=true][&lang=en]
    GET /premeeting-report/docx?…   GET /premeeting-report/xlsx?…

The report's language is `lang` when given, else the request's Accept-Language, else the
user's own language.
"""

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema

from vigil.core.actors import api_actor

from ..documents import exports

router = Router(tags=["program: reports"])


# --------------------------------------------------------------------------- schemas


class ReportQuery(Schema):
    meeting_id: int | None = Field(None, description="The meeting the report is prepared for (decides the unit)")
    unit: str | None = Field(None, description="The body unit (id or code), when no meeting is given")
    since: dt.date | None = Field(None, description="Start of the period (default: the body's previous meeting)")
    until: dt.date | None = Field(None, description="End of the period and date of the statuses (default: today)")
    subtree: bool = Field(False, description="Also every task assigned or led in the unit's subtree")
    lang: str | None = Field(None, description="vi or en (default: Accept-Language, else the user's language)")


class ReportTaskOut(Schema):
    id: int
    title: str
    lead_unit_id: int
    lead_unit: str
    assigning_unit: str
    assignee: str
    start_date: dt.date
    due_date: dt.date
    completed_on: dt.date | None
    status: str = Field(description="not_started, in_progress, done_on_time, done_late, overdue, cancelled")
    status_label: str
    progress: int
    product: str
    product_description: str
    parent_id: int | None
    latest_report: str = Field(description="Text of the latest progress report")
    latest_report_on: dt.date | None
    evidence_count: int
    days_late: int
    children: dict[str, int] = Field(description="For a task assigned to many units: its units' tasks by status")
    children_summary: str


class ReportConclusionOut(Schema):
    id: int
    number: int
    text: str
    tasks: list[ReportTaskOut]


class ReportMeetingOut(Schema):
    id: int
    title: str
    held_on: dt.date
    notice_number: str
    notice_date: dt.date | None
    conclusions: list[ReportConclusionOut]


class ReportUnitGroupOut(Schema):
    unit_id: int
    unit: str
    tasks: list[ReportTaskOut]


class ReportLateParentOut(Schema):
    task: ReportTaskOut
    unit_count: int = Field(description="How many units the task was assigned to (that you may see)")
    late: list[ReportTaskOut] = Field(description="Those units' overdue tasks")


class ReportUnitCountOut(Schema):
    unit_id: int
    unit: str
    count: int


class ReportExtensionOut(Schema):
    id: int
    task_id: int
    task_title: str
    lead_unit: str
    old_due_date: dt.date
    new_due_date: dt.date
    reason: str
    requested_on: dt.date


class ReportSummaryOut(Schema):
    total: int = Field(description="Tasks followed in the period (cancelled ones left out)")
    counts: dict[str, int]
    done_on_time: int
    done_late: int
    overdue: int
    late: int = Field(description="Done late plus overdue")
    pct_on_time: float
    pct_late: float
    overdue_by_unit: list[ReportUnitCountOut]
    pending_extensions: int


class PreMeetingReportOut(Schema):
    unit_id: int
    unit_code: str
    unit_name: str
    meeting_id: int | None
    previous_meeting_id: int | None
    since: dt.date
    until: dt.date
    subtree: bool
    language: str
    summary_line: str
    meetings: list[ReportMeetingOut] = Field(description="1. Conclusions of the body's meetings in the period")
    done: list[ReportUnitGroupOut] = Field(description="2. Tasks completed in the period, by lead unit")
    overdue: list[ReportTaskOut] = Field(description="3. Overdue tasks")
    late_parents: list[ReportLateParentOut] = Field(description="3. Tasks assigned to many units: the late ones")
    summary: ReportSummaryOut = Field(description="4. Summary numbers")
    extensions: list[ReportExtensionOut] = Field(description="Pending extension requests")

    @staticmethod
    def resolve_unit_id(obj) -> int:
        return obj.body_unit.pk

    @staticmethod
    def resolve_unit_code(obj) -> str:
        return obj.body_unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.body_unit.name if obj.language == "vi" else (obj.body_unit.name_en or obj.body_unit.name)

    @staticmethod
    def resolve_meeting_id(obj) -> int | None:
        return obj.meeting.pk if obj.meeting else None

    @staticmethod
    def resolve_previous_meeting_id(obj) -> int | None:
        return obj.previous_meeting.pk if obj.previous_meeting else None


# --------------------------------------------------------------------------- helpers


def _language(request, lang: str | None) -> str:
    if lang or "HTTP_ACCEPT_LANGUAGE" not in request.META:
        return exports.report_language(lang, request.auth)
    return exports.report_language((get_language() or "vi")[:2], request.auth)


def _params(request, q: ReportQuery) -> dict:
    return exports.report_params(
        user=request.auth, meeting=q.meeting_id, unit=q.unit, since=q.since, until=q.until, subtree=q.subtree,
    )


def _file(request, q: ReportQuery, fmt: str) -> HttpResponse:
    produced = exports.premeeting_export(
        actor=api_actor(request), fmt=fmt, language=_language(request, q.lang), **_params(request, q)
    )
    response = HttpResponse(produced.content, content_type=produced.content_type)
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    return response


def _binary(description: str, mime: str) -> dict:
    return {"responses": {200: {"description": description,
                                "content": {mime: {"schema": {"type": "string", "format": "binary"}}}}}}


# --------------------------------------------------------------------------- routes


@router.get("/premeeting-report", response=PreMeetingReportOut,
            summary="The pre-meeting report's data (preview of the DOCX / XLSX)")
def premeeting_report(request, q: Query[ReportQuery]):
    language = _language(request, q.lang)
    return exports.premeeting_build(user=request.auth, language=language, **_params(request, q))


@router.get(
    "/premeeting-report/docx",
    summary="Download the pre-meeting report as DOCX (administrative layout; recorded as an export)",
    openapi_extra=_binary("The report (Decree 30/2020 layout)", exports.FORMATS["docx"]),
)
def premeeting_report_docx(request, q: Query[ReportQuery]):
    return _file(request, q, "docx")


@router.get(
    "/premeeting-report/xlsx",
    summary="Download the pre-meeting report as XLSX (one sheet per section; recorded as an export)",
    openapi_extra=_binary("The report workbook", exports.FORMATS["xlsx"]),
)
def premeeting_report_xlsx(request, q: Query[ReportQuery]):
    return _file(request, q, "xlsx")
