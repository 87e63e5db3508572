"""Program API: meetings."""

from ninja import Router

router = Router(tags=["program"])
