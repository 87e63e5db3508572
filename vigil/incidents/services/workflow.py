"""The incident workflow after triage: assignment to a lead unit and supporting units,
their answers, the handling states, closure with root cause and lessons learned, reopening.

    new ──triage (intake)──▶ triaged ──assign──▶ assigned ──(lead accepted)──▶ in_progress
    in_progress ⇄ contained ──▶ resolved ──close──▶ closed
    resolved / closed ──reopen (with a reason)──▶ in_progress
    a declined lead: assigned ──▶ triaged (someone else must be assigned)

Every write runs in a transaction, checks `change` on the incident, writes an audit entry
and a timeline event, and tells the handling units after commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import access, audit
from vigil.core.access import visible_to
from vigil.core.actors import Actor
from vigil.core.directory import unit_ref
from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.core.notify import NotificationKind, message, notify, unit_recipients
from vigil.org.models import Unit

from ..models import Incident, IncidentUnit
from .common import require_change, timeline_add

GROUP = gettext_lazy("Sự cố")
ASSIGNED = "incidents.incident.assigned"
ANSWERED = "incidents.incident.answered"
STATE_CHANGED = "incidents.incident.state_changed"
MENTIONED = "incidents.incident.mentioned"
TASK_ASSIGNED = "incidents.incident.task_assigned"

KINDS = [
    NotificationKind(ASSIGNED, gettext_lazy("Đơn vị được giao xử lý sự cố"), GROUP),
    NotificationKind(ANSWERED, gettext_lazy("Đơn vị nhận hoặc từ chối xử lý sự cố"), GROUP),
    NotificationKind(STATE_CHANGED, gettext_lazy("Sự cố chuyển trạng thái"), GROUP),
    NotificationKind(MENTIONED, gettext_lazy("Được nhắc đến trong bình luận sự cố"), GROUP),
    NotificationKind(TASK_ASSIGNED, gettext_lazy("Được giao công việc xử lý sự cố"), GROUP),
]

S = Incident.State
# Moves made with incident_transition (closure and reopening have their own services).
TRANSITIONS = {
    S.ASSIGNED: {S.IN_PROGRESS},
    S.IN_PROGRESS: {S.CONTAINED, S.RESOLVED},
    S.CONTAINED: {S.IN_PROGRESS, S.RESOLVED},
}
ASSIGNABLE = (S.TRIAGED, S.ASSIGNED, S.IN_PROGRESS, S.CONTAINED)
REOPENABLE = (S.RESOLVED, S.CLOSED)


# --------------------------------------------------------------------------- helpers


def incident_url(incident: Incident) -> str:
    return f"/incidents/{incident.pk}/"


def state_label(state: str) -> str:
    return str(dict(S.choices).get(state, state))


def _refuse_move(incident: Incident, to_state: str):
    return Conflict(
        _("Không thể chuyển sự cố từ trạng thái “%(current)s” sang “%(target)s”.")
        % {"current": incident.get_state_display(), "target": state_label(to_state)},
        field="to_state", code="workflow",
    )


def _locked(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("owner_unit", "lead_unit").get(pk=incident.pk)
    )


def _text(value, field: str, label, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("Hãy nhập %(label)s.") % {"label": label}, field=field)
    return text


def handling_unit_ids(incident: Incident) -> list[int]:
    """The lead unit and the supporting units still asked (not declined, not replaced)."""
    ids = [incident.lead_unit_id] if incident.lead_unit_id else []
    for uid in IncidentUnit.objects.filter(incident=incident, active=True).exclude(
        answer=IncidentUnit.Answer.DECLINED
    ).values_list("unit_id", flat=True):
        if uid not in ids:
            ids.append(uid)
    return ids


def _handling_recipients(incident: Incident, actor: Actor | None) -> list:
    ids = handling_unit_ids(incident)
    if incident.owner_unit_id and incident.owner_unit_id not in ids:
        ids.append(incident.owner_unit_id)
    recipients = []
    for unit in Unit.objects.filter(pk__in=ids):
        recipients.extend(unit_recipients(unit))
    me = getattr(getattr(actor, "author", None), "pk", None)
    return [u for u in recipients if u.pk != me]


def tell_later(*, recipients, kind: str, incident: Incident, title, body="", actor: Actor | None = None,
               unit=None) -> None:
    """Notify after the transaction commits (a rolled-back change tells nobody)."""
    recipients = list(recipients)
    if not recipients:
        return
    url = incident_url(incident)
    at = timezone.now()  # the notice is dated when it happened, not when the transaction commits

    def send():
        notify(recipients=recipients, kind=kind, title=title, body=body, url=url, unit=unit or incident.owner_unit,
               actor=actor, subject=incident, at=at)

    transaction.on_commit(send)


def _units(actor: Actor, values: Iterable, field: str) -> list[Unit]:
    """Active units the actor may see (objects, ids or codes); unknown ones name the field."""
    result: list[Unit] = []
    for value in values or []:
        if value in (None, ""):
            continue
        unit = unit_ref(actor, value, field=field, active_only=True, bad_input=True)
        if all(u.pk != unit.pk for u in result):
            result.append(unit)
    return result


def set_first_response(incident: Incident, at=None) -> bool:
    """Record the first response once (the SLA clock of the first response stops)."""
    if incident.first_response_at:
        return False
    incident.first_response_at = at or timezone.now()
    Incident.objects.filter(pk=incident.pk, first_response_at__isnull=True).update(
        first_response_at=incident.first_response_at
    )
    return True


# --------------------------------------------------------------------------- assignment


@transaction.atomic
def incident_assign(*, actor: Actor, incident: Incident, lead_unit, supporting_units: Iterable = (),
                    note: str = "") -> Incident:
    """Ask `lead_unit` to lead the handling of a triaged incident, helped by
    `supporting_units`; each unit answers (accepts or declines). Replacing the lead
    retires its request; supporting units are added to those already asked."""
    incident = _locked(incident)
    require_change(actor, incident)
    if incident.state not in ASSIGNABLE:
        if incident.state == S.NEW:
            raise Conflict(_("Sự cố cần được phân loại trước khi giao xử lý."), field="state", code="workflow")
        raise _refuse_move(incident, S.ASSIGNED)
    leads = _units(actor, [lead_unit], "lead_unit")
    if not leads:
        raise DomainError(_("Hãy chọn đơn vị chủ trì xử lý."), field="lead_unit")
    lead = leads[0]
    supports = [u for u in _units(actor, supporting_units, "supporting_units") if u.pk != lead.pk]
    note = (note or "").strip()
    user = actor.author
    before = audit.snapshot(incident)
    rows = IncidentUnit.objects.select_for_update().filter(incident=incident, active=True)
    current_lead = next((r for r in rows if r.role == IncidentUnit.Role.LEAD), None)
    created: list[IncidentUnit] = []
    lead_changed = current_lead is None or current_lead.unit_id != lead.pk or (
        current_lead.answer == IncidentUnit.Answer.DECLINED
    )
    if lead_changed:
        for r in rows:
            if r.role == IncidentUnit.Role.LEAD or r.unit_id == lead.pk:
                r.active = False
                r.save(update_fields=["active"])
        created.append(IncidentUnit.objects.create(
            incident=incident, unit=lead, role=IncidentUnit.Role.LEAD, assigned_by=user, reason=note,
        ))
    asked = {r.unit_id for r in rows if r.active and r.answer != IncidentUnit.Answer.DECLINED}
    asked.add(lead.pk)
    for unit in supports:
        if unit.pk in asked:
            continue
        for r in rows:
            if r.unit_id == unit.pk and r.active:
                r.active = False
                r.save(update_fields=["active"])
        created.append(IncidentUnit.objects.create(
            incident=incident, unit=unit, role=IncidentUnit.Role.SUPPORT, assigned_by=user, reason=note,
        ))
        asked.add(unit.pk)
    if not created:
        raise Conflict(_("Các đơn vị này đã được giao xử lý sự cố."), field="lead_unit", code="unchanged")
    incident.lead_unit = lead
    if lead_changed or incident.state == S.TRIAGED:
        incident.state = S.ASSIGNED
    incident.save(update_fields=["lead_unit", "state", "updated_at"])
    audit.record(actor=actor, action="incidents.incident.assign", obj=incident, before=before,
                 after={**audit.snapshot(incident), "units": [[r.unit_id, r.role] for r in created], "note": note})
    timeline_add(incident=incident, actor=actor, kind="assigned", text=note, data={
        "lead": lead.pk if lead_changed else None,
        "units": [{"unit": r.unit_id, "name": r.unit.display_name, "role": r.role} for r in created],
    })
    me = getattr(user, "pk", None)
    for row in created:
        title = (
            message(gettext_lazy("Đơn vị được giao chủ trì xử lý sự cố %(r)s: %(t)s"), r=incident.reference,
                    t=incident.title)
            if row.role == IncidentUnit.Role.LEAD else
            message(gettext_lazy("Đơn vị được đề nghị phối hợp xử lý sự cố %(r)s: %(t)s"), r=incident.reference,
                    t=incident.title)
        )
        tell_later(recipients=[u for u in unit_recipients(row.unit) if u.pk != me], kind=ASSIGNED,
                   incident=incident, title=title,
                   body=message(gettext_lazy("Hãy nhận hoặc từ chối (kèm lý do). %(n)s"), n=note),
                   actor=actor, unit=row.unit)
    return incident


@transaction.atomic
def incident_unit_answer(*, actor: Actor, incident_unit: IncidentUnit, accept: bool, reason: str = "") -> IncidentUnit:
    """A unit asked to handle an incident accepts or declines (a reason is required to
    decline). Only people who act for that unit answer. A declined lead sends the incident
    back to triage; the lead's first acceptance is the first response."""
    row = IncidentUnit.objects.select_for_update().select_related("unit", "incident").get(pk=incident_unit.pk)
    incident = _locked(row.incident)
    user = actor.author
    if not access.acts_for(actor, row.unit):
        raise AccessDenied(_("Chỉ cán bộ của đơn vị được giao mới trả lời được."), field="incident_unit_id")
    if not row.active or row.answer != IncidentUnit.Answer.PENDING:
        raise Conflict(_("Đề nghị này đã được trả lời hoặc không còn hiệu lực."), field="accept", code="answered")
    if not incident.is_open:
        raise Conflict(_("Sự cố đã đóng; không thể trả lời."), field="accept", code="workflow")
    reason = (reason or "").strip()
    if not accept and not reason:
        raise DomainError(_("Hãy nêu lý do từ chối."), field="reason")
    before = audit.snapshot(row)
    row.answer = IncidentUnit.Answer.ACCEPTED if accept else IncidentUnit.Answer.DECLINED
    row.reason = reason
    row.answered_by = user
    row.answered_at = timezone.now()
    row.save(update_fields=["answer", "reason", "answered_by", "answered_at"])
    audit.record(actor=actor, action="incidents.unit.answer", obj=row, before=before, after=audit.snapshot(row))
    is_lead = row.role == IncidentUnit.Role.LEAD
    if is_lead and accept:
        set_first_response(incident, row.answered_at)
    if is_lead and not accept and incident.lead_unit_id == row.unit_id:
        inc_before = audit.snapshot(incident)
        incident.lead_unit = None
        incident.state = S.TRIAGED
        incident.save(update_fields=["lead_unit", "state", "updated_at"])
        audit.record(actor=actor, action="incidents.incident.lead_declined", obj=incident, before=inc_before,
                     after=audit.snapshot(incident))
    timeline_add(incident=incident, actor=actor, kind="answered", text=reason, data={
        "unit": row.unit_id, "name": row.unit.display_name, "role": row.role, "answer": row.answer,
    })
    title = (
        message(gettext_lazy("%(u)s nhận xử lý sự cố %(r)s"), u=row.unit, r=incident.reference)
        if accept else message(gettext_lazy("%(u)s từ chối xử lý sự cố %(r)s"), u=row.unit, r=incident.reference)
    )
    recipients = _handling_recipients(incident, actor)
    if row.assigned_by_id and row.assigned_by_id != getattr(user, "pk", None):
        recipients.append(row.assigned_by)
    tell_later(recipients=recipients, kind=ANSWERED, incident=incident, title=title, body=reason, actor=actor,
               unit=row.unit)
    return row


# --------------------------------------------------------------------------- states


def _change_state(*, actor, incident, to_state, note, action, kind="state_changed", extra=None) -> Incident:
    before = audit.snapshot(incident)
    old = incident.state
    incident.state = to_state
    incident.save(update_fields=["state", "resolution", "resolved_at", "root_cause", "lessons_learned",
                                 "closed_at", "updated_at"])
    audit.record(actor=actor, action=action, obj=incident, before=before,
                 after={**audit.snapshot(incident), **({"note": note} if note else {})})
    timeline_add(incident=incident, actor=actor, kind=kind, text=note,
                 data={"from": old, "to": to_state, **(extra or {})})
    tell_later(
        recipients=_handling_recipients(incident, actor), kind=STATE_CHANGED, incident=incident,
        title=message(gettext_lazy("Sự cố %(r)s chuyển sang “%(s)s”"), r=incident.reference,
                      s=dict(S.choices)[to_state]),
        body=note, actor=actor,
    )
    return incident


@transaction.atomic
def incident_transition(*, actor: Actor, incident: Incident, to_state: str, note: str = "",
                        resolution: str = "") -> Incident:
    """Move a handled incident to in progress, contained or resolved. Resolving needs the
    resolution text (`resolution`, or `note` when that is empty)."""
    incident = _locked(incident)
    require_change(actor, incident)
    if to_state not in S.values:
        raise DomainError(
            _("Trạng thái phải là một trong: %(v)s.") % {"v": ", ".join(sorted({s for v in TRANSITIONS.values() for s in v}))},
            field="to_state",
        )
    if to_state not in TRANSITIONS.get(incident.state, set()):
        raise _refuse_move(incident, to_state)
    note = (note or "").strip()
    if to_state == S.IN_PROGRESS and incident.state == S.ASSIGNED:
        lead_row = IncidentUnit.objects.filter(incident=incident, active=True, role=IncidentUnit.Role.LEAD).first()
        if lead_row is None or lead_row.answer != IncidentUnit.Answer.ACCEPTED:
            raise Conflict(_("Đơn vị chủ trì chưa nhận xử lý sự cố."), field="to_state", code="not-accepted")
    if to_state == S.RESOLVED:
        incident.resolution = _text(resolution or note, "resolution", _("kết quả xử lý"))
        incident.resolved_at = timezone.now()
    return _change_state(actor=actor, incident=incident, to_state=to_state, note=note,
                         action="incidents.incident.transition")


@transaction.atomic
def incident_close(*, actor: Actor, incident: Incident, root_cause: str, lessons_learned: str,
                   note: str = "") -> Incident:
    """Close a resolved incident: its root cause and lessons learned are mandatory."""
    incident = _locked(incident)
    require_change(actor, incident)
    if incident.state != S.RESOLVED:
        raise _refuse_move(incident, S.CLOSED)
    incident.root_cause = _text(root_cause, "root_cause", _("nguyên nhân gốc"))
    incident.lessons_learned = _text(lessons_learned, "lessons_learned", _("bài học kinh nghiệm"))
    incident.closed_at = timezone.now()
    return _change_state(actor=actor, incident=incident, to_state=S.CLOSED, note=(note or "").strip(),
                         action="incidents.incident.close", kind="closed")


@transaction.atomic
def incident_reopen(*, actor: Actor, incident: Incident, reason: str) -> Incident:
    """Reopen a resolved or closed incident (back to in progress), saying why."""
    incident = _locked(incident)
    require_change(actor, incident)
    if incident.state not in REOPENABLE:
        raise _refuse_move(incident, S.IN_PROGRESS)
    reason = _text(reason, "reason", _("lý do mở lại"))
    incident.closed_at = None
    incident.resolved_at = None
    return _change_state(actor=actor, incident=incident, to_state=S.IN_PROGRESS, note=reason,
                         action="incidents.incident.reopen", kind="reopened")


# --------------------------------------------------------------------------- related incidents


@transaction.atomic
def related_link(*, actor: Actor, incident: Incident, other: Incident) -> Incident:
    """Link two incidents (both must be visible to the actor; `change` on the first)."""
    require_change(actor, incident)
    if other.pk == incident.pk:
        raise DomainError(_("Không thể liên kết sự cố với chính nó."), field="related_id")
    if not visible_to(actor, Incident).filter(pk=other.pk).exists():
        raise DomainError(_("Không tìm thấy sự cố."), field="related_id", code="unknown-incident")
    if incident.related.filter(pk=other.pk).exists():
        raise Conflict(_("Hai sự cố đã được liên kết."), field="related_id", code="linked")
    incident.related.add(other)
    audit.record(actor=actor, action="incidents.incident.relate", obj=incident, after={"related": other.pk})
    timeline_add(incident=incident, actor=actor, kind="related", data={"incident": other.pk,
                                                                         "reference": other.reference})
    return incident


@transaction.atomic
def related_unlink(*, actor: Actor, incident: Incident, other: Incident) -> Incident:
    require_change(actor, incident)
    if not incident.related.filter(pk=other.pk).exists():
        raise DomainError(_("Hai sự cố chưa được liên kết."), field="related_id", code="not-linked")
    incident.related.remove(other)
    audit.record(actor=actor, action="incidents.incident.unrelate", obj=incident, before={"related": other.pk})
    timeline_add(incident=incident, actor=actor, kind="unrelated", data={"incident": other.pk,
                                                                           "reference": other.reference})
    return incident
