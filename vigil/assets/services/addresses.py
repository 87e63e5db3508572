"""The normaliser for a system's addresses: the same rules and derived matching columns
as the constituency (`vigil.org.services.constituency.parse_value`), plus URLs.

- ipv4 / ipv6: one address (stored as /32 or /128) or a CIDR block; a block with host
  bits set is refused, naming the network that was probably meant;
- domain: lower case, IDN converted to punycode, a leading "*." dropped (it covers its
  subdomains), at least two labels; `match_key` is the reversed labels;
- url: scheme http, https, ftp, ws or wss and a host; the host is normalised like a
  domain (punycode, lower case) and becomes `match_key` (a URL names that host only), or,
  when it is an IP address, gives the /32 (/128) range bounds.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.utils.translation import gettext as _

from vigil.core.errors import DomainError
from vigil.org.models import ConstituencyEntry
from vigil.org.selectors.constituency import parse_value

from ..models import SystemAddress

Kind = SystemAddress.Kind
URL_SCHEMES = ("http", "https", "ftp", "ws", "wss")
MAX_LENGTH = SystemAddress._meta.get_field("value").max_length


@dataclass(frozen=True)
class ParsedAddress:
    kind: str
    value: str
    range_start: str = ""
    range_end: str = ""
    prefix_len: int = 0
    match_key: str = ""

    def as_fields(self) -> dict:
        return {
            "kind": self.kind, "value": self.value, "range_start": self.range_start,
            "range_end": self.range_end, "prefix_len": self.prefix_len, "match_key": self.match_key,
        }


def _error(message, field: str) -> DomainError:
    return DomainError(message, field=field, code="invalid-address")


def _parse_url(text: str, field: str) -> ParsedAddress:
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise _error(_("URL không hợp lệ: “%(v)s”.") % {"v": text}, field) from exc
    scheme = (parts.scheme or "").lower()
    if scheme not in URL_SCHEMES:
        raise _error(
            _("URL phải bắt đầu bằng %(s)s (ví dụ https://dichvucong.example.vn/).")
            % {"s": ", ".join(f"{s}://" for s in URL_SCHEMES)},
            field,
        )
    if not host:
        raise _error(_("URL “%(v)s” thiếu tên máy chủ.") % {"v": text}, field)
    if parts.username or parts.password:
        raise _error(_("URL không được chứa tên đăng nhập hay mật khẩu."), field)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        host_text = f"[{ip.compressed}]" if ip.version == 6 else ip.compressed
        bounds = {
            "range_start": ConstituencyEntry.ip_hex(ip), "range_end": ConstituencyEntry.ip_hex(ip),
            "prefix_len": ip.max_prefixlen, "match_key": "",
        }
    else:
        try:
            domain = parse_value(host, "domain", field=field)
        except DomainError as exc:
            raise _error(_("Tên máy chủ trong URL không hợp lệ: %(m)s") % {"m": exc.message}, field) from exc
        host_text = domain.value
        bounds = {"range_start": "", "range_end": "", "prefix_len": domain.prefix_len,
                  "match_key": domain.match_key}
    netloc = host_text if port is None else f"{host_text}:{port}"
    value = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    if len(value) > MAX_LENGTH:
        raise _error(_("Địa chỉ dài quá %(n)s ký tự.") % {"n": MAX_LENGTH}, field)
    return ParsedAddress(kind=Kind.URL, value=value, **bounds)


def parse_address(value: str, kind: str | None = None, *, field: str = "value") -> ParsedAddress:
    """Validate and normalise an address of a system; `kind` is detected when not given
    (a value with "://" is a URL). Raises DomainError naming `field` (or `kind`)."""
    text = (value or "").strip()
    if not text:
        raise _error(_("Hãy nhập một địa chỉ IP, dải CIDR, tên miền hoặc URL."), field)
    if kind not in (None, "", *Kind.values):
        raise DomainError(
            _("Loại địa chỉ không hợp lệ: “%(k)s”; chọn một trong: %(all)s.") % {"k": kind, "all": ", ".join(Kind.values)},
            field="kind", code="invalid-kind",
        )
    if kind == Kind.URL or (not kind and "://" in text):
        return _parse_url(text, field)
    if "://" in text:
        raise _error(_("“%(v)s” là URL; hãy chọn loại URL.") % {"v": text}, field)
    parsed = parse_value(text, kind or None, field=field)
    if parsed.kind == ConstituencyEntry.Kind.ASN:
        raise _error(
            _("“%(v)s” không phải là địa chỉ IP, dải CIDR, tên miền hay URL.") % {"v": text}, field
        )
    return ParsedAddress(
        kind=parsed.kind, value=parsed.value, range_start=parsed.range_start, range_end=parsed.range_end,
        prefix_len=parsed.prefix_len, match_key=parsed.match_key,
    )
