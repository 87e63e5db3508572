"""Reads of statutory reporting stages: the reports of an incident, what is due for the
user's units, and for the standing agency who is late. Always through the access layer."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core.access import visible_to
from vigil.core.errors import NotFound
from vigil.core.refs import is_pk
from vigil.org.models import Unit

from ..models import Incident, ReportingStage, StageReport

CLOSED_STATES = (Incident.State.CLOSED, Incident.State.MERGED)
DUE_HORIZON_DAYS = 30
LATE_ROWS_MAX = 1000


def reporting_stages(*, active_only: bool = True) -> QuerySet[ReportingStage]:
    """The statutory reporting stages (reference data, every member may read them)."""
    qs = ReportingStage.objects.select_related("klass", "incident_type")
    return qs.filter(is_active=True) if active_only else qs


def incident_stage_reports(*, user, incident: Incident) -> QuerySet[StageReport]:
    """The statutory reports of one incident, in due order."""
    return (
        visible_to(user, StageReport).filter(incident=incident)
        .select_related("stage", "submitted_by").order_by("due_at", "pk")
    )


def stage_report_get(*, user, stage_report_id, incident: Incident | None = None, action: str = "view") -> StageReport:
    """One statutory report the user may see (NotFound otherwise, and for another
    incident's report when `incident` is given)."""
    row = None
    if is_pk(stage_report_id):
        qs = visible_to(user, StageReport, action).select_related("stage", "incident", "submitted_by")
        if incident is not None:
            qs = qs.filter(incident=incident)
        row = qs.filter(pk=int(stage_report_id)).first()
    if row is None:
        raise NotFound(_("Không tìm thấy báo cáo theo quy định."), field="stage_report_id")
    return row


def _pending(user, action: str = "view") -> QuerySet[StageReport]:
    # The (submitted_at, due_at) index answers `submitted_at IS NULL AND due_at < …`.
    return (
        visible_to(user, StageReport, action)
        .filter(submitted_at__isnull=True)
        .exclude(incident__state__in=CLOSED_STATES)
    )


def stages_due(*, user, unit: Unit | None = None, horizon_days: int = DUE_HORIZON_DAYS,
               now=None) -> QuerySet[StageReport]:
    """What the user's units must report: unsubmitted reports of open incidents they
    handle (with `change`), late ones first then due within `horizon_days`. Each row
    carries `is_late`."""
    now = now or timezone.now()
    qs = _pending(user, "change").filter(due_at__lte=now + dt.timedelta(days=horizon_days))
    if unit is not None:
        qs = qs.filter(Q(incident__owner_unit__path__startswith=unit.path)
                       | Q(incident__lead_unit__path__startswith=unit.path))
    return qs.select_related("stage", "incident__owner_unit", "incident__lead_unit").order_by("due_at", "pk")


@dataclass
class LateUnit:
    """A reporting unit with its late statutory reports."""

    unit: Unit
    count: int
    oldest_due: dt.datetime
    days_late: int
    reports: list = field(default_factory=list)


def days_late(due_at: dt.datetime, now: dt.datetime) -> int:
    return max(0, math.floor((now - due_at).total_seconds() / 86400))


def stages_overdue(*, user, unit: Unit | None = None, now=None, rows_max: int = LATE_ROWS_MAX) -> list[LateUnit]:
    """Who is late: statutory reports past due and not submitted, of open incidents the
    user may see (the whole network for the standing agency), grouped by the reporting
    unit (the lead unit, else the owner), the latest first. One aggregate query for the
    counts and one for the rows (at most `rows_max`)."""
    now = now or timezone.now()
    qs = _pending(user).filter(due_at__lt=now).annotate(
        reporting_unit=Coalesce(F("incident__lead_unit_id"), F("incident__owner_unit_id"))
    )
    if unit is not None:
        qs = qs.filter(Q(incident__owner_unit__path__startswith=unit.path)
                       | Q(incident__lead_unit__path__startswith=unit.path))
    groups = list(
        qs.order_by().values("reporting_unit").annotate(n=Count("pk"), oldest=Min("due_at"))
    )
    units = Unit.objects.in_bulk([g["reporting_unit"] for g in groups])
    out = {
        g["reporting_unit"]: LateUnit(
            unit=units[g["reporting_unit"]], count=g["n"], oldest_due=g["oldest"],
            days_late=days_late(g["oldest"], now),
        )
        for g in groups if g["reporting_unit"] in units
    }
    rows = qs.select_related("stage", "incident").order_by("due_at", "pk")[:rows_max]
    for r in rows:
        r.days_late = days_late(r.due_at, now)
        if r.reporting_unit in out:
            out[r.reporting_unit].reports.append(r)
    return sorted(out.values(), key=lambda g: (-g.days_late, -g.count, g.unit.path))


def annotate_late(rows, now=None):
    """Mark each report `is_late` / `days_late` for display."""
    now = now or timezone.now()
    rows = list(rows)
    for r in rows:
        r.is_late = r.submitted_at is None and r.due_at < now
        r.days_late = days_late(r.due_at, now) if r.is_late else 0
    return rows
