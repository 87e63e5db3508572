"""Reads of memberships, always through the access layer."""

from vigil.core.access import visible_to

from ..models import Membership


def my_memberships(*, user, on=None):
    """The user's own active memberships (a user always sees their own)."""
    return (
        visible_to(user, Membership.objects.active(on))
        .filter(person__user=user)
        .select_related("unit__kind", "role")
        .order_by("unit__path", "role__sort_order")
    )
