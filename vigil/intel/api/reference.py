"""Intelligence API, reference data: warninglists (known-benign values; network
administrators turn one on or off) and MISP taxonomies (read-only)."""

from __future__ import annotations

from ninja import Query, Router

from vigil.core.actors import api_actor
from vigil.intel.api.schemas import EnabledIn, TaxonomyOut, WarninglistDetailOut, WarninglistOut

from .. import selectors as sel

router = Router(tags=["intel"])


@router.get("/warninglists", response=list[WarninglistOut], summary="Warninglists (known-benign values)")
def list_warninglists(request):
    return list(sel.warninglists(request.auth).defer("entries"))


@router.get("/warninglists/{int:warninglist_id}", response=WarninglistDetailOut,
            summary="One warninglist with its first `limit` entries")
def get_warninglist(request, warninglist_id: int, limit: int = Query(200, ge=0, le=100000)):
    wl = sel.warninglist_get(request.auth, warninglist_id)
    wl.entries_limit = limit
    return wl


@router.post("/warninglists/{int:warninglist_id}/enable", response=WarninglistOut,
             summary="Turn a warninglist on or off (network administrators)")
def enable_warninglist(request, warninglist_id: int, payload: EnabledIn):
    from ..services.warninglists import warninglist_set_enabled

    wl = sel.warninglist_get(request.auth, warninglist_id)
    warninglist_set_enabled(actor=api_actor(request), warninglist=wl, enabled=payload.enabled)
    return sel.warninglist_get(request.auth, warninglist_id)


@router.get("/taxonomies", response=list[TaxonomyOut], summary="MISP taxonomies loaded as data")
def list_taxonomies(request):
    return list(sel.taxonomies(request.auth))
