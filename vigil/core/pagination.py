"""The API's one page-number pagination: ninja's, with the page number bounded.

Ninja's own `page` is any integer >= 1, so `?page=10**18` became an OFFSET past SQLite's
64-bit integer and a 500. Every paginated list of the API uses this class (the
architecture test refuses `ninja.pagination.PageNumberPagination` anywhere else); a page
number past MAX_PAGE is a 422 naming the field, and one past the end is an empty page."""

from typing import Optional

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as _NinjaPageNumberPagination

# 1,000,000 pages of at most NINJA_PAGINATION_MAX_PER_PAGE_SIZE rows stays far below 2**63.
MAX_PAGE = 1_000_000


class PageNumberPagination(_NinjaPageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: Optional[int] = Field(None, ge=1)  # noqa: UP045 (clamped to the largest page size)
