"""The field dictionary of indicator types: one entry per type with its normaliser, its
STIX 2.1 pattern path, its MISP attribute types and the incident observable kind it
correlates with (IntelMQ's harmonisation file is the model).

Values are stored normalised, so uniqueness per (type, value) means "the same thing":
domains lower-case in punycode, URLs in canonical form, IPv6 compressed, networks in
their canonical prefix form, phone numbers in E.164, hashes lower-case hex.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import phonenumbers
from django.utils.translation import gettext_lazy as _

from vigil.core import observables as obs
from vigil.core.errors import DomainError
from vigil.core.samples import sample

_BANK = re.compile(r"^(?:([A-Z][A-Z0-9]{1,11})\s*[:/ ]\s*)?([0-9][0-9 .-]{4,30}[0-9])$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_ASN = re.compile(r"^(?:AS)?(\d{1,10})$", re.IGNORECASE)
DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ftps": 990}
_PCT = re.compile(r"%[0-9a-fA-F]{2}")


@dataclass(frozen=True)
class IndicatorType:
    code: str
    label: object
    stix_object: str          # STIX cyber-observable type used in patterns
    stix_path: str            # property path inside it
    misp_types: tuple         # MISP attribute types that carry this type (first: export)
    observable_kind: str = ""  # the incident observable kind holding the same values


def _ipv4(text: str) -> str | None:
    return obs._ipv4(text)


def _ipv6(text: str) -> str | None:
    return obs._ipv6(text)


def _cidr(text: str) -> str | None:
    if "/" not in text:
        return None
    try:
        net = ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        return None
    return str(net)


# The whole rule of observables._domain in one expression, for the ASCII case of bulk
# imports (a million feed lines): labels of 1-63 letters, digits, '-' or '_' not starting
# or ending with '-', at least two labels, a letter or punycode TLD, 253 characters at most.
_ASCII_HOST = re.compile(
    r"(?=.{1,253}$)(?:(?!-)[a-z0-9_-]{1,63}(?<!-)\.)+(?:xn--[a-z0-9-]{2,59}|[a-z]{2,63})"
)


def _domain(text: str) -> str | None:
    text = text.strip()
    if text.startswith("*."):
        text = text[2:]
    if text.isascii():
        host = text.rstrip(".").lower()
        return host if _ASCII_HOST.fullmatch(host) else None
    return obs._domain(text)


def _quote_part(part: str, safe: str) -> str:
    # Decode then re-encode, so "%7e", "~" and "%7E" become one form (RFC 3986 6.2.2).
    return quote(unquote(part), safe=safe)


def canonical_url(text: str) -> str | None:
    """RFC 3986 normal form used for uniqueness: scheme and host lower-case, IDN host in
    punycode, default port dropped, empty path "/", percent-encoding made uniform,
    fragment dropped (it never reaches a server)."""
    if "://" not in text:
        return None
    try:
        parts = urlsplit(text.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    norm_host = _ipv4(host) or (f"[{_ipv6(host)}]" if _ipv6(host) else None) or obs._domain(host)
    if not norm_host:
        return None
    netloc = norm_host if port in (None, DEFAULT_PORTS[scheme]) else f"{norm_host}:{port}"
    if parts.username:
        netloc = f"{quote(unquote(parts.username), safe='')}@{netloc}"
    path = _quote_part(parts.path or "/", "/:@!$&'()*+,;=-._~")
    query = _quote_part(parts.query, "=&/:@!$'()*+,;?-._~") if parts.query else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def _url(text: str) -> str | None:
    return canonical_url(text)


def _email(text: str) -> str | None:
    value = obs._email(text)
    return value.lower() if value else None


def _hash(kind: str):
    def norm(text: str) -> str | None:
        return obs._hash(kind, text.strip())

    return norm


def _phone(text: str) -> str | None:
    raw = text.strip()
    if not raw or len(raw) > 40:
        return None
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _bank_account(text: str) -> str | None:
    """`BANKCODE:digits` (the bank's short code, e.g. VCB:0123456789), digits alone, or an
    IBAN with a valid ISO 13616 checksum (foreign mule accounts); spaces, dots and dashes
    inside the number are dropped."""
    compact = re.sub(r"[ .-]", "", text.strip().upper())
    if _IBAN.match(compact):
        digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
        return compact if int(digits) % 97 == 1 else None
    match = _BANK.match(text.strip().upper())
    if not match:
        return None
    digits = re.sub(r"[ .-]", "", match.group(2))
    if not 6 <= len(digits) <= 20:
        return None
    return f"{match.group(1)}:{digits}" if match.group(1) else digits


def _asn(text: str) -> str | None:
    match = _ASN.match(text.strip())
    if not match:
        return None
    number = int(match.group(1))
    if not 0 < number < 4294967296:
        return None
    return f"AS{number}"


TYPES: dict[str, IndicatorType] = {
    t.code: t
    for t in (
        IndicatorType("ipv4", _("Địa chỉ IPv4"), "ipv4-addr", "value", ("ip-dst", "ip-src"), "ipv4"),
        IndicatorType("ipv6", _("Địa chỉ IPv6"), "ipv6-addr", "value", ("ip-dst", "ip-src"), "ipv6"),
        IndicatorType("cidr", _("Dải địa chỉ (CIDR)"), "ipv4-addr", "value", ("ip-dst", "ip-src")),
        IndicatorType("domain", _("Tên miền"), "domain-name", "value", ("domain", "hostname"), "domain"),
        IndicatorType("url", _("URL"), "url", "value", ("url", "uri", "link"), "url"),
        IndicatorType("md5", _("Mã băm MD5"), "file", "hashes.MD5", ("md5",), "md5"),
        IndicatorType("sha1", _("Mã băm SHA-1"), "file", "hashes.'SHA-1'", ("sha1",), "sha1"),
        IndicatorType("sha256", _("Mã băm SHA-256"), "file", "hashes.'SHA-256'", ("sha256",), "sha256"),
        IndicatorType("email", _("Địa chỉ thư điện tử"), "email-addr", "value",
                      ("email", "email-src", "email-dst"), "email"),
        IndicatorType("phone", _("Số điện thoại"), "x-vigil-phone-number", "value",
                      ("phone-number", "whois-registrant-phone")),
        IndicatorType("bank_account", _("Tài khoản ngân hàng"), "x-vigil-bank-account", "value",
                      ("bank-account-nr", "iban")),
        IndicatorType("asn", _("Số hiệu mạng (ASN)"), "autonomous-system", "number", ("AS",)),
    )
}

_NORMALISERS = {
    "ipv4": _ipv4, "ipv6": _ipv6, "cidr": _cidr, "domain": _domain, "url": _url,
    "md5": _hash("md5"), "sha1": _hash("sha1"), "sha256": _hash("sha256"), "email": _email,
    "phone": _phone, "bank_account": _bank_account, "asn": _asn,
}
HASH_TYPES = ("md5", "sha1", "sha256")
NETWORK_TYPES = ("ipv4", "ipv6", "cidr")


def choices() -> list[tuple[str, object]]:
    return [(t.code, t.label) for t in TYPES.values()]


def normalise_or_none(type_code: str, value: str) -> str | None:
    """The stored form of `value` as `type_code`, or None when it is not one (fast path of
    bulk imports: no exception per bad line). Defanged input is refanged first."""
    norm = _NORMALISERS.get(type_code)
    if norm is None or value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > 2048:
        return None
    if type_code not in HASH_TYPES and type_code not in ("phone", "bank_account", "asn"):
        if "[" in text or "(" in text or "hxxp" in text.lower() or "{" in text:
            text = obs.refang(text)
    if type_code == "cidr" and "/" not in text:
        return None
    return norm(text)


def normalise(type_code: str, value: str) -> str:
    """As `normalise_or_none`, raising a DomainError naming the field when invalid."""
    if type_code not in TYPES:
        raise DomainError(_("Loại chỉ báo không hợp lệ: %(type)s.") % {"type": type_code}, field="type")
    result = normalise_or_none(type_code, value)
    if result is None:
        raise DomainError(
            _("“%(value)s” không phải là %(type)s hợp lệ.")
            % {"value": sample(obs.defang_text(str(value or ""))), "type": TYPES[type_code].label},
            field="value",
        )
    return result


def detect(value: str) -> tuple[str, str]:
    """Guess the type of a value (for plain lists without a declared type): address, network,
    URL, e-mail, hash, ASN, then domain. Phone numbers and bank accounts are never guessed."""
    text = obs.refang(str(value or "").strip())
    for code in ("ipv4", "ipv6", "cidr", "url", "email", "md5", "sha1", "sha256", "asn", "domain"):
        if code == "url" and "://" not in text:
            continue
        if code == "asn" and not text.upper().startswith("AS"):
            continue
        result = normalise_or_none(code, text)
        if result is not None:
            return code, result
    raise DomainError(
        _("Không nhận ra loại chỉ báo của “%(value)s”.") % {"value": sample(obs.defang_text(text))},
        field="value",
    )


def defang(type_code: str, value: str) -> str:
    """The display form (never clickable)."""
    kind = {"cidr": "ipv4" if ":" not in value else "ipv6"}.get(type_code, type_code)
    if type_code == "cidr":
        address, _sep, prefix = value.partition("/")
        return f"{obs.defang(kind, address)}/{prefix}"
    return obs.defang(kind, value)


def observable_kind(type_code: str) -> str:
    return TYPES[type_code].observable_kind if type_code in TYPES else ""


def type_for_observable(kind: str) -> str | None:
    for t in TYPES.values():
        if t.observable_kind == kind:
            return t.code
    return None
