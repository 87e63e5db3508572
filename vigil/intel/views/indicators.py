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
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import audit
from vigil.core import observables as obs_kinds
from vigil.core.access import can
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.observables import case_get, observables_of_case
from vigil.core.web import form_data, get_or_post, is_htmx, map_errors, post_only, submit, web_actor

from .. import decay, forms
from .. import selectors as sel
from ..formats import EXPORTERS
from ..services import indicators as svc

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
        map_errors(form, exc)
    rows = sel.with_tag_names(user, page.rows)
    query = _filter_query(request)
    context = {
        "form": form, "rows": rows, "next_cursor": page.next_cursor, "query": query,
        "first_page": not request.GET.get("cursor"), "export_formats": export_formats(),
        "can_add": forms.addable_units(user).exists(),
    }
    # An htmx answer also refreshes the export menu (out of band): its links follow the filters.
    context["exports_oob"] = is_htmx(request)
    template = "intel/_indicator_table.html" if context["exports_oob"] else "intel/indicator_list.html"
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
def indicator_detail(request, indicator_id):
    """One indicator: roll-up, status and why, score now, claims, correlations, sightings."""
    indicator = sel.indicator_get(request.user, indicator_id)
    audit.record_view(web_actor(request), indicator)
    return render(request, "intel/indicator_detail.html", _detail_context(request, indicator))


@login_required
@get_or_post
def indicator_create(request):
    """Add one value by hand, asserted by the chosen unit's manual source."""
    user = request.user
    form = forms.IndicatorForm(form_data(request), user=user, initial={"tlp": "amber"})
    if not form.fields["unit"].queryset.exists():
        raise AccessDenied(_("Bạn không có quyền thêm chỉ báo cho đơn vị nào."))
    return submit(
        request, form, lambda actor: svc.indicator_add_manual(actor=actor, **form.service_data()),
        success=_detail_url,
        message=lambda indicator: _("Đã ghi nhận chỉ báo %(v)s.") % {"v": indicator.display_value},
        template="intel/indicator_form.html",
    )


def _detail_url(indicator, anchor: str = "") -> str:
    url = reverse("intel:indicator_detail", kwargs={"indicator_id": indicator.pk})
    return f"{url}#{anchor}" if anchor else url


def _detail_again(request, indicator, status=400, **bound):
    context = _detail_context(request, indicator, **bound)
    return render(request, "intel/indicator_detail.html", context, status=status)


def _with_reason(request, indicator_id, *, form_class, form_key, service, done):
    """A change of the indicator that needs a reason (revoke, activate despite a
    warninglist): the form, the service, a message, or the page again with the errors."""
    user = request.user
    indicator = sel.indicator_get(user, indicator_id)
    if not can(user, "change", indicator):
        raise AccessDenied()
    form = form_class(request.POST)
    return submit(
        request, form, lambda actor: service(actor=actor, indicator=indicator, reason=form.cleaned_data["reason"]),
        success=_detail_url(indicator), message=done,
        page=lambda status: _detail_again(request, indicator, status, **{form_key: form}),
    )


@login_required
@post_only
def indicator_revoke(request, indicator_id):
    """Withdraw the indicator everywhere (a false positive), with a reason."""
    return _with_reason(request, indicator_id, form_class=forms.RevokeForm, form_key="revoke_form",
                        service=svc.indicator_revoke, done=_("Đã thu hồi chỉ báo."))


@login_required
@post_only
def indicator_allow(request, indicator_id):
    """Activate a warninglisted indicator all the same (with a reason), or withdraw that."""
    if request.POST.get("allow") == "0":
        indicator = sel.indicator_get(request.user, indicator_id)
        svc.indicator_allow(actor=web_actor(request), indicator=indicator, allow=False)
        messages.success(request, _("Chỉ báo lại bị danh sách cảnh báo giữ lại."))
        return redirect("intel:indicator_detail", indicator_id=indicator.pk)
    return _with_reason(request, indicator_id, form_class=forms.AllowForm, form_key="allow_form",
                        service=svc.indicator_allow, done=_("Đã kích hoạt chỉ báo dù có trong danh sách cảnh báo."))


@login_required
@post_only
def indicator_restore(request, indicator_id):
    """Put a revoked indicator back."""
    user = request.user
    indicator = sel.indicator_get(user, indicator_id)
    svc.indicator_restore(actor=web_actor(request), indicator=indicator)
    messages.success(request, _("Đã khôi phục chỉ báo."))
    return redirect("intel:indicator_detail", indicator_id=indicator.pk)


@login_required
@post_only
def sighting_add(request, indicator_id):
    """Record that one of the user's units saw the indicator."""
    user = request.user
    indicator = sel.indicator_get(user, indicator_id)
    units = forms.addable_units(user)
    if not units.exists():
        raise AccessDenied()
    form = forms.SightingForm(request.POST, units=units)

    def save(actor):
        d = form.cleaned_data
        return svc.sighting_add(actor=actor, indicator=indicator, unit=d["unit"], seen_at=d.get("seen_at"),
                                count=d["count"], note=d.get("note") or "", tlp=d["tlp"])

    return submit(
        request, form, save, success=_detail_url(indicator, "sightings"), message=_("Đã ghi nhận lần phát hiện."),
        page=lambda status: _detail_again(request, indicator, status, sighting_form=form),
    )


@login_required
def sighting_list(request):
    """Recent sightings the user may see."""
    return render(request, "intel/sighting_list.html", {"sightings": sel.sighting_list(request.user)})


# --------------------------------------------------------------------------- incidents


def _incident_context(request, incident, **bound) -> dict:
    user = request.user
    observables = observables_of_case(user, incident)
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
def incident_indicators(request, incident_id):
    """An incident's observables, each with the known indicator of its value."""
    incident = case_get(request.user, incident_id)
    return render(request, "intel/incident_indicators.html", _incident_context(request, incident))


@login_required
@post_only
def incident_promote(request, incident_id):
    """Turn the incident's observables into indicators of the chosen unit's manual source."""
    user = request.user
    incident = case_get(user, incident_id)
    units = forms.addable_units(user)
    if not units.exists():
        raise AccessDenied()
    form = forms.PromoteForm(request.POST, units=units)
    return submit(
        request, form,
        lambda actor: svc.promote_observables(actor=actor, incident=incident, unit=form.cleaned_data["unit"],
                                              tlp=form.cleaned_data.get("tlp") or None),
        success=reverse("intel:incident_indicators", kwargs={"incident_id": incident.pk}),
        message=lambda count: ngettext("Đã chuyển %(n)s dấu hiệu thành chỉ báo.", "Đã chuyển %(n)s dấu hiệu thành chỉ báo.", count) % {"n": count},
        page=lambda status: render(request, "intel/incident_indicators.html",
                                   _incident_context(request, incident, promote_form=form), status=status),
    )
