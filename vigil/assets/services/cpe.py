"""A strict reader of CPE 2.3 names in the formatted string binding (NISTIR 7695, §6.2).

    cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other

Exactly 13 colon-separated fields (the prefix "cpe" and "2.3" count); a colon inside a
value is escaped ("\\:"). Each attribute value is "*" (ANY), "-" (NA) or a string of
letters, digits, "-", "." and "_", where any other printable punctuation must be
escaped with a backslash, with at most a leading and a trailing run of unescaped
wildcards ("*" once, or one or more "?"). Spaces and non-ASCII letters are not allowed.
The language is an RFC 5646 tag. Names are compared case-insensitively, so they are
stored lower-cased.

For a software inventory the part must be a, o or h (not a wildcard) and the vendor and
product must be named (no "*", "-" or wildcards): the point is to match advisories.
Every error is a DomainError on the field `cpe`, saying which component is wrong.

(The `cpe` package on PyPI was tried: it answers malformed 2.3 names with a generic
NotImplementedError and accepts a CPE 2.2 URI when asked for 2.3, so the errors could
not name the component; this module has no dependency.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core.errors import DomainError

PREFIX = "cpe:2.3:"
ATTRIBUTES = (
    "part", "vendor", "product", "version", "update", "edition", "language",
    "sw_edition", "target_sw", "target_hw", "other",
)
LABELS = {
    "part": gettext_lazy("loại (part)"),
    "vendor": gettext_lazy("nhà cung cấp (vendor)"),
    "product": gettext_lazy("sản phẩm (product)"),
    "version": gettext_lazy("phiên bản (version)"),
    "update": gettext_lazy("bản cập nhật (update)"),
    "edition": gettext_lazy("ấn bản (edition)"),
    "language": gettext_lazy("ngôn ngữ (language)"),
    "sw_edition": gettext_lazy("ấn bản phần mềm (sw_edition)"),
    "target_sw": gettext_lazy("nền tảng phần mềm (target_sw)"),
    "target_hw": gettext_lazy("nền tảng phần cứng (target_hw)"),
    "other": gettext_lazy("khác (other)"),
}
PARTS = {"a", "o", "h"}
UNRESERVED = set("abcdefghijklmnopqrstuvwxyz0123456789-._")
PUNC = set("!\"#$%&'()+,/:;<=>@[]^`{|}~") | {"\\", "*", "?"}  # may follow a backslash
LANGTAG = re.compile(r"^[a-z]{2,3}(?:-(?:[a-z]{2}|[0-9]{3}))?$")
MAX_LENGTH = 500
EXAMPLE = "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"


@dataclass(frozen=True)
class CpeName:
    """A valid CPE 2.3 formatted string and its attribute values (as written, escapes
    kept) plus the unescaped vendor, product and version for display and search."""

    cpe: str
    values: dict

    @property
    def part(self) -> str:
        return self.values["part"]

    @property
    def vendor(self) -> str:
        return unescape(self.values["vendor"])

    @property
    def product(self) -> str:
        return unescape(self.values["product"])

    @property
    def version(self) -> str:
        """The version as people write it; "" when ANY ("*"), "-" when not applicable."""
        value = self.values["version"]
        return "" if value == "*" else unescape(value)


def _error(message) -> DomainError:
    return DomainError(message, field="cpe", code="invalid-cpe")


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def _split(body: str) -> list[str]:
    """Split on unescaped colons; a trailing lone backslash is left for the checker."""
    fields, current, i = [], [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            current.append(body[i : i + 2])
            i += 2
            continue
        if c == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    fields.append("".join(current))
    return fields


def _check_value(name: str, value: str) -> None:
    label = LABELS[name]
    if value == "":
        raise _error(
            _("Thành phần %(c)s của tên CPE bị trống; dùng * (bất kỳ) hoặc - (không áp dụng).") % {"c": label}
        )
    if value in ("*", "-"):
        return
    # Tokens: escaped pairs, or single characters.
    tokens, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\":
            if i + 1 >= len(value):
                raise _error(_("Thành phần %(c)s của tên CPE kết thúc bằng dấu \\ lẻ.") % {"c": label})
            nxt = value[i + 1]
            if nxt not in PUNC:
                raise _error(
                    _("Thành phần %(c)s của tên CPE: không cần (và không được) thoát ký tự “%(ch)s”.")
                    % {"c": label, "ch": nxt}
                )
            tokens.append(value[i : i + 2])
            i += 2
            continue
        tokens.append(c)
        i += 1
    # Leading and trailing wildcard runs: "*" once, or one or more "?".
    start, end = 0, len(tokens)
    if tokens and tokens[0] == "*":
        start = 1
    else:
        while start < end and tokens[start] == "?":
            start += 1
    if end > start and tokens[end - 1] == "*":
        end -= 1
    else:
        while end > start and tokens[end - 1] == "?":
            end -= 1
    body = tokens[start:end]
    if not body:
        raise _error(_("Thành phần %(c)s của tên CPE chỉ gồm ký tự đại diện.") % {"c": label})
    for token in body:
        if len(token) == 2:  # escaped
            continue
        if token in ("*", "?"):
            raise _error(
                _("Thành phần %(c)s của tên CPE: ký tự đại diện * hoặc ? chỉ được đứng ở đầu hoặc cuối.")
                % {"c": label}
            )
        if token in PUNC:
            raise _error(
                _("Thành phần %(c)s của tên CPE có ký tự “%(ch)s” chưa được thoát; viết “\\%(ch)s”.")
                % {"c": label, "ch": token}
            )
        if token not in UNRESERVED:
            shown = _("dấu cách") if token.isspace() else token
            raise _error(
                _("Thành phần %(c)s của tên CPE có ký tự không hợp lệ: “%(ch)s” (chỉ dùng chữ không dấu, số, "
                  "“-”, “.”, “_”; ký tự đặc biệt khác phải thoát bằng \\).")
                % {"c": label, "ch": shown}
            )


def parse_cpe(value: str) -> CpeName:
    """Validate a CPE 2.3 formatted string for a software inventory; DomainError on `cpe`."""
    text = (value or "").strip()
    if not text:
        raise _error(_("Hãy nhập tên CPE 2.3, ví dụ %(e)s.") % {"e": EXAMPLE})
    if len(text) > MAX_LENGTH:
        raise _error(_("Tên CPE dài quá %(n)s ký tự.") % {"n": MAX_LENGTH})
    lowered = text.lower()
    if lowered.startswith("cpe:/"):
        raise _error(
            _("Đây là dạng URI của CPE 2.2; hãy dùng chuỗi định dạng CPE 2.3, ví dụ %(e)s.") % {"e": EXAMPLE}
        )
    if not lowered.startswith(PREFIX):
        raise _error(_("Tên CPE phải bắt đầu bằng “cpe:2.3:”, ví dụ %(e)s.") % {"e": EXAMPLE})
    fields = _split(lowered[len(PREFIX):])
    if len(fields) != len(ATTRIBUTES):
        raise _error(
            _("Tên CPE 2.3 phải có đủ 13 thành phần ngăn cách bởi dấu hai chấm (kể cả “cpe” và “2.3”); "
              "tên này có %(n)s.") % {"n": len(fields) + 2}
        )
    values = dict(zip(ATTRIBUTES, fields, strict=True))
    if values["part"] not in PARTS:
        raise _error(_("Thành phần loại (part) phải là a (ứng dụng), o (hệ điều hành) hoặc h (phần cứng)."))
    for name in ATTRIBUTES[1:]:
        if name == "language":
            lang = values[name]
            if lang not in ("*", "-") and not LANGTAG.match(lang):
                raise _error(
                    _("Thành phần ngôn ngữ (language) của tên CPE phải là * , - hoặc mã ngôn ngữ như vi, en-us.")
                )
            continue
        _check_value(name, values[name])
    for name in ("vendor", "product"):
        v = values[name]
        if v in ("*", "-") or "*" in v.replace("\\*", "") or "?" in v.replace("\\?", ""):
            raise _error(_("Hãy ghi cụ thể %(c)s trong tên CPE (không dùng * , - hay ký tự đại diện).")
                         % {"c": LABELS[name]})
    if len(unescape(values["vendor"])) > 200 or len(unescape(values["product"])) > 200:
        raise _error(_("Tên nhà cung cấp hoặc sản phẩm trong tên CPE dài quá 200 ký tự."))
    if len(unescape(values["version"])) > 100:
        raise _error(_("Phiên bản trong tên CPE dài quá 100 ký tự."))
    return CpeName(cpe=lowered, values=values)
