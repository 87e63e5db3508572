"""Program API: office."""

from ninja import Router

router = Router(tags=["program"])
