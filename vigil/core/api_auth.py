"""API authentication: personal tokens (Bearer) and, for the browser, the session with CSRF."""

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .models import ApiToken

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


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


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        user, api_token = user_for_token(token)
        if user is None:
            return None
        if api_token.scope == ApiToken.Scope.READ and request.method not in SAFE_METHODS:
            from django.utils.translation import gettext as _

            from .errors import AccessDenied

            raise AccessDenied(_("Khoá API chỉ đọc không được phép ghi."))
        request.auth_user = user
        request.user = user
        request.api_token = api_token
        return user


class BrowserSessionAuth(SessionAuth):
    """The logged-in browser session (ninja checks CSRF on unsafe methods), when verified
    by a second factor where the user's role requires one."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        from .services.auth import second_factor_required

        if not user.is_verified() and second_factor_required(user):
            return None
        request.auth_user = user
        return user


API_AUTH = [TokenAuth(), BrowserSessionAuth()]
