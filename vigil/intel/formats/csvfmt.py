"""CSV with a header row and a column mapping, read and written with the `csv` module.

The mapping names, for each of Vigil's fields, the column that holds it (`{"value":
"SHA1", "confidence": "score"}`); a key that is an indicator type (`{"sha1": "SHA1"}`)
names a column whose cells are values of that type. Fields the mapping does not name
are found from common header names: Vigil's own export, abuse.ch (ThreatFox, Feodo
Tracker) and MISP's CSV export. A header whose columns are all indicator types or known
fields (`md5, sha1, sha256`, as PyMISP's CSV loader reads it) gives one record per
non-empty cell.

The abuse.ch dialect is read as published: a `#` banner before the header (ThreatFox
puts the header itself in the last banner line, `# "first_seen_utc", …`), quoted fields
with a space after each comma, `None` for empty cells, a `# END` footer. Line numbers in
problems are the file's own, banner lines included.

A type column may hold Vigil's codes, MISP attribute types (composites like `domain|ip`
give both values; types Vigil does not index, such as `comment`, are skipped) or
ThreatFox's (`ip:port`, `md5_hash`, `sha256_hash`, …). Times are ISO 8601, `YYYY-MM-DD
HH:MM:SS` (UTC, as abuse.ch writes them), a date, or Unix seconds (MISP).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import deque
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core.errors import DomainError
from vigil.core.exports import SUSPECT, neutralise
from vigil.core.refs import is_pk
from vigil.core.samples import sample

from .. import types
from .base import ExportFormat, ImportFormat, Problem, Record, decode_line
from .misp import TLP_TAGS, UNTRUSTED_CONFIDENCE, ip_type, split_typed

FIELDS = ("value", "type", "confidence", "tlp", "first_seen", "last_seen", "valid_until", "tags", "malware",
          "description", "external_id", "attack_ids", "to_ids")
# Header names recognised for each field, in order of preference (compared lower-case).
ALIASES: dict[str, tuple[str, ...]] = {
    "value": ("value", "indicator", "ioc", "ioc_value", "observable", "dst_ip", "ip_address"),
    "type": ("type", "ioc_type", "indicator_type"),
    "confidence": ("confidence", "confidence_level"),
    "tlp": ("tlp",),
    "first_seen": ("first_seen", "first_seen_utc", "firstseen"),
    "last_seen": ("last_seen", "last_seen_utc", "lastseen", "last_online", "timestamp", "date"),
    "valid_until": ("valid_until", "expires_at", "expires", "expiry"),
    "tags": ("tags", "tag", "attribute_tag", "labels"),
    "malware": ("malware_printable", "malware"),
    "description": ("comment", "description"),
    "external_id": ("ioc_id", "uuid"),
    "attack_ids": ("attack_ids", "attack_id", "mitre_attack"),
    "to_ids": ("to_ids",),
}
# Columns known to carry nothing Vigil keeps (MISP's CSV export, Vigil's own export).
IGNORED = {"category", "event_id", "event_info", "object_relation", "object_uuid", "object_name",
           "object_meta_category", "status", "id"}
THREATFOX_TYPES = {"md5_hash": "md5", "sha1_hash": "sha1", "sha256_hash": "sha256", "domain": "domain",
                   "url": "url", "ip": "ip", "ip_address": "ip"}
NONE_CELLS = {"", "none", "null", "n/a", "-"}
DELIMITERS = (",", ";", "\t", "|")
_ATTACK_ID = re.compile(r"\bT\d{4}(?:\.\d{3})?\b")
_MISP_TYPES: set[str] | None = None


def _misp_known(name: str) -> bool:
    """Whether `name` is an attribute type MISP defines (so a row of it is context, not junk)."""
    global _MISP_TYPES
    if _MISP_TYPES is None:
        try:
            from pymisp.abstract import describe_types

            _MISP_TYPES = set(describe_types.get("types", []))
        except ImportError:  # pragma: no cover - pymisp is a dependency
            _MISP_TYPES = set()
    return name in _MISP_TYPES


def _key(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _column_type(name: str) -> str | None:
    """The indicator type a column named `name` holds (as a header of type columns)."""
    key = _key(name)
    if key in types.TYPES:
        return key
    if key in THREATFOX_TYPES:
        return THREATFOX_TYPES[key]
    pairs = split_typed(name.strip(), "x") or split_typed(key, "x")
    if pairs and len(pairs) == 1:
        return "ip" if pairs[0][0] in types.NETWORK_TYPES else pairs[0][0]
    return None


def type_pairs(type_name: str, value: str) -> list[tuple[str, str]] | None:
    """The (Vigil type, raw value) pairs of a value declared with `type_name` (Vigil's code,
    a MISP attribute type or a ThreatFox type); [] for a MISP type Vigil does not index;
    None when the type is unknown."""
    name = type_name.strip()
    key = name.lower()
    value = value.strip()
    if key in types.TYPES:
        return [(key, value)]
    if key == "ip:port":
        host = value[1:].partition("]")[0] if value.startswith("[") else value.rpartition(":")[0] or value
        return [(ip_type(host), host)]
    if key in THREATFOX_TYPES:
        code = THREATFOX_TYPES[key]
        return [(ip_type(value) if code == "ip" else code, value)]
    pairs = split_typed(name, value)
    if pairs is None and name != key:
        pairs = split_typed(key, value)
    if pairs is not None:
        return pairs
    if _misp_known(name) or _misp_known(key):
        return []
    return None


def parse_time(text: str) -> dt.datetime | None:
    """ISO 8601 / `YYYY-MM-DD HH:MM:SS` (naive = UTC) / a date / Unix seconds; None when
    empty; ValueError when unreadable."""
    text = text.strip()
    if text.lower() in NONE_CELLS:
        return None
    if is_pk(text) and len(text) != 8:
        try:
            return dt.datetime.fromtimestamp(int(text), tz=dt.UTC)
        except (OverflowError, OSError) as exc:  # past the platform's time_t
            raise ValueError(str(exc)) from None
    if is_pk(text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def parse_tlp(text: str) -> str | None:
    key = text.strip().lower()
    if key in NONE_CELLS:
        return None
    key = key[4:] if key.startswith("tlp:") else key
    if key not in TLP_TAGS:
        raise ValueError(text)
    return TLP_TAGS[key]


@dataclass
class Plan:
    """Which column holds what, decided from the header."""

    header: list[str]
    line: int
    columns: dict[str, int] = field(default_factory=dict)  # field -> column index
    type_columns: list[tuple[int, str]] = field(default_factory=list)  # (index, type name)


class CsvImport(ImportFormat):
    """Rows to Records by the mapping (see the module); a mapping key that is neither a
    field nor an indicator type is refused when the format is built."""

    code = "csv"
    label = gettext_lazy("CSV (có dòng tiêu đề, ánh xạ cột)")
    options = {"mapping": dict, "delimiter": str, "type": str}

    def __init__(self, **options):
        super().__init__(**options)
        mapping = self.settings.get("mapping") or {}
        unknown = sorted(k for k in mapping if k not in FIELDS and k not in types.TYPES)
        if unknown:
            raise DomainError(
                _("Ánh xạ cột có trường không hỗ trợ: %(names)s (có: %(known)s).")
                % {"names": ", ".join(map(str, unknown)), "known": ", ".join(FIELDS + tuple(types.TYPES))},
                field="options",
            )
        for key, column in mapping.items():
            if column is not None and not isinstance(column, str):
                raise DomainError(_("Ánh xạ cột: tên cột của “%(field)s” phải là chuỗi.") % {"field": key},
                                  field="options")
        delimiter = self.settings.get("delimiter")
        if delimiter is not None and len(delimiter) != 1:
            raise DomainError(_("Ký tự phân cách CSV phải là đúng một ký tự."), field="options")
        fixed = self.settings.get("type")
        if fixed and type_pairs(fixed, "x") is None:
            raise DomainError(_("Loại chỉ báo không hợp lệ: %(type)s.") % {"type": fixed}, field="options")
        self.mapping = mapping

    # ------------------------------------------------------------------ header

    def _plan(self, header: list[str], line: int) -> Plan | Problem:
        plan = Plan(header=header, line=line)
        keys = [_key(h) for h in header]
        used: set[int] = set()
        listing = sample(", ".join(h.strip() for h in header), 200)
        for name, column in self.mapping.items():
            if not column:
                continue
            index = header.index(column) if column in header else (
                keys.index(_key(column)) if _key(column) in keys else None)
            if index is None:
                return Problem(line, _("Không có cột “%(column)s” (trường %(field)s) trong dòng tiêu đề: %(header)s.")
                               % {"column": column, "field": name, "header": listing}, field=name)
            used.add(index)
            if name in types.TYPES:
                plan.type_columns.append((index, name))
            else:
                plan.columns[name] = index
        disabled = {name for name, column in self.mapping.items() if not column}
        for name, aliases in ALIASES.items():
            if name in plan.columns or name in disabled or (name == "value" and plan.type_columns):
                continue
            for alias in aliases:
                if alias in keys and keys.index(alias) not in used:
                    plan.columns[name] = keys.index(alias)
                    used.add(plan.columns[name])
                    break
        if "value" in plan.columns or plan.type_columns:
            return plan
        # No value column: a header of indicator types (PyMISP's CSV loader), every other
        # column being a known field.
        unknown = []
        for index, name in enumerate(header):
            if index in used:
                continue
            column_type = _column_type(name)
            if column_type:
                plan.type_columns.append((index, name))
            elif keys[index] not in IGNORED:
                unknown.append(name.strip())
        if plan.type_columns and not unknown:
            return plan
        message = _("Dòng tiêu đề không có cột giá trị (value, indicator, ioc, ioc_value…) hay cột mang tên loại "
                    "chỉ báo: %(header)s. Hãy chỉ ra cột giá trị bằng tuỳ chọn mapping, ví dụ {\"value\": \"%(first)s\"}.") \
            % {"header": listing, "first": sample(header[0].strip()) if header else "…"}
        if plan.type_columns and unknown:
            message += " " + _("Cột không nhận ra: %(names)s.") % {"names": ", ".join(unknown)}
        return Problem(line, message, field="value")

    # ------------------------------------------------------------------ rows

    def records(self, stream):
        problems: list[Problem] = []

        def lines():
            for number, raw in enumerate(stream, start=1):
                text = decode_line(raw, number)
                if isinstance(text, Problem):
                    problems.append(text)
                    continue
                yield number, text

        source = lines()
        last_comment = None
        first = None
        for number, text in source:
            stripped = text.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                last_comment = (number, stripped.lstrip("#").strip())
                continue
            first = (number, text)
            break
        yield from problems
        problems.clear()
        if first is None:
            return
        delimiter = self.settings.get("delimiter") or max(DELIMITERS, key=first[1].count)
        if not first[1].count(delimiter):
            delimiter = self.settings.get("delimiter") or ","
        dialect = {"delimiter": delimiter, "skipinitialspace": True}

        def cells(text: str) -> list[str]:
            try:
                return next(csv.reader([text], **dialect), [])
            except csv.Error:
                return []

        plan = self._plan(cells(first[1]), first[0])
        pending = []
        if isinstance(plan, Problem) and last_comment and last_comment[1]:
            alternative = self._plan(cells(last_comment[1]), last_comment[0])
            if not isinstance(alternative, Problem):
                plan, pending = alternative, [first]
        if isinstance(plan, Problem):
            yield plan
            return

        starts: deque[int] = deque()

        def feed():
            for number, text in pending:
                starts.append(number)
                yield text
            for number, text in source:
                stripped = text.strip()
                if stripped.startswith("#") or not stripped:
                    continue
                starts.append(number)
                yield text

        reader = csv.reader(feed(), **dialect)
        consumed = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield from problems
                line = starts[0] if starts else plan.line
                yield Problem(line, _("Dòng %(line)s: CSV không hợp lệ (%(error)s).") % {"line": line, "error": exc})
                return
            taken = reader.line_num - consumed
            consumed = reader.line_num
            line = starts[0] if starts else 0
            for _i in range(min(taken, len(starts))):
                starts.popleft()
            yield from problems
            problems.clear()
            if not any(c.strip() for c in row):
                continue
            yield from self._row(plan, row, line)
        yield from problems

    def _row(self, plan: Plan, row: list[str], line: int):
        def cell(name: str) -> str:
            index = plan.columns.get(name)
            if index is None or index >= len(row):
                return ""
            return row[index].strip()

        def bad(name: str, message: str) -> Problem:
            column = plan.header[plan.columns[name]].strip() if name in plan.columns else name
            return Problem(line, _("Dòng %(line)s, cột “%(column)s”: %(message)s")
                           % {"line": line, "column": column, "message": message}, field=name)

        errors: list[Problem] = []
        values: dict = {}
        raw_conf = cell("confidence")
        confidence = None
        if raw_conf.lower() not in NONE_CELLS:
            try:
                confidence = int(float(raw_conf))
            except ValueError:
                confidence = -1
            if not 0 <= confidence <= 100:
                errors.append(bad("confidence", _("độ tin cậy phải là số từ 0 đến 100 (đọc được “%(value)s”).")
                                  % {"value": sample(raw_conf, 50)}))
        for name in ("first_seen", "last_seen", "valid_until"):
            try:
                values[name] = parse_time(cell(name))
            except (ValueError, OverflowError, OSError):
                errors.append(bad(name, _("thời điểm không hợp lệ “%(value)s” (cần ISO 8601, "
                                          "YYYY-MM-DD HH:MM:SS hoặc số giây Unix).") % {"value": sample(cell(name), 50)}))
        try:
            tlp = parse_tlp(cell("tlp"))
        except ValueError:
            tlp = None
            errors.append(bad("tlp", _("nhãn TLP không hợp lệ “%(value)s”.") % {"value": sample(cell("tlp"), 50)}))
        if cell("to_ids").lower() in ("0", "false", "no", "f", "n"):
            confidence = min(UNTRUSTED_CONFIDENCE, UNTRUSTED_CONFIDENCE if confidence is None else confidence)
        tags = [t.strip() for t in cell("tags").split(",") if t.strip().lower() not in NONE_CELLS]
        malware = cell("malware")
        if malware.lower() not in NONE_CELLS:
            tags.append(malware)
        attack_ids = tuple(dict.fromkeys(_ATTACK_ID.findall(cell("attack_ids"))))

        pairs: list[tuple[str, str]] = []
        for index, name in plan.type_columns:
            raw = row[index].strip() if index < len(row) else ""
            if raw.lower() not in NONE_CELLS:
                pairs.extend(type_pairs(name, raw) or [])
        if "value" in plan.columns:
            raw = cell("value")
            type_name = cell("type") or self.settings.get("type") or ""
            if not raw:
                errors.append(bad("value", _("thiếu giá trị chỉ báo.")))
            elif not type_name:
                pairs.append(("", raw))
            else:
                found = type_pairs(type_name, raw)
                if found is None:
                    errors.append(bad("type", _("loại chỉ báo không hỗ trợ “%(value)s”.")
                                      % {"value": sample(type_name, 50)}))
                else:
                    pairs.extend(found)
        if errors:
            yield from errors
            return
        for type_code, value in pairs:
            yield Record(
                type=type_code, value=value, line=line, confidence=confidence, tlp=tlp,
                first_seen=values.get("first_seen"), last_seen=values.get("last_seen"),
                valid_until=values.get("valid_until"), description=cell("description"),
                external_id=cell("external_id") if cell("external_id").lower() not in NONE_CELLS else "",
                tags=tuple(dict.fromkeys(tags)), attack_ids=attack_ids,
            )


def _stamp(value) -> str:
    if not value:
        return ""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class CsvExport(ExportFormat):
    """Vigil's CSV: one row per indicator, times in UTC ISO 8601; re-imports as is with the
    CSV import's default mapping."""

    code = "csv"
    label = gettext_lazy("CSV")
    content_type = "text/csv; charset=utf-8"
    extension = "csv"
    HEADER = ("type", "value", "tlp", "confidence", "first_seen", "last_seen", "expires_at", "status")
    ROWS_PER_CHUNK = 1000

    def write(self, indicators, options):
        now = options.generated_at or timezone.now()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self.HEADER)
        count = 0
        for ind in indicators:
            status_at = getattr(ind, "status_at", None)
            status = status_at(now) if callable(status_at) else getattr(ind, "status", "")
            value = ind.value
            if value[:1] in SUSPECT:  # the only free text (the rest are codes, numbers, times): no formula
                value = neutralise(value)
            writer.writerow((ind.type, value, getattr(ind, "tlp", "") or "", getattr(ind, "confidence", ""),
                             _stamp(getattr(ind, "first_seen", None)), _stamp(getattr(ind, "last_seen", None)),
                             _stamp(getattr(ind, "expires_at", None)), status or ""))
            count += 1
            if count % self.ROWS_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            yield buffer.getvalue()
