"""Indicator pages: the list (filters, keyset pages, export menu), one indicator (its
claims, correlations, decay score, sightings, revoke / restore), the form to add one by
hand, recent sightings, and an incident's observables with the indicators they match.

Values are always shown defanged. Each view parses, calls one selector or service and
renders; a service's error goes next to the field it names, an indicator the user may not
see is a 404 whatever the method.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core import audit
from vigil.core.access import can
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.views.common import domain_errors
from vigil.incidents import observables as obs_kinds
from vigil.incidents.selectors import incidents as incident_sel

from .. import decay, forms
from .. import selectors as sel
from ..formats import EXPORTERS
from ..services import indicators as svc
from .common import actor, form_errors, is_htmx

FILTER_NAMES = ("type", "status", "q", "source", "tag", "min_confidence", "max_tlp", "max_age_days")


def export_formats() -> list[tuple[str, str]]:
    """Registered export formats with their labels, for the export menu."""
    out = []
    for code, dotted in EXPORTERS.items():
        try:
            out.append((code, str(import_string(dotted).label or code)))
        except ImportError:
            continue
    return out


def _filter_query(request) -> str:
    params = request.GET.copy()
    for key in list(params):
        if key not in FILTER_NAMES:
            params.pop(key)
    return params.urlencode()


@login_required
@domain_errors
def indicator_list(request):
    """The indicators the user may see, newest last-seen first, keyset-paged ("next" by
    cursor: the table is never counted in full)."""
    user = request.user
    form = forms.IndicatorFilterForm(request.GET or None, user=user)
    page = sel.Page(rows=[])
    try:
        filters = sel.IndicatorFilters.parse(request.GET)
        page = sel.indicator_page(user, filters, cursor=request.GET.get("cursor", ""))
    except DomainError as exc:
        forms.service_errors(form, exc.errors())
    rows = sel.with_tag_names(user, page.rows)
    query = _filter_query(request)
    context = {
        "form": form, "rows": rows, "next_cursor": page.next_cursor, "query": query,
        "first_page": not request.GET.get("cursor"), "export_formats": export_formats(),
        "can_add": forms.addable_units(user).exists(),
    }
    template = "intel/_indicator_table.html" if is_htmx(request) else "intel/indicator_list.html"
    return render(request, template, context)


def _detail_context(request, indicator, **bound) -> dict:
    user = request.user
    correlated = sel.correlations(user, indicator)
    for o in correlated["observables"]:
        o.value_defanged = obs_kinds.defang(o.kind, o.value)
    units = forms.addable_units(user)
    can_change = can(user, "change", indicator)
    first_unit = units.first()
    return {
        "indicator": indicator,
        "score": decay.score(indicator),
        "claims": correlated["claims"],
        "observables": correlated["observables"],
        "sightings": correlated["sightings"],
        "other_sources": len({c.source_id for c in correlated["claims"]}),
        "can_change": can_change,
        "sighting_form": (bound.get("sighting_form") or forms.SightingForm(units=units, initial={"unit": first_unit}))
        if first_unit else None,
        "revoke_form": (bound.get("revoke_form") or forms.RevokeForm()) if can_change else None,
        "allow_form": (bound.get("allow_form") or forms.AllowForm()) if can_change else None,
    }


@login_required
@domain_errors
def indicator_detail(request, indicator_id):
    """One indicator: roll-up, status and why, score now, claims, correlations, sightings."""
    indicator = sel.indicator_get(request.user, indicator_id)
    audit.record_view(actor(request), indicator)
    return render(request, "intel/indicator_detail.html", _detail_context(request, indicator))


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def indicator_create(request):
    """Add one value by hand, asserted by the chosen unit's manual source."""
    user = request.user
    form = forms.IndicatorForm(request.POST if request.method == "POST" else None, user=user,
                               initial={"tlp": "amber"})
    if not form.fields["unit"].queryset.exists():
        raise AccessDenied(_("Bạn không có quyền thêm chỉ báo cho đơn vị nào."))
    if request.method == "POST" and form.is_valid():
        try:
            indicator = svc.indicator_add_manual(actor=actor(request), **form.service_data())
        except (DomainError, ValidationError) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Đã ghi nhận chỉ báo %(v)s.") % {"v": indicator.display_value})
            return redirect("intel:indicator_detail", indicator_id=indicator.pk)
    return render(request, "intel/indicator_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _detail_again(request, indicator, **bound):
    context = _detail_context(request, indicator, **bound)
    return render(request, "intel/indicator_detail.html", context, status=400)


def _with_reason(request, indicator_id, *, form_class, form_key, service, done):
    """A change of the indicator that needs a reason (revoke, activate despite a
    warninglist): the form, the service, a message, or the page again with the errors."""
    user = request.user
    indicator = sel.indicator_get(user, indicator_id)
    if not can(user, "change", indicator):
        raise AccessDenied()
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(actor=actor(request), indicator=indicator, reason=form.cleaned_data["reason"])
        except (DomainError, ValidationError) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("intel:indicator_detail", indicator_id=indicator.pk)
    return _detail_again(request, indicator, **{form_key: form})


@login_required
@domain_errors
@require_POST
def indicator_revoke(request, indicator_id):
    """Withdraw the indicator everywhere (a false positive), with a reason."""
    return _with_reason(request, indicator_id, form_class=forms.RevokeForm, form_key="revoke_form",
                        service=svc.indicator_revoke, done=_("Đã thu hồi chỉ báo."))


@login_required
@domain_errors
@require_POST
def indicator_allow(request, indicator_id):
    """Activate a warninglisted indicator all the same (with a reason), or withdraw that."""
    if request.POST.get("allow") == "0":
        indicator = sel.indicator_get(request.user, indicator_id)
        svc.indicator_allow(actor=actor(request), indicator=indicator, allow=False)
        messages.success(request, _("Chỉ báo lại bị danh sách cảnh báo giữ lại."))
        return redirect("intel:indicator_detail", indicator_id=indicator.pk)
    return _with_reason(request, indicator_id, form_class=forms.AllowForm, form_key="allow_form",
                        service=svc.indicator_allow, done=_("Đã kích hoạt chỉ báo dù có trong danh sách cảnh báo."))


@login_required
@domain_errors
@require_POST
def indicator_restore(request, indicator_id):
    """Put a revoked indicator back."""
    user = request.user
    indicator = sel.indicator_get(user, indicator_id)
    svc.indicator_restore(actor=actor(request), indicator=indicator)
    messages.success(request, _("Đã khôi phục chỉ báo."))
    return redirect("intel:indicator_detail", indicator_id=indicator.pk)


@login_required
@domain_errors
@require_POST
def sighting_add(request, indicator_id):
    """Record that one of the user's units saw the indicator."""
    user = request.user
    indicator = sel.indicator_get(user, indicator_id)
    units = forms.addable_units(user)
    if not units.exists():
        raise AccessDenied()
    form = forms.SightingForm(request.POST, units=units)
    if form.is_valid():
        d = form.cleaned_data
        try:
            svc.sighting_add(actor=actor(request), indicator=indicator, unit=d["unit"], seen_at=d.get("seen_at"),
                             count=d["count"], note=d.get("note") or "", tlp=d["tlp"])
        except (DomainError, ValidationError) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Đã ghi nhận lần phát hiện."))
            return redirect(reverse("intel:indicator_detail", kwargs={"indicator_id": indicator.pk}) + "#sightings")
    return _detail_again(request, indicator, sighting_form=form)


@login_required
@domain_errors
def sighting_list(request):
    """Recent sightings the user may see."""
    return render(request, "intel/sighting_list.html", {"sightings": sel.sighting_list(request.user)})


# --------------------------------------------------------------------------- incidents


def _incident_context(request, incident, **bound) -> dict:
    user = request.user
    observables = list(incident_sel.observables(user, incident))
    known = sel.indicators_for_observables(user, observables)
    for o in observables:
        o.value_defanged = obs_kinds.defang(o.kind, o.value)
        o.indicator = known.get(o.pk)
    units = forms.addable_units(user)
    initial = {}
    if units.filter(pk=incident.owner_unit_id).exists():
        initial["unit"] = incident.owner_unit_id
    promote_form = bound.get("promote_form")
    if promote_form is None and units.exists():
        promote_form = forms.PromoteForm(units=units, initial=initial)
    return {"incident": incident, "observables": observables, "known": len(known), "promote_form": promote_form}


@login_required
@domain_errors
def incident_indicators(request, incident_id):
    """An incident's observables, each with the known indicator of its value."""
    incident = incident_sel.incident_get(user=request.user, pk=incident_id)
    return render(request, "intel/incident_indicators.html", _incident_context(request, incident))


@login_required
@domain_errors
@require_POST
def incident_promote(request, incident_id):
    """Turn the incident's observables into indicators of the chosen unit's manual source."""
    user = request.user
    incident = incident_sel.incident_get(user=user, pk=incident_id)
    units = forms.addable_units(user)
    if not units.exists():
        raise AccessDenied()
    form = forms.PromoteForm(request.POST, units=units)
    if form.is_valid():
        try:
            count = svc.promote_observables(actor=actor(request), incident=incident, unit=form.cleaned_data["unit"],
                                            tlp=form.cleaned_data.get("tlp") or None)
        except (DomainError, ValidationError) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Đã chuyển %(n)s dấu hiệu thành chỉ báo.") % {"n": count})
            return redirect("intel:incident_indicators", incident_id=incident.pk)
    return render(request, "intel/incident_indicators.html",
                  _incident_context(request, incident, promote_form=form), status=400)
