"""The wire rules of TAXII 2.1 (OASIS, sections 1.6 and 3): media types, content
negotiation, error messages and timestamps. Kept apart from the views so that every
endpoint answers the same way: a client that sends an unacceptable `Accept` gets 406, a
body of the wrong type 415, and every error is a TAXII error message
`{"title", "description", "http_status"}` in the negotiated media type."""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpResponse
from django.utils.translation import gettext as _

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
VERSION = "2.1"
ACCEPTED_BODY_TYPES = ("application/taxii+json", "application/stix+json")


class TaxiiError(Exception):
    """An answer other than success, with its HTTP status and a message for the client."""

    def __init__(self, status: int, title, description="", *, headers: dict | None = None):
        self.status = status
        self.title = str(title)
        self.description = str(description or "")
        self.headers = headers or {}
        super().__init__(self.title)


def default_title(status: int) -> str:
    """The Vietnamese title of an error status (gettext msgids)."""
    titles = {
        400: _("Yêu cầu không hợp lệ"),
        401: _("Chưa xác thực"),
        403: _("Không có quyền"),
        404: _("Không tìm thấy"),
        405: _("Phương thức không được hỗ trợ"),
        406: _("Không đáp ứng được kiểu nội dung yêu cầu"),
        409: _("Xung đột dữ liệu"),
        413: _("Yêu cầu quá lớn"),
        415: _("Kiểu nội dung không được hỗ trợ"),
    }
    return titles.get(status, _("Lỗi máy chủ"))


def taxii_response(data: dict | None, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """A TAXII resource in the TAXII 2.1 media type (an empty body when `data` is None)."""
    body = b"" if data is None else json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = HttpResponse(body, status=status, content_type=TAXII_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: TaxiiError) -> HttpResponse:
    """A TAXII error message (section 3.6.1); `http_status` is a string, as the spec has it."""
    data = {"title": error.title, "http_status": str(error.status)}
    if error.description:
        data["description"] = error.description
    return taxii_response(data, status=error.status, headers=error.headers)


def _media_ranges(header: str):
    """(type, params) for each media range of an Accept or Content-Type header."""
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        params = {}
        for piece in pieces[1:]:
            if "=" in piece:
                key, value = piece.split("=", 1)
                params[key.strip().lower()] = value.strip().strip('"').lower()
        yield media, params


def _quality(params: dict) -> float:
    try:
        return float(params.get("q", "1"))
    except ValueError:
        return 0.0


def accepts_taxii(header: str | None) -> bool:
    """Whether an Accept header admits `application/taxii+json;version=2.1`. A missing
    header, `*/*` and `application/*` do; so does the media type without a version."""
    if not header or not header.strip():
        return True
    for media, params in _media_ranges(header):
        if _quality(params) <= 0:
            continue
        if media in ("*/*", "application/*"):
            return True
        if media == "application/taxii+json" and params.get("version", VERSION) == VERSION:
            return True
    return False


def body_type_supported(header: str | None) -> bool:
    """Whether a request body's Content-Type is one the Add Objects endpoint reads: the
    TAXII 2.1 envelope media type, with or without its version, or STIX 2.1."""
    if not header:
        return False
    ranges = list(_media_ranges(header))
    if len(ranges) != 1:
        return False
    media, params = ranges[0]
    return media in ACCEPTED_BODY_TYPES and params.get("version", VERSION) == VERSION


def timestamp(value: dt.datetime) -> str:
    """A TAXII timestamp with microsecond precision (date_added, request_timestamp and the
    X-TAXII-Date-Added headers), so that `added_after` can resume exactly."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
