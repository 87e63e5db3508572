"""Incident API: the report document of one incident, list exports and statistics.

    GET /incidents/{incident_id}/report.docx   the incident as a DOCX report (an export audit entry)
    GET /incidents/export?format=csv|xlsx&…    the incident list (same filters as the list page)
    GET /incidents/stats?unit=&since=&until=&class=&severity=&by=owner|lead
"""

import datetime as dt

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema

from vigil.core.actors import api_actor

from ..documents import incident_docx, list_exports
from ..selectors import stats as stats_sel
from ..selectors.lists import IncidentFilters
from .workflow import IncidentFilterQuery

router = Router(tags=["incidents: reports"])


def _binary(description: str, mime: str) -> dict:
    return {"responses": {200: {"description": description,
                                "content": {mime: {"schema": {"type": "string", "format": "binary"}}}}}}


def _language(lang: str | None) -> str:
    value = (lang or get_language() or "vi")[:2].lower()
    return value if value in ("vi", "en") else "vi"


# --------------------------------------------------------------------------- the report document


class ReportDocQuery(Schema):
    lang: str | None = Field(None, description="vi or en (default: Accept-Language)")
    number: str = Field("", description="The document number, when already registered")


@router.get(
    "/{int:incident_id}/report.docx",
    summary="Download one incident as a DOCX report (administrative layout; recorded as an export)",
    openapi_extra=_binary("The incident report (Decree 30/2020 layout, TLP label on every page)",
                          incident_docx.DOCX_TYPE),
)
def incident_report_docx(request, incident_id: int, q: Query[ReportDocQuery]):
    produced = incident_docx.incident_report_export(
        actor=api_actor(request), incident_id=incident_id, language=_language(q.lang), number=q.number[:32],
    )
    response = HttpResponse(produced.content, content_type=produced.content_type)
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    return response


# --------------------------------------------------------------------------- list exports


class IncidentExportQuery(IncidentFilterQuery):
    """The list's own filters, and the file's format. `since`, `until`, `class` and `type`
    are this route's former names of `received_from`, `received_to`, `klass` and
    `incident_type`, still read (deprecated: one release)."""

    format: str = Field("csv", description="csv or xlsx")
    since: dt.date | None = Field(None, description="Deprecated: received_from")
    until: dt.date | None = Field(None, description="Deprecated: received_to")
    class_: str | None = Field(None, alias="class", description="Deprecated: klass")
    type: str | None = Field(None, description="Deprecated: incident_type")


def export_response(produced) -> StreamingHttpResponse:
    """The file as a streamed response; a capped export says so in a header."""
    response = StreamingHttpResponse(produced.chunks, content_type=produced.content_type)
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    response["X-Vigil-Export-Rows"] = str(produced.count)
    response["X-Vigil-Export-Total"] = str(produced.total)
    if produced.truncated:
        response["X-Vigil-Export-Truncated"] = "1"
    return response


@router.get(
    "/export",
    summary="Export the incident list as CSV or XLSX (the list's filters; at most 100,000 rows; recorded)",
    openapi_extra=_binary("The incident list (CSV, UTF-8 with BOM; or XLSX)", list_exports.FORMATS["csv"]),
)
def incident_export(request, q: Query[IncidentExportQuery]):
    user = request.auth
    filters = IncidentFilters.parse(user, q.dict(by_alias=True))
    produced = list_exports.incident_list_export(actor=api_actor(request), fmt=q.format, filters=filters)
    return export_response(produced)


# --------------------------------------------------------------------------- statistics


class StatsQuery(Schema):
    unit: str | None = Field(None, description="Unit (id or code): its subtree, rolled up per child unit")
    by: str = Field("owner", description="owner or lead: which unit an incident counts for")
    since: dt.date | None = Field(None, description="Received on or after (default: 12 months back)")
    until: dt.date | None = Field(None, description="Received on or before (default: today)")
    klass: str | None = Field(None, alias="class", description="Only this incident class (code)")
    severity: str | None = Field(None, description="Only this severity")


class StatRowOut(Schema):
    key: str
    label: str
    count: int
    open: int
    resolved: int
    closed: int
    ack_n: int = Field(description="Incidents acknowledged")
    ack_mean_h: float | None = Field(description="Mean hours from reception to acknowledgement")
    ack_p90_h: float | None = Field(description="90th percentile (continuous) of those hours")
    resolve_n: int
    resolve_mean_h: float | None
    resolve_p90_h: float | None
    unit_id: int | None


class StatsOut(Schema):
    since: dt.date
    until: dt.date
    unit: str | None
    by: str
    incident_class: str | None = Field(description="The class filter (code), if any")
    severity: str | None
    root: str | None = Field(description="The unit under which the unit table rolls up")
    total: StatRowOut
    by_unit: list[StatRowOut]
    by_class: list[StatRowOut]
    by_severity: list[StatRowOut]
    by_month: list[StatRowOut]


@router.get("/stats", response=StatsOut,
            summary="Incident statistics per unit, class, severity and month (mean and p90 hours)")
def incident_stats(request, q: Query[StatsQuery]):
    user = request.auth
    params = stats_sel.stats_params(user, unit=q.unit, by=q.by, since=q.since, until=q.until, klass=q.klass,
                          severity=q.severity)
    data = stats_sel.incident_stats(user, **params).as_dict()
    data["incident_class"] = data.pop("class")
    return data
