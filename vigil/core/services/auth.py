"""Account services: second-factor policy, API tokens, logging out everywhere."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..access import require, reset_scope
from ..actors import Actor
from ..errors import DomainError
from ..models import ApiToken

MAX_TOKEN_DAYS = 366


def second_factor_required(user) -> bool:
    """True when the user enrolled a TOTP device, or holds an active membership in a role
    that an administrator marked as requiring 2FA."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from vigil.org.models import Membership

    cached = getattr(user, "_vigil_2fa_required", None)
    if cached is None:
        cached = (
            TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            or Membership.objects.active().filter(person__user=user, role__requires_2fa=True).exists()
        )
        user._vigil_2fa_required = cached
    return cached


def token_create(*, actor: Actor, user, name: str, scope: str = "read", days: int = 90) -> tuple[ApiToken, str]:
    """Create a personal API token for `user`; returns (token, secret shown once)."""
    if actor.user is not None and actor.user.pk != user.pk and not actor.user.is_superuser:
        from ..errors import AccessDenied

        raise AccessDenied()
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Hãy đặt tên cho khoá."), field="name")
    if scope not in ApiToken.Scope.values:
        raise DomainError(_("Phạm vi phải là read hoặc write."), field="scope")
    if not 1 <= int(days) <= MAX_TOKEN_DAYS:
        raise DomainError(_("Thời hạn phải từ 1 đến %(n)s ngày.") % {"n": MAX_TOKEN_DAYS}, field="days")
    key_id, secret = ApiToken.new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:100], key_id=key_id, key_hash=ApiToken.hash_secret(secret),
            scope=scope, expires_at=timezone.now() + timedelta(days=int(days)),
        )
        audit.record(actor=actor, action="create", obj=token, after=audit.snapshot(token))
    return token, secret


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    require(actor.user, "change", token)
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        before = audit.snapshot(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="revoke", obj=token, before=before, after=audit.snapshot(token))
    return token


def logout_everywhere(*, actor: Actor, user) -> None:
    """End every session of `user` (the session hash includes the epoch)."""
    if actor.user is None or (actor.user.pk != user.pk and not actor.user.is_superuser):
        from ..errors import AccessDenied

        raise AccessDenied()
    with transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(session_epoch=user.session_epoch + 1)
        user.session_epoch += 1
        audit.record(actor=actor, action="logout_all", obj=user, object_repr=user.username)
    reset_scope(user)
