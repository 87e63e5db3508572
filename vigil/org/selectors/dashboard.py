"""What the dashboard shows a user: their units, and what needs attention in their scope."""

from vigil.core.access import scope_of, visible_to

from ..models import Unit
from .memberships import my_memberships


def dashboard_summary(*, user) -> dict:
    memberships = list(my_memberships(user=user))
    units = visible_to(user, Unit.objects.filter(is_active=True))
    scope = scope_of(user)
    from .completeness import summary_for

    return {
        "completeness": summary_for(user),
        "memberships": memberships,
        "units_in_scope": units.filter(scope.unit_q("view")).count(),
        "network_wide": scope.network_wide(),
    }
