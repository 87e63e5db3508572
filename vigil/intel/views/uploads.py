"""An uploaded file into the ingest service, the same for the import page and the API:
the platform's upload check (size, type sniffed from the bytes, UTF-8 for text), the
format's options (the chosen type goes to formats that take one), then
`ingest.import_file` on Django's temporary file (or `import_bytes` for a small upload kept
in memory), and for STIX bundles the objects themselves into the TAXII store."""

from __future__ import annotations

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.core.uploads import check_upload

from .. import types
from ..formats import IMPORTERS
from ..models import ImportJob, Source
from ..services import ingest


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


def upload_import(*, actor: Actor, source: Source, upload, fmt: str, type_code: str = "",
                  options: dict | None = None, tlp: str | None = None, confidence: int | None = None,
                  skip_invalid: bool = False) -> ImportJob:
    """Import one uploaded file into `source`; returns the job (a file already imported in
    full into the source returns that earlier job and changes nothing)."""
    opts = import_options(fmt, type_code, options)
    checked = check_upload(upload, field="file")
    kwargs = {"actor": actor, "source": source, "format": fmt, "options": opts, "tlp": tlp or None,
              "confidence": confidence, "skip_invalid": skip_invalid, "filename": checked.name}
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        job = ingest.import_file(path=temporary(), **kwargs)
        if fmt == "stix" and job.status == ImportJob.Status.DONE:
            _store_stix(actor, source, temporary(), tlp)
        return job
    data = upload.read()
    job = ingest.import_bytes(data=data, **kwargs)
    if fmt == "stix" and job.status == ImportJob.Status.DONE:
        import tempfile

        with tempfile.NamedTemporaryFile(prefix="vigil-stix-", suffix=".json") as tmp:
            tmp.write(data)
            tmp.flush()
            _store_stix(actor, source, tmp.name, tlp)
    return job


def _store_stix(actor: Actor, source: Source, path: str, tlp: str | None) -> None:
    """Keep the bundle's objects (reports, malware, attack patterns…) for TAXII clients."""
    try:
        from ..services import stix_store
    except ImportError:  # the TAXII object store is optional
        return
    stix_store.store_file(actor=actor, source=source, path=path, tlp=tlp or None)
