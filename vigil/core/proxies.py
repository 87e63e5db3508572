"""Behind a reverse proxy: the real scheme, host and client address, from trusted proxies only.

`VIGIL_TRUSTED_PROXIES` lists the addresses or networks (CIDR) of the proxies in front of
Vigil (empty: none). Only when the connecting peer (REMOTE_ADDR) is one of them are its
X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host honoured: REMOTE_ADDR becomes the
client's address, the scheme the one the browser used (so HSTS is sent and CSRF's origin
check compares https with https), the host the one the browser asked for. From any other
peer those headers are removed, so nothing further down (the audit log, the lockout, the
request log) can be fooled by a spoofed X-Forwarded-For.

The parsing is waitress's own (`waitress.proxy_headers`, the code behind its
`trusted_proxy` options); this middleware adds the CIDR peer check waitress does not have
and makes the rule hold under any WSGI server, `vigil serve` included (which is told to
pass the headers through to it: `serve_proxy_options`). With `VIGIL_TRUSTED_PROXY_COUNT`
proxies in a row, the address that many hops from the right of X-Forwarded-For is the client.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseBadRequest
from waitress.proxy_headers import (
    PROXY_HEADERS,
    MalformedProxyHeader,
    clear_untrusted_headers,
    parse_proxy_headers,
)

log = logging.getLogger("vigil.request")

HONOURED = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    networks = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"VIGIL_TRUSTED_PROXIES: {entry!r} is not an IP address or network (CIDR)."
            ) from None
    return tuple(networks)


def trusted_networks() -> tuple:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def is_trusted_proxy(address: str | None) -> bool:
    networks = trusted_networks()
    if not networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks)


def apply_forwarded(environ: dict) -> str | None:
    """Rewrite `environ` (a WSGI environ, i.e. `request.META`) by the rule above. Returns
    an error message when a trusted proxy sent malformed headers, else None."""
    untrusted = PROXY_HEADERS
    if is_trusted_proxy(environ.get("REMOTE_ADDR")):
        try:
            untrusted = parse_proxy_headers(
                environ,
                trusted_proxy_count=max(1, int(getattr(settings, "TRUSTED_PROXY_COUNT", 1))),
                trusted_proxy_headers=set(HONOURED),
            )
        except MalformedProxyHeader as exc:
            clear_untrusted_headers(environ, PROXY_HEADERS)
            return f"{exc.header}: {exc.reason}"
        try:
            ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:
            return "X-Forwarded-For: not an IP address"
    clear_untrusted_headers(environ, untrusted)
    return None


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: everything after it sees the real scheme, host and client."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        error = apply_forwarded(request.META)
        if error:
            log.warning("malformed proxy header", extra={"detail": error})
            return HttpResponseBadRequest(f"Malformed proxy header ({error}).", content_type="text/plain")
        return self.get_response(request)


def serve_proxy_options() -> dict:
    """waitress options for `vigil serve`: by default waitress drops X-Forwarded-* itself;
    with trusted proxies configured it passes them through to TrustedProxyMiddleware,
    which decides by the peer's address (waitress's own `trusted_proxy` takes a single
    exact address and no networks)."""
    if trusted_networks():
        return {"clear_untrusted_proxy_headers": False}
    return {}
