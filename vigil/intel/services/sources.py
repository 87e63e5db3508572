"""Writes on sources: create, change, share, retire, delete.

Creating a source needs `add` on its owning unit; changing it `change`; deleting it
`delete` (its claims go with it, and every indicator it asserted is recomputed from the
claims that remain, or removed when none does)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from vigil.core import audit, concurrency
from vigil.core.access import require
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError, validation_errors
from vigil.core.models import TLP

from ..models import IndicatorSource, Source

FIELDS = ("name", "kind", "description", "reliability", "default_confidence", "lifetime_days", "tlp", "is_active")


def _clean(source: Source) -> None:
    try:
        source.full_clean(exclude=["owner_unit", "shared_with", "recipients", "created_by"])
    except ValidationError as exc:
        errors = validation_errors(exc)
        name, messages = next(iter(errors.items()))
        raise DomainError(messages[0], field=name) from exc


def _share(source: Source, shared_with, recipients) -> None:
    if shared_with is not None:
        source.shared_with.set(list(shared_with))
    if recipients is not None:
        source.recipients.set(list(recipients))


def source_create(*, actor: Actor, owner_unit, name: str, tlp: str = TLP.AMBER, shared_with=None,
                  recipients=None, **fields) -> Source:
    """A new source of `owner_unit`."""
    require(actor, "add", owner_unit)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise DomainError(_("Trường không hợp lệ: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    source = Source(owner_unit=owner_unit, name=(name or "").strip(), tlp=tlp,
                    created_by=actor.author, **fields)
    _clean(source)
    try:
        with transaction.atomic():
            source.save()
            _share(source, shared_with, recipients)
            audit.record(actor=actor, action="intel.source.create", obj=source, after=audit.snapshot(source))
    except IntegrityError as exc:
        raise Conflict(_("Đơn vị đã có nguồn mang tên này."), field="name") from exc
    return source


def source_update(*, actor: Actor, source: Source, shared_with=None, recipients=None, version=None,
                  **changes) -> Source:
    """Change the fields given (only those are written); `version`: the one the caller
    edited, refused (409) when the source changed since."""
    require(actor, "change", source)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise DomainError(_("Trường không hợp lệ: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    before = audit.snapshot(source)
    for key, value in changes.items():
        setattr(source, key, value.strip() if isinstance(value, str) and key == "name" else value)
    _clean(source)
    try:
        with transaction.atomic():
            concurrency.save(source, changes, expected=version)
            _share(source, shared_with, recipients)
            audit.record(actor=actor, action="intel.source.update", obj=source, before=before,
                         after=audit.snapshot(source))
    except IntegrityError as exc:
        raise Conflict(_("Đơn vị đã có nguồn mang tên này."), field="name") from exc
    return source


def source_delete(*, actor: Actor, source: Source) -> int:
    """Delete a source and its claims; returns how many indicators were recomputed."""
    from .ingest import rollup

    require(actor, "delete", source)
    with transaction.atomic():
        indicator_ids = list(IndicatorSource.objects.filter(source=source).values_list("indicator_id", flat=True))
        audit.record(actor=actor, action="intel.source.delete", obj=source, before=audit.snapshot(source),
                     after={"claims": len(indicator_ids)})
        source.delete()
        return rollup(indicator_ids)


def manual_source(*, actor: Actor, unit, tlp: str) -> Source:
    """The unit's source for what its analysts enter by hand, one per label."""
    label = dict(TLP.choices)[tlp]
    name = _("Nhập thủ công – %(unit)s – %(tlp)s") % {"unit": unit.code, "tlp": label}
    source = Source.objects.filter(owner_unit=unit, name=name).first()
    if source is None:
        source = source_create(actor=actor, owner_unit=unit, name=name, tlp=tlp, kind=Source.Kind.MANUAL,
                               reliability=Source.Reliability.B, default_confidence=70)
    return source
