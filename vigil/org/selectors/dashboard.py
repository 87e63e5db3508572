"""What the home page shows a user from the organisation: their units, how far their scope
reaches, and the completeness of the bodies in it (the panels `OrgConfig` registers with
`core.dashboard`)."""

from vigil.core.access import allowed, units_in_scope, visible_to

from ..models import Unit
from .memberships import my_memberships


def dashboard_memberships(*, user) -> dict:
    """The user's own active memberships."""
    return {"memberships": list(my_memberships(user=user))}


def dashboard_scope(*, user) -> dict:
    """How many active units the user's scope reaches, and whether it is network-wide."""
    units = visible_to(user, Unit.objects.filter(is_active=True))
    return {
        "units_in_scope": units_in_scope(user, units).count(),
        "network_wide": allowed(user, "view", None),
    }


def dashboard_completeness(*, user) -> dict:
    """Complete and incomplete bodies in the user's scope, and the target date."""
    from .completeness import summary_for

    return {"completeness": summary_for(user)}
