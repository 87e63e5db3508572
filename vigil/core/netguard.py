"""Outbound requests the platform makes for its users (webhooks, intelligence feeds) must
not become a way to reach its own internal services: one check and one way to connect,
used by both.

The decision is made on the address actually connected to:

1. the URL is prepared exactly as the HTTP client (requests) will send it — requests
   un-escapes percent-encoded unreserved characters, so `http://%31%32%37.0.0.1/` is
   really `http://127.0.0.1/`; the host is taken from that prepared URL, and a host that
   still carries a `%` or any character outside host names is refused;
2. the host is resolved ONCE; a failed resolution is a refusal (never "not internal");
   every resolved address must be public — loopback, private, link-local, shared
   (100.64/10), reserved, multicast, unspecified (0.0.0.0, ::) and IPv6 forms that embed
   such an IPv4 address (IPv4-mapped, 6to4, NAT64, IPv4-compatible) are internal. Numeric
   forms the resolver accepts (2130706433, 0x7f.1, 017700000001) resolve to what they
   mean and are judged by that;
3. the connection goes to the checked address (a transport adapter pins it), keeping
   the host name for the Host header, TLS SNI and certificate checks — a second DNS
   answer (rebinding) is never asked for;
4. redirects are never followed by the client: the caller gets the 3xx and, when it
   follows, the next hop goes through steps 1–3 again (`request(..., max_redirects=N)`).

Proxies from the environment are ignored (a proxy would resolve the name itself and defeat
the check); REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE still name the CA certificates.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import urljoin

from django.utils.translation import gettext as _

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_:[]")


class Refused(Exception):
    """The URL may not be fetched; `message` (translated) says why, `address` is the
    internal address it resolved to ("" when it did not resolve or did not parse)."""

    def __init__(self, message: str, address: str = ""):
        super().__init__(message)
        self.message = message
        self.address = address


@dataclass(frozen=True)
class Target:
    url: str  # the URL as the client sends it
    scheme: str
    host: str  # the host name (brackets stripped from IPv6 literals)
    port: int
    address: str  # the checked address the connection goes to


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.teredo is not None:
        return address.teredo[1]
    return None


def is_internal(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address lies outside the public internet (or embeds one that does)."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and is_internal(embedded):
            return True
    return (not address.is_global or address.is_private or address.is_loopback or address.is_link_local
            or address.is_reserved or address.is_multicast or address.is_unspecified)


def resolve(host: str, *, allow_private: bool = False) -> str:
    """Resolve `host` once and return the address to connect to. Refused when the name
    does not resolve, or (unless `allow_private`) when ANY of its addresses is internal."""
    name = (host or "").strip("[]")
    if not name:
        raise Refused(_("Địa chỉ URL thiếu tên máy chủ."))
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        raise Refused(_("Không phân giải được tên máy chủ %(host)s; không kết nối.") % {"host": name[:100]}) from None
    addresses: list[str] = []
    for info in infos:
        text = str(info[4][0]).split("%")[0]
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise Refused(_("Không phân giải được tên máy chủ %(host)s; không kết nối.") % {"host": name[:100]}) from None
        if not allow_private and is_internal(address):
            raise Refused(_("Địa chỉ trỏ vào mạng nội bộ (%(address)s); không kết nối.") % {"address": str(address)},
                          address=str(address))
        addresses.append(str(address))
    if not addresses:
        raise Refused(_("Không phân giải được tên máy chủ %(host)s; không kết nối.") % {"host": name[:100]})
    return addresses[0]


def prepare(url: str) -> tuple[str, str, str, int]:
    """(url as sent, scheme, host, port) — the URL prepared the way requests sends it."""
    import requests
    from urllib3.util import parse_url

    invalid = Refused(_("Địa chỉ URL không hợp lệ: %(url)s") % {"url": (url or "")[:200]})
    try:
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, None)
        parts = parse_url(prepared.url)
    except Exception:
        raise invalid from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https") or not parts.host:
        raise Refused(_("Địa chỉ URL phải bắt đầu bằng http:// hoặc https:// và có tên máy chủ."))
    host = parts.host.lower()
    if not set(host) <= _HOST_CHARS or host.strip("[]") in ("", "."):
        raise invalid  # a %-escape or anything else the resolver could read differently
    port = parts.port or (443 if scheme == "https" else 80)
    return prepared.url, scheme, host.strip("[]"), port


def check_url(url: str, *, allow_private: bool = False, resolve_host: bool = True) -> Target:
    """Prepare and check one URL (one hop). Raises Refused."""
    sent, scheme, host, port = prepare(url)
    address = resolve(host, allow_private=allow_private) if resolve_host else ""
    return Target(url=sent, scheme=scheme, host=host, port=port, address=address)


def internal_address(host: str) -> str:
    """The internal address `host` resolves to, "" when all its addresses are public.
    A name that does not resolve is refused like an internal one: its text is returned."""
    try:
        resolve(host)
    except Refused as exc:
        return exc.address or (host or "?")
    return ""


# --------------------------------------------------------------------------- connecting


def _pinned_adapter(address: str):
    """A requests transport adapter whose connections go to `address`, whatever host the
    URL names (the name stays in the Host header, SNI and certificate check)."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
    from urllib3.util import connection

    def _new_conn(self):
        try:
            return connection.create_connection((address, self.port), self.timeout,
                                                source_address=self.source_address,
                                                socket_options=self.socket_options)
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc

    class PinnedHTTPConnection(HTTPConnection):
        pass

    class PinnedHTTPSConnection(HTTPSConnection):
        pass

    PinnedHTTPConnection._new_conn = _new_conn
    PinnedHTTPSConnection._new_conn = _new_conn

    class PinnedHTTPPool(HTTPConnectionPool):
        ConnectionCls = PinnedHTTPConnection

    class PinnedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = PinnedHTTPSConnection

    class PinnedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": PinnedHTTPPool, "https": PinnedHTTPSPool}

        def proxy_manager_for(self, *args, **kwargs):  # never through a proxy
            raise Refused(_("Không kết nối qua máy chủ ủy quyền."))

    return PinnedAdapter(max_retries=0)


def send(method: str, target: Target, **kwargs):
    """One request to a checked target, connected to its checked address; redirects are
    returned, not followed. The caller closes the response (its session closes with it)."""
    import requests

    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment…
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:  # …but the CA bundle a deployment names is still used
        session.verify = bundle
    adapter = _pinned_adapter(target.address)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    try:
        response = session.request(method, target.url, allow_redirects=False, **kwargs)
    except BaseException:
        session.close()
        raise
    original_close = response.close

    def close():
        try:
            original_close()
        finally:
            session.close()

    response.close = close
    return response


def request(method: str, url: str, *, allow_private: bool = False, max_redirects: int = 0, **kwargs):
    """`method url` with every hop checked and pinned; follows up to `max_redirects`
    redirects (each hop checked again), returns the last response (a redirect when the
    limit is reached: the caller sees `is_redirect`). Raises Refused or requests' errors."""
    for _hop in range(max_redirects + 1):
        target = check_url(url, allow_private=allow_private)
        response = send(method, target, **kwargs)
        location = response.headers.get("location")
        if not (response.is_redirect and location) or _hop == max_redirects:
            return response
        url = urljoin(target.url, location)
        response.close()
        if response.status_code in (301, 302, 303) and method.upper() not in ("GET", "HEAD"):
            method, kwargs = "GET", {k: v for k, v in kwargs.items() if k not in ("data", "json", "files")}
    return response
