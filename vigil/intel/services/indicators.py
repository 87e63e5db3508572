"""Writes on single indicators: add one by hand, revoke it as a false positive (or
restore it), record a sighting, promote incident observables to indicators."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.access import allowed, require
from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.core.models import TLP

from .. import types
from ..formats.base import Record
from ..models import Indicator, Sighting, Source
from . import ingest
from .sources import manual_source


def indicator_add(*, actor: Actor, source: Source, type: str, value: str, confidence: int | None = None,
                  tlp: str | None = None, description: str = "", tags=(), attack_ids=(),
                  valid_until: dt.datetime | None = None) -> Indicator:
    """Assert one value from `source` (needs `add` on the source's unit)."""
    normalised = types.normalise(type, value)
    record = Record(type=type, value=normalised, line=1, confidence=confidence, tlp=tlp, description=description,
                    tags=tuple(tags), attack_ids=tuple(attack_ids), valid_until=valid_until)
    job = ingest.import_records(actor=actor, source=source, records=[record], label=f"{type}:{normalised}",
                                tlp=tlp, confidence=confidence)
    if job.errors:
        error = job.errors[0]
        raise DomainError(error["message"], field=error.get("field") or "value")
    return Indicator.objects.get(stix_uuid=Indicator.uuid_for(type, normalised))


def indicator_add_manual(*, actor: Actor, unit, type: str, value: str, tlp: str = TLP.AMBER, **kwargs) -> Indicator:
    """`indicator_add` through the unit's manual source for that label."""
    require(actor, "add", unit)
    source = manual_source(actor=actor, unit=unit, tlp=tlp)
    return indicator_add(actor=actor, source=source, type=type, value=value, tlp=tlp, **kwargs)


def indicator_revoke(*, actor: Actor, indicator: Indicator, reason: str) -> Indicator:
    """Withdraw an indicator everywhere (a false positive): it leaves every export and TAXII
    collection at once. Needs `change` on it (network-wide, or on a claiming source's unit)."""
    require(actor, "change", indicator)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Nhập lý do thu hồi."), field="reason")
    with transaction.atomic():
        before = audit.snapshot(indicator)
        indicator.revoked_at = timezone.now()
        indicator.revoked_reason = reason[:5000]
        indicator.revoked_by = actor.author
        indicator.updated_at = indicator.revoked_at
        indicator.save(update_fields=["revoked_at", "revoked_reason", "revoked_by", "updated_at"])
        audit.record(actor=actor, action="intel.indicator.revoke", obj=indicator, before=before,
                     after=audit.snapshot(indicator))
    return indicator


def indicator_allow(*, actor: Actor, indicator: Indicator, reason: str = "", allow: bool = True) -> Indicator:
    """Activate an indicator that a warninglist holds back (`allow`), giving the reason (a
    phishing page on a popular hosting platform is malicious whatever the list says), or
    withdraw that decision. Needs `change` on it, like revocation."""
    require(actor, "change", indicator)
    reason = (reason or "").strip()
    if allow:
        if not indicator.warning:
            raise DomainError(_("Chỉ báo không nằm trong danh sách cảnh báo nào."), field="status")
        if not reason:
            raise DomainError(_("Nhập lý do kích hoạt chỉ báo dù có trong danh sách cảnh báo."), field="reason")
    elif not indicator.warning_allowed_at:
        raise DomainError(_("Chỉ báo chưa được kích hoạt bất chấp danh sách cảnh báo."), field="status")
    with transaction.atomic():
        before = audit.snapshot(indicator)
        now = timezone.now()
        indicator.warning_allowed_at = now if allow else None
        indicator.warning_allowed_reason = reason[:5000] if allow else ""
        indicator.warning_allowed_by = actor.author if allow else None
        indicator.updated_at = now
        indicator.save(update_fields=["warning_allowed_at", "warning_allowed_reason", "warning_allowed_by",
                                      "updated_at"])
        audit.record(actor=actor, action="intel.indicator.allow" if allow else "intel.indicator.disallow",
                     obj=indicator, before=before, after=audit.snapshot(indicator))
    return indicator


def indicator_restore(*, actor: Actor, indicator: Indicator) -> Indicator:
    require(actor, "change", indicator)
    if not indicator.revoked_at:
        raise DomainError(_("Chỉ báo chưa bị thu hồi."), field="status")
    with transaction.atomic():
        before = audit.snapshot(indicator)
        indicator.revoked_at, indicator.revoked_reason, indicator.revoked_by = None, "", None
        indicator.updated_at = timezone.now()
        indicator.save(update_fields=["revoked_at", "revoked_reason", "revoked_by", "updated_at"])
        audit.record(actor=actor, action="intel.indicator.restore", obj=indicator, before=before,
                     after=audit.snapshot(indicator))
    return indicator


def sighting_add(*, actor: Actor, indicator: Indicator, unit, seen_at: dt.datetime | None = None, count: int = 1,
                 note: str = "", origin: str = Sighting.Origin.MANUAL, tlp: str = TLP.AMBER) -> Sighting:
    """Record that `unit` saw the indicator (needs `add` in that unit and sight of the
    indicator). The indicator's last-seen time moves forward with it."""
    from vigil.core.errors import NotFound

    require(actor, "add", unit)
    if not allowed(actor, "view", indicator):
        raise NotFound()
    if count < 1:
        raise DomainError(_("Số lần phải lớn hơn 0."), field="count")
    if tlp not in TLP.values:
        raise DomainError(_("Nhãn TLP không hợp lệ: %(tlp)s.") % {"tlp": tlp}, field="tlp")
    seen_at = seen_at or timezone.now()
    if seen_at > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError(_("Thời điểm thấy không được ở tương lai."), field="seen_at")
    with transaction.atomic():
        sighting = Sighting.objects.create(
            indicator=indicator, owner_unit=unit, tlp=tlp, origin=origin, seen_at=seen_at, count=count,
            note=(note or "")[:5000], created_by=actor.author,
        )
        if seen_at > indicator.last_seen:
            Indicator.objects.filter(pk=indicator.pk).update(last_seen=seen_at, updated_at=timezone.now())
        audit.record(actor=actor, action="intel.sighting.create", obj=sighting, after=audit.snapshot(sighting))
    return sighting


def promote_observables(*, actor: Actor, incident, unit, tlp: str | None = None) -> int:
    """Turn an incident's observables into indicators asserted by the unit's manual source
    (label: the incident's, unless given). Returns how many values were written."""
    from vigil.core.observables import observables_of_case  # incidents' side, through core

    label = tlp or incident.tlp
    require(actor, "add", unit)
    source = manual_source(actor=actor, unit=unit, tlp=label)
    records = []
    for o in observables_of_case(actor, incident):
        code = types.type_for_observable(o.kind)
        if code:
            records.append(Record(type=code, value=o.value, line=len(records) + 1,
                                  description=_("Từ sự cố %(ref)s") % {"ref": incident.reference},
                                  external_id=incident.reference))
    if not records:
        return 0
    job = ingest.import_records(actor=actor, source=source, records=records, label=incident.reference,
                                tlp=label, skip_invalid=True)
    return job.counts.get("created", 0) + job.counts.get("updated", 0) + job.counts.get("unchanged", 0)
