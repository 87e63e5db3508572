"""Charts in generated documents without a drawing library: a bar is a small PNG of one
colour (written here with zlib, no Pillow), stretched to its length in a table cell
beside its label and figure, so the labels stay real, translated, selectable text.
`bar_chart` adds such a table to an AdministrativeDocument."""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache

from docx.shared import Mm

from vigil.core.selectors.charts import colour


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=32)
def solid_png(hex_colour: str, width: int = 8, height: int = 8) -> bytes:
    """A `width` x `height` PNG filled with `hex_colour` ("#rrggbb")."""
    rgb = bytes.fromhex(hex_colour.lstrip("#"))
    row = b"\x00" + rgb * width  # filter byte 0, then the pixels
    raw = row * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(
        b"IEND", b""
    )


def bar_chart(doc, headers: list[str], bars: list[tuple[str, float, str, str]], *, bar_mm: float = 80,
              label_mm: float = 55, figure_mm: float = 30, height_mm: float = 4):
    """A horizontal bar chart as a table: per bar (label, value, figure text, palette
    colour) the label, a bar `value` / the largest value x `bar_mm` long, and the figure.
    Returns the table."""
    top = max((v for _l, v, _f, _c in bars), default=0) or 1
    table = doc.table(headers, [[label, "", figure] for label, _v, figure, _c in bars],
                      widths_mm=[label_mm, bar_mm + 4, figure_mm], align=["l", "l", "r"])
    for row, (_label, value, _figure, name) in zip(table.rows[1:], bars, strict=True):
        if value <= 0:
            continue
        run = row.cells[1].paragraphs[0].add_run()
        run.add_picture(io.BytesIO(solid_png(colour(name))), width=Mm(max(0.5, bar_mm * value / top)),
                        height=Mm(height_mm))
    return table
