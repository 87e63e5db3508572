"""Incident pages for reports: the DOCX report of one incident (a button on its page),
the list as CSV / XLSX (the list's filters in the query string) and the statistics page.

Each view parses the query, calls `incidents.reports` / `selectors.stats` (through the
access layer; exports write their audit entry there) and renders. A bad filter on the
statistics page becomes a message next to the form (status 400); a refused or unknown
object, core's error page.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from vigil.core.errors import AccessDenied, DomainError, NotFound
from vigil.core.web import get_only, web_actor
from vigil.org.selectors.people import units_where

from ..documents import incident_docx, list_exports
from ..models import Incident, Severity
from ..selectors import lists
from ..selectors import stats as stats_sel


def detail_panel(request, incident) -> dict:
    """Context of `_detail_exports.html` on an incident's page: the report button."""
    return {
        "report_docx_url": reverse("incidents:report_docx", args=[incident.pk]),
        "report_docx_url_en": reverse("incidents:report_docx", args=[incident.pk]) + "?lang=en",
    }


def _language(request) -> str:
    value = (request.GET.get("lang") or get_language() or "vi")[:2].lower()
    return value if value in ("vi", "en") else "vi"


@login_required
@get_only
def report_docx(request, incident_id: int):
    """Download the incident as a DOCX report (an export audit entry)."""
    produced = incident_docx.incident_report_export(
        actor=web_actor(request), incident_id=incident_id, language=_language(request),
        number=request.GET.get("number", "")[:32],
    )
    response = HttpResponse(produced.content, content_type=produced.content_type)
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    return response


def _export(request, fmt: str):
    g = request.GET
    filters = lists.IncidentFilters.parse(request.user, g, day_first=True)
    produced = list_exports.incident_list_export(actor=web_actor(request), fmt=fmt, filters=filters)
    response = StreamingHttpResponse(produced.chunks, content_type=produced.content_type)
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    response["X-Vigil-Export-Rows"] = str(produced.count)
    response["X-Vigil-Export-Total"] = str(produced.total)
    if produced.truncated:
        response["X-Vigil-Export-Truncated"] = "1"
    return response


@login_required
@get_only
def export_csv(request):
    """The incident list (the list page's filters) as CSV, streamed."""
    return _export(request, "csv")


@login_required
@get_only
def export_xlsx(request):
    """The incident list (the list page's filters) as XLSX."""
    return _export(request, "xlsx")


@login_required
@get_only
def stats(request):
    """Statistics per unit, class, severity and month, with mean and p90 hours."""
    g = request.GET
    values = {k: g.get(k, "") for k in ("unit", "by", "since", "until", "class", "severity")}
    error, field, data = "", "", None
    try:
        params = stats_sel.stats_params(
            request.user, unit=values["unit"], by=values["by"], since=values["since"], until=values["until"],
            klass=values["class"], severity=values["severity"],
        )
        data = stats_sel.incident_stats(request.user, **params)
    except AccessDenied:
        raise
    except (DomainError, NotFound) as exc:
        error, field = str(exc.message), exc.field or ""
    units = list(units_where(user=request.user, action="view").filter(depth__lte=1)[:500])
    context = {
        "stats": data, "values": values, "error": error, "error_field": field, "units": units,
        "classes": stats_sel.stats_classes(), "severities": Severity.choices,
        "states": Incident.State.choices, "can_export": list_exports.can_export(request.user),
        "query": g.urlencode(), "cache_minutes": stats_sel.CACHE_SECONDS // 60,
        "tables": [] if data is None else [
            ("unit", _("Theo đơn vị"), data.by_unit),
            ("class", _("Theo nhóm sự cố"), data.by_class),
            ("severity", _("Theo mức độ nghiêm trọng"), data.by_severity),
            ("month", _("Theo tháng tiếp nhận"), data.by_month),
        ],
    }
    return render(request, "incidents/stats.html", context, status=400 if error else 200)
