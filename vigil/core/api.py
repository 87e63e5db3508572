"""Core API: the current user; API tokens and the audit log."""

from ninja import Router, Schema

from .access import scope_of

router = Router(tags=["core"])


class MembershipOut(Schema):
    unit_id: int
    unit_code: str
    unit_name: str
    role: str
    actions: list[str]
    reaches_descendants: bool


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    language: str
    network_wide: bool
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="The authenticated user and their memberships")
def me(request):
    from vigil.org.models import Membership

    user = request.auth
    rows = Membership.objects.active().filter(person__user=user).select_related("unit", "role")
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "language": user.language,
        "network_wide": scope_of(user).network_wide(),
        "memberships": [
            {
                "unit_id": m.unit_id, "unit_code": m.unit.code, "unit_name": m.unit.name,
                "role": m.role.code, "actions": sorted(set(m.role.actions) | {"view"}),
                "reaches_descendants": m.role.reaches_descendants,
            }
            for m in rows
        ],
    }
