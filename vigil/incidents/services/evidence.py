"""Evidence files of an incident: checked on upload (size, type sniffed from the bytes,
SHA-256), stored privately, downloaded only through an access-checked, audited view."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.actors import Actor
from vigil.core.errors import DomainError, NotFound
from vigil.core.uploads import check_upload

from ..models import EvidenceFile, Incident
from .common import require_change, timeline_add


def evidence_upload(*, actor: Actor, incident: Incident, upload, description: str = "") -> EvidenceFile:
    """Attach a file to the incident. The file is written to storage inside the service's
    transaction; if that transaction fails the file is removed from the disk again."""
    stored: list = []
    try:
        with transaction.atomic():
            return _evidence_upload(actor=actor, incident=incident, upload=upload, description=description,
                                    stored=stored)
    except BaseException:
        for storage, name in stored:
            try:
                storage.delete(name)
            except OSError:
                pass
        raise


def _evidence_upload(*, actor, incident, upload, description, stored):
    require_change(actor, incident)
    if upload is None:
        raise DomainError(_("Hãy chọn tệp."), field="file")
    checked = check_upload(upload, field="file")
    description = (description or "").strip()
    if len(description) > 300:
        raise DomainError(_("Mô tả dài quá %(n)s ký tự.") % {"n": 300}, field="description")
    evidence = EvidenceFile(
        incident=incident, name=checked.name[:255], size=checked.size, sha256=checked.sha256,
        content_type=checked.content_type, description=description, uploaded_by=actor.author,
    )
    evidence.file.save(checked.name[:100], upload, save=False)
    stored.append((evidence.file.storage, evidence.file.name))
    evidence.save()
    audit.record(actor=actor, action="incidents.evidence.upload", obj=evidence, after=audit.snapshot(evidence))
    timeline_add(incident=incident, actor=actor, kind="evidence_added", text=evidence.name,
                 data={"evidence": evidence.pk, "sha256": evidence.sha256, "size": evidence.size})
    return evidence


def evidence_open(*, actor: Actor, evidence: EvidenceFile):
    """Open an evidence file for download (found through the access layer by the caller).
    Every download is audited; for a TLP:RED incident it is also recorded as a view."""
    try:
        handle = evidence.file.storage.open(evidence.file.name, "rb")
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound(_("Tệp không còn trên máy chủ."), field="incident_evidence_id") from exc
    audit.record(actor=actor, action="incidents.evidence.download", obj=evidence,
                 after={"file": evidence.file.name, "sha256": evidence.sha256})
    audit.record_view(actor, evidence.incident)
    return handle


@transaction.atomic
def evidence_remove(*, actor: Actor, evidence: EvidenceFile) -> None:
    incident = evidence.incident
    require_change(actor, incident)
    storage, name = evidence.file.storage, evidence.file.name
    audit.record(actor=actor, action="incidents.evidence.remove", obj=evidence, before=audit.snapshot(evidence))
    timeline_add(incident=incident, actor=actor, kind="evidence_removed", text=evidence.name)
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))
