"""Reads of incidents, always through the access layer."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core import access, audit
from vigil.core.access import visible_to
from vigil.core.errors import NotFound

from ..models import (
    ChecklistItem,
    ChecklistTemplate,
    Comment,
    EvidenceFile,
    Incident,
    IncidentTask,
    IncidentUnit,
    Observable,
    TimelineEvent,
)


def incident_get(*, user, pk: int, action: str = "view") -> Incident:
    """The incident `pk` if `user` may perform `action` on it; NotFound otherwise (the
    same answer whether it does not exist or is hidden)."""
    row = (
        visible_to(user, Incident, action)
        .select_related("owner_unit", "lead_unit", "incident_type__klass", "reporter_unit", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise NotFound(_("Không tìm thấy sự cố."), field="incident_id")
    return row


def incident_by_reference(*, user, reference: str) -> Incident:
    """The incident with this tracking number (following merges) if `user` may see it."""
    row = visible_to(user, Incident).filter(reference=reference.strip().upper()).first()
    if row is None:
        raise NotFound(_("Không tìm thấy sự cố."), field="reference")
    seen = {row.pk}
    while row.merged_into_id and row.merged_into_id not in seen:
        nxt = visible_to(user, Incident).filter(pk=row.merged_into_id).first()
        if nxt is None:
            break
        seen.add(nxt.pk)
        row = nxt
    return row


# --------------------------------------------------------------------------- the workflow's reads


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def incident_open(*, user, actor, pk) -> Incident:
    """`incident_get` for display: opening a TLP:RED incident is written to the audit log."""
    incident = incident_get(user=user, pk=_int(pk))
    audit.record_view(actor, incident)
    return incident


def incident_units(user, incident: Incident, *, active_only: bool = False) -> QuerySet[IncidentUnit]:
    """The units asked to handle the incident (lead first), with their answers."""
    qs = visible_to(user, IncidentUnit).filter(incident=incident).select_related("unit", "assigned_by", "answered_by")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("-active", "role", "assigned_at", "pk")


def incident_unit_get(user, incident: Incident, pk) -> IncidentUnit:
    row = visible_to(user, IncidentUnit).select_related("unit", "incident").filter(
        incident=incident, pk=_int(pk)).first()
    if row is None:
        raise NotFound(_("Không tìm thấy đơn vị được giao."), field="incident_unit_id")
    return row


def answerable_units(user, incident: Incident) -> list[IncidentUnit]:
    """The pending requests of the incident that `user` answers for."""
    rows = incident_units(user, incident, active_only=True).filter(answer=IncidentUnit.Answer.PENDING)
    return [r for r in rows if access.acts_for(user, r.unit)]


def timeline(user, incident: Incident) -> QuerySet[TimelineEvent]:
    return visible_to(user, TimelineEvent).filter(incident=incident).select_related("actor").order_by("at", "pk")


def comments(user, incident: Incident) -> QuerySet[Comment]:
    return (
        visible_to(user, Comment).filter(incident=incident)
        .select_related("author").prefetch_related("mentions").order_by("created_at", "pk")
    )


def tasks(user, incident: Incident) -> QuerySet[IncidentTask]:
    return (
        visible_to(user, IncidentTask).filter(incident=incident)
        .select_related("unit", "assignee", "template").prefetch_related("items").order_by("created_at", "pk")
    )


def task_get(user, incident: Incident, pk) -> IncidentTask:
    task = visible_to(user, IncidentTask).select_related("unit", "assignee", "incident").filter(
        incident=incident, pk=_int(pk)).first()
    if task is None:
        raise NotFound(_("Không tìm thấy công việc."), field="incident_task_id")
    return task


def item_get(user, task: IncidentTask, pk) -> ChecklistItem:
    item = visible_to(user, ChecklistItem).select_related("task__incident").filter(task=task, pk=_int(pk)).first()
    if item is None:
        raise NotFound(_("Không tìm thấy bước kiểm tra."), field="checklist_item_id")
    return item


def visible_observables(user) -> QuerySet[Observable]:
    """Every observable `user` may see, on whatever incident (intelligence's correlations)."""
    return visible_to(user, Observable)


def observables(user, incident: Incident) -> QuerySet[Observable]:
    return visible_to(user, Observable).filter(incident=incident).select_related("added_by").order_by("kind", "value")


def observable_get(user, incident: Incident, pk) -> Observable:
    obs = visible_to(user, Observable).select_related("incident").filter(incident=incident, pk=_int(pk)).first()
    if obs is None:
        raise NotFound(_("Không tìm thấy dấu hiệu."), field="observable_id")
    return obs


def annotate_observables(user, incident: Incident, rows) -> list:
    """Set on each observable `seen_in` (other incidents with it) and `indicator` (the known
    threat-intelligence indicator with its value, when the user may see one)."""
    from vigil.core.observables import known_indicators

    rows = list(rows)
    seen = seen_elsewhere(user, incident, rows)
    known = known_indicators(user, rows)  # intel's lookup, registered through core
    for o in rows:
        o.seen_in = seen.get(o.pk, [])
        o.indicator = known.get(o.pk)
    return rows


def seen_elsewhere(user, incident: Incident, rows) -> dict[int, list[Incident]]:
    """For each observable of `rows`: the other incidents `user` may see with the same
    (kind, value), newest first (at most 10 each)."""
    rows = list(rows)
    if not rows:
        return {}
    cond = Q(pk__in=[])
    for o in rows:
        cond |= Q(kind=o.kind, value=o.value)
    matches = (
        Observable.objects.filter(cond).exclude(incident=incident)
        .values_list("kind", "value", "incident_id")[:2000]
    )
    by_key: dict[tuple, list[int]] = {}
    for kind, value, incident_id in matches:
        by_key.setdefault((kind, value), []).append(incident_id)
    ids = {i for v in by_key.values() for i in v}
    visible = {
        i.pk: i for i in visible_to(user, Incident).filter(pk__in=ids).only("pk", "reference", "title", "received_at")
    } if ids else {}
    out = {}
    for o in rows:
        found = [visible[i] for i in by_key.get((o.kind, o.value), []) if i in visible]
        found.sort(key=lambda i: i.received_at, reverse=True)
        out[o.pk] = found[:10]
    return out


def evidence(user, incident: Incident) -> QuerySet[EvidenceFile]:
    return visible_to(user, EvidenceFile).filter(incident=incident).select_related("uploaded_by").order_by(
        "uploaded_at", "pk")


def evidence_get(user, pk, incident: Incident | None = None) -> EvidenceFile:
    qs = visible_to(user, EvidenceFile).select_related("incident")
    if incident is not None:
        qs = qs.filter(incident=incident)
    found = qs.filter(pk=_int(pk)).first()
    if found is None:
        raise NotFound(_("Không tìm thấy tệp bằng chứng."), field="incident_evidence_id")
    return found


def incident_detail(user, pk, *, actor=None, opened: bool = False) -> Incident:
    """The incident with the rows its full view shows (`incident.detail`: units, tasks,
    observables, evidence, related, systems), read for `user`: the API's GET and the CLI's
    `show` (`opened`: a display, so opening a TLP:RED incident is recorded for `actor`)."""
    incident = incident_open(user=user, actor=actor, pk=pk) if opened else incident_get(user=user, pk=pk)
    incident.detail = {
        "units": list(incident_units(user, incident)), "tasks": list(tasks(user, incident)),
        "observables": annotate_observables(user, incident, observables(user, incident)),
        "evidence": list(evidence(user, incident)), "related": list(related(user, incident)),
        "systems": affected_systems(user, incident),
    }
    return incident


def affected_systems(user, incident: Incident) -> tuple[list, int]:
    """The information systems the reporter (or triage) named as affected: those `user`
    may see, with their owner, and how many more there are that `user` may not see (named
    only by their number, never by name)."""
    from vigil.assets.models import InformationSystem

    ids = list(incident.systems.values_list("pk", flat=True))
    if not ids:
        return [], 0
    shown = list(visible_to(user, InformationSystem).filter(pk__in=ids)
                 .select_related("owner_unit").order_by("name"))
    return shown, len(ids) - len(shown)


def related(user, incident: Incident) -> QuerySet[Incident]:
    """The incidents linked to this one that `user` may see."""
    ids = list(incident.related.values_list("pk", flat=True))
    return visible_to(user, Incident).filter(pk__in=ids).select_related("owner_unit").order_by("-received_at")


def incident_classes() -> QuerySet:
    """Every incident class (ENISA RSIT; reference data every member reads)."""
    from ..models import IncidentClass

    return IncidentClass.objects.all()


def incident_types() -> QuerySet:
    """Every incident type with its class (reference data every member reads)."""
    from ..models import IncidentType

    return IncidentType.objects.select_related("klass")


def taxonomy_get(kind: str, code: str, field: str):
    """An incident class ("class") or type ("type") by code (reference data every member
    reads); DomainError naming `field` when unknown."""
    from ..models import IncidentClass, IncidentType

    model = IncidentClass if kind == "class" else IncidentType
    found = model.objects.filter(code=(code or "").strip()).first()
    if found is None:
        from vigil.core.errors import DomainError

        raise DomainError(_("Không tìm thấy mã phân loại %(c)s.") % {"c": code}, field=field, code="unknown")
    return found


def checklist_templates(incident: Incident) -> list[ChecklistTemplate]:
    """Checklist templates proposed for the incident: those of its type first, then of its
    class, then the general ones (no class, no type)."""
    cond = Q(klass__isnull=True, incident_type__isnull=True)
    if incident.incident_type_id:
        cond |= Q(incident_type_id=incident.incident_type_id)
        cond |= Q(klass_id=incident.incident_type.klass_id, incident_type__isnull=True)
    rows = list(ChecklistTemplate.objects.filter(cond))

    def rank(t):
        return (0 if t.incident_type_id else 1 if t.klass_id else 2, t.code)

    return sorted(rows, key=rank)
