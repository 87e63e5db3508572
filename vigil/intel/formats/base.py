"""The contract every import format and every export format follows (IntelMQ's bots are
the model): a small base class, options declared and checked (a typo is an error), explicit
registration in `formats/__init__.py`, and a shared contract test
(`tests/test_formats_contract.py`) every format passes.

An import format turns a byte stream into `Record`s (one per indicator value it carries)
and `Problem`s (one per line or object it cannot read, naming it). It never touches the
database: the ingest service normalises, checks warninglists, decays and writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.utils.translation import gettext as _

from vigil.core.errors import DomainError


@dataclass
class Record:
    """One indicator value as a format read it (value not yet normalised)."""

    type: str  # an indicator type code, or "" to detect it from the value
    value: str
    line: int = 0  # 1-based line, or 1-based position of the object in the file
    ref: str = ""  # the object's name in the file (a STIX id, a MISP attribute uuid)
    confidence: int | None = None
    tlp: str | None = None
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    description: str = ""
    external_id: str = ""
    tags: tuple = ()
    attack_ids: tuple = ()
    kill_chain: tuple = ()
    # A value inside an object that is itself valid (a STIX pattern's value): when it cannot
    # be normalised it is skipped and reported as a warning, instead of refusing the batch.
    lenient: bool = False


@dataclass
class Problem:
    """A line or object that could not be read."""

    line: int
    message: str
    ref: str = ""
    field: str = ""
    warning: bool = False  # reported, but the batch is written without it

    def as_dict(self) -> dict:
        out = {"line": self.line, "ref": self.ref, "field": self.field, "message": str(self.message)}
        if self.warning:
            out["warning"] = True
        return out


@dataclass
class ExportOptions:
    """What an export writes, beyond the rows: a title and the moment of the export."""

    title: str = "Vigil"
    generated_at: dt.datetime | None = None
    extra: dict = field(default_factory=dict)


class ImportFormat:
    """Base of import formats. `options` declares the accepted option names and their
    types; `records()` yields Records and Problems in file order."""

    code = ""
    label = ""
    options: dict[str, type] = {}

    def __init__(self, **options):
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            raise DomainError(
                _("Định dạng %(format)s không có tuỳ chọn: %(names)s (có: %(known)s).")
                % {"format": self.code, "names": ", ".join(unknown), "known": ", ".join(sorted(self.options)) or "—"},
                field="options",
            )
        for name, value in options.items():
            expected = self.options[name]
            if value is not None and not isinstance(value, expected):
                raise DomainError(
                    _("Tuỳ chọn %(name)s của định dạng %(format)s phải là %(type)s.")
                    % {"name": name, "format": self.code, "type": expected.__name__},
                    field="options",
                )
        self.settings = options

    def records(self, stream: BinaryIO) -> Iterator[Record | Problem]:  # pragma: no cover - interface
        raise NotImplementedError


class ExportFormat:
    """Base of export formats: `write()` streams text chunks for the given indicators
    (each an object with type, value, tlp, confidence, first_seen, last_seen,
    expires_at, and `tags`/`claims` where the format needs them)."""

    code = ""
    label = ""
    content_type = "text/plain; charset=utf-8"
    extension = "txt"
    types: tuple = ()  # the indicator types it can express; () = all
    # The indicator columns it reads; () = all of them. Blocklists read three, which keeps a
    # million-row export from converting timestamps it never writes.
    columns: tuple = ()

    def write(self, indicators, options: ExportOptions) -> Iterator[str]:  # pragma: no cover - interface
        raise NotImplementedError


def decode_line(raw: bytes, line: int) -> str | Problem:
    try:
        return raw.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError:
        return Problem(line, _("Dòng %(line)s không phải văn bản UTF-8.") % {"line": line})
