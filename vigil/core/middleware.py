"""Request logging (structured JSON), Prometheus counters, and the per-role 2FA requirement."""

import logging
import time

from django.shortcuts import redirect
from django.urls import reverse

from . import metrics

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
