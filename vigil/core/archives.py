"""Compressed input the platform reads or keeps — XLSX/DOCX/ODF/ZIP uploads, gzip intel
files and feeds — is checked BEFORE anything is decompressed into memory, so a small
file cannot expand into gigabytes (a "decompression bomb").

- `inspect_zip` reads only the ZIP's central directory: member count, each member's
  declared size, the total, and the compression ratio. Python's `zipfile` never yields
  more than a member's declared size (a member that lies fails its CRC), so bounding the
  declared sizes bounds what any reader (openpyxl, python-docx) can decompress.
- `check_xml_runs` streams chosen XML members in chunks and refuses a text or attribute
  run longer than a limit (an XLSX cell of a gigabyte) without ever holding it.
- `open_maybe_gzip` / `BoundedReader`: a gzip stream that stops with an error at a
  decompressed limit or ratio, and turns a truncated or corrupt gzip into a clear error.

Every error is an `ArchiveError` (a DomainError on the field `file`) naming the file, in
the user's language.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import DomainError

MAX_MEMBERS = 10_000
RATIO_FLOOR = 1 << 20  # the ratio is judged only past 1 MiB of output (tiny files compress well)
CHUNK = 1 << 16


def max_bytes() -> int:
    """The most a compressed input may expand to (VIGIL_ARCHIVE_MAX_BYTES)."""
    return int(getattr(settings, "VIGIL_ARCHIVE_MAX_BYTES", 512 * 1024 * 1024))


def max_ratio() -> int:
    """The highest compression ratio accepted (VIGIL_ARCHIVE_MAX_RATIO)."""
    return int(getattr(settings, "VIGIL_ARCHIVE_MAX_RATIO", 100))


class ArchiveError(DomainError):
    def __init__(self, message, *, field: str = "file"):
        super().__init__(message, field=field, code="archive")


def _mib(n: int) -> str:
    return f"{n / 1048576:.0f}"


@dataclass(frozen=True)
class ZipSummary:
    members: int
    total: int  # declared uncompressed bytes
    compressed: int


def inspect_zip(source, *, name: str, limit: int | None = None, ratio: int | None = None,
                field: str = "file") -> ZipSummary:
    """Check a ZIP (a path, bytes or a seekable binary file) from its central directory
    only. Refuses, naming `name`: an unreadable archive, too many members, a member or a
    total beyond `limit`, a ratio beyond `ratio`, an encrypted member."""
    limit = limit or max_bytes()
    ratio = ratio or max_ratio()
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(source)
    position = source.tell() if hasattr(source, "tell") else None
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise ArchiveError(_("Tệp %(name)s không phải tệp nén ZIP hợp lệ.") % {"name": name}, field=field) from None
    finally:
        if position is not None:
            source.seek(position)
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(_("Tệp %(name)s chứa quá nhiều thành phần (%(n)s; tối đa %(max)s).")
                           % {"name": name, "n": len(infos), "max": MAX_MEMBERS}, field=field)
    total = compressed = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ArchiveError(_("Tệp %(name)s chứa thành phần được mã hoá; không đọc được.") % {"name": name},
                               field=field)
        total += info.file_size
        compressed += info.compress_size
        if info.file_size > limit or total > limit:
            raise ArchiveError(_too_big(name, limit), field=field)
        if info.file_size > RATIO_FLOOR and info.file_size > ratio * max(info.compress_size, 1):
            raise ArchiveError(_too_compressed(name, ratio), field=field)
    if total > RATIO_FLOOR and total > ratio * max(compressed, 1):
        raise ArchiveError(_too_compressed(name, ratio), field=field)
    return ZipSummary(members=len(infos), total=total, compressed=compressed)


def _too_big(name: str, limit: int) -> str:
    return (_("Tệp %(name)s khi giải nén vượt quá %(mib)s MB; tệp bị từ chối.")
            % {"name": name, "mib": _mib(limit)})


def _too_compressed(name: str, ratio: int) -> str:
    return (_("Tệp %(name)s có tỉ lệ nén bất thường (hơn %(ratio)s lần); tệp bị từ chối.")
            % {"name": name, "ratio": ratio})


def check_xml_runs(source, *, name: str, max_run: int, members: str = r".*\.xml", field: str = "file") -> None:
    """Stream every member whose name matches `members` and refuse a run of text (or an
    attribute) longer than `max_run` bytes between two tags — an XLSX cell of a gigabyte —
    without holding more than a chunk. Call `inspect_zip` first (it bounds the work)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(source)
    pattern = re.compile(rb"[^<>]{%d}" % (max_run + 1))
    wanted = re.compile(members)
    position = source.tell() if hasattr(source, "tell") else None
    try:
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                if info.is_dir() or not wanted.fullmatch(info.filename):
                    continue
                carry = b""
                with archive.open(info) as member:
                    while chunk := member.read(CHUNK):
                        window = carry + chunk
                        if pattern.search(window):
                            raise ArchiveError(
                                _("Tệp %(name)s chứa một ô hoặc đoạn văn bản dài quá %(n)s ký tự; tệp bị từ chối.")
                                % {"name": name, "n": max_run}, field=field)
                        cut = max(window.rfind(b"<"), window.rfind(b">"))
                        carry = window[cut + 1:] if cut >= 0 else window
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
        raise ArchiveError(_("Tệp %(name)s không phải tệp nén ZIP hợp lệ.") % {"name": name}, field=field) from None
    finally:
        if position is not None:
            source.seek(position)


class BoundedReader(io.RawIOBase):
    """A decompressing stream that stops with an ArchiveError past `limit` bytes out or
    past `ratio` times the bytes read in, and on a truncated or corrupt gzip."""

    def __init__(self, raw, *, name: str, limit: int | None = None, ratio: int | None = None, field: str = "file"):
        super().__init__()
        self._raw = raw  # the compressed file (counted)
        self.name_for_errors = name
        self.limit = limit or max_bytes()
        self.ratio = ratio or max_ratio()
        self.field = field
        self._counted = _CountingReader(raw)
        self._stream = gzip.GzipFile(fileobj=self._counted, mode="rb")
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._stream.read(len(buffer))
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError):
            raise ArchiveError(_("Tệp %(name)s là tệp gzip bị cắt cụt hoặc hỏng.") % {"name": self.name_for_errors},
                               field=self.field) from None
        self.produced += len(data)
        if self.produced > self.limit:
            raise ArchiveError(_too_big(self.name_for_errors, self.limit), field=self.field)
        if self.produced > RATIO_FLOOR and self.produced > self.ratio * max(self._counted.count, 1):
            raise ArchiveError(_too_compressed(self.name_for_errors, self.ratio), field=self.field)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._stream.close()
            self._raw.close()
        finally:
            super().close()


class _CountingReader(io.RawIOBase):
    def __init__(self, raw):
        super().__init__()
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        self.count += len(data)
        buffer[: len(data)] = data
        return len(data)

    def read(self, size=-1) -> bytes:
        data = self._raw.read(size)
        self.count += len(data)
        return data


def is_gzip(head: bytes) -> bool:
    return head[:2] == b"\x1f\x8b"


def open_maybe_gzip(path: Path | str, *, name: str | None = None, limit: int | None = None,
                    ratio: int | None = None, field: str = "file"):
    """A binary stream of the file, gunzipped (bounded) when it is gzip."""
    path = Path(path)
    fh = open(path, "rb")  # noqa: SIM115 - handed to the caller
    head = fh.read(2)
    fh.seek(0)
    if not is_gzip(head):
        return fh
    return io.BufferedReader(BoundedReader(fh, name=name or path.name, limit=limit, ratio=ratio, field=field),
                             buffer_size=CHUNK)


def gunzip_bytes(data: bytes, *, name: str, limit: int | None = None, ratio: int | None = None,
                 field: str = "file") -> bytes:
    """The gunzipped bytes of `data` (bounded), or `data` itself when it is not gzip."""
    if not is_gzip(data):
        return data
    with io.BufferedReader(BoundedReader(io.BytesIO(data), name=name, limit=limit, ratio=ratio, field=field)) as s:
        return s.read()
