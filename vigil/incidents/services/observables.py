"""Observables of an incident: added as typed (defanged input welcome), stored normalised,
shown defanged; one (kind, value) once per incident."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core import observables as kinds
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError

from ..models import Incident, Observable
from .common import require_change, timeline_add


@transaction.atomic
def observable_add(*, actor: Actor, incident: Incident, value: str, kind: str | None = None, note: str = "",
                   is_ioc: bool = True) -> Observable:
    """Add an observable; without `kind` it is detected from the value."""
    require_change(actor, incident)
    if kind:
        normalised = kinds.normalise(kind, value)
    else:
        kind, normalised = kinds.detect_kind(value)
    note = (note or "").strip()
    if len(note) > 300:
        raise DomainError(_("Ghi chú dài quá %(n)s ký tự.") % {"n": 300}, field="note")
    if len(normalised) > 2000:
        raise DomainError(_("Giá trị dài quá %(n)s ký tự.") % {"n": 2000}, field="value")
    if Observable.objects.filter(incident=incident, kind=kind, value=normalised).exists():
        raise Conflict(_("Sự cố đã có dấu hiệu này."), field="value", code="duplicate")
    try:
        with transaction.atomic():
            obs = Observable.objects.create(incident=incident, kind=kind, value=normalised, note=note,
                                            is_ioc=bool(is_ioc), added_by=actor.author)
    except IntegrityError as exc:
        raise Conflict(_("Sự cố đã có dấu hiệu này."), field="value", code="duplicate") from exc
    audit.record(actor=actor, action="incidents.observable.add", obj=obs, after=audit.snapshot(obs))
    timeline_add(incident=incident, actor=actor, kind="observable_added", text=kinds.defang(kind, normalised),
                 data={"observable": obs.pk, "kind": kind})
    return obs


@transaction.atomic
def observable_remove(*, actor: Actor, observable: Observable) -> None:
    incident = observable.incident
    require_change(actor, incident)
    before = audit.snapshot(observable)
    shown = kinds.defang(observable.kind, observable.value)
    audit.record(actor=actor, action="incidents.observable.remove", obj=observable, before=before)
    observable.delete()
    timeline_add(incident=incident, actor=actor, kind="observable_removed", text=shown,
                 data={"kind": before["kind"]})
