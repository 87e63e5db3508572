"""The query of the TAXII list endpoints (section 3.4): `added_after`, `limit`, `next` and
the `match[...]` filters, parsed once and checked, with errors that name the parameter.

Pages are keyset pages on (date added, row id): the `next` cursor is the position of the
last row served, so a page costs one index range scan however deep the client pages, and
rows that share one date added (a bulk import stamps a whole batch with one instant) are
neither repeated nor skipped. Nothing is counted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from vigil.core.errors import DomainError
from vigil.core.pagination import Keyset

BAD_NEXT = _lazy("Giá trị next không hợp lệ: hãy dùng đúng giá trị máy chủ đã trả về.")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
VERSION_KEYWORDS = ("last", "first", "all")


@dataclass(frozen=True)
class Timestamp:
    """A timestamp a client sent, with the precision it was written in (fraction digits),
    so that `match[version]=2024-01-01T00:00:00.123Z` matches what was served as that."""

    value: dt.datetime
    digits: int
    text: str


@dataclass
class TaxiiQuery:
    added_after: dt.datetime | None = None
    limit: int = DEFAULT_LIMIT
    after: tuple[dt.datetime, int] | None = None  # the keyset position of `next`
    types: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=lambda: ["last"])  # keywords
    version_times: list[Timestamp] = field(default_factory=list)
    spec_versions: list[str] = field(default_factory=list)

    @property
    def all_versions(self) -> bool:
        return "all" in self.versions


def parse_timestamp(text: str, name: str) -> Timestamp:
    """An RFC 3339 timestamp (`Z` or an offset); a naive one is read as UTC."""
    raw = (text or "").strip()
    value = parse_datetime(raw.replace("z", "Z").replace("Z", "+00:00")) if raw else None
    if value is None:
        raise DomainError(_("Tham số %(name)s phải là thời điểm RFC 3339, ví dụ 2024-01-31T08:00:00.000Z "
                            "(nhận được “%(value)s”).") % {"name": name, "value": raw[:60]}, field=name)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    fraction = raw.split("T", 1)[-1].split(".", 1)
    digits = 0
    if len(fraction) == 2:
        digits = len(fraction[1]) - len(fraction[1].lstrip("0123456789"))
    return Timestamp(value=value.astimezone(dt.UTC), digits=digits, text=raw)


def _list(params, name: str) -> list[str]:
    values: list[str] = []
    for raw in params.getlist(name) if hasattr(params, "getlist") else [params.get(name, "")]:
        for item in str(raw or "").split(","):
            item = item.strip()
            if item and item not in values:
                values.append(item)
    return values


def keyset(column: str) -> Keyset:
    """The keyset order of a TAXII list on `column` (date added), oldest first; a bad
    `next` is refused naming the parameter."""
    return Keyset(column, descending=False, field="next", message=BAD_NEXT)


def parse_query(params, *, default_version: str = "last") -> TaxiiQuery:
    """The query of a list endpoint from `request.GET`. Unknown parameters are ignored (the
    specification lets servers ignore filters they do not support)."""
    query = TaxiiQuery(versions=[default_version])
    added_after = params.get("added_after")
    if added_after not in (None, ""):
        query.added_after = parse_timestamp(added_after, "added_after").value
    limit = params.get("limit")
    if limit not in (None, ""):
        try:
            number = int(limit)
        except ValueError:
            number = 0
        if number < 1:
            raise DomainError(_("Tham số limit phải là số nguyên dương (nhận được “%(value)s”).")
                              % {"value": str(limit)[:30]}, field="limit")
        query.limit = min(number, MAX_LIMIT)
    cursor = params.get("next")
    if cursor:
        query.after = keyset("date_added").decode(cursor)
    query.types = [t.lower() for t in _list(params, "match[type]")]
    query.ids = _list(params, "match[id]")
    query.spec_versions = _list(params, "match[spec_version]")
    versions = _list(params, "match[version]")
    if versions:
        query.versions = [v for v in versions if v in VERSION_KEYWORDS]
        query.version_times = [parse_timestamp(v, "match[version]") for v in versions if v not in VERSION_KEYWORDS]
    return query
