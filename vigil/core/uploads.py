"""Checks for uploaded files every module shares (meeting documents, task evidence,
incident evidence): a size limit, a content type sniffed from the bytes (not trusted
from the browser) that must agree with the file's extension, and a SHA-256 digest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from . import archives
from .errors import DomainError

# Extension -> (content type, magic prefixes; None = text that must decode as UTF-8).
ALLOWED = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "zip": ("application/zip", (b"PK\x03\x04",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
    "json": ("application/json", None),
}


ZIP_BASED = frozenset(ext for ext, (_type, magics) in ALLOWED.items() if magics == (b"PK\x03\x04",))


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    size: int
    sha256: str
    content_type: str


def _limit_message(limit: int) -> str:
    return _("Tệp quá lớn; tối đa %(max)s MB.") % {"max": f"{limit / 1048576:.0f}"}


def check_upload(upload, *, field: str = "file", limit: int | None = None) -> CheckedUpload:
    """Read `upload` once, checking size, type and hashing it; rewinds it for saving.
    Raises DomainError on `field` saying what is wrong."""
    limit = limit or settings.VIGIL_MAX_UPLOAD_BYTES
    raw_name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1]
    name = get_valid_filename(raw_name) if raw_name else ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise DomainError(
            _("Loại tệp %(name)s không được chấp nhận; chỉ nhận: %(types)s.")
            % {"name": raw_name or "?", "types": ", ".join(sorted(ALLOWED))},
            field=field,
            code="type",
        )
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise DomainError(_limit_message(limit), field=field, code="too-large")
    content_type, magics = ALLOWED[ext]
    digest = hashlib.sha256()
    total = 0
    head = b""
    text_ok = True
    if hasattr(upload, "seek"):
        upload.seek(0)
    decoder = None
    if magics is None:
        import codecs

        decoder = codecs.getincrementaldecoder("utf-8")()
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        total += len(chunk)
        if total > limit:
            raise DomainError(_limit_message(limit), field=field, code="too-large")
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        digest.update(chunk)
        if decoder is not None and text_ok:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                text_ok = False
    if total == 0:
        raise DomainError(_("Tệp %(name)s rỗng.") % {"name": raw_name}, field=field, code="empty")
    if magics is not None and not any(head.startswith(m) for m in magics):
        raise DomainError(
            _("Nội dung tệp %(name)s không đúng định dạng %(ext)s.") % {"name": raw_name, "ext": ext.upper()},
            field=field,
            code="type-mismatch",
        )
    if magics is None and not text_ok:
        raise DomainError(
            _("Tệp %(name)s không phải văn bản UTF-8.") % {"name": raw_name}, field=field, code="type-mismatch"
        )
    if ext in ZIP_BASED and hasattr(upload, "seek"):
        # Office documents and archives are ZIPs: their central directory must not promise a
        # decompression bomb to whoever opens them (the platform or a colleague).
        upload.seek(0)
        archives.inspect_zip(getattr(upload, "file", None) or upload, name=raw_name or name, field=field)
    if hasattr(upload, "seek"):
        upload.seek(0)
    return CheckedUpload(name=name[:255], size=total, sha256=digest.hexdigest(), content_type=content_type)
