"""Reads of accounts: users (for the CLI), a user's own API tokens and TOTP devices.

Every function that returns data on behalf of a user starts from
`core.access.visible_to(user, ...)`; the one the CLI uses with the platform's own
authority (looking a user up by name) says so in its docstring.
"""

from __future__ import annotations

from django.db.models import QuerySet

from ..access import visible_to
from ..errors import NotFound
from ..models import ApiToken, User

# --------------------------------------------------------------------------- users


def user_by_username(username: str) -> User:
    """The account named `username` (exact, then case-insensitive), for CLI commands that
    run with the platform operator's authority. Raises NotFound."""
    from django.utils.translation import gettext as _

    users = User._default_manager
    found = users.filter(username=username).first() or users.filter(username__iexact=username).first()
    if found is None:
        raise NotFound(_("Không có tài khoản tên %(u)s.") % {"u": username}, field="username")
    return found


# --------------------------------------------------------------------------- tokens


def token_list(*, user) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first (a user never sees another's tokens)."""
    return visible_to(user, ApiToken).order_by("-created_at", "-pk")


def token_get(*, user, token_id: int) -> ApiToken:
    """One of the user's own tokens by id; NotFound for anyone else's."""
    token = visible_to(user, ApiToken).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    return token


def token_get_by_key(*, user, key_id: str) -> ApiToken:
    """One of the user's own tokens by its public key id (`vgl_<key_id>_…`)."""
    from django.utils.translation import gettext as _

    key_id = (key_id or "").strip()
    if key_id.startswith(ApiToken.PREFIX):
        key_id = key_id[len(ApiToken.PREFIX):].split("_", 1)[0]
    token = visible_to(user, ApiToken).filter(key_id=key_id).first()
    if token is None:
        raise NotFound(_("Không có khoá API %(k)s của tài khoản này.") % {"k": key_id}, field="key_id")
    return token


# --------------------------------------------------------------------------- TOTP devices


def otp_devices(*, user, confirmed: bool | None = True) -> list:
    """The user's own TOTP devices (django-otp's helper filters by user)."""
    from django_otp import devices_for_user

    if not getattr(user, "is_authenticated", False):
        return []
    return list(devices_for_user(user, confirmed=confirmed))


def otp_pending_device(*, user):
    """The user's unconfirmed TOTP device being enrolled, or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for device in otp_devices(user=user, confirmed=False):
        if isinstance(device, TOTPDevice):
            return device
    return None
