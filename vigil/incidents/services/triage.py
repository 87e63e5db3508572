"""Triage: classify a reported incident with the ENISA taxonomy, rate it on the impact x
urgency matrix (severity, and from it the SLA clocks), label it (TLP, PAP), confirm or
correct the owning unit, the sector and the affected systems, and say who else may see it.
Also: merge a duplicate report into the incident it repeats, and find likely duplicates.

Everything here needs `change` on the incident (both incidents for a merge).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import access, audit, concurrency
from vigil.core.access import visible_to
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError, NotFound
from vigil.core.models import TLP
from vigil.core.refs import is_pk
from vigil.core.texts import stored
from vigil.org.models import Unit
from vigil.org.selectors.units import check_sector

from ..models import (
    PAP,
    EvidenceFile,
    Incident,
    IncidentClass,
    IncidentType,
    Level,
    Observable,
    Severity,
    SeverityRule,
)
from .common import require_change, timeline_add
from .sla import apply_targets
from .stages import stages_schedule

DUPLICATE_WINDOW = dt.timedelta(days=30)
CLOSED_STATES = (Incident.State.MERGED, Incident.State.CLOSED)


# --------------------------------------------------------------------------- reference reads


def taxonomy(*, user, active_only: bool = False) -> list[IncidentClass]:
    """The taxonomy's classes, each with `type_list` (its types, in order)."""
    classes = list(visible_to(user, IncidentClass).order_by("sort_order", "code"))
    types = visible_to(user, IncidentType).select_related("klass").order_by("sort_order", "code")
    if active_only:
        types = types.filter(is_active=True)
    by_class: dict[int, list] = {}
    for t in types:
        by_class.setdefault(t.klass_id, []).append(t)
    for c in classes:
        c.type_list = by_class.get(c.pk, [])
    return classes


def active_types():
    """Types offered at triage (inactive ones, e.g. harmful speech, are out of scope)."""
    return IncidentType.objects.filter(is_active=True).select_related("klass").order_by(
        "klass__sort_order", "sort_order", "code"
    )


def severity_for(impact: int, urgency: int) -> str:
    """The severity of a cell of the matrix; DomainError when the matrix lacks it."""
    rule = SeverityRule.objects.filter(impact=impact, urgency=urgency).first()
    if rule is None:
        raise DomainError(
            _("Ma trận mức độ chưa có ô %(i)sx%(u)s; hãy nạp dữ liệu tham chiếu.") % {"i": impact, "u": urgency},
            field="impact", code="no-severity-rule",
        )
    return rule.severity


# --------------------------------------------------------------------------- triage


def _state(incident: Incident) -> dict:
    return {
        "state": incident.state,
        "incident_type": incident.incident_type.code if incident.incident_type_id else None,
        "impact": incident.impact, "urgency": incident.urgency, "severity": incident.severity or None,
        "tlp": incident.tlp, "pap": incident.pap, "owner_unit": incident.owner_unit.code, "sector": incident.sector,
        "systems": sorted(incident.systems.values_list("pk", flat=True)) if incident.pk else [],
        "shared_with": sorted(incident.shared_with.values_list("code", flat=True)) if incident.pk else [],
        "recipients": sorted(incident.recipients.values_list("username", flat=True)) if incident.pk else [],
    }


def _type(value) -> IncidentType | None:
    if value is None or value == "":
        return None
    if isinstance(value, IncidentType):
        return value
    text = str(value).strip()
    qs = IncidentType.objects.select_related("klass")
    return (qs.filter(pk=int(text)).first() if is_pk(text) else None) or qs.filter(code=text.lower()).first()


def _level(name: str, value, errors: dict) -> int | None:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = None
    if level not in Level.values:
        errors.setdefault(name, []).append(_("Chọn mức từ 1 đến 4."))
        return None
    return level


def _units(values: Iterable, name: str, errors: dict) -> list[Unit]:
    out = []
    for v in values or ():
        unit = v if isinstance(v, Unit) else None
        if unit is None:
            text = str(v).strip()
            qs = Unit.objects.filter(is_active=True)
            unit = (qs.filter(pk=int(text)).first() if is_pk(text) else None) or qs.filter(code=text).first()
        if unit is None or not unit.is_active:
            errors.setdefault(name, []).append(_("Đơn vị không tồn tại: %(v)s") % {"v": v})
        elif unit not in out:
            out.append(unit)
    return out


def _users(actor: Actor, values: Iterable, errors: dict) -> list:
    """The TLP:RED recipients named, among the people the actor may name: an unknown
    account and one the actor may not see get the same error (no enumeration)."""
    from vigil.org.selectors.people import recipients_named

    out = []
    for v in values or ():
        try:
            found = recipients_named(user=actor, values=[v])
        except DomainError as exc:
            errors.setdefault("recipients", []).append(str(exc.message))
            continue
        if found[0] not in out:
            out.append(found[0])
    return out


def incident_triage(
    *,
    actor: Actor,
    incident: Incident,
    incident_type,
    impact: int,
    urgency: int,
    tlp: str | None = None,
    pap: str | None = None,
    owner_unit: Unit | None = None,
    sector: str | None = None,
    systems: Iterable | None = None,
    shared_with: Iterable | None = None,
    recipients: Iterable | None = None,
    version: int | None = None,
) -> Incident:
    """Classify and rate `incident` (a type code or instance, impact and urgency 1–4).
    Severity comes from the matrix, the SLA due times from the severity's target counted
    from `received_at`; the first triage acknowledges the report and moves it from NEW to
    TRIAGED (a later triage re-rates it without changing the state). Arguments left None
    keep their value; lists replace. Moving the incident to another owning unit needs
    `change` there too. Timeline and audit record before and after. `version` (the one the
    caller saw) refuses a triage of an incident changed since (409)."""
    from .intake import _systems

    require_change(actor, incident)
    if incident.state in CLOSED_STATES:
        raise Conflict(
            _("Sự cố ở trạng thái “%(s)s” không phân loại lại được.") % {"s": incident.get_state_display()},
            field="state", code="state",
        )
    errors: dict[str, list[str]] = {}
    itype = _type(incident_type)
    if itype is None:
        errors["incident_type"] = [_("Hãy chọn loại sự cố trong bảng phân loại.")]
    elif not itype.is_active:
        errors["incident_type"] = [_(
            "Loại “%(t)s” nằm ngoài phạm vi xử lý của nền tảng; hãy chọn loại khác hoặc chuyển cơ quan có thẩm quyền."
        ) % {"t": itype.name}]
    impact = _level("impact", impact, errors)
    urgency = _level("urgency", urgency, errors)
    if tlp is not None and tlp not in TLP.values:
        errors["tlp"] = [_("Nhãn TLP không hợp lệ: %(v)s") % {"v": tlp}]
    if pap is not None and pap not in PAP.values:
        errors["pap"] = [_("Nhãn PAP không hợp lệ: %(v)s") % {"v": pap}]
    if sector is not None:
        try:
            sector = check_sector(sector, current=incident.sector)
        except DomainError as exc:
            errors["sector"] = [str(exc.message)]
    if owner_unit is not None and owner_unit.pk != incident.owner_unit_id:
        if not owner_unit.is_active:
            errors["owner_unit"] = [_("Đơn vị đã ngừng hoạt động.")]
        elif not access.allowed(actor, "change", owner_unit):
            errors["owner_unit"] = [_("Bạn không có quyền chuyển sự cố cho đơn vị này; hãy đề nghị cơ quan thường trực.")]
    found_systems = None
    if systems is not None:
        try:
            found_systems = _systems(actor, systems)
        except DomainError as exc:
            errors.setdefault("systems", []).append(str(exc.message))
    units = _units(shared_with, "shared_with", errors) if shared_with is not None else None
    people = _users(actor, recipients, errors) if recipients is not None else None
    if errors:
        raise ValidationError(errors)
    severity = severity_for(impact, urgency)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("owner_unit").get(pk=incident.pk)
        concurrency.require_version(incident, version)
        before_row = audit.snapshot(incident)
        before = _state(incident)
        incident.incident_type = itype
        incident.impact, incident.urgency, incident.severity = impact, urgency, severity
        if tlp is not None:
            incident.tlp = tlp
        if pap is not None:
            incident.pap = pap
        if owner_unit is not None:
            incident.owner_unit = owner_unit
        if sector is not None:
            incident.sector = sector.strip()
        apply_targets(incident)
        now = timezone.now()
        first = incident.state == Incident.State.NEW
        if incident.acknowledged_at is None:
            incident.acknowledged_at = now
        if first:
            incident.state = Incident.State.TRIAGED
        incident.full_clean()
        incident.save()
        if found_systems is not None:
            incident.systems.set(found_systems)
        if units is not None:
            incident.shared_with.set(units)
        if people is not None:
            incident.recipients.set(people)
        stages_schedule(incident, actor=actor)
        after = _state(incident)
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        timeline_add(
            incident=incident, actor=actor, kind="triaged" if first else "retriaged", at=now,
            message=stored(gettext_lazy("Phân loại: %(type)s; mức độ %(sev)s (ảnh hưởng %(i)s, khẩn cấp %(u)s)."),
                           type=itype, sev=Severity(incident.severity).label, i=impact, u=urgency),
            data={"before": before, "after": after, "changed": changed},
        )
        audit.record(
            actor=actor, action="incidents.incident.triage", obj=incident, before={**before_row, **before},
            after={**audit.snapshot(incident), **after},
        )
    return incident


# --------------------------------------------------------------------------- merge


def incident_merge(*, actor: Actor, duplicate: Incident, into: Incident, reason: str) -> Incident:
    """Merge `duplicate` into `into`: the duplicate becomes MERGED (its tracking number
    then leads to `into`), its observables, evidence (linked: the same stored file) and
    affected systems are added to `into`, both timelines say so. Needs `change` on both."""
    user = actor.author
    require_change(actor, duplicate)
    require_change(actor, into)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Hãy ghi lý do gộp."), field="reason")
    if duplicate.pk == into.pk:
        raise DomainError(_("Không thể gộp một sự cố vào chính nó."), field="into")
    if duplicate.state == Incident.State.MERGED:
        raise Conflict(_("Sự cố này đã được gộp trước đó."), field="duplicate", code="merged")
    if into.state == Incident.State.MERGED:
        raise DomainError(
            _("Sự cố %(ref)s đã được gộp vào sự cố khác; hãy gộp vào sự cố đó.") % {"ref": into.reference},
            field="into",
        )
    with transaction.atomic():
        duplicate = Incident.objects.select_for_update().get(pk=duplicate.pk)
        into = Incident.objects.select_for_update().get(pk=into.pk)
        before = audit.snapshot(duplicate)
        now = timezone.now()
        have = set(into.observables.values_list("kind", "value"))
        copied = [
            Observable(incident=into, kind=o.kind, value=o.value, is_ioc=o.is_ioc,
                       note=(o.note or _("từ %(ref)s") % {"ref": duplicate.reference})[:300],
                       added_by=user, added_at=now)
            for o in duplicate.observables.all() if (o.kind, o.value) not in have
        ]
        Observable.objects.bulk_create(copied)
        hashes = set(into.evidence.values_list("sha256", flat=True))
        linked = []
        for e in duplicate.evidence.all():
            if e.sha256 in hashes:
                continue
            hashes.add(e.sha256)
            linked.append(EvidenceFile(
                incident=into, file=e.file.name, name=e.name, size=e.size, sha256=e.sha256,
                content_type=e.content_type, description=(e.description or duplicate.reference)[:300],
                uploaded_by=e.uploaded_by, uploaded_at=e.uploaded_at,
            ))
        EvidenceFile.objects.bulk_create(linked)
        into.systems.add(*duplicate.systems.all())
        into.related.add(duplicate)
        duplicate.state = Incident.State.MERGED
        duplicate.merged_into = into
        duplicate.save(update_fields=["state", "merged_into", "updated_at"])
        data = {"duplicate": duplicate.reference, "into": into.reference, "reason": reason,
                "observables": len(copied), "evidence": len(linked)}
        timeline_add(
            incident=duplicate, actor=actor, kind="merged", at=now,
            message=stored(gettext_lazy("Đã gộp vào sự cố %(ref)s. Lý do: %(reason)s"), ref=into.reference,
                           reason=reason),
            data=data,
        )
        timeline_add(
            incident=into, actor=actor, kind="merged_from", at=now,
            message=stored(gettext_lazy("Đã gộp sự cố %(ref)s vào sự cố này. Lý do: %(reason)s"),
                           ref=duplicate.reference, reason=reason),
            data=data,
        )
        audit.record(actor=actor, action="incidents.incident.merge", obj=duplicate, before=before,
                     after={**audit.snapshot(duplicate), **data})
        audit.record(actor=actor, action="incidents.incident.merge_into", obj=into, after=data)
    return duplicate


# --------------------------------------------------------------------------- duplicates


@dataclass
class DuplicateCandidate:
    """An incident that may repeat another: the observable values both share, and whether
    the title is the same in the same owning unit."""

    incident: Incident
    shared_values: list[str] = field(default_factory=list)
    same_title: bool = False


def duplicates_for(*, user, incident: Incident, limit: int = 20) -> list[DuplicateCandidate]:
    """Incidents `user` may see, received within 30 days before (or after) `incident`,
    not merged, that share an observable value with it or carry the same title in the same
    owning unit; most shared values first, then the most recent."""
    values = list(incident.observables.values_list("value", flat=True))
    title = (incident.title or "").strip()
    match = Q(title__iexact=title, owner_unit_id=incident.owner_unit_id) if title else Q(pk__in=[])
    if values:
        match |= Q(pk__in=Observable.objects.filter(value__in=values).values("incident_id"))
    qs = (
        visible_to(user, Incident)
        .filter(match)
        .exclude(pk=incident.pk)
        .exclude(state=Incident.State.MERGED)
        .filter(received_at__gte=incident.received_at - DUPLICATE_WINDOW,
                received_at__lte=incident.received_at + DUPLICATE_WINDOW)
        .select_related("owner_unit", "incident_type")
        .order_by("-received_at")[: limit * 3]
    )
    rows = list(qs)
    shared: dict[int, list[str]] = {}
    if values and rows:
        for pk, value in Observable.objects.filter(incident__in=[r.pk for r in rows], value__in=values).values_list(
            "incident_id", "value"
        ):
            shared.setdefault(pk, []).append(value)
    out = [
        DuplicateCandidate(
            incident=r, shared_values=sorted(set(shared.get(r.pk, []))),
            same_title=bool(title) and r.title.strip().lower() == title.lower() and r.owner_unit_id == incident.owner_unit_id,
        )
        for r in rows
    ]
    out.sort(key=lambda c: (-len(c.shared_values), -c.incident.received_at.timestamp()))
    return out[:limit]


def merge_targets(*, user, incident: Incident):
    """Incidents `incident` may be merged into by `user`: open ones they may change,
    newest first (a queryset, for choice lists)."""
    return (
        visible_to(user, Incident, "change").exclude(pk=incident.pk).exclude(state__in=CLOSED_STATES)
        .select_related("owner_unit").order_by("-received_at")
    )


def incident_for_merge(*, user, reference_or_id) -> Incident:
    """The incident named by id or tracking number that `user` may change; NotFound."""
    text = str(reference_or_id or "").strip()
    qs = visible_to(user, Incident).select_related("owner_unit")
    row = qs.filter(pk=int(text)).first() if is_pk(text) else qs.filter(reference=text.upper()).first()
    if row is None:
        raise NotFound(_("Không tìm thấy sự cố."), field="into")
    return row
