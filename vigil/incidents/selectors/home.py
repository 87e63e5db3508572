"""What the home page shows from incident handling (`core.dashboard` panels that
`IncidentsConfig` registers): requests waiting for the user's units to accept, SLA clocks
of their incidents about to run out or run out, the statutory reports they must file,
and, for whoever oversees the network, its open incidents by severity. Every read goes
through the access layer; each panel runs a fixed number of queries whatever the number
of rows."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Case, Count, DateTimeField, Q, Value, When
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from vigil.core.access import allowed, member_units, visible_to
from vigil.core.dashboard import counted

from ..models import Incident, IncidentUnit, Severity, SlaBreach, StageReport
from .lists import incident_list
from .sla import CLOCK_FIELDS
from .stages import stages_due

CLOSED_STATES = (Incident.State.CLOSED, Incident.State.MERGED)
OPEN_STATES = [s for s in Incident.State.values if s not in CLOSED_STATES]
SLA_HORIZON = dt.timedelta(hours=24)
STAGE_HORIZON_DAYS = 7
ITEMS = 8
# Far beyond any clock: stands for "this clock is not running" in the LEAST of the clocks
# (NULL would make the whole LEAST NULL on SQLite).
_NEVER = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def _incident_url(pk: int, anchor: str = "") -> str:
    return reverse("incidents:incident_detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def _list_url(**params) -> str:
    query = urlencode([(k, v) for k, v in params.items() if v not in (None, "", [])], doseq=True)
    return reverse("incidents:incident_list") + (f"?{query}" if query else "")


def waiting_for_my_units(*, user, limit: int = ITEMS) -> dict | None:
    """Requests to the user's units to lead or support an open incident that nobody has
    answered yet (IncidentUnit: active, answer pending), oldest first. None when there is
    none. Two queries."""
    ids = sorted(member_units(user))
    if not ids:
        return None
    qs = (
        visible_to(user, IncidentUnit)
        .filter(unit_id__in=ids, active=True, answer=IncidentUnit.Answer.PENDING)
        .exclude(incident__state__in=CLOSED_STATES)
    )
    rows = list(qs.annotate(n=counted()).select_related("incident", "unit").order_by("assigned_at", "pk")[:limit])
    if not rows:
        return None
    count = rows[0].n
    for r in rows:
        r.url = _incident_url(r.incident_id)
    return {"requests": rows, "count": count, "more": max(count - len(rows), 0),
            "url": _list_url(relation="waiting")}


def _next_due():
    """The earliest due time of an incident's clocks still running (met clocks left out)."""
    parts = [
        Coalesce(Case(When(**{f"{met}__isnull": True}, then=due), default=Value(None),
                      output_field=DateTimeField()), Value(_NEVER), output_field=DateTimeField())
        for due, met in CLOCK_FIELDS.values()
    ]
    return Least(*parts, output_field=DateTimeField())


def sla_at_risk(*, user, now: dt.datetime | None = None, limit: int = ITEMS) -> dict | None:
    """Open incidents of the user's units (owned, led or supported) with an SLA clock
    still running that has run out (breached) or runs out within SLA_HORIZON, the most
    urgent first; each row carries the clock (`clock_label`, `clock_due`) and `breached`.
    None when there is none. Two queries."""
    if not member_units(user):
        return None
    now = now or timezone.now()
    qs = (
        incident_list(user, mine=True, states=OPEN_STATES)
        .annotate(next_due=_next_due())
        .filter(next_due__lte=now + SLA_HORIZON)
    )
    rows = list(
        qs.annotate(n_breached=counted(Q(next_due__lt=now)), n_soon=counted(Q(next_due__gte=now)))
        .order_by("next_due", "pk")[:limit]
    )
    if not rows:
        return None
    counts = {"breached": rows[0].n_breached, "soon": rows[0].n_soon}
    labels = dict(SlaBreach.Clock.choices)
    for incident in rows:
        for clock, (due_field, met_field) in CLOCK_FIELDS.items():
            due = getattr(incident, due_field)
            if due is not None and getattr(incident, met_field) is None and due == incident.next_due:
                incident.clock_label = labels[clock]
                break
        else:
            incident.clock_label = ""
        incident.clock_due = incident.next_due
        incident.breached = incident.next_due < now
        seconds = abs(int((incident.next_due - now).total_seconds()))
        incident.hours = seconds // 3600
        incident.minutes = seconds // 60
        incident.days = seconds // 86400 if seconds >= 2 * 86400 else 0  # "443 hours late" reads as 18 days
        incident.url = _incident_url(incident.pk)
    return {"incidents": rows, "breached_count": counts["breached"], "soon_count": counts["soon"],
            "more": max(counts["breached"] + counts["soon"] - len(rows), 0),
            "breaches_url": reverse("incidents:sla_breaches")}


def stage_reports_due(*, user, now: dt.datetime | None = None, limit: int = ITEMS) -> dict | None:
    """Statutory reports of open incidents the user's units own or lead, not submitted,
    overdue or due within STAGE_HORIZON_DAYS, earliest first, for those who may file them
    (`stages_due`: `change` on the incident). None when there is none. Two queries."""
    ids = sorted(member_units(user))
    if not ids:
        return None
    now = now or timezone.now()
    qs = stages_due(user=user, horizon_days=STAGE_HORIZON_DAYS, now=now).filter(
        Q(incident__owner_unit_id__in=ids) | Q(incident__lead_unit_id__in=ids)
    )
    rows: list[StageReport] = list(
        qs.annotate(n_late=counted(Q(due_at__lt=now)), n_due=counted(Q(due_at__gte=now)))[:limit]
    )
    if not rows:
        return None
    counts = {"late": rows[0].n_late, "due": rows[0].n_due}
    english = get_language() == "en"
    for r in rows:
        r.is_late = r.due_at < now
        seconds = abs(int((r.due_at - now).total_seconds()))
        r.hours = seconds // 3600
        r.days = seconds // 86400
        r.url = reverse("incidents:stage_report_submit", args=[r.incident_id, r.pk])
        r.stage_label = r.stage.name_en if english and r.stage.name_en else r.stage.name
    return {"reports": rows, "late_count": counts["late"], "due_count": counts["due"],
            "more": max(counts["late"] + counts["due"] - len(rows), 0),
            "url": reverse("incidents:stages_due")}


def network_open_by_severity(*, user) -> dict | None:
    """For whoever holds a network-wide scope (the committee office, the standing agency):
    the open incidents they may see, counted by severity (the most severe first; those not
    triaged yet last). None for anyone else, or when none is open. One query."""
    if not allowed(user, "view", None):
        return None
    found = dict(
        visible_to(user, Incident).filter(state__in=OPEN_STATES).order_by()
        .values_list("severity").annotate(n=Count("pk")).values_list("severity", "n")
    )
    total = sum(found.values())
    if not total:
        return None
    rows = []
    for value, label in reversed(Severity.choices):
        rows.append({"severity": value, "label": label, "count": found.get(value, 0),
                     "url": _list_url(severity=value, state=OPEN_STATES)})
    untriaged = sum(n for value, n in found.items() if value not in Severity.values)
    return {"rows": rows, "untriaged": untriaged, "total": total,
            "untriaged_url": _list_url(state=Incident.State.NEW), "url": _list_url(state=OPEN_STATES)}
