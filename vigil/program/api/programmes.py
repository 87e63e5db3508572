"""Program API: programmes."""

from ninja import Router

router = Router(tags=["program"])
