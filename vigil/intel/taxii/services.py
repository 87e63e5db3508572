"""Writes of the TAXII server: objects a member adds to a collection, and their deletion.

Additions are processed at once (the status resource is `complete` when the 202 answer
leaves): each object is checked, the valid ones are stored as sent in the collection,
under their own TLP marking or else the collection's label, owned by the submitting
unit, through that unit's TAXII source; the indicator values their patterns name go into
the indicator table as that source's claims. Objects that fail are listed in the status
with the reason.
"""

from __future__ import annotations

import json
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.access import allowed, require
from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError, NotFound

from ..formats.base import Problem, Record
from ..models import Source, StixObject, TaxiiCollection, TaxiiStatus
from . import selectors
from .pagination import TaxiiQuery


def source_name(unit) -> str:
    return f"TAXII – {unit.code}"


def taxii_source(*, actor: Actor, unit, collection: TaxiiCollection) -> Source:
    """The TAXII source of `unit` (who asserts what its members add over TAXII), created on
    its first submission through the sources service (permission-checked, audited)."""
    from ..services.sources import source_create

    require(actor, "add", unit)
    found = Source.objects.filter(owner_unit=unit, name=source_name(unit)).first()
    if found is not None:
        if not found.is_active:
            raise DomainError(_("Nguồn “%(name)s” đã ngừng sử dụng.") % {"name": found.name}, field="source")
        return found
    try:
        return source_create(actor=actor, owner_unit=unit, name=source_name(unit), tlp=collection.tlp,
                             kind=Source.Kind.TAXII,
                             description=_("Chỉ báo và đối tượng STIX do đơn vị gửi qua TAXII 2.1."))
    except Conflict:  # another submission of the same unit created it a moment ago
        return Source.objects.get(owner_unit=unit, name=source_name(unit))


def _ref(obj, position: int) -> dict:
    """How a status names an object: its id (its position when it has none) and version."""
    has_id = isinstance(obj, dict) and isinstance(obj.get("id"), str) and obj.get("id")
    ref = {"id": obj["id"] if has_id else f"#{position}"}
    if isinstance(obj, dict):
        version = obj.get("modified") or obj.get("created")
        if isinstance(version, str):
            ref["version"] = version
    return ref


def _read(items: list) -> tuple[dict[int, list[str]], dict[int, list[Record]]]:
    """The verdict of the STIX reader on each object, by 1-based position: the problems
    that make it invalid, and the indicator values it carries. An indicator in another
    pattern language is valid STIX: it is kept, only its values are not read."""
    from ..formats.stix import StixImport
    from ..services.ingest import stream_of

    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": items}
    problems: dict[int, list[str]] = {}
    records: dict[int, list[Record]] = {}
    for item in StixImport().records(stream_of(json.dumps(bundle))):
        if isinstance(item, Problem):
            if item.field == "pattern_type":
                continue
            problems.setdefault(item.line, []).append(str(item.message))
        else:
            records.setdefault(item.line, []).append(item)
    return problems, records


def objects_add(*, actor: Actor, collection: TaxiiCollection, envelope) -> TaxiiStatus:
    """Add the objects of a TAXII envelope (or a STIX bundle) to an `objects` collection.

    Each object is checked by the STIX reader (`formats.stix`); the valid ones are stored
    as sent (`services.stix_store`), under their own TLP marking or else the collection's,
    owned by the submitting unit; the indicator values of their patterns and observables
    become claims of the unit's TAXII source (`services.ingest`). The status lists every
    object: stored (or already there: not told apart) as a success; invalid, or a version
    of an id another unit created, as a failure with the reason."""
    from ..services.ingest import import_records
    from ..services.stix_store import store_objects

    user = actor.user
    if collection.kind != TaxiiCollection.Kind.OBJECTS:
        raise AccessDenied(_("Bộ sưu tập “%(title)s” chỉ để đọc.") % {"title": collection.title})
    unit = selectors.writer_unit(user)
    if unit is None:
        raise AccessDenied(_("Bạn không có quyền thêm tri thức ở đơn vị nào."))
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
        raise DomainError(_("Nội dung phải là một phong bì TAXII có danh sách “objects”."), field="objects")
    items = envelope["objects"]
    now = timezone.now()
    problems, records = _read(items)
    failures = [{**_ref(obj, n), "message": " ".join(problems[n])}
                for n, obj in enumerate(items, start=1) if n in problems]
    valid = [(n, obj) for n, obj in enumerate(items, start=1) if n not in problems]
    successes: list[dict] = []
    with transaction.atomic():
        source = taxii_source(actor=actor, unit=unit, collection=collection)
        stored_positions = []
        if valid:
            result = store_objects(actor=actor, source=source, objects=[obj for _n, obj in valid],
                                   tlp=collection.tlp, collection=collection)
            for (n, obj), entry in zip(valid, result["results"], strict=True):
                if entry["status"] in ("failed", "refused"):
                    failures.append({**_ref(obj, n), "message": str(entry.get("message", ""))})
                    continue
                stored_positions.append(n)
                # One message for a new and an already-held version: "already there" would
                # tell the caller that a unit it cannot see holds the object (issue 11).
                successes.append({**_ref(obj, n), "message": _("Đã nhận vào bộ sưu tập.")})
        values = [r for n in stored_positions for r in records.get(n, [])]
        if values:
            import_records(actor=actor, source=source, records=values, label=f"TAXII {collection.alias}",
                           tlp=collection.tlp, skip_invalid=True)
        status = TaxiiStatus.objects.create(
            uuid=uuid.uuid4(), collection=collection, user=user, status="complete", request_timestamp=now,
            total_count=len(items), success_count=len(successes), failure_count=len(failures), pending_count=0,
            successes=successes, failures=failures, pendings=[],
        )
        audit.record(actor=actor, action="intel.taxii.add", obj=status, unit_id=unit.pk,
                     object_repr=f"{collection.alias}: {len(successes)}/{len(items)}",
                     after={"collection": collection.alias, "source": source.name, "total": len(items),
                            "successes": len(successes), "failures": len(failures), "indicator_values": len(values)})
    return status


def object_delete(*, actor: Actor, collection: TaxiiCollection, object_id: str, query: TaxiiQuery) -> int:
    """Delete the versions of one object a Delete An Object request names: all or nothing,
    each version needing `delete` on its owning unit. Returns how many were deleted."""
    user = actor.user
    if collection.kind != TaxiiCollection.Kind.OBJECTS:
        raise AccessDenied(_("Bộ sưu tập “%(title)s” chỉ để đọc.") % {"title": collection.title})
    rows = selectors.deletable_versions(user, collection, object_id, query)
    if not rows:
        raise NotFound(_("Không có phiên bản nào của “%(id)s” khớp bộ lọc.") % {"id": object_id[:120]})
    for row in rows:
        if not allowed(actor, "delete", row):
            raise AccessDenied(_("Bạn không có quyền xoá đối tượng “%(id)s”.") % {"id": object_id[:120]})
    with transaction.atomic():
        for row in rows:
            audit.record(actor=actor, action="intel.taxii.delete", obj=row, object_repr=f"{row.stix_id} {row.version}",
                         before={"collection": collection.alias, "stix_id": row.stix_id, "version": row.version,
                                 "type": row.type})
        StixObject.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)
