"""The one normaliser of constituency values (the IP ranges, ASNs and domains a unit
answers for), which every interface uses to read such a value: the services that write
claims and the selectors that answer "who owns …?" alike.

Values are normalised before they are stored or matched:
- IPv4/IPv6: a CIDR block (a single address is a /32 or /128); a block with host bits set
  is refused and the error names the network that was probably meant;
- ASN: "AS64500", "as64500" or "64500", stored as "AS64500";
- domain: lower case, trailing dot removed, a leading "*." dropped (a claim always covers
  the subdomains), internationalised names converted to punycode with Python's `idna`
  codec (IDNA 2003), at least two labels.

Derived fields make matching an indexed comparison on SQLite and PostgreSQL alike:
`range_start`/`range_end` (fixed-width hex bounds; one number for an ASN), `prefix_len`
(the CIDR prefix; the number of labels for a domain) and `match_key` (a domain's labels
reversed: "www.example.vn" -> "vn.example.www").
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from vigil.core.errors import DomainError

from .models import ConstituencyEntry

Kind = ConstituencyEntry.Kind
# Claiming is managing the unit: the roles that manage its people (head, deputy, focal
# point, administrator) may claim, and accept a delegation on behalf of a unit.
CLAIM_ACTION = "manage_members"
ASN_MAX = 4_294_967_295
ASN_RE = re.compile(r"^(?:as)?\s*(\d+)$", re.IGNORECASE)
LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
MAX_BATCH = 500


@dataclass(frozen=True)
class ParsedValue:
    """A constituency value in its canonical form, with the derived matching fields."""

    kind: str
    value: str
    range_start: str = ""
    range_end: str = ""
    prefix_len: int = 0
    match_key: str = ""

    @property
    def network(self):
        if self.kind in (Kind.IPV4, Kind.IPV6):
            return ipaddress.ip_network(self.value)
        return None


def invalid_value(message, field: str) -> DomainError:
    """A DomainError naming `field`, coded "invalid-value"."""
    return DomainError(message, field=field, code="invalid-value")


def _looks_like_ip(text: str) -> bool:
    if "://" in text or "@" in text:
        return False
    return ":" in text or bool(re.fullmatch(r"[\d./]+", text))


def _parse_ip(text: str, field: str, *, strict: bool) -> ParsedValue:
    if "%" in text:
        raise invalid_value(_("Địa chỉ IP không được kèm vùng (%%): “%(v)s”.") % {"v": text}, field)
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise invalid_value(
                _("“%(v)s” không phải là địa chỉ IP hoặc dải CIDR hợp lệ.") % {"v": text}, field
            ) from exc
        if strict:
            raise invalid_value(
                _("Dải “%(v)s” có các bit phần địa chỉ máy khác 0; địa chỉ mạng đúng là %(net)s.")
                % {"v": text, "net": network},
                field,
            ) from exc
    kind = Kind.IPV4 if network.version == 4 else Kind.IPV6
    return ParsedValue(
        kind=kind,
        value=str(network),
        range_start=ConstituencyEntry.ip_hex(network.network_address),
        range_end=ConstituencyEntry.ip_hex(network.broadcast_address),
        prefix_len=network.prefixlen,
    )


def _parse_asn(text: str, field: str) -> ParsedValue:
    m = ASN_RE.match(text)
    if not m:
        raise invalid_value(
            _("Số hiệu mạng (ASN) không hợp lệ: “%(v)s”; nhập dạng AS64500 hoặc 64500.") % {"v": text}, field
        )
    number = int(m.group(1))
    if not 1 <= number <= ASN_MAX:
        raise invalid_value(_("Số hiệu mạng (ASN) phải từ 1 đến %(max)s.") % {"max": ASN_MAX}, field)
    hexed = f"{number:08x}"
    return ParsedValue(kind=Kind.ASN, value=f"AS{number}", range_start=hexed, range_end=hexed)


def _parse_domain(text: str, field: str) -> ParsedValue:
    if "://" in text or "/" in text or "@" in text or " " in text:
        raise invalid_value(_("Hãy nhập tên miền, không phải URL hay địa chỉ thư (ví dụ: example.vn)."), field)
    name = text.strip().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    if not name:
        raise invalid_value(_("Tên miền không hợp lệ: “%(v)s”.") % {"v": text}, field)
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise invalid_value(_("Tên miền không hợp lệ: “%(v)s”.") % {"v": text}, field) from exc
    labels = ascii_name.split(".")
    if len(labels) < 2:
        raise invalid_value(_("Tên miền phải có ít nhất hai nhãn (ví dụ: example.vn)."), field)
    if len(ascii_name) > 253:
        raise invalid_value(_("Tên miền dài quá 253 ký tự."), field)
    for label in labels:
        if not LABEL_RE.match(label):
            raise invalid_value(
                _("Tên miền “%(v)s” có nhãn không hợp lệ: “%(label)s”.") % {"v": text, "label": label}, field
            )
    if labels[-1].isdigit():
        raise invalid_value(_("Tên miền không hợp lệ: “%(v)s”.") % {"v": text}, field)
    return ParsedValue(
        kind=Kind.DOMAIN,
        value=ascii_name,
        prefix_len=len(labels),
        match_key=".".join(reversed(labels)),
    )


def _strip_query_wrapping(text: str) -> str:
    """For look-ups only: take the host out of a URL or an e-mail address."""
    if "://" in text:
        try:
            host = urlsplit(text).hostname
        except ValueError:
            host = None
        return host or text
    if "@" in text and "/" not in text:
        return text.rsplit("@", 1)[1]
    host_port = re.fullmatch(r"([^:\[\]]+):\d{1,5}", text)
    if host_port:
        return host_port.group(1)
    return text


def parse_value(value: str, kind: str | None = None, *, field: str = "value", lookup: bool = False) -> ParsedValue:
    """Validate and normalise a constituency value. `kind` is detected when not given.

    `lookup=True` is for questions ("who owns …?"): a URL or an e-mail address gives its
    host, and an IP block with host bits set is read as its network instead of refused.
    Raises DomainError naming `field` (or "kind" when the kind itself is wrong).
    """
    text = (value or "").strip()
    if not text:
        raise invalid_value(_("Hãy nhập một địa chỉ IP, dải CIDR, số hiệu mạng (ASN) hoặc tên miền."), field)
    if len(text) > 255:
        raise invalid_value(_("Giá trị dài quá 255 ký tự."), field)
    if lookup:
        text = _strip_query_wrapping(text)
    if kind not in (None, "", *Kind.values):
        raise DomainError(
            _("Loại không hợp lệ: “%(k)s”; chọn một trong: %(all)s.") % {"k": kind, "all": ", ".join(Kind.values)},
            field="kind", code="invalid-kind",
        )
    if not kind:
        if ASN_RE.match(text):
            return _parse_asn(text, field)
        if _looks_like_ip(text):
            return _parse_ip(text, field, strict=not lookup)
        return _parse_domain(text, field)
    if kind == Kind.ASN:
        return _parse_asn(text, field)
    if kind == Kind.DOMAIN:
        if _looks_like_ip(text):
            raise invalid_value(_("“%(v)s” là địa chỉ IP, không phải tên miền.") % {"v": text}, field)
        return _parse_domain(text, field)
    parsed = _parse_ip(text, field, strict=not lookup)
    if parsed.kind != kind:
        raise invalid_value(
            _("“%(v)s” là địa chỉ %(found)s, không phải %(kind)s.")
            % {"v": text, "found": Kind(parsed.kind).label, "kind": Kind(kind).label},
            field,
        )
    return parsed
