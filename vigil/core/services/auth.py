"""Account services: second-factor policy and TOTP enrolment, API tokens, logging out
everywhere. Each write runs in a transaction and leaves an audit entry."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit, directory
from ..access import may_act_on_account, reset_scope
from ..actors import Actor
from ..errors import AccessDenied, DomainError
from ..models import ApiToken

MAX_TOKEN_DAYS = 366
DEFAULT_TOKEN_DAYS = 90


def _acting_for(actor: Actor, user) -> None:
    """The actor may act on `user`'s account: themselves, a superuser, or the platform
    (CLI/jobs), decided by the access layer."""
    if not may_act_on_account(actor, user):
        raise AccessDenied()


def user_for_token(raw: str):
    """The active user of a token, or None. Touches last_used_at at most once a minute."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None, None
    try:
        key_id, _secret = raw[len(ApiToken.PREFIX):].split("_", 1)
    except ValueError:
        return None, None
    token = ApiToken.objects.select_related("user").filter(key_id=key_id).first()
    if token is None or token.key_hash != ApiToken.hash_secret(raw) or not token.is_active:
        return None, None
    if not token.user.is_active:
        return None, None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


# --------------------------------------------------------------------------- second factor


def _role_requires_2fa(user) -> bool:
    """Whether the user holds an active membership in a role marked as requiring 2FA
    (asked of the organisation directory, which owns memberships and roles)."""
    return directory.requires_second_factor(user)


def _has_confirmed_device(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_required(user) -> bool:
    """True when the user enrolled a TOTP device, or holds an active membership in a role
    that an administrator marked as requiring 2FA."""
    cached = getattr(user, "_vigil_2fa_required", None)
    if cached is None:
        cached = _has_confirmed_device(user) or _role_requires_2fa(user)
        user._vigil_2fa_required = cached
    return cached


def second_factor_missing(user) -> bool:
    """True when the user holds an active membership in a role that requires 2FA and has
    no confirmed TOTP device: such a user may not use API tokens (made before the role
    started requiring it) until they enrol one through a browser session."""
    return _role_requires_2fa(user) and not _has_confirmed_device(user)


def _forget_2fa_cache(user) -> None:
    if hasattr(user, "_vigil_2fa_required"):
        del user._vigil_2fa_required


def otp_enrol_start(*, actor: Actor, user):
    """The user's pending (unconfirmed) TOTP device, created if there is none.

    Refused when the user already has a confirmed device: replacing it goes through
    `otp_reset` from a session that was verified with the current device, so a stolen
    password alone can never enrol a new authenticator.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _acting_for(actor, user)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise DomainError(_("Tài khoản đã có ứng dụng xác thực."), code="otp-enrolled")
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Vigil", confirmed=False)
            audit.record(actor=actor, action="otp_start", obj=user, object_repr=user.username)
    return device


def otp_enrol_confirm(*, actor: Actor, user, device, token: str):
    """Confirm a pending device with a code it generated; returns the confirmed device."""
    _acting_for(actor, user)
    if device.user_id != user.pk or device.confirmed:
        raise DomainError(_("Không tìm thấy thiết bị đang đăng ký."), field="token")
    # Outside the transaction: a wrong code must still count towards django-otp's throttle.
    if not device.verify_token(str(token).strip()):
        raise DomainError(_("Mã xác thực không đúng hoặc đã hết hạn."), field="token")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(actor=actor, action="otp_enrol", obj=user, object_repr=user.username)
    _forget_2fa_cache(user)
    return device


def otp_reset(*, actor: Actor, user) -> int:
    """Remove every TOTP device of `user` (to enrol a new phone). The adapter must only
    offer this to a session verified by the current device, or to an administrator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _acting_for(actor, user)
    with transaction.atomic():
        count, _detail = TOTPDevice.objects.filter(user=user).delete()
        audit.record(actor=actor, action="otp_reset", obj=user, object_repr=user.username,
                     after={"devices_removed": count})
    _forget_2fa_cache(user)
    return count


# --------------------------------------------------------------------------- API tokens


def token_create(
    *,
    actor: Actor,
    user,
    name: str,
    scope: str = "read",
    days: int = DEFAULT_TOKEN_DAYS,
    not_after: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a personal API token for `user`; returns (token, secret shown once).

    `not_after` caps the expiry (a token created through another token never outlives it).
    """
    _acting_for(actor, user)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Hãy đặt tên cho khoá."), field="name")
    if len(name) > 100:
        raise DomainError(_("Tên khoá tối đa 100 ký tự."), field="name")
    if scope not in ApiToken.Scope.values:
        raise DomainError(_("Phạm vi phải là read hoặc write."), field="scope")
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise DomainError(_("Thời hạn phải là số ngày."), field="days") from None
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise DomainError(_("Thời hạn phải từ 1 đến %(n)s ngày.") % {"n": MAX_TOKEN_DAYS}, field="days")
    expires_at = timezone.now() + timedelta(days=days)
    if not_after is not None and expires_at > not_after:
        raise DomainError(
            _("Khoá mới không được hết hạn sau khoá đang dùng để tạo nó (%(d)s).")
            % {"d": timezone.localtime(not_after).strftime("%d/%m/%Y %H:%M")},
            field="days",
        )
    key_id, secret = ApiToken.new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, key_id=key_id, key_hash=ApiToken.hash_secret(secret),
            scope=scope, expires_at=expires_at,
        )
        audit.record(actor=actor, action="create", obj=token, after=audit.snapshot(token))
    return token, secret


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token (its owner, a superuser, or the platform). Revoking twice is a no-op."""
    if not may_act_on_account(actor, token.user):
        raise AccessDenied()
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        before = audit.snapshot(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="revoke", obj=token, before=before, after=audit.snapshot(token))
    return token


# --------------------------------------------------------------------------- sessions


def logout_everywhere(*, actor: Actor, user) -> None:
    """End every session of `user` (the session hash includes the epoch). API tokens are
    not affected: they are revoked one by one."""
    if not may_act_on_account(actor, user):
        raise AccessDenied()
    from django.db.models import F

    from ..models import User

    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        user.session_epoch = User.objects.values_list("session_epoch", flat=True).get(pk=user.pk)
        audit.record(actor=actor, action="logout_all", obj=user, object_repr=user.username)
    reset_scope(user)


def account_set_language(*, actor: Actor, user, language: str) -> bool:
    """Store the language `user` reads Vigil in (the pages, notifications and documents
    made for them). Vietnamese until they choose otherwise; returns whether it changed."""
    from django.conf import settings

    _acting_for(actor, user)
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("Ngôn ngữ không được hỗ trợ: %(v)s.") % {"v": language}, field="language")
    if user.language == language:
        return False
    with transaction.atomic():
        before = {"language": user.language}
        user.language = language
        user.save(update_fields=["language"])
        audit.record(actor=actor, action="set_language", obj=user, object_repr=user.username,
                     before=before, after={"language": language})
    return True
