"""Pages of intake and triage: the report form and its receipt (the tracking number), the
triage form, the merge form, and the triage section of an incident's page.

Each view parses, calls one service or read, and renders. Domain errors become form
errors next to the field they name, or core's error page (403 / 404) otherwise. Objects
are looked up before permissions are checked, so what is out of sight answers 404.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from vigil.assets.selectors import systems_visible
from vigil.core import access, concurrency
from vigil.core.errors import AccessDenied
from vigil.core.web import get_or_post, submit, web_actor

from ..forms import intake as forms
from ..selectors.incidents import incident_get
from ..services import intake as intake_svc
from ..services import triage as triage_svc
from ..services.common import can_change, require_change

ALIASES = {"intake_key": None, "channel": None, "reporter_name": None, "reporter_email": None,
           "duplicate": None, "state": None, "recipients": None}


# --------------------------------------------------------------------------- report


@login_required
@get_or_post
def report(request):
    """Report an incident: any member, on behalf of a unit they belong to."""
    user = request.user
    if not access.is_member(user):
        raise AccessDenied()
    units = intake_svc.reporter_units(user)
    first = units.first()
    form = forms.ReportForm(
        request.POST or None, request.FILES or None, user=user, units=units, systems=systems_visible(user),
        initial={"reporter_unit": first.pk if first else None},
    )

    def save(actor):
        data = form.cleaned_data
        return intake_svc.incident_report(
            actor=actor, channel="web", title=data["title"], description=data["description"],
            detected_at=data.get("detected_at"), reporter_unit=data.get("reporter_unit"),
            reporter_phone=data.get("reporter_phone", ""), observables_text=data.get("observables", ""),
            systems=data.get("systems") or [], tlp=data["tlp"], attachments=data.get("attachments") or [],
        )

    return submit(
        request, form, save,
        success=lambda incident: reverse("incidents:report_received", kwargs={"reference": incident.reference}),
        template="incidents/report_form.html", aliases=ALIASES,
    )


@login_required
def report_received(request, reference):
    """The receipt: the tracking number of a report (the reporter's or a handler's view)."""
    incident = intake_svc.incident_track(user=request.user, reference=reference)
    return render(request, "incidents/report_received.html", {
        "incident": incident, "can_change": can_change(request.user, incident),
        "detail_url": intake_svc.incident_url(incident),
    })


# --------------------------------------------------------------------------- triage, merge


@login_required
@get_or_post
def triage(request, incident_id):
    """Classify and rate an incident (`change` on it)."""
    user = request.user
    incident = incident_get(user=user, pk=incident_id)
    require_change(web_actor(request), incident)
    initial = {
        "incident_type": incident.incident_type_id, "impact": incident.impact or 2, "urgency": incident.urgency or 2,
        "tlp": incident.tlp, "pap": incident.pap, "owner_unit": incident.owner_unit_id, "sector": incident.sector,
        "shared_with": list(incident.shared_with.values_list("pk", flat=True)),
    }
    form = forms.TriageForm(request.POST or None, user=user, types=triage_svc.active_types(), incident=incident,
                            initial=initial)
    concurrency.add_version_field(form, incident)

    def save(actor):
        data = form.cleaned_data
        return triage_svc.incident_triage(
            actor=actor, incident=incident, incident_type=data["incident_type"],
            impact=data["impact"], urgency=data["urgency"], tlp=data["tlp"], pap=data["pap"],
            owner_unit=data["owner_unit"], sector=data.get("sector", ""),
            shared_with=list(data.get("shared_with") or []), version=data.get("version"),
        )

    detail_url = intake_svc.incident_url(incident)
    return submit(
        request, form, save, success=detail_url,
        message=_("Đã phân loại sự cố %(ref)s.") % {"ref": incident.reference},
        template="incidents/triage_form.html", context={"incident": incident, "detail_url": detail_url},
        obj=incident, aliases=ALIASES,
    )


@login_required
@get_or_post
def merge(request, incident_id):
    """Merge this incident (a duplicate) into another (`change` on both)."""
    user = request.user
    incident = incident_get(user=user, pk=incident_id)
    require_change(web_actor(request), incident)
    form = forms.MergeForm(request.POST or None, targets=triage_svc.merge_targets(user=user, incident=incident),
                           initial={"into": request.GET.get("into")})

    def save(actor):
        into = form.cleaned_data["into"]
        triage_svc.incident_merge(actor=actor, duplicate=incident, into=into, reason=form.cleaned_data["reason"])
        return into

    return submit(
        request, form, save, success=intake_svc.incident_url,
        message=lambda into: _("Đã gộp sự cố %(dup)s vào %(into)s.") % {"dup": incident.reference,
                                                                         "into": into.reference},
        template="incidents/merge_form.html",
        context={"incident": incident, "detail_url": intake_svc.incident_url(incident),
                 "duplicates": triage_svc.duplicates_for(user=user, incident=incident)},
        aliases=ALIASES,
    )


# --------------------------------------------------------------------------- detail section


def detail_panel(request, incident) -> dict:
    """Context of `_detail_triage.html`: whether the user may triage or merge, and the
    likely duplicates (for those who may)."""
    allowed = can_change(request.user, incident)
    return {
        "triage_can_change": allowed and incident.is_open,
        "triage_duplicates": triage_svc.duplicates_for(user=request.user, incident=incident, limit=5) if allowed else [],
    }
