"""Program API: tasks."""

from ninja import Router

router = Router(tags=["program"])
