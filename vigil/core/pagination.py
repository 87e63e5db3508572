"""Pagination, the two kinds: the API's one page-number pagination, and the one keyset
paginator (`Keyset`) of the lists too long to count or to OFFSET into.

Page numbers: ninja's, with the page number bounded.

Ninja's own `page` is any integer >= 1, so `?page=10**18` became an OFFSET past SQLite's
64-bit integer and a 500. Every paginated list of the API uses this class (the
architecture test refuses `ninja.pagination.PageNumberPagination` anywhere else); a page
number past MAX_PAGE is a 422 naming the field, and one past the end is an empty page."""

import base64
import binascii
import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Optional

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as _NinjaPageNumberPagination

from .errors import DomainError

# 1,000,000 pages of at most NINJA_PAGINATION_MAX_PER_PAGE_SIZE rows stays far below 2**63.
MAX_PAGE = 1_000_000


class PageNumberPagination(_NinjaPageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: Optional[int] = Field(None, ge=1)  # noqa: UP045 (clamped to the largest page size)


# --------------------------------------------------------------------------- keyset pages


@dataclass
class KeysetPage:
    """One page of a keyset list: its rows, and the opaque cursor of the next page (None
    on the last one)."""

    items: list
    next_cursor: str | None
    more: bool


def encode_cursor(when: dt.datetime, pk: int) -> str:
    """An opaque cursor: the keyset position (a timestamp, a row id) of the last row served."""
    payload = json.dumps([when.isoformat(), int(pk)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(text: str, *, field: str = "cursor", message=None) -> tuple[dt.datetime, int]:
    """The keyset position of `encode_cursor`'s text; a DomainError naming `field` when it
    is not one this server wrote (`message` replaces the default message)."""
    try:
        padded = str(text) + "=" * (-len(str(text)) % 4)
        when, pk = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        value = dt.datetime.fromisoformat(when)
        if value.tzinfo is None or isinstance(pk, bool) or not isinstance(pk, int):
            raise ValueError
        return value, pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise DomainError(message or _("Con trỏ trang không hợp lệ."), field=field) from None


@dataclass(frozen=True)
class Keyset:
    """A list paged by keyset on (`column`, pk): a timestamp column and the row id, both
    descending (newest first) or both ascending. Each page is one index range scan after
    the cursor's position however deep the client pages, rows sharing one timestamp are
    neither repeated nor skipped, no OFFSET and nothing counted. Every keyset list of the
    API, the pages and the CLI (incidents, indicators, TAXII) is paged through this.

        page = Keyset("received_at").page(qs, cursor=request.GET.get("cursor"), size=50)
    """

    column: str
    descending: bool = True
    field: str = "cursor"  # the parameter that carries the cursor, named in errors
    message: object = None  # the error message for a bad cursor (default: a generic one)

    def order(self, qs: QuerySet) -> QuerySet:
        if self.descending:
            return qs.order_by(f"-{self.column}", "-pk")
        return qs.order_by(self.column, "pk")

    def after(self, qs: QuerySet, position: tuple[dt.datetime, int] | None) -> QuerySet:
        """The rows of `qs` that come after `position` in this order."""
        if position is None:
            return qs
        when, pk = position
        op = "lt" if self.descending else "gt"
        return qs.filter(Q(**{f"{self.column}__{op}": when}) | Q(**{self.column: when, f"pk__{op}": pk}))

    def decode(self, cursor: str) -> tuple[dt.datetime, int]:
        return decode_cursor(cursor, field=self.field, message=self.message)

    def cursor_of(self, row) -> str:
        return encode_cursor(getattr(row, self.column), row.pk)

    def page(self, qs: QuerySet, *, cursor: str | None = None, size: int) -> KeysetPage:
        """At most `size` rows of `qs` (ordered here) after `cursor`."""
        qs = self.order(self.after(qs, self.decode(cursor) if cursor else None))
        rows = list(qs[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        return KeysetPage(items=rows, next_cursor=self.cursor_of(rows[-1]) if more and rows else None, more=more)


# --------------------------------------------------------------------------- page numbers (pages)


@dataclass
class PageInfo:
    """Where a page sits in a list a page shows by number: number (from 1), size, total
    rows; the attributes Django's paginator offers to templates."""

    number: int
    per_page: int
    total: int

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


def make_page(page, per_page, total: int, *, default_size: int = 50, max_size: int = 200) -> PageInfo:
    """A page number and size from a query string, clamped into the list: a size between
    1 and `max_size`, a number past the end shows the last page, anything unreadable is
    the default."""
    try:
        size = int(per_page)
    except (TypeError, ValueError):
        size = default_size
    size = min(max(size, 1), max_size)
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    info = PageInfo(number=1, per_page=size, total=total)
    info.number = min(max(number, 1), info.num_pages)
    return info
