"""Core API: the current user, personal API tokens, roles (2FA requirement) and the audit log."""

import zlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from vigil.core.pagination import PageNumberPagination

from .. import concurrency, directory, selectors
from ..access import allowed
from ..actors import api_actor
from ..services import auth as auth_services
from ..services.roles import role_set_2fa
from . import notifications, webhooks
from .schemas import (
    AuditEntryDetailOut,
    AuditEntryOut,
    AuditFilterIn,
    MeOut,
    MePatch,
    MessageOut,
    RoleOut,
    RolePatch,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)

router = Router(tags=["core"])
# The app's one router, mounted at /api/v1/core/: the caller's account, roles and the audit log
# below, notifications and webhooks from their own modules.
router.add_router("/", notifications.router)
router.add_router("/", webhooks.router)


# --------------------------------------------------------------------------- me


def _preferences_tag(user) -> concurrency.Tagged:
    """The ETag of the account's preferences: a number standing for their present values
    (If-Match on PATCH /me refuses a change made from a stale read with 412)."""
    return concurrency.Tagged(version=zlib.crc32(user.language.encode()) % 10**9 + 1,
                              name=str(_("Tuỳ chọn tài khoản")))


@router.get("/me", response=MeOut, summary="The authenticated user and their memberships")
def me(request):
    concurrency.tag(request, _preferences_tag(request.auth))
    return _me(request.auth)


@router.patch("/me", response=MeOut, summary="Change the authenticated user's preferences (language)")
def me_update(request, payload: MePatch):
    concurrency.if_match(request, _preferences_tag(request.auth))
    if payload.language is not None:
        auth_services.account_set_language(actor=api_actor(request), user=request.auth, language=payload.language)
    concurrency.tag(request, _preferences_tag(request.auth))
    return _me(request.auth)


def _me(user):
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "language": user.language,
        "network_wide": allowed(user, "view", None),
        "second_factor_required": auth_services.second_factor_required(user),
        "memberships": [
            {
                "unit": m.unit,
                "unit_id": m.unit_id, "unit_code": m.unit.code, "unit_name": m.unit.name,
                "role": m.role.code, "actions": sorted(set(m.role.actions) | {"view"}),
                "reaches_descendants": m.role.reaches_descendants,
            }
            for m in directory.memberships_of(user)
        ],
    }


@router.post(
    "/me/logout-everywhere", response=MessageOut,
    summary="End every browser session of the authenticated user (API tokens stay valid)",
)
def me_logout_everywhere(request):
    auth_services.logout_everywhere(actor=api_actor(request), user=request.auth)
    return {"detail": _("Đã đăng xuất khỏi mọi phiên.")}


# --------------------------------------------------------------------------- tokens


@router.get("/tokens", response=list[TokenOut], summary="List your personal API tokens")
def token_list(request):
    return list(selectors.token_list(user=request.auth))


@router.post(
    "/tokens", response={201: TokenCreatedOut},
    summary="Create a personal API token (the secret is returned once)",
)
def token_create(request, payload: TokenIn):
    current = getattr(request, "api_token", None)
    token, secret = auth_services.token_create(
        actor=api_actor(request), user=request.auth, name=payload.name, scope=payload.scope,
        days=payload.days, not_after=current.expires_at if current is not None else None,
    )
    token.secret = secret
    return 201, token


@router.get("/tokens/{token_id}", response=TokenOut, summary="One of your API tokens")
def token_get(request, token_id: int):
    return selectors.token_get(user=request.auth, token_id=token_id)


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke one of your API tokens")
def token_revoke(request, token_id: int):
    token = selectors.token_get(user=request.auth, token_id=token_id)
    return auth_services.token_revoke(actor=api_actor(request), token=token)


# --------------------------------------------------------------------------- roles


@router.get("/roles", response=list[RoleOut], summary="Roles, their actions and 2FA requirement")
def role_list(request):
    return list(selectors.role_list(user=request.auth))


@router.get("/roles/{role_id}", response=RoleOut, summary="One role")
def role_get(request, role_id: int):
    return concurrency.tag(request, selectors.role_get(user=request.auth, role_id=role_id))


@router.patch(
    "/roles/{role_id}", response=RoleOut,
    summary="Require (or not) a second factor for a role (network administrators)",
)
def role_update(request, role_id: int, payload: RolePatch):
    from ..access import require_network

    require_network(request.auth, "admin")
    role = selectors.role_get(user=request.auth, role_id=role_id, action="admin")
    version = concurrency.if_match(request, role)
    return concurrency.tag(request, role_set_2fa(actor=api_actor(request), role=role, required=payload.requires_2fa,
                                                 version=version))


# --------------------------------------------------------------------------- audit log


@router.get(
    "/audit", response=list[AuditEntryOut],
    summary="Audit log entries you may read, newest first, filtered and paginated",
)
@paginate(PageNumberPagination, page_size=50)
def audit_list(request, filters: Query[AuditFilterIn]):
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError({"date_to": [_("Ngày kết thúc phải từ ngày bắt đầu trở đi.")]})
    return selectors.audit_entries(
        user=request.auth, filters=selectors.AuditFilter(**filters.dict())
    )


@router.get(
    "/audit/{entry_id}", response=AuditEntryDetailOut,
    summary="One audit entry with its before/after snapshots and the fields that changed",
)
def audit_get(request, entry_id: int):
    entry = selectors.audit_entry_get(user=request.auth, entry_id=entry_id)
    entry.changes = [
        {"field": row["field"], "before": row["before"], "after": row["after"]}
        for row in selectors.audit_diff(entry) if row["changed"]
    ]
    return entry
