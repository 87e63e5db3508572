"""Org API: units and constituency (units.py), people, memberships and decisions (people.py)."""

from ninja import Router

from . import people, units

router = Router()
router.add_router("/", units.router)
router.add_router("/", people.router)
