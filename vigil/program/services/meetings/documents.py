"""A meeting's documents: upload (checked, hashed), removal, audited download."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.actors import Actor
from vigil.core.errors import DomainError, NotFound
from vigil.core.uploads import check_upload

from ...models import Meeting, MeetingDocument
from .common import _choice, _locked, _text, require_change


def document_add(
    *,
    actor: Actor,
    meeting: Meeting,
    upload,
    title: str = "",
    kind: str = MeetingDocument.Kind.MATERIAL,
) -> MeetingDocument:
    """Attach a file to a meeting: its size (settings.VIGIL_MAX_UPLOAD_BYTES), type and
    content are checked and its SHA-256 kept. A refused file leaves nothing stored."""
    require_change(actor, meeting)
    if upload is None:
        raise DomainError(_("Hãy chọn tệp."), field="file")
    kind = _choice(kind or MeetingDocument.Kind.MATERIAL, MeetingDocument.Kind.choices, "kind", _("Loại tài liệu"))
    checked = check_upload(upload, field="file")
    title = _text(title, "title", _("tên tài liệu"), 300) or checked.name
    stored = None
    try:
        with transaction.atomic():
            meeting = _locked(meeting)
            document = MeetingDocument(
                meeting=meeting, kind=kind, title=title[:300], size=checked.size, sha256=checked.sha256,
                content_type=checked.content_type, uploaded_by=actor.author,
            )
            document.file.save(f"{checked.sha256[:12]}-{checked.name[-60:]}", upload, save=False)
            stored = (document.file.storage, document.file.name)
            document.full_clean()
            document.save()
            audit.record(
                actor=actor, action="program.meeting_document.upload", obj=document, after=_doc_snapshot(document)
            )
    except BaseException:
        if stored is not None:
            stored[0].delete(stored[1])
        raise
    return document


def _doc_snapshot(document: MeetingDocument) -> dict:
    data = audit.snapshot(document)
    data["file"] = document.file.name or ""
    return data


def document_remove(*, actor: Actor, document: MeetingDocument) -> None:
    """Remove a document; its file is deleted once the removal is committed."""
    require_change(actor, document.meeting)
    storage, name = document.file.storage, document.file.name
    with transaction.atomic():
        audit.record(
            actor=actor, action="program.meeting_document.remove", obj=document, before=_doc_snapshot(document)
        )
        document.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def document_open(*, actor: Actor, document: MeetingDocument):
    """Open a document for download (the caller found it through the access layer); each
    download is written to the audit log."""
    if not document.file:
        raise NotFound(_("Tài liệu chưa có tệp."), field="file")
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError as exc:
        raise NotFound(_("Không tìm thấy tệp trên máy chủ."), field="file") from exc
    audit.record(
        actor=actor, action="program.meeting_document.export", obj=document,
        after={"file": document.file.name, "sha256": document.sha256},
    )
    return handle
