"""Intelligence API, indicators: the list (filters, keyset pages), one indicator with its
claims and correlations, adding one by hand, revoking and restoring, sightings.

Thin adapters: parse, call a selector or a service, return a schema. An indicator the
caller cannot see answers 404; one they see but may not change, 403.
"""

from __future__ import annotations

from ninja import Query, Router, Status

from vigil.core import audit
from vigil.core.actors import api_actor
from vigil.core.directory import unit_ref
from vigil.intel.api.schemas import (
    IndicatorDetailOut,
    IndicatorOut,
    IndicatorPageOut,
    IndicatorPageQuery,
    IntelReasonIn,
    ManualIndicatorIn,
    SightingIn,
    SightingOut,
)

from .. import selectors as sel
from ..services import indicators as svc

router = Router(tags=["intel"])


def _detail(request, indicator_id: int):
    user = request.auth
    indicator = sel.indicator_get(user, indicator_id)
    audit.record_view(api_actor(request), indicator)
    correlated = sel.correlations(user, indicator)
    for s in correlated["sightings"]:
        s.indicator = indicator
    indicator.correlated = correlated
    return indicator


@router.get("/indicators", response=IndicatorPageOut,
            summary="List indicators you may see (filters; newest last-seen first; keyset pages with `cursor`)")
def list_indicators(request, filters: Query[IndicatorPageQuery]):
    parsed = sel.IndicatorFilters.parse(filters.as_filter_data())
    page = sel.indicator_page(request.auth, parsed, cursor=filters.cursor, limit=filters.limit)
    return {"items": page.rows, "next_cursor": page.next_cursor or None}


@router.post("/indicators", response={201: IndicatorOut},
             summary="Add one indicator by hand (asserted by the unit's manual source for its label)")
def create_indicator(request, payload: ManualIndicatorIn):
    user = request.auth
    indicator = svc.indicator_add_manual(
        actor=api_actor(request), unit=unit_ref(user, payload.unit, field="unit", active_only=True, bad_input=True), type=payload.type,
        value=payload.value, tlp=payload.tlp, confidence=payload.confidence, tags=payload.tags,
        attack_ids=payload.attack_ids, description=payload.description,
    )
    return Status(201, sel.indicator_get(user, indicator.pk))


@router.get("/indicators/{int:indicator_id}", response=IndicatorDetailOut,
            summary="One indicator: roll-up, status, decay score, claims, incident observables, sightings")
def get_indicator(request, indicator_id: int):
    return _detail(request, indicator_id)


@router.post("/indicators/{int:indicator_id}/revoke", response=IndicatorOut,
             summary="Revoke an indicator (false positive): it leaves every export and TAXII collection")
def revoke_indicator(request, indicator_id: int, payload: IntelReasonIn):
    indicator = sel.indicator_get(request.auth, indicator_id)
    return svc.indicator_revoke(actor=api_actor(request), indicator=indicator, reason=payload.reason)


@router.post("/indicators/{int:indicator_id}/allow", response=IndicatorOut,
             summary="Activate a warninglisted indicator all the same (reason required)")
def allow_indicator(request, indicator_id: int, payload: IntelReasonIn):
    indicator = sel.indicator_get(request.auth, indicator_id)
    return svc.indicator_allow(actor=api_actor(request), indicator=indicator, reason=payload.reason)


@router.post("/indicators/{int:indicator_id}/disallow", response=IndicatorOut,
             summary="Let the warninglist hold an allowed indicator back again")
def disallow_indicator(request, indicator_id: int):
    indicator = sel.indicator_get(request.auth, indicator_id)
    return svc.indicator_allow(actor=api_actor(request), indicator=indicator, allow=False)


@router.post("/indicators/{int:indicator_id}/restore", response=IndicatorOut,
             summary="Restore a revoked indicator")
def restore_indicator(request, indicator_id: int):
    indicator = sel.indicator_get(request.auth, indicator_id)
    return svc.indicator_restore(actor=api_actor(request), indicator=indicator)


@router.get("/indicators/{int:indicator_id}/sightings", response=list[SightingOut],
            summary="Sightings of one indicator you may see, newest first")
def list_indicator_sightings(request, indicator_id: int):
    indicator = sel.indicator_get(request.auth, indicator_id)
    rows = sel.sightings_of(request.auth, indicator)
    for s in rows:
        s.indicator = indicator
    return rows


@router.post("/indicators/{int:indicator_id}/sightings", response={201: SightingOut},
             summary="Record a sighting of the indicator by one of your units")
def create_sighting(request, indicator_id: int, payload: SightingIn):
    user = request.auth
    indicator = sel.indicator_get(user, indicator_id)
    sighting = svc.sighting_add(
        actor=api_actor(request), indicator=indicator, unit=unit_ref(user, payload.unit, field="unit", active_only=True, bad_input=True),
        seen_at=payload.seen_at, count=payload.count, note=payload.note, tlp=payload.tlp,
    )
    return Status(201, sighting)


@router.get("/sightings", response=list[SightingOut], summary="Recent sightings you may see (newest first)")
def list_sightings(request, limit: int = Query(100, ge=1, le=1000)):
    return sel.sighting_list(request.auth, limit=limit)
