"""Statutory reporting stages: the reports an incident owes and their submission.

When an incident is triaged (type, severity and sector known) `stages_schedule(incident)`
creates one `StageReport` per active `ReportingStage` that applies to it:

- the stage names the incident's type, or its class, or neither (every incident);
- its sector is the incident's sector, or blank (every sector);
- the incident's severity is at least the stage's `min_severity`;

due `due_hours` after detection. A repeating stage (`repeat_hours`) gets its next report
when one is submitted (due = previous due + repeat_hours), until the incident's final
stage (the applicable non-repeating stage with the longest delay) is submitted or the
incident is closed.

`stage_report_submit(actor=..., stage_report=..., data={...})` needs `change` on the
incident (its reporting units), checks every mandatory field of the stage's form and its
type, and freezes the report.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from vigil.core import audit
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError
from vigil.core.texts import stored

from ..models import Incident, ReportingStage, Severity, StageReport
from .common import require_change, timeline_add

SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
FIELD_TYPES = ("text", "textarea", "datetime", "number", "choice")
CLOSED_STATES = (Incident.State.CLOSED, Incident.State.MERGED)
VALUE_MAX = 20000


def severities_up_to(severity: str) -> list[str]:
    """The severities at or below `severity` (the stages whose minimum it reaches)."""
    rank = SEVERITY_RANK.get(severity, 0)
    return [s for s, r in SEVERITY_RANK.items() if r <= rank]


def applicable_stages(incident: Incident):
    """The active stages that apply to the incident (type or class, sector, severity)."""
    if not incident.incident_type_id or not incident.severity:
        return ReportingStage.objects.none()
    type_q = (
        Q(incident_type_id=incident.incident_type_id)
        | Q(incident_type__isnull=True, klass_id=incident.incident_type.klass_id)
        | Q(incident_type__isnull=True, klass__isnull=True)
    )
    sector_q = Q(sector="") | Q(sector=incident.sector) if incident.sector else Q(sector="")
    return (
        ReportingStage.objects.filter(is_active=True, min_severity__in=severities_up_to(incident.severity))
        .filter(type_q).filter(sector_q)
        .order_by("sort_order", "due_hours", "code")
    )


def _dedupe_by_code(stages) -> list[ReportingStage]:
    """One stage per code: a sector-specific stage replaces the general one of that code."""
    chosen: dict[str, ReportingStage] = {}
    for stage in stages:
        if stage.code not in chosen or (stage.sector and not chosen[stage.code].sector):
            chosen[stage.code] = stage
    return sorted(chosen.values(), key=lambda s: (s.sort_order, s.due_hours, s.code))


def final_stage(stages: list[ReportingStage]) -> ReportingStage | None:
    """The stage whose submission ends the reporting: the non-repeating one due last."""
    single = [s for s in stages if not s.repeat_hours]
    return max(single, key=lambda s: (s.due_hours, s.sort_order)) if single else None


def stages_schedule(incident: Incident, *, actor: Actor | None = None) -> list[StageReport]:
    """Create the first StageReport of every stage that applies to `incident` and it does
    not have yet (idempotent: call again after a re-triage). Returns the rows created.
    Nothing is scheduled for a closed or merged incident, or one without type/severity."""
    if incident.state in CLOSED_STATES or not incident.incident_type_id or not incident.severity:
        return []
    stages = _dedupe_by_code(applicable_stages(incident))
    have = set(StageReport.objects.filter(incident=incident).values_list("stage_id", flat=True))
    start = incident.detected_at or incident.received_at or timezone.now()
    created = []
    with transaction.atomic():
        for stage in stages:
            if stage.pk in have:
                continue
            try:
                with transaction.atomic():
                    created.append(StageReport.objects.create(
                        incident=incident, stage=stage, sequence=1, due_at=start + timedelta(hours=stage.due_hours),
                    ))
            except IntegrityError:  # scheduled concurrently
                continue
        if created:
            timeline_add(
                incident=incident, actor=actor, kind="stages.scheduled",
                message=stored(ngettext_lazy("Lập lịch %(n)s báo cáo theo quy định.",
                                             "Lập lịch %(n)s báo cáo theo quy định.", "n"), n=len(created)),
                data={"stage_reports": [r.pk for r in created]},
            )
    return created


# --------------------------------------------------------------------------- submission


def _check_value(spec: dict, raw):
    """One field's value, normalised to JSON; a DomainError naming the field when bad."""
    name = spec["name"]
    ftype = spec.get("type") or "text"
    label = spec.get("label") or name
    where = f"data.{name}"
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        raise DomainError(_("Chưa điền trường bắt buộc “%(f)s”.") % {"f": label}, field=where, code="required")
    if ftype == "number":
        if isinstance(raw, bool):
            raise DomainError(_("Trường “%(f)s” phải là số.") % {"f": label}, field=where)
        try:
            number = Decimal(str(raw).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            raise DomainError(_("Trường “%(f)s” phải là số.") % {"f": label}, field=where) from None
        if not number.is_finite():
            raise DomainError(_("Trường “%(f)s” phải là số.") % {"f": label}, field=where)
        return int(number) if number == number.to_integral_value() else float(number)
    if ftype == "datetime":
        if isinstance(raw, dt.datetime):
            value = raw
        else:
            value = parse_datetime(str(raw).strip()) if isinstance(raw, str) else None
        if value is None:
            raise DomainError(
                _("Trường “%(f)s” phải là thời điểm (YYYY-MM-DDTHH:MM).") % {"f": label}, field=where
            )
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.isoformat()
    if ftype == "choice":
        choices = [value for value, _label in choice_pairs(spec)]
        if str(raw) not in choices:
            raise DomainError(
                _("Trường “%(f)s”: giá trị “%(v)s” không nằm trong danh sách cho phép.") % {"f": label, "v": raw},
                field=where,
            )
        return str(raw)
    if not isinstance(raw, str | int | float):
        raise DomainError(_("Trường “%(f)s” phải là văn bản.") % {"f": label}, field=where)
    text = str(raw).strip()
    if len(text) > VALUE_MAX:
        raise DomainError(_("Trường “%(f)s” quá dài.") % {"f": label}, field=where)
    return text


def choice_pairs(spec: dict, *, english: bool = False) -> list[tuple[str, str]]:
    """(value, label) of a choice field: choices are plain values or {value, label, label_en}."""
    pairs = []
    for c in spec.get("choices") or []:
        if isinstance(c, dict):
            value = str(c.get("value", ""))
            label = (c.get("label_en") if english else None) or c.get("label") or value
        else:
            value = label = str(c)
        if value:
            pairs.append((value, str(label)))
    return pairs


def stage_fields(stage: ReportingStage) -> list[dict]:
    """The stage's form fields, each with a name and a known type."""
    out = []
    for spec in stage.fields or []:
        if isinstance(spec, dict) and spec.get("name"):
            out.append({**spec, "type": spec.get("type") if spec.get("type") in FIELD_TYPES else "text"})
    return out


def validate_stage_data(stage: ReportingStage, data) -> dict:
    """Every mandatory field present and well typed; returns the cleaned data (unknown
    keys are refused too, naming them)."""
    if not isinstance(data, dict):
        raise DomainError(_("Dữ liệu báo cáo phải là một đối tượng JSON."), field="data")
    fields = stage_fields(stage)
    names = {f["name"] for f in fields}
    for key in data:
        if key not in names:
            raise DomainError(_("Trường “%(f)s” không có trong mẫu báo cáo này.") % {"f": key}, field=f"data.{key}")
    return {spec["name"]: _check_value(spec, data.get(spec["name"])) for spec in fields}


def stage_report_submit(*, actor: Actor, stage_report: StageReport, data: dict) -> StageReport:
    """Submit a statutory report: the reporting unit (change on the incident) fills every
    mandatory field; a submitted report cannot be changed. A repeating stage gets its
    next report unless the final stage is in or the incident is closed."""
    incident = stage_report.incident
    require_change(actor, incident)
    with transaction.atomic():
        report = StageReport.objects.select_for_update().select_related("stage", "incident").get(pk=stage_report.pk)
        if report.submitted_at is not None:
            raise Conflict(_("Báo cáo này đã được nộp; không thể sửa."), field="stage_report_id")
        if incident.state == Incident.State.MERGED:
            raise Conflict(_("Sự cố đã được gộp vào sự cố khác; hãy báo cáo trên sự cố đó."), field="incident_id")
        cleaned = validate_stage_data(report.stage, data)
        report.data = cleaned
        report.submitted_at = timezone.now()
        report.submitted_by = actor.author
        report.full_clean()
        report.save(update_fields=["data", "submitted_at", "submitted_by"])
        following = _next_in_sequence(report)
        dropped = _drop_pending_updates(report)
        timeline_add(
            incident=incident, actor=actor, kind="stages.submitted",
            message=stored(gettext_lazy("Đã nộp báo cáo “%(s)s” (lần %(n)s)."), s=report.stage, n=report.sequence),
            data={"stage_report": report.pk, "stage": report.stage.code, "sequence": report.sequence,
                  "next": following.pk if following else None, "dropped": dropped},
        )
        audit.record(
            actor=actor, action="incidents.stage_report.submit", obj=report, unit_id=incident.owner_unit_id,
            after={"incident": incident.reference, "stage": report.stage.code, "sequence": report.sequence,
                   "data": cleaned, "next": following.pk if following else None},
        )
    stage_report.data, stage_report.submitted_at = report.data, report.submitted_at
    stage_report.submitted_by = report.submitted_by
    return report


def _drop_pending_updates(report: StageReport) -> list[int]:
    """Once the final report is in, the pending updates of repeating stages are owed no
    more: they are removed (their submitted predecessors stay)."""
    if report.stage.repeat_hours:
        return []
    stages = _dedupe_by_code(applicable_stages(report.incident))
    if final_stage(stages) is None or final_stage(stages).pk != report.stage_id:
        return []
    pending = StageReport.objects.filter(
        incident=report.incident, submitted_at__isnull=True, stage__repeat_hours__isnull=False,
    )
    ids = list(pending.values_list("pk", flat=True))
    if ids:
        StageReport.objects.filter(pk__in=ids).delete()
    return ids


def _next_in_sequence(report: StageReport) -> StageReport | None:
    stage = report.stage
    incident = report.incident
    if not stage.repeat_hours or incident.state in (*CLOSED_STATES, Incident.State.RESOLVED):
        return None
    stages = _dedupe_by_code(applicable_stages(incident)) or [stage]
    final = final_stage(stages)
    if final is not None and StageReport.objects.filter(
        incident=incident, stage=final, submitted_at__isnull=False
    ).exists():
        return None
    due = report.due_at + timedelta(hours=stage.repeat_hours)
    row, _created = StageReport.objects.get_or_create(
        incident=incident, stage=stage, sequence=report.sequence + 1, defaults={"due_at": due},
    )
    return row
