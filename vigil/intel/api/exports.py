"""Intelligence API, exports: the indicators you may see, filtered, in any registered
export format (plain list, DNS RPZ, nftables / ipset, Suricata, STIX, MISP, CSV), streamed.

This is the blocklist endpoint resolvers and firewalls poll with an API token. Every
answer carries an ETag computed from one aggregate over the filtered set; a request
whose `If-None-Match` names it answers 304 without a body, without reading a row and
without an audit entry (nothing left the platform).
"""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from ninja import Query, Router

from vigil.core.actors import api_actor
from vigil.intel.api.schemas import IndicatorQuery

from .. import selectors as sel
from ..services import exports as svc

router = Router(tags=["intel"])


def _matches(header: str, etag: str) -> bool:
    """RFC 9110 weak comparison of If-None-Match against our strong tag."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return f'"{etag}"' in tags


@router.get(
    "/exports/{export_format}", url_name="intel_export",
    summary="Export indicators as a blocklist or bundle (filters as the list; ETag / If-None-Match: 304)",
    openapi_extra={"responses": {
        200: {"description": "The export, streamed", "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "string"}},
        }},
        304: {"description": "Not modified since the ETag in If-None-Match"},
    }},
)
def export_indicators(request, export_format: str, filters: Query[IndicatorQuery]):
    actor = api_actor(request)
    parsed = sel.IndicatorFilters.parse(filters.as_filter_data())
    etag = svc.export_etag(actor=actor, fmt=export_format, filters=parsed)
    if _matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
        response["ETag"] = f'"{etag}"'
        return response
    produced = svc.export(actor=actor, fmt=export_format, filters=parsed, etag=etag)
    response = StreamingHttpResponse(produced.chunks, content_type=produced.content_type)
    response["ETag"] = f'"{etag}"'
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response
