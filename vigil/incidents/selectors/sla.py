"""Reads of SLA clocks and breaches, always through the access layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core.access import visible_to
from vigil.core.errors import NotFound
from vigil.core.refs import is_pk

from ..models import Incident, SlaBreach, SlaTarget

CLOCK_FIELDS = {
    SlaBreach.Clock.ACKNOWLEDGE: ("acknowledge_due", "acknowledged_at"),
    SlaBreach.Clock.RESPOND: ("respond_due", "first_response_at"),
    SlaBreach.Clock.RESOLVE: ("resolve_due", "resolved_at"),
}

MET, MET_LATE, PENDING, OVERDUE, NONE = "met", "met_late", "pending", "overdue", "none"


@dataclass
class ClockStatus:
    """One SLA clock of an incident: its due time, when it was met, and where it stands."""

    clock: str
    label: str
    due_at: dt.datetime | None
    met_at: dt.datetime | None
    state: str  # met | met_late | pending | overdue | none
    remaining_seconds: int | None  # pending: seconds left
    overdue_seconds: int | None  # overdue or met late: seconds past due
    level: int  # highest escalation level recorded for this clock (0: none)

    def as_dict(self) -> dict:
        return {
            "clock": self.clock, "label": str(self.label), "due_at": self.due_at, "met_at": self.met_at,
            "state": self.state, "remaining_seconds": self.remaining_seconds,
            "overdue_seconds": self.overdue_seconds, "level": self.level,
        }


def sla_status(*, incident: Incident, breaches=None, now=None) -> list[ClockStatus]:
    """The three clocks of an incident the caller may already see."""
    now = now or timezone.now()
    if breaches is None:
        breaches = list(incident.breaches.all())
    levels: dict[str, int] = {}
    for b in breaches:
        levels[b.clock] = max(levels.get(b.clock, 0), b.level)
    out = []
    for clock, label in SlaBreach.Clock.choices:
        due_field, met_field = CLOCK_FIELDS[clock]
        due, met = getattr(incident, due_field), getattr(incident, met_field)
        remaining = overdue = None
        if due is None:
            state = MET if met else NONE
        elif met is not None:
            state = MET if met <= due else MET_LATE
            overdue = int((met - due).total_seconds()) if met > due else None
        elif now <= due:
            state, remaining = PENDING, int((due - now).total_seconds())
        else:
            state, overdue = OVERDUE, int((now - due).total_seconds())
        if state == PENDING and not incident.is_open:
            state = NONE
        out.append(ClockStatus(clock, label, due, met, state, remaining, overdue, levels.get(clock, 0)))
    return out


def incident_breaches(*, user, incident: Incident) -> QuerySet[SlaBreach]:
    """The breaches (and escalation steps) of one incident, oldest first."""
    return visible_to(user, SlaBreach).filter(incident=incident).select_related("escalated_to").order_by(
        "detected_at", "clock", "level"
    )


def breach_list(*, user, unit=None, clock: str | None = None, level: int | None = None,
                date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet[SlaBreach]:
    """Breaches the user may see, newest first: for the standing agency, the whole
    network; `unit` narrows to incidents owned or led in its subtree."""
    qs = visible_to(user, SlaBreach).select_related(
        "incident__owner_unit", "incident__lead_unit", "escalated_to"
    )
    if unit is not None:
        qs = qs.filter(Q(incident__owner_unit__path__startswith=unit.path)
                       | Q(incident__lead_unit__path__startswith=unit.path))
    if clock:
        qs = qs.filter(clock=clock)
    if level:
        qs = qs.filter(level=level)
    if date_from:
        qs = qs.filter(detected_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(detected_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return qs.order_by("-detected_at", "-pk")


def breach_get(*, user, breach_id) -> SlaBreach:
    row = None
    if is_pk(breach_id):
        row = visible_to(user, SlaBreach).select_related("incident", "escalated_to").filter(pk=int(breach_id)).first()
    if row is None:
        raise NotFound(_("Không tìm thấy lần vi phạm SLA."), field="breach_id")
    return row


def sla_targets() -> QuerySet[SlaTarget]:
    """The SLA targets per severity (reference data, readable by every member)."""
    return SlaTarget.objects.all()


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
