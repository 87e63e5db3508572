"""Observables, between incidents and intelligence so that neither imports the other: the
kinds (detect, normalise (refang), validate, defang for display), and the exchange each app
registers its side of (the observables of incidents; the indicators known for them).

Analysts paste indicators defanged (`hxxp://evil[.]com`, `1.2.3[.]4`, `a[at]b(.)vn`) so that
nobody clicks them; we store them normalised (refanged, lower-cased where case does not
matter) and always show them defanged again. Small own code: no dependency needed.
"""

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from vigil.core.errors import DomainError

KINDS = ("ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256", "file")
HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}

_DOT = re.compile(r"\s*(\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\[\.|\.\])\s*", re.IGNORECASE)
_AT = re.compile(r"\s*(\[at\]|\(at\)|\{at\}|\[@\]|\(@\))\s*", re.IGNORECASE)
_COLON = re.compile(r"\[:\]|\(:\)")
_SCHEME = re.compile(r"^(hxxps?|hXXps?|h\*\*ps?|fxp|fxps|meow)(?=(\[:\]|:)//)", re.IGNORECASE)
_SCHEME_MAP = {"hxxp": "http", "hxxps": "https", "h**p": "http", "h**ps": "https", "fxp": "ftp",
               "fxps": "ftps", "meow": "http"}
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(xn--[a-z0-9-]{2,59}|[a-z]{2,63})$")
_HEX = re.compile(r"^[0-9a-f]+$")
_EMAIL_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$", re.IGNORECASE)


def refang(value: str) -> str:
    """Undo the usual defanging conventions (no validation)."""
    text = (value or "").strip()
    text = _SCHEME.sub(lambda m: _SCHEME_MAP.get(m.group(1).lower(), m.group(1)), text)
    text = _COLON.sub(":", text)
    text = _DOT.sub(".", text)
    text = _AT.sub("@", text)
    return text.strip()


def _invalid(kind, value):
    return DomainError(
        _("“%(value)s” không phải là %(kind)s hợp lệ.") % {"value": defang_text(value)[:200], "kind": kind},
        field="value",
    )


def _domain(value: str) -> str | None:
    host = value.rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2:
        return None
    if not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        return None
    return host


def _ipv4(value: str) -> str | None:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        return None


def _ipv6(value: str) -> str | None:
    try:
        return str(ipaddress.IPv6Address(value.strip("[]")))
    except ValueError:
        return None


def _url(value: str) -> str | None:
    if "://" not in value:
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", "ftp", "ftps") or not host:
        return None
    norm_host = _ipv4(host) or (f"[{_ipv6(host)}]" if _ipv6(host) else None) or _domain(host)
    if not norm_host:
        return None
    netloc = norm_host if port is None else f"{norm_host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def _email(value: str) -> str | None:
    if value.count("@") != 1:
        return None
    local, _sep, host = value.rpartition("@")
    domain = _domain(host)
    if not domain or not _EMAIL_LOCAL.match(local) or local.startswith(".") or ".." in local:
        return None
    return f"{local}@{domain}"


def _hash(kind: str, value: str) -> str | None:
    text = value.lower()
    return text if len(text) == HASH_LENGTHS[kind] and _HEX.match(text) else None


def _file(value: str) -> str | None:
    text = value.strip()
    if not text or len(text) > 1000 or any(ch in text for ch in "\x00\r\n"):
        return None
    return text


def normalise(kind: str, value: str) -> str:
    """The stored form of `value` as `kind`; DomainError(field="value") when invalid."""
    if kind not in KINDS:
        raise DomainError(_("Loại dấu hiệu không hợp lệ: %(kind)s.") % {"kind": kind}, field="kind")
    raw = (value or "").strip()
    if not raw:
        raise DomainError(_("Nhập giá trị của dấu hiệu."), field="value")
    text = raw if kind == "file" else refang(raw)
    if kind == "ipv4":
        result = _ipv4(text)
    elif kind == "ipv6":
        result = _ipv6(text)
    elif kind == "domain":
        result = _domain(text)
    elif kind == "url":
        result = _url(text)
    elif kind == "email":
        result = _email(text)
    elif kind in HASH_LENGTHS:
        result = _hash(kind, text)
    else:
        result = _file(text)
    if result is None:
        raise _invalid(kind, raw)
    return result


def detect_kind(value: str) -> tuple[str, str]:
    """Guess the kind of a (possibly defanged) value: returns (kind, normalised value).
    Anything that is not an address, URL or hash is refused (a file name must be given
    with its kind explicitly)."""
    raw = (value or "").strip()
    if not raw:
        raise DomainError(_("Nhập giá trị của dấu hiệu."), field="value")
    text = refang(raw)
    for kind in ("ipv4", "ipv6", "url", "email", "md5", "sha1", "sha256", "domain"):
        if kind == "url" and "://" not in text:
            continue
        try:
            return kind, normalise(kind, text)
        except DomainError:
            continue
    raise DomainError(
        _("Không nhận ra loại dấu hiệu của “%(value)s” (địa chỉ IP, tên miền, URL, thư điện tử "
          "hoặc mã băm).") % {"value": defang_text(raw)[:200]},
        field="value",
    )


def defang_text(value: str) -> str:
    """Defang any text: schemes, dots and @ (used for values that failed validation)."""
    text = str(value or "")
    text = re.sub(r"^http", "hxxp", text, flags=re.IGNORECASE)
    text = re.sub(r"^ftp", "fxp", text, flags=re.IGNORECASE)
    return text.replace(".", "[.]").replace("@", "[at]")


def defang(kind: str, value: str) -> str:
    """The display form: `http://evil.com/a.php` -> `hxxp://evil[.]com/a.php`,
    `1.2.3.4` -> `1.2.3[.]4`, `a@b.vn` -> `a[at]b[.]vn`. Hashes and file names unchanged."""
    text = str(value or "")
    if kind == "ipv4":
        head, _sep, tail = text.rpartition(".")
        return f"{head}[.]{tail}" if head else text
    if kind == "ipv6":
        return text.replace(":", "[:]")
    if kind == "domain":
        return text.replace(".", "[.]")
    if kind == "email":
        local, _sep, host = text.rpartition("@")
        return f"{local}[at]{host.replace('.', '[.]')}" if local else text
    if kind == "url":
        try:
            parts = urlsplit(text)
        except ValueError:
            return defang_text(text)
        scheme = {"http": "hxxp", "https": "hxxps", "ftp": "fxp", "ftps": "fxps"}.get(parts.scheme, parts.scheme)
        netloc = parts.netloc.replace(".", "[.]").replace("@", "[at]")
        rest = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
        return f"{scheme}://{netloc}{rest}"
    return text


# --------------------------------------------------------------------------- the exchange
#
# Two apps meet over observables: the one that records them on incidents (incidents) and
# the one that knows indicators (intel). Neither imports the other: each registers its side
# here from its AppConfig.ready(), and each asks the other's side through these functions.


@dataclass(frozen=True)
class ObservableStore:
    """What the app recording observables provides (incidents).

    visible(user):            a queryset of the observables `user` may see (rows with `kind`,
                              `value`, `incident`; ordering by `-incident__received_at` works)
    case_get(user, pk):       the incident `pk` as `user` may see it; NotFound otherwise
    of_case(user, case):      the observables of that incident `user` may see
    """

    visible: Callable
    case_get: Callable
    of_case: Callable


@dataclass(frozen=True)
class IndicatorLookup:
    """What the app knowing indicators provides (intel).

    known(user, observables): {observable id: the indicator with that value that `user` may
                              see}; the indicator has `pk`, `status`, `confidence` and a TLP
                              label (`get_tlp_display()`)
    """

    known: Callable


_store: ObservableStore | None = None
_lookup: IndicatorLookup | None = None


def register_observable_store(store: ObservableStore) -> None:
    global _store
    _store = store


def register_indicator_lookup(lookup: IndicatorLookup) -> None:
    global _lookup
    _lookup = lookup


def _the_store() -> ObservableStore:
    if _store is None:
        raise ImproperlyConfigured("no observable store is registered (the incidents app provides it)")
    return _store


def visible_observables(user):
    """The observables `user` may see, whatever incident they were recorded on."""
    return _the_store().visible(user)


def case_get(user, pk):
    """The incident `pk` that `user` may see (NotFound otherwise)."""
    return _the_store().case_get(user, pk)


def observables_of_case(user, case) -> list:
    """The observables of one incident that `user` may see."""
    return list(_the_store().of_case(user, case))


def known_indicators(user, observables) -> dict:
    """{observable id: known indicator} for the rows given; empty when no installed app
    knows indicators."""
    if _lookup is None:
        return {}
    return _lookup.known(user, observables)
