"""The demo dataset of the registry: a dozen information systems of a few cities and a
ministry, read from `demo.json` and written through the services (so the audit log and
the validation are real).

`load(actor=...)` runs after the org demo (units are looked up by their reference
codes; a unit that is missing is skipped). It is idempotent: a system is looked up by
(unit, code) first and only missing ones are created. Due dates are days from today,
so the reminders job has something to send on the day the demo is loaded.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.utils import timezone

from vigil.core.actors import Actor
from vigil.org.models import Unit

from .models import InformationSystem
from .services.systems import system_create

DATA_FILE = Path(__file__).resolve().parent / "demo.json"


def _system_fields(row: dict, today: dt.date) -> dict:
    fields = {
        key: row[key]
        for key in ("purpose", "operator", "hosting", "hosting_detail", "sector", "status", "level")
        if key in row
    }
    if row.get("decision"):
        fields["level_decision_number"], fields["level_decision_date"] = row["decision"]
    fields["national_security_important"] = bool(row.get("important"))
    for key, field in (("review_in", "review_due"), ("reapproval_in", "reapproval_due")):
        if key in row:
            fields[field] = today + dt.timedelta(days=int(row[key]))
    if row.get("contact"):
        fields["contact_name"], fields["contact_email"], fields["contact_phone"] = row["contact"]
    return fields


def load(*, actor: Actor) -> list:
    """Load the demo systems; it adds no login of its own."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    today = timezone.localdate()
    units = {u.code: u for u in Unit.objects.filter(code__in={r["unit"] for r in data["systems"]}, is_active=True)}
    for row in data["systems"]:
        unit = units.get(row["unit"])
        if unit is None or InformationSystem.objects.filter(owner_unit=unit, code=row["code"]).exists():
            continue
        system_create(
            actor=actor, owner_unit=unit, code=row["code"], name=row["name"],
            addresses=row.get("addresses", []), software=row.get("software", []),
            **_system_fields(row, today),
        )
    return []
