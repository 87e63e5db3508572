"""Pages of SLA clocks and statutory reporting stages: the incident page's two sections
(`detail_panel`), a statutory report's form, what my units must report, who is late
(the standing agency's view), and the SLA breaches.

Each view parses, calls one selector or service, and renders; domain errors become form
errors, or core's error page (403 / 404).
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core.web import form_data, get_or_post, submit

from ..forms import stages as forms
from ..selectors import incidents as incident_sel
from ..selectors import sla as sla_sel
from ..selectors import stages as stage_sel
from ..services import stages as stage_svc
from ..services.common import can_change

PAGE_SIZE = 50


def _incident_url(incident) -> str:
    try:
        return reverse("incidents:incident_detail", args=[incident.pk])
    except NoReverseMatch:
        return f"/incidents/{incident.pk}/"


def detail_panel(request, incident) -> dict:
    """Context of `_detail_sla.html` and `_detail_stages.html` on the incident's page."""
    user = request.user
    now = timezone.now()
    breaches = list(sla_sel.incident_breaches(user=user, incident=incident))
    reports = stage_sel.annotate_late(stage_sel.incident_stage_reports(user=user, incident=incident), now)
    return {
        "sla_clocks": sla_sel.sla_status(incident=incident, breaches=breaches, now=now),
        "sla_breaches": breaches,
        "stage_reports": reports,
        "can_submit_stage_reports": can_change(user, incident) and incident.is_open,
    }


@login_required
@get_or_post
def stage_report_submit(request, incident_id, stage_report_id):
    """Fill in and submit a statutory report: the stage's fields, all mandatory."""
    user = request.user
    incident = incident_sel.incident_get(user=user, pk=incident_id)
    report = stage_sel.stage_report_get(user=user, stage_report_id=stage_report_id, incident=incident)
    form = forms.StageReportForm(form_data(request), stage=report.stage, initial=report.data or None)
    editable = report.submitted_at is None and can_change(user, incident)
    return submit(
        request, form,
        lambda actor: stage_svc.stage_report_submit(actor=actor, stage_report=report, data=form.cleaned_data),
        success=_incident_url(incident), message=_("Đã nộp báo cáo “%(s)s”.") % {"s": report.stage.name},
        template="incidents/stage_form.html",
        context={"incident": incident, "report": report, "editable": editable, "incident_url": _incident_url(incident)},
        aliases={f"data.{name}": name for name in form.fields},  # the service names a field "data.<name>"
    )


@login_required
def stages_due(request):
    """What my units must report: late reports first, then those due in the next 30 days."""
    user = request.user
    form = forms.LateFilterForm(request.GET or None, user=user)
    unit = form.cleaned_data.get("unit") if form.is_bound and form.is_valid() else None
    now = timezone.now()
    rows = stage_sel.annotate_late(stage_sel.stages_due(user=user, unit=unit, now=now)[:500], now)
    return render(request, "incidents/stages_due.html", {"form": form, "rows": rows})


@login_required
def stages_overdue(request):
    """Who is late: overdue statutory reports grouped by reporting unit."""
    user = request.user
    form = forms.LateFilterForm(request.GET or None, user=user)
    unit = form.cleaned_data.get("unit") if form.is_bound and form.is_valid() else None
    groups = stage_sel.stages_overdue(user=user, unit=unit)
    return render(request, "incidents/stages_overdue.html", {"form": form, "groups": groups})


@login_required
def sla_breaches(request):
    """SLA breaches and escalations, newest first (filter by unit subtree, clock, dates)."""
    user = request.user
    form = forms.BreachFilterForm(request.GET or None, user=user)
    f = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = sla_sel.breach_list(user=user, unit=f.get("unit"), clock=f.get("clock") or None, level=f.get("level"),
                             date_from=f.get("date_from"), date_to=f.get("date_to"))
    params = request.GET.copy()
    params.pop("page", None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for b in page:
        b.incident_url = _incident_url(b.incident)
    return render(request, "incidents/sla_breaches.html", {"form": form, "page": page, "query": params.urlencode()})
