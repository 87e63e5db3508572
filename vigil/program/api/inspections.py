"""Program API: inspections."""

from ninja import Router

router = Router(tags=["program"])
