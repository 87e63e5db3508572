"""The TAXII 2.1 endpoints (OASIS TAXII 2.1, sections 4 and 5) as plain Django views.

Each view parses, calls one selector or service and renders; `endpoint` does what every
TAXII endpoint does the same way: the method check (405), token authentication (401 with
a challenge), content negotiation (406), and turning domain errors into TAXII error
messages. The views take no CSRF token: they accept API tokens only, never the session.
"""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from vigil.core import safejson
from vigil.core.actors import Actor, client_address
from vigil.core.errors import DomainError

from . import selectors, services
from .auth import authenticate, token_may_write
from .pagination import parse_query
from .protocol import (
    STIX_MEDIA_TYPE,
    TAXII_MEDIA_TYPE,
    TaxiiError,
    accepts_taxii,
    body_type_supported,
    default_title,
    error_response,
    taxii_response,
    timestamp,
)

API_ROOT = "vigil"
DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024


def max_content_length() -> int:
    return int(getattr(settings, "TAXII_MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH))


def endpoint(*methods: str):
    """The protocol frame of one TAXII endpoint: `methods` allowed, a token required, the
    TAXII media type negotiated, domain errors rendered as TAXII error messages."""

    def wrap(view):
        @csrf_exempt
        @functools.wraps(view)
        def inner(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise TaxiiError(405, default_title(405),
                                     _("Điểm cuối này chỉ nhận: %(methods)s.") % {"methods": ", ".join(methods)},
                                     headers={"Allow": ", ".join(methods)})
                user, token = authenticate(request)
                if not accepts_taxii(request.META.get("HTTP_ACCEPT")):
                    raise TaxiiError(406, default_title(406),
                                     _("Máy chủ chỉ trả về %(type)s.") % {"type": TAXII_MEDIA_TYPE})
                request.taxii_user, request.taxii_token = user, token
                return view(request, *args, **kwargs)
            except TaxiiError as exc:
                return error_response(exc)
            except DomainError as exc:
                description = str(exc.message)
                if exc.field and exc.status == 400:
                    description = f"{exc.field}: {description}"
                return error_response(TaxiiError(exc.status, exc.title, description))

        return inner

    return wrap


def _actor(request) -> Actor:
    return Actor(user=request.taxii_user, address=client_address(request), channel="api")


def _root_url(request) -> str:
    return request.build_absolute_uri(f"{reverse('taxii:discovery')}{API_ROOT}/")


def _page_headers(page) -> dict:
    if not page.entries:
        return {}
    return {"X-TAXII-Date-Added-First": timestamp(page.first_added),
            "X-TAXII-Date-Added-Last": timestamp(page.last_added)}


def _envelope(page, items_key: str, items) -> dict:
    data = {"more": page.more}
    if page.more and page.next:
        data["next"] = page.next
    if items:
        data[items_key] = items
    return data


def status_resource(status) -> dict:
    """The status resource (TAXII 2.1, 4.3.1) of a stored TaxiiStatus."""
    data = {
        "id": str(status.uuid),
        "status": status.status,
        "request_timestamp": timestamp(status.request_timestamp),
        "total_count": status.total_count,
        "success_count": status.success_count,
        "failure_count": status.failure_count,
        "pending_count": status.pending_count,
    }
    for key in ("successes", "failures", "pendings"):
        if getattr(status, key):
            data[key] = getattr(status, key)
    return data


# --------------------------------------------------------------------------- discovery


@endpoint("GET")
def discovery(request):
    """Server discovery (4.1): the one API root of Vigil, as an absolute URL."""
    root = _root_url(request)
    data = {
        "title": _("Vigil – máy chủ TAXII 2.1"),
        "description": _("Chia sẻ chỉ báo và đối tượng STIX 2.1 giữa các thành viên mạng lưới; mỗi người "
                         "đọc chỉ nhận những gì nhãn TLP cho phép."),
        "default": root,
        "api_roots": [root],
    }
    contact = getattr(settings, "TAXII_CONTACT", "") or getattr(settings, "DEFAULT_FROM_EMAIL", "")
    if contact:
        data["contact"] = contact
    return taxii_response(data)


@endpoint("GET")
def api_root(request):
    """API root information (4.2)."""
    return taxii_response({
        "title": _("Vigil – tri thức mối đe doạ"),
        "description": _("Chỉ báo của Vigil theo nhãn TLP và các đối tượng STIX do thành viên chia sẻ."),
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": max_content_length(),
    })


@endpoint("GET")
def status(request, status_id):
    """A status resource (4.3), for the user who made the request."""
    return taxii_response(status_resource(selectors.status_get(request.taxii_user, status_id)))


# --------------------------------------------------------------------------- collections


def _collection_resource(request, collection) -> dict:
    may_write = token_may_write(request.taxii_token) and selectors.can_write(request.taxii_user, collection)
    data = {
        "id": str(collection.uuid),
        "title": collection.title,
        "alias": collection.alias,
        "can_read": True,
        "can_write": may_write,
        "media_types": [STIX_MEDIA_TYPE],
    }
    if collection.description:
        data["description"] = collection.description
    return data


@endpoint("GET")
def collections(request):
    """Get collections (5.1)."""
    rows = [_collection_resource(request, c) for c in selectors.collections(request.taxii_user)]
    return taxii_response({"collections": rows} if rows else {})


@endpoint("GET")
def collection(request, collection_id):
    """Get a collection (5.2)."""
    found = selectors.collection_get(request.taxii_user, collection_id)
    return taxii_response(_collection_resource(request, found))


@endpoint("GET", "POST")
def collection_objects(request, collection_id):
    """Get objects (5.3) and add objects (5.4)."""
    found = selectors.collection_get(request.taxii_user, collection_id)
    if request.method == "POST":
        return _add_objects(request, found)
    page = selectors.objects_page(request.taxii_user, found, parse_query(request.GET))
    return taxii_response(_envelope(page, "objects", [e.data for e in page.entries]), headers=_page_headers(page))


@endpoint("GET", "DELETE")
def object_detail(request, collection_id, object_id):
    """Get an object (5.5) and delete an object (5.7)."""
    found = selectors.collection_get(request.taxii_user, collection_id)
    if request.method == "DELETE":
        query = parse_query(request.GET, default_version="all")
        services.object_delete(actor=_actor(request), collection=found, object_id=object_id, query=query)
        return taxii_response(None)
    page = selectors.objects_page(request.taxii_user, found, parse_query(request.GET), object_id=object_id)
    return taxii_response(_envelope(page, "objects", [e.data for e in page.entries]), headers=_page_headers(page))


@endpoint("GET")
def object_versions(request, collection_id, object_id):
    """Get object versions (5.8)."""
    found = selectors.collection_get(request.taxii_user, collection_id)
    page = selectors.versions_page(request.taxii_user, found, parse_query(request.GET), object_id)
    return taxii_response(_envelope(page, "versions", [e.version for e in page.entries]), headers=_page_headers(page))


@endpoint("GET")
def manifest(request, collection_id):
    """Get object manifests (5.6)."""
    found = selectors.collection_get(request.taxii_user, collection_id)
    page = selectors.objects_page(request.taxii_user, found, parse_query(request.GET), with_data=False)
    rows = [{"id": e.id, "date_added": timestamp(e.date_added), "version": e.version, "media_type": e.media_type}
            for e in page.entries]
    return taxii_response(_envelope(page, "objects", rows), headers=_page_headers(page))


def _add_objects(request, collection):
    if not body_type_supported(request.META.get("CONTENT_TYPE")):
        raise TaxiiError(415, default_title(415),
                         _("Nội dung gửi lên phải có kiểu %(type)s.") % {"type": TAXII_MEDIA_TYPE})
    limit = max_content_length()
    too_big = TaxiiError(413, default_title(413),
                         _("Nội dung vượt quá giới hạn %(limit)s byte của máy chủ.") % {"limit": limit})
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_big
    body = request.read(limit + 1)  # the stream, not request.body: the limit is ours
    if len(body) > limit:
        raise too_big
    try:
        envelope = safejson.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TaxiiError(400, default_title(400),
                         _("Nội dung không phải JSON hợp lệ: %(error)s") % {"error": exc}) from exc
    result = services.objects_add(actor=_actor(request), collection=collection, envelope=envelope)
    return taxii_response(status_resource(result), status=202)
