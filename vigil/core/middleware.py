"""Request logging (structured JSON), Prometheus counters, the per-role 2FA requirement, and the
deprecated API paths of the previous release (answered at their new path)."""

import logging
import time

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from . import metrics
from .appconfig import vigil_apps

log = logging.getLogger("vigil.request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        route = match.route if match else "unmatched"
        metrics.observe_request(request.method, route, response.status_code, elapsed)
        if request.path not in ("/health", "/metrics") and not request.path.startswith("/static/"):
            user = getattr(request, "user", None)
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round(elapsed * 1000, 1),
                    "user": getattr(user, "username", None) if user and user.is_authenticated else None,
                    "client": request.META.get("REMOTE_ADDR"),  # the real client (core/proxies.py)
                },
            )
        return response


EXEMPT_PREFIXES = ("/static/", "/health", "/metrics", "/api/", "/taxii2/", "/i18n/")


class RequireSecondFactorMiddleware:
    """A user holding a role that requires 2FA must verify a TOTP device before using pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
        ):
            from .services.auth import second_factor_required

            if second_factor_required(user):
                allowed = {reverse("core:otp_verify"), reverse("core:otp_setup"), reverse("core:logout")}
                if request.path not in allowed:
                    return redirect(f"{reverse('core:otp_verify')}?next={request.get_full_path()}")
        return self.get_response(request)


API_ROOT = "/api/v1/"


def api_aliases() -> dict[str, str]:
    """{old first path segment: the app's prefix}, from the apps' `api_aliases`."""
    return {segment: app.api_prefix for app in vigil_apps() for segment in app.api_aliases}


def successor_path(path: str, aliases: dict[str, str]) -> str | None:
    """The new path of a deprecated API path (/api/v1/tasks/3 → /api/v1/program/tasks/3), or
    None when the path is not an alias."""
    if not path.startswith(API_ROOT):
        return None
    rest = path[len(API_ROOT):]
    prefix = aliases.get(rest.split("/", 1)[0])
    return f"{API_ROOT}{prefix}/{rest}" if prefix else None


class DeprecatedApiAliasMiddleware:
    """The API paths of the previous release, before each app's API moved under its own
    prefix, still answer for one release (docs/api-deprecations.md): the request is routed to
    the new path as it is (same method, body and headers; no redirect, which POST clients would
    not follow) and the answer says `Deprecation: true` with a `Link` to its successor. The
    aliases are not operations, so the OpenAPI document does not show them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.aliases = api_aliases()

    def __call__(self, request):
        new_path = successor_path(request.path_info, self.aliases)
        if new_path is None:
            return self.get_response(request)
        request.path_info = new_path  # what the URL resolver reads; request.path keeps what was asked
        response = self.get_response(request)
        response["Deprecation"] = "true"
        response["Link"] = f'<{request.META.get("SCRIPT_NAME", "").rstrip("/")}{new_path}>; rel="successor-version"'
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Vietnamese first. A page is shown in the language its reader chose, never in the
    one their browser happens to send: the signed-in user's stored preference
    (`User.language`, set by the language switch), else the switch's cookie (before
    signing in), else Vietnamese. API and TAXII clients negotiate with Accept-Language as
    before (their problem texts follow it). Sits where Django's LocaleMiddleware sat; the
    stored preference is applied by `UserLanguageMiddleware`, after authentication."""

    def process_request(self, request):
        if request.path_info.startswith(("/api/", "/taxii2/")):
            language = translation.get_language_from_request(request, check_path=False)
        else:
            language = _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class UserLanguageMiddleware:
    """A signed-in user's pages in their stored language (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path_info.startswith(("/api/", "/taxii2/"))
                and _supported(getattr(user, "language", ""))):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


def _supported(code) -> str:
    codes = dict(settings.LANGUAGES)
    return code if code in codes else ""
