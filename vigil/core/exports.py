"""Every CSV and XLSX file the platform writes goes through here, so no cell written from
user data becomes a live formula in the spreadsheet program of whoever opens it ("CSV
injection", OWASP).

A text cell is dangerous when it starts with `=`, `+`, `-` or `@` (or their full-width
forms), with a tab or a carriage return, or with whitespace followed by one of those: it
is written with a single quote `'` in front (OWASP's advice), in CSV and in XLSX; in XLSX
text cells are also typed as strings explicitly, so openpyxl never stores a formula.
Numbers, dates and booleans are written as what they are (a genuine -5 stays a number);
text that is exactly one number (`-5`, `+3.5`) is left as is too — a number is not a
formula — while `+84 912 345 678` or `-1+1` is quoted.

The check is one look at the first character for the common case, so streaming a million
rows (the intel CSV export) stays fast.
"""

from __future__ import annotations

import csv
import re

from .xmltext import xml_safe

TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")
_FORMULA_START = frozenset("=+-@＝＋－＠")
# Characters a cell may start with that need a closer look: the triggers and every kind of
# whitespace (one set lookup per cell: the fast path of large exports).
SUSPECT = TRIGGERS | frozenset(chr(c) for c in range(0x3001) if chr(c).isspace())
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def is_dangerous(text: str) -> bool:
    """Whether a spreadsheet program could read `text` as a formula."""
    first = text[:1]
    if first in TRIGGERS and first:
        return not (first in "+-" and _NUMBER.fullmatch(text))
    if first.isspace():
        stripped = text.lstrip()
        return stripped[:1] in _FORMULA_START and not _NUMBER.fullmatch(stripped)
    return False


def neutralise(value):
    """The cell value to write: dangerous text with a `'` in front; anything else unchanged."""
    if isinstance(value, str) and value[:1] in SUSPECT and is_dangerous(value):
        return "'" + value
    return value


def unquote(value):
    """The inverse, for importers reading back what was exported: `'=x` -> `=x` (only a
    quote this module would have added is removed)."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in SUSPECT and is_dangerous(value[1:]):
        return value[1:]
    return value


def neutralise_row(values) -> list:
    return [neutralise(v) for v in values]


class SafeWriter:
    """`csv.writer` with every cell neutralised; same `writerow` / `writerows`."""

    def __init__(self, fileobj, *args, **kwargs):
        self._writer = csv.writer(fileobj, *args, **kwargs)

    @property
    def dialect(self):
        return self._writer.dialect

    def writerow(self, row):
        # inlined `neutralise` (a million-row export pays for every call)
        return self._writer.writerow(
            ["'" + v if isinstance(v, str) and v[:1] in SUSPECT and is_dangerous(v) else v for v in row]
        )

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(fileobj, *args, **kwargs) -> SafeWriter:
    return SafeWriter(fileobj, *args, **kwargs)


def xlsx_cell(ws, value, **style):
    """A cell for `ws.append` (write-only or ordinary sheets): XML-safe, neutralised, and
    text typed as a string whatever it looks like. `style`: font, fill, alignment,
    number_format."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(ws)
        cell._value = neutralise(xml_safe(value))  # set directly: never inferred as a formula
        cell.data_type = "s"
    else:
        cell = WriteOnlyCell(ws, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def xlsx_row(ws, values, **style) -> list:
    """A row for `ws.append`: every value through `xlsx_cell`."""
    return [xlsx_cell(ws, v, **style) for v in values]


def xlsx_set(cell, value) -> None:
    """Set an existing cell (ordinary sheets) the same way."""
    if isinstance(value, str):
        cell._value = neutralise(xml_safe(value))
        cell.data_type = "s"
    else:
        cell.value = value
