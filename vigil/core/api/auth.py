"""API authentication: personal tokens (Bearer) and, for the browser, the session with CSRF."""

from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from ..errors import AccessDenied
from ..models import ApiToken
from ..services.auth import user_for_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenRefused(AccessDenied):
    """A valid token that may not be used for this request (403). `code` tells why:
    `read-only-token` or `second-factor-required`."""


def check_token_use(user, token, method: str) -> None:
    """The one rule on what a valid token may do, shared by the API, the exports and TAXII.

    Refused (TokenRefused) when the token's user holds a role that requires a second
    factor and has no confirmed TOTP device (a token made before the role started
    requiring it must stop working), and when a read-only token is used to write.
    """
    from ..services.auth import second_factor_missing

    if second_factor_missing(user):
        raise TokenRefused(
            _("Vai trò của bạn yêu cầu xác thực hai lớp nhưng tài khoản chưa có ứng dụng xác thực; "
              "khoá API bị từ chối cho đến khi bạn đăng nhập và đăng ký ứng dụng xác thực."),
            code="second-factor-required",
        )
    if token.scope == ApiToken.Scope.READ and method not in SAFE_METHODS:
        raise TokenRefused(_("Khoá API chỉ đọc không được phép ghi."), code="read-only-token")


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        user, api_token = user_for_token(token)
        if user is None:
            return None
        check_token_use(user, api_token, request.method)
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
        from ..services.auth import second_factor_required

        if not user.is_verified() and second_factor_required(user):
            return None
        request.auth_user = user
        return user


API_AUTH = [TokenAuth(), BrowserSessionAuth()]
