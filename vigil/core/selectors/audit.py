"""Reads of the audit log: entries an auditor may read (redacted by TLP), filters, diffs.

Every function starts from `core.access.visible_to(user, ...)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from .. import directory
from ..access import holds, visible_to
from ..errors import NotFound
from ..models import AuditEntry

# --------------------------------------------------------------------------- audit log


def is_auditor(user) -> bool:
    """Whether the user holds the `audit` action anywhere (or is a superuser)."""
    return holds(user, "audit")


@dataclass
class AuditFilter:
    """The one filter definition of the audit log, used by the page and the API alike.

    `unit` includes the unit's subtree; `date_from`/`date_to` are inclusive local dates;
    `q` searches the object's description; `actor` matches part of the user name.
    """

    actor: str = ""
    unit: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""

    def is_empty(self) -> bool:
        return not any(
            [self.actor, self.unit, self.action, self.object_type, self.object_id,
             self.date_from, self.date_to, self.q]
        )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class _RedactedEntries(QuerySet):
    """Audit entries read on behalf of `reader`: each entry about an object under a TLP
    label that the reader may not read is shown by reference only (see `redact_entries`),
    however the queryset is later sliced, paginated or iterated."""

    reader = None

    def _clone(self):
        clone = super()._clone()
        clone.reader = self.reader
        return clone

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self.reader is not None and self._result_cache:
            redact_entries(self.reader, [e for e in self._result_cache if isinstance(e, AuditEntry)])


def _redacted(qs: QuerySet, user) -> QuerySet:
    qs = qs._chain()
    qs.__class__ = _RedactedEntries
    qs.reader = user
    return qs


def redact_entries(user, entries) -> None:
    """Audit entries never carry more than their reader may see of their object: for an
    object under a TLP label (an incident and what hangs off it, a decision, a source...)
    that `user` may not read, the name becomes its kind and id ("Sự cố #123") and the
    before/after snapshots are withheld. Decided through the access layer; changes the
    instances in memory only (the log itself is append-only)."""
    from django.apps import apps

    from ..access import hidden_ids, neutral_name

    by_type: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        if entry.object_type and entry.object_id:
            by_type.setdefault(entry.object_type, []).append(entry)
    for label, group in by_type.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        hidden = hidden_ids(user, model, [e.object_id for e in group])
        for entry in group:
            if entry.object_id in hidden:
                entry.object_repr = neutral_name(model, entry.object_id)
                entry.before = None
                entry.after = None


def audit_entries(*, user, filters: AuditFilter | None = None) -> QuerySet[AuditEntry]:
    """Audit entries the user may read (auditors, for the units in their scope), filtered,
    newest first."""
    f = filters or AuditFilter()
    qs = visible_to(user, AuditEntry).select_related("unit")
    if f.actor:
        qs = qs.filter(actor_name__icontains=f.actor.strip())
    if f.unit:
        unit = visible_to(user, directory.unit_model()).filter(pk=f.unit).first()
        if unit is None:
            return qs.none()
        qs = qs.filter(unit__path__startswith=unit.path)
    if f.action:
        qs = qs.filter(action=f.action.strip())
    if f.object_type:
        qs = qs.filter(object_type=f.object_type.strip().lower())
    if f.object_id:
        qs = qs.filter(object_id=str(f.object_id).strip())
    if f.date_from:
        qs = qs.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    if f.q:
        qs = qs.filter(object_repr__icontains=f.q.strip())
    return _redacted(qs.order_by("-seq"), user)


def audit_entry_get(*, user, entry_id: int) -> AuditEntry:
    """One audit entry the user may read; NotFound otherwise (its existence stays hidden)."""
    entry = visible_to(user, AuditEntry).select_related("unit").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    redact_entries(user, [entry])
    return entry


def audit_units(*, user) -> QuerySet:
    """Units whose entries the user may read, for the unit filter."""
    return visible_to(user, directory.unit_model(), "audit").filter(is_active=True).order_by("path")


def audit_vocabulary(*, user) -> dict[str, list[str]]:
    """Distinct actions and object types among the entries the user may read (for pickers)."""
    qs = visible_to(user, AuditEntry).order_by()
    return {
        "actions": sorted(a for a in qs.values_list("action", flat=True).distinct() if a),
        "object_types": sorted(t for t in qs.values_list("object_type", flat=True).distinct() if t),
    }


def audit_diff(entry: AuditEntry) -> list[dict]:
    """Field-by-field comparison of an entry's `before` and `after` snapshots."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    rows = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        rows.append({
            "field": key,
            "before": b,
            "after": a,
            "in_before": key in before,
            "in_after": key in after,
            "changed": key not in before or key not in after or b != a,
        })
    return rows
