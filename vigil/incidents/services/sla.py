"""SLA clocks: the due times of an incident (from the targets per severity) and the
scheduled check that records breaches and escalates them up the unit tree.

Three clocks per incident, counted from `received_at` with the minutes of the
`SlaTarget` of its severity: acknowledge (met by `acknowledged_at`), first response
(`first_response_at`) and resolve (`resolved_at`).

`sla_check(now=...)` runs every five minutes (incidents/tasks.py; by hand `vigil
incident-sla run`). For an open incident whose clock is past due and unmet:

- level 1: a `SlaBreach` escalated to the parent of the responsible unit (the lead unit,
  else the owner unit); that parent's heads and members who may act, and the handling
  units, are notified (`incidents.sla.breached`);
- level 2, when the clock is still unmet a grace period later (the clock's own duration
  again, or INCIDENT_SLA_ESCALATE_AFTER_MINUTES): escalated to the standing agency, whose
  heads and analysts are notified (`incidents.sla.escalated`).

Breaches are unique per (incident, clock, level) and notifications are keyed, so a second
run sends nothing new. The candidate incidents are found with range filters on the due
columns (and the unmet timestamp IS NULL), skipping those already at level 2.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from vigil.core import access, audit
from vigil.core.actors import Actor, system_actor
from vigil.core.notify import NotificationKind, message, notify, recipients_for_units
from vigil.core.texts import stored
from vigil.org.models import Membership, Unit

from ..models import Incident, SlaBreach, SlaTarget
from .common import timeline_add

log = logging.getLogger("vigil.incidents.sla")

GROUP = gettext_lazy("Sự cố")
BREACHED = "incidents.sla.breached"
ESCALATED = "incidents.sla.escalated"

KINDS = [
    NotificationKind(BREACHED, gettext_lazy("Sự cố quá hạn SLA (báo cáo đơn vị cấp trên)"), GROUP),
    NotificationKind(ESCALATED, gettext_lazy("Sự cố quá hạn SLA chuyển lên Cơ quan thường trực"), GROUP),
]

STANDING_AGENCY_KIND = "standing_agency"
CLOSED_STATES = (Incident.State.RESOLVED, Incident.State.CLOSED, Incident.State.MERGED)

# clock -> (due field, timestamp that meets it, target minutes field)
CLOCKS = {
    SlaBreach.Clock.ACKNOWLEDGE: ("acknowledge_due", "acknowledged_at", "acknowledge_minutes"),
    SlaBreach.Clock.RESPOND: ("respond_due", "first_response_at", "respond_minutes"),
    SlaBreach.Clock.RESOLVE: ("resolve_due", "resolved_at", "resolve_minutes"),
}
CLOCK_LABELS = {
    SlaBreach.Clock.ACKNOWLEDGE: gettext_lazy("tiếp nhận"),
    SlaBreach.Clock.RESPOND: gettext_lazy("phản hồi đầu tiên"),
    SlaBreach.Clock.RESOLVE: gettext_lazy("xử lý xong"),
}
CHUNK = 500


# --------------------------------------------------------------------------- targets


def apply_targets(incident: Incident, *, severity: str | None = None) -> None:
    """Set acknowledge_due / respond_due / resolve_due from the SLA target of the
    incident's severity (or `severity`: intake passes the provisional one of an untriaged
    report, so its clocks run from receipt), counted from `received_at`. Does not save.
    With no severity (or no target for it) the due times are cleared."""
    severity = severity or incident.severity
    target = SlaTarget.objects.filter(severity=severity).first() if severity else None
    if target is None:
        incident.acknowledge_due = incident.respond_due = incident.resolve_due = None
        return
    start = incident.received_at or timezone.now()
    incident.acknowledge_due = start + timedelta(minutes=target.acknowledge_minutes)
    incident.respond_due = start + timedelta(minutes=target.respond_minutes)
    incident.resolve_due = start + timedelta(minutes=target.resolve_minutes)


def escalate_after(incident: Incident, clock: str) -> timedelta:
    """How long after a level-1 breach's due time level 2 follows: the setting
    INCIDENT_SLA_ESCALATE_AFTER_MINUTES when set, else the clock's own duration again."""
    configured = getattr(settings, "INCIDENT_SLA_ESCALATE_AFTER_MINUTES", None)
    if configured not in (None, ""):
        return timedelta(minutes=max(int(configured), 0))
    due = getattr(incident, CLOCKS[clock][0])
    if due is None or incident.received_at is None:
        return timedelta(0)
    return max(due - incident.received_at, timedelta(minutes=1))


# --------------------------------------------------------------------------- units & people


def standing_agency() -> Unit | None:
    """The network's standing agency (the active unit of kind `standing_agency`)."""
    return Unit.objects.filter(kind__code=STANDING_AGENCY_KIND, is_active=True).order_by("path").first()


def responsible_unit(incident: Incident) -> Unit | None:
    return incident.lead_unit or incident.owner_unit


def handling_unit_ids(incident: Incident) -> list[int]:
    ids = [incident.owner_unit_id, incident.lead_unit_id]
    # Live requests only: a declined or withdrawn unit no longer handles it (nor reads it, under TLP).
    ids += list(incident.units.filter(active=True).exclude(answer="declined").values_list("unit_id", flat=True))
    out: list[int] = []
    for uid in ids:
        if uid is not None and uid not in out:
            out.append(uid)
    return out


def acting_members(unit_ids) -> list:
    """Heads, deputies and focal points of the units, and their members whose role may
    act (`change`, e.g. analysts): who must see an escalation. Platform authority."""
    ids = [u for u in unit_ids if u is not None]
    if not ids:
        return []
    rows = (
        Membership.objects.active(timezone.localdate())
        .filter(unit_id__in=ids, person__is_active=True, person__user__isnull=False, person__user__is_active=True)
        .select_related("role", "person__user")
        .order_by("unit_id", "role__sort_order", "person__full_name")
    )
    users = []
    for m in rows:
        role = m.role
        if role.is_head or role.is_focal_point or role.code == "deputy_head" or access.role_grants(role, "change"):
            if all(u.pk != m.person.user.pk for u in users):
                users.append(m.person.user)
    return users


def incident_url(incident: Incident) -> str:
    for name in ("incidents:incident_detail", "incidents:detail"):
        try:
            return reverse(name, args=[incident.pk])
        except NoReverseMatch:
            continue
    return f"/incidents/{incident.pk}/"


def in_source_language(text) -> str:
    """A lazy text rendered in the platform's language (timeline entries are stored once)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


# --------------------------------------------------------------------------- the check


@dataclass
class SlaRun:
    now: str
    checked: int = 0
    level1: int = 0
    level2: int = 0
    notifications: int = 0
    breaches: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _candidates(clock: str, now):
    due_field, met_field, _minutes = CLOCKS[clock]
    top = SlaBreach.objects.filter(incident_id=OuterRef("pk"), clock=clock, level=2)
    return (
        Incident.objects.filter(**{f"{due_field}__lt": now, f"{met_field}__isnull": True})
        .exclude(state__in=CLOSED_STATES)
        .filter(~Q(Exists(top)))
        .select_related("owner_unit__parent", "lead_unit__parent")
        .order_by(due_field, "pk")
    )


def sla_check(*, now=None, actor: Actor | None = None) -> SlaRun:
    """Record and escalate every missed SLA clock (idempotent). `now` defaults to the
    current time; tests and `--now` pass another."""
    now = now or timezone.now()
    actor = actor or system_actor("job")
    run = SlaRun(now=now.isoformat())
    agency = standing_agency()
    for clock in CLOCKS:
        last_pk = 0
        while True:
            batch = list(_candidates(clock, now).filter(pk__gt=last_pk).order_by("pk")[:CHUNK])
            if not batch:
                break
            last_pk = batch[-1].pk
            existing = {
                (b.incident_id, b.level)
                for b in SlaBreach.objects.filter(incident_id__in=[i.pk for i in batch], clock=clock)
            }
            for incident in batch:
                run.checked += 1
                _check_one(incident, clock, now, existing, agency, actor, run)
    log.info("sla check", extra={k: v for k, v in run.as_dict().items() if k != "breaches"})
    return run


def _check_one(incident, clock, now, existing, agency, actor, run: SlaRun) -> None:
    due = getattr(incident, CLOCKS[clock][0])
    levels = []
    if (incident.pk, 1) not in existing:
        levels.append(1)
    if (incident.pk, 2) not in existing and now >= due + escalate_after(incident, clock):
        levels.append(2)
    for level in levels:
        if level == 1:
            responsible = responsible_unit(incident)
            target = (responsible.parent if responsible is not None else None) or agency
        else:
            target = agency
        breach = _record(incident, clock, level, due, now, target, actor)
        if breach is None:
            continue
        if level == 1:
            run.level1 += 1
        else:
            run.level2 += 1
        run.breaches.append({
            "incident": incident.reference, "clock": clock, "level": level,
            "escalated_to": target.code if target else None,
        })
        run.notifications += _notify(incident, breach, target, actor)


def _record(incident, clock, level, due, now, target, actor) -> SlaBreach | None:
    try:
        with transaction.atomic():
            breach = SlaBreach.objects.create(
                incident=incident, clock=clock, level=level, due_at=due, detected_at=now, escalated_to=target,
            )
            new_level = max(incident.escalation_level, level)
            if new_level != incident.escalation_level:
                Incident.objects.filter(pk=incident.pk).update(escalation_level=new_level)
                incident.escalation_level = new_level
            label = CLOCK_LABELS[clock]
            timeline_add(
                incident=incident, actor=actor, kind="sla.breach", at=now,
                message=stored(
                    gettext_lazy("Quá hạn %(clock)s (hạn %(due)s); leo thang mức %(level)s tới %(unit)s."),
                    clock=label, due=due, level=level, unit=target or "",
                ),
                data={"clock": clock, "level": level, "due_at": due.isoformat(),
                      "escalated_to": target.pk if target else None},
            )
            audit.record(
                actor=actor, action="incidents.sla.breach", obj=incident,
                after={"clock": clock, "level": level, "due_at": due.isoformat(),
                       "escalated_to": target.code if target else None,
                       "escalation_level": incident.escalation_level},
            )
    except IntegrityError:  # another run recorded it first
        return None
    return breach


def _notify(incident, breach: SlaBreach, target, actor) -> int:
    if breach.level == 1:
        kind = BREACHED
        users = acting_members([target.pk] if target else [])
        handlers = recipients_for_units(handling_unit_ids(incident))
        for uid in handling_unit_ids(incident):
            users += [u for u in handlers.get(uid, []) if all(u.pk != x.pk for x in users)]
        title = message(
            gettext_lazy("Sự cố %(ref)s quá hạn %(clock)s"), ref=incident.reference, clock=CLOCK_LABELS[breach.clock]
        )
    else:
        kind = ESCALATED
        users = acting_members([target.pk] if target else [])
        title = message(
            gettext_lazy("Sự cố %(ref)s quá hạn %(clock)s, chuyển lên Cơ quan thường trực"),
            ref=incident.reference, clock=CLOCK_LABELS[breach.clock],
        )
    body = message(
        gettext_lazy("%(title)s — hạn %(due)s, đơn vị chủ trì: %(unit)s."),
        title=incident.title, due=breach.due_at, unit=responsible_unit(incident) or "",
    )
    if not users:
        return 0
    rows = notify(
        recipients=users, kind=kind, title=title, body=body, url=incident_url(incident),
        unit=target or incident.owner_unit, actor=actor, key=f"sla:{incident.pk}:{breach.clock}:{breach.level}",
        subject=incident,
    )
    return len(rows)
