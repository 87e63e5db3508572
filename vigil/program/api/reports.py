"""Program API: reports."""

from ninja import Router

router = Router(tags=["program"])
