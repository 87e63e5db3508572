"""Reference data of incident handling, loaded from `incidents/reference/*.toml` by
`vigil load-reference` (after org's kinds, roles and units):

- `taxonomy.toml`: the ENISA RSIT taxonomy v1003 (11 classes, 39 types, `class:type`);
- `severity.toml`: the impact x urgency matrix;
- `sla.toml`: time to acknowledge, respond and resolve per severity;
- `reporting_stages.toml`: statutory reports per class/type, sector and severity;
- `checklist_templates.toml`: tasks with checklist steps per class or type.

Idempotent: rows are upserted by their code (a stage by code and sector), so a second run
changes nothing. SLA minutes and a stage's timing (due and repeat hours, minimum severity,
active flag) are written only when the row is new: administrators own them afterwards.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.org.reference import LoadCounts, ReferenceDataError, read_toml

from ..models import (
    ChecklistTemplate,
    IncidentClass,
    IncidentType,
    Level,
    ReportingStage,
    Severity,
    SeverityRule,
    SlaTarget,
)

REFERENCE_DIR = Path(__file__).resolve().parent
FIELD_TYPES = ("text", "textarea", "datetime", "number", "choice")


def _read(name: str, directory: Path | None) -> dict:
    return read_toml(name, directory or REFERENCE_DIR)


def _require(source: str, row: dict, *keys: str) -> None:
    for key in keys:
        if row.get(key) in (None, ""):
            raise ReferenceDataError(
                _("%(file)s: mục %(code)s thiếu khoá '%(key)s'")
                % {"file": source, "code": row.get("code", "?"), "key": key}
            )


def _save(obj, defaults: dict, created: bool) -> tuple[bool, bool]:
    """Apply `defaults` to an existing row when they differ; (created, updated)."""
    if created:
        return True, False
    changed = {k: v for k, v in defaults.items() if getattr(obj, k) != v}
    if not changed:
        return False, False
    for k, v in changed.items():
        setattr(obj, k, v)
    obj.full_clean()
    obj.save()
    return False, True


# --------------------------------------------------------------------------- taxonomy


def upsert_taxonomy(directory: Path | None = None) -> tuple[LoadCounts, LoadCounts]:
    """Classes and types of the taxonomy; (class counts, type counts)."""
    data = _read("taxonomy.toml", directory)
    classes, types = LoadCounts(), LoadCounts()
    by_code: dict[str, IncidentClass] = {}
    for row in data.get("class", []):
        _require("taxonomy.toml", row, "code", "name", "name_en")
        defaults = {
            "name": row["name"], "name_en": row["name_en"], "description": row.get("description", ""),
            "sort_order": row.get("sort_order", 100),
        }
        obj, created = IncidentClass.objects.get_or_create(code=row["code"], defaults=defaults)
        classes.add(*_save(obj, defaults, created))
        by_code[obj.code] = obj
    for row in data.get("type", []):
        _require("taxonomy.toml", row, "code", "class", "name", "name_en")
        klass = by_code.get(row["class"]) or IncidentClass.objects.filter(code=row["class"]).first()
        if klass is None:
            raise ReferenceDataError(
                _("taxonomy.toml: loại %(code)s thuộc nhóm không tồn tại: %(klass)s")
                % {"code": row["code"], "klass": row["class"]}
            )
        if not row["code"].startswith(f"{klass.code}:"):
            raise ReferenceDataError(
                _("taxonomy.toml: mã loại %(code)s phải bắt đầu bằng '%(klass)s:'")
                % {"code": row["code"], "klass": klass.code}
            )
        defaults = {
            "klass": klass, "name": row["name"], "name_en": row["name_en"],
            "description": row.get("description", ""), "is_active": bool(row.get("is_active", True)),
            "sort_order": row.get("sort_order", 100),
        }
        obj, created = IncidentType.objects.get_or_create(code=row["code"], defaults=defaults)
        types.add(*_save(obj, defaults, created))
    return classes, types


# --------------------------------------------------------------------------- severity, SLA


def upsert_severity(directory: Path | None = None) -> LoadCounts:
    """The cells of the impact x urgency matrix (all 16 must be given)."""
    counts = LoadCounts()
    cells = _read("severity.toml", directory).get("cell", [])
    levels = set(Level.values)
    seen = set()
    for row in cells:
        impact, urgency, severity = row.get("impact"), row.get("urgency"), row.get("severity")
        if impact not in levels or urgency not in levels or severity not in Severity.values:
            raise ReferenceDataError(
                _("severity.toml: ô không hợp lệ: %(row)s") % {"row": row}
            )
        seen.add((impact, urgency))
        obj, created = SeverityRule.objects.get_or_create(
            impact=impact, urgency=urgency, defaults={"severity": severity}
        )
        counts.add(*_save(obj, {"severity": severity}, created))
    missing = {(i, u) for i in levels for u in levels} - seen
    if missing:
        raise ReferenceDataError(
            _("severity.toml: thiếu các ô %(cells)s") % {"cells": ", ".join(f"{i}x{u}" for i, u in sorted(missing))}
        )
    return counts


def upsert_sla(directory: Path | None = None) -> LoadCounts:
    """SLA targets per severity, written only for a severity that has none yet."""
    counts = LoadCounts()
    for row in _read("sla.toml", directory).get("target", []):
        _require("sla.toml", row, "severity", "acknowledge_minutes", "respond_minutes", "resolve_minutes")
        if row["severity"] not in Severity.values:
            raise ReferenceDataError(_("sla.toml: mức độ không hợp lệ: %(s)s") % {"s": row["severity"]})
        minutes = [row["acknowledge_minutes"], row["respond_minutes"], row["resolve_minutes"]]
        if not all(isinstance(m, int) and m > 0 for m in minutes) or minutes != sorted(minutes):
            raise ReferenceDataError(
                _("sla.toml: %(s)s: thời hạn phải là số phút dương, tăng dần") % {"s": row["severity"]}
            )
        _obj, created = SlaTarget.objects.get_or_create(
            severity=row["severity"],
            defaults={"acknowledge_minutes": minutes[0], "respond_minutes": minutes[1], "resolve_minutes": minutes[2]},
        )
        counts.add(created, False)
    return counts


# --------------------------------------------------------------------------- stages, checklists


def _stage_fields(code: str, fields: list) -> list[dict]:
    out = []
    for f in fields:
        if not isinstance(f, dict) or not f.get("name") or not f.get("label") or f.get("type") not in FIELD_TYPES:
            raise ReferenceDataError(
                _("reporting_stages.toml: giai đoạn %(code)s có trường không hợp lệ: %(f)s") % {"code": code, "f": f}
            )
        item = {"name": f["name"], "label": f["label"], "label_en": f.get("label_en", ""), "type": f["type"]}
        if f["type"] == "choice":
            if not f.get("choices"):
                raise ReferenceDataError(
                    _("reporting_stages.toml: trường %(f)s cần danh sách lựa chọn") % {"f": f["name"]}
                )
            item["choices"] = [dict(c) for c in f["choices"]]
        out.append(item)
    return out


def _class_and_type(source: str, row: dict) -> tuple[IncidentClass | None, IncidentType | None]:
    klass = itype = None
    if row.get("class"):
        klass = IncidentClass.objects.filter(code=row["class"]).first()
        if klass is None:
            raise ReferenceDataError(
                _("%(file)s: %(code)s: nhóm sự cố không tồn tại: %(v)s")
                % {"file": source, "code": row.get("code"), "v": row["class"]}
            )
    if row.get("type"):
        itype = IncidentType.objects.filter(code=row["type"]).first()
        if itype is None:
            raise ReferenceDataError(
                _("%(file)s: %(code)s: loại sự cố không tồn tại: %(v)s")
                % {"file": source, "code": row.get("code"), "v": row["type"]}
            )
    return klass, itype


def upsert_stages(directory: Path | None = None) -> LoadCounts:
    """Reporting stages by (code, sector); timing only on creation."""
    counts = LoadCounts()
    for row in _read("reporting_stages.toml", directory).get("stage", []):
        _require("reporting_stages.toml", row, "code", "name", "due_hours")
        if row.get("min_severity", Severity.LOW) not in Severity.values:
            raise ReferenceDataError(
                _("reporting_stages.toml: %(code)s: mức độ không hợp lệ") % {"code": row["code"]}
            )
        klass, itype = _class_and_type("reporting_stages.toml", row)
        defaults = {
            "name": row["name"], "name_en": row.get("name_en", ""), "klass": klass, "incident_type": itype,
            "fields": _stage_fields(row["code"], row.get("fields", [])), "sort_order": row.get("sort_order", 100),
        }
        timing = {
            "min_severity": row.get("min_severity", Severity.LOW), "due_hours": row["due_hours"],
            "repeat_hours": row.get("repeat_hours"), "is_active": bool(row.get("is_active", True)),
        }
        obj, created = ReportingStage.objects.get_or_create(
            code=row["code"], sector=row.get("sector", ""), defaults={**defaults, **timing}
        )
        counts.add(*_save(obj, defaults, created))
    return counts


def upsert_checklists(directory: Path | None = None) -> LoadCounts:
    """Checklist templates by code."""
    counts = LoadCounts()
    for row in _read("checklist_templates.toml", directory).get("template", []):
        _require("checklist_templates.toml", row, "code", "name", "items")
        klass, itype = _class_and_type("checklist_templates.toml", row)
        items = [{"text": i["text"], "text_en": i.get("text_en", "")} for i in row["items"]]
        defaults = {"name": row["name"], "name_en": row.get("name_en", ""), "klass": klass,
                    "incident_type": itype, "items": items}
        obj, created = ChecklistTemplate.objects.get_or_create(code=row["code"], defaults=defaults)
        counts.add(*_save(obj, defaults, created))
    return counts


# `vigil load-reference` prints one line per count that load_all() returns.
REPORT_LINES = {
    "classes": gettext_lazy("Nhóm sự cố: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
    "types": gettext_lazy("Loại sự cố: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
    "severity": gettext_lazy("Ma trận mức độ: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
    "sla": gettext_lazy("Chỉ tiêu SLA: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
    "stages": gettext_lazy("Giai đoạn báo cáo: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
    "checklists": gettext_lazy(
        "Mẫu danh mục kiểm tra: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"
    ),
}


def load_all(directory: Path | None = None) -> dict[str, LoadCounts]:
    """Every incident reference file, in one transaction (all or nothing)."""
    with transaction.atomic():
        classes, types = upsert_taxonomy(directory)
        return {
            "classes": classes,
            "types": types,
            "severity": upsert_severity(directory),
            "sla": upsert_sla(directory),
            "stages": upsert_stages(directory),
            "checklists": upsert_checklists(directory),
        }

