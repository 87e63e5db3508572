"""Who is calling the TAXII server: a Vigil API token, sent the ways TAXII clients send
credentials. `Authorization: Bearer <token>` (and `Token <token>`, what taxii2-client's
`TokenAuth` sends), or HTTP Basic with the token as the password (any user name), which is
what most TAXII clients and TIPs offer. The browser session is not accepted: the endpoints
take no CSRF token, so a session must not be able to write through them."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext as _

from vigil.core.api.auth import TokenRefused, check_token_use
from vigil.core.models import ApiToken
from vigil.core.services.auth import user_for_token

from .protocol import TaxiiError

REALM = "Vigil TAXII"
CHALLENGE = f'Basic realm="{REALM}", Bearer realm="{REALM}"'


def _credential(header: str) -> str:
    """The token carried by an Authorization header ("" when there is none)."""
    scheme, _sep, rest = header.strip().partition(" ")
    scheme = scheme.lower()
    rest = rest.strip()
    if scheme in ("bearer", "token"):
        return rest
    if scheme == "basic":
        try:
            decoded = base64.b64decode(rest, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        username, _sep, password = decoded.partition(":")
        # The token is the password; a client that only has a "user" field may put it there.
        return password or username
    return ""


def authenticate(request):
    """(user, token) of the request, or TaxiiError 401 with a WWW-Authenticate challenge.
    A read-only token on a writing method is refused with 403."""
    raw = _credential(request.META.get("HTTP_AUTHORIZATION", ""))
    user, token = user_for_token(raw) if raw else (None, None)
    if user is None:
        description = (_("Khoá API không hợp lệ, đã hết hạn hoặc đã bị thu hồi.") if raw
                       else _("Cần khoá API: gửi “Authorization: Bearer <khoá>” hoặc HTTP Basic với khoá là mật khẩu."))
        raise TaxiiError(401, _("Chưa xác thực"), description, headers={"WWW-Authenticate": CHALLENGE})
    try:
        check_token_use(user, token, request.method)
    except TokenRefused as exc:
        raise TaxiiError(403, _("Không có quyền"), str(exc.message)) from None
    return user, token


def token_may_write(token) -> bool:
    return token is not None and token.scope == ApiToken.Scope.WRITE
