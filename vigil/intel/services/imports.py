"""Import a file into an intelligence source: the one use case behind the import page, the
API's upload and `vigil intel import`.

Each interface only gets its file (an upload, or a path on the server for the CLI) and
its values; from there the steps are the same: the format and its options checked (the
chosen indicator type goes to the formats that take one, errors name the field), an
upload checked as every upload is (size, type sniffed from the bytes, UTF-8 for text),
`ingest.import_file` (batches, checkpoints, a file already imported in full changes
nothing), and for a STIX bundle imported in full its objects kept for TAXII clients.

The source must exist: no interface creates one on the way. Creating a source decides its
owner unit, its TLP and who it is shared with, a decision of its own (`sources` service,
audited, with its own page, route and command); the page and the API always imported into
a chosen source, and a mistyped name given to the CLI must not quietly become a new AMBER
source of the user's unit.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.core.uploads import check_upload

from .. import types
from ..formats import IMPORTERS
from ..models import ImportJob, Source
from . import ingest


def import_options(fmt: str, type_code: str = "", options: dict | None = None) -> dict:
    """The format's options with the chosen indicator type folded in; errors name the field."""
    if fmt not in IMPORTERS:
        raise DomainError(_("Định dạng nhập không hỗ trợ: %(format)s (có: %(known)s).")
                          % {"format": fmt, "known": ", ".join(IMPORTERS)}, field="format")
    opts = dict(options or {})
    if type_code:
        if type_code not in types.TYPES:
            raise DomainError(_("Loại chỉ báo không hợp lệ: %(type)s.") % {"type": type_code}, field="type")
        accepted = getattr(import_string(IMPORTERS[fmt]), "options", {}) or {}
        if "type" not in accepted:
            raise DomainError(_("Định dạng %(format)s tự xác định loại chỉ báo; để trống trường loại.")
                              % {"format": fmt}, field="type")
        opts.setdefault("type", type_code)
    return opts


def import_path(*, actor: Actor, source: Source, path: Path | str, fmt: str, type_code: str = "",
                options: dict | None = None, tlp: str | None = None, confidence: int | None = None,
                skip_invalid: bool = False, refresh: bool = False, filename: str = "",
                progress: Callable[[ImportJob], None] | None = None) -> ImportJob:
    """Import the file at `path` into `source`; returns the job (a file already imported in
    full into the source returns that earlier job and changes nothing, unless `refresh`).
    For a STIX bundle imported in full, the job's `stix_objects` says what was kept for
    TAXII (None when the object store is not installed)."""
    if confidence is not None and not 0 <= confidence <= 100:
        raise DomainError(_("Độ tin cậy phải từ 0 đến 100."), field="confidence")
    opts = import_options(fmt, type_code, options)
    job = ingest.import_file(
        actor=actor, source=source, path=path, format=fmt, options=opts, tlp=tlp or None, confidence=confidence,
        skip_invalid=skip_invalid, refresh=refresh, filename=filename or Path(path).name, progress=progress,
    )
    job.stix_objects = None
    if fmt == "stix" and job.status == ImportJob.Status.DONE:
        job.stix_objects = _store_stix(actor, source, path, tlp)
    return job


def import_upload(*, actor: Actor, source: Source, upload, fmt: str, type_code: str = "",
                  options: dict | None = None, tlp: str | None = None, confidence: int | None = None,
                  skip_invalid: bool = False) -> ImportJob:
    """Import one uploaded file (Django's UploadedFile) into `source`, after the upload
    checks every upload passes; as `import_path` otherwise."""
    import_options(fmt, type_code, options)  # a bad format or type is named before the file is read
    checked = check_upload(upload, field="file")
    kwargs = {"actor": actor, "source": source, "fmt": fmt, "type_code": type_code, "options": options, "tlp": tlp,
              "confidence": confidence, "skip_invalid": skip_invalid, "filename": checked.name}
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        return import_path(path=temporary(), **kwargs)
    with tempfile.NamedTemporaryFile(prefix="vigil-intel-", suffix=".dat") as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        return import_path(path=tmp.name, **kwargs)


def _store_stix(actor: Actor, source: Source, path: Path | str, tlp: str | None) -> dict | None:
    """Keep the bundle's objects (reports, malware, attack patterns…) for TAXII clients;
    what was stored, or None when the TAXII object store is not installed."""
    try:
        from . import stix_store
    except ImportError:  # the TAXII object store is optional
        return None
    return stix_store.store_file(actor=actor, source=source, path=str(path), tlp=tlp or None)
