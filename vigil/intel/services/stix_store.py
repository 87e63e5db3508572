"""Keeping STIX objects as sent, for the TAXII server: every object of an imported bundle
or of a TAXII "add objects" request (indicators, ATT&CK techniques, relationships, reports,
custom `x-mitre-*` objects) becomes one `StixObject` row per version.

Which `objects` collection holds it follows its TLP marking (the marking-definition in
the same bundle or an official TLP id; else the label given, else the source's): CLEAR
and GREEN objects go to `shared-clear` / `shared-green`, everything narrower to
`shared-amber` with its own label kept on the row, so the access layer still filters
AMBER+STRICT and RED objects per reader. A version (id + `modified`, or `created`) is
stored once per collection: importing the same bundle again adds nothing.

An object id belongs to the unit that first stored it, in every collection (issue 11:
anyone could post a newer version of another unit's object and readers got it as the
latest). Another unit's new version of it, or the same version in another collection, is
refused (status "refused", one message whatever the caller may see of the original, so
that the answer never names its unit, collection or versions). A cyber-observable (SCO) is
the exception: its id is derived from its value, so the same observable sent by another
unit is the same object; it is acknowledged ("existing") and not stored again.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit, safejson
from vigil.core.access import require
from vigil.core.actors import Actor
from vigil.core.errors import DomainError

from .. import stixmap
from ..formats.base import Problem
from ..formats.stix import SCO_TYPES, check_object, read_objects, spec_version_of
from ..models import Source, StixObject, TaxiiCollection
from .ingest import _open

BATCH = 5000
SCO_VERSION = "1"  # cyber-observables have no `modified`: one version each
COLLECTION_FOR_TLP = {"clear": "shared-clear", "green": "shared-green", "amber": "shared-amber",
                      "amber+strict": "shared-amber", "red": "shared-amber"}


def version_of(obj: dict) -> str:
    """The version a row is stored under: `modified`, else `created`, as sent; "1" for SCOs."""
    version = obj.get("modified") or obj.get("created")
    return str(version)[:40] if version else SCO_VERSION


def _collections() -> dict[str, TaxiiCollection]:
    rows = {c.alias: c for c in TaxiiCollection.objects.filter(kind=TaxiiCollection.Kind.OBJECTS)}
    missing = sorted({a for a in COLLECTION_FOR_TLP.values() if a not in rows})
    if missing:
        raise DomainError(_("Chưa có bộ sưu tập TAXII: %(names)s (chạy “vigil load-reference”).")
                          % {"names": ", ".join(missing)}, field="collection")
    return rows


def store_objects(*, actor: Actor, source: Source, objects: list[dict], tlp: str | None = None,
                  collection: TaxiiCollection | None = None, spec_version: str | None = None,
                  markings: dict | None = None, audit_entry: bool = True, first_position: int = 1) -> dict:
    """Store every object except bundles as StixObject rows of `source` (see the module
    docstring for collection and label). Objects failing the light checks are not stored:
    they are listed under "failures" (id, version, message), and so are objects whose id
    belongs to another unit (status "refused", see the module docstring). Returns the
    counts and, per object in input order, "results": {"id", "version", "status":
    created|existing|failed|refused, "message"?}."""
    require(actor, "add", source)
    if tlp is not None and tlp not in COLLECTION_FOR_TLP:
        raise DomainError(_("Nhãn TLP không hợp lệ: %(tlp)s.") % {"tlp": tlp}, field="tlp")
    fallback_tlp = tlp or source.tlp
    by_alias = None if collection is not None else _collections()
    markings = dict(markings or {})
    markings.update({o["id"]: o for o in objects if isinstance(o, dict) and o.get("type") == "marking-definition"
                     and isinstance(o.get("id"), str)})
    user = actor.author
    now = timezone.now()
    results: list[dict] = []
    rows: list[StixObject] = []
    keys: list[tuple[int, str, str]] = []
    seen: set[tuple[int, str, str]] = set()
    failures: list[dict] = []
    for position, obj in enumerate(objects, start=first_position):
        if isinstance(obj, dict) and obj.get("type") == "bundle":
            continue
        problems: list[Problem] = check_object(obj, position, spec_version=spec_version)
        if isinstance(obj, dict) and not obj.get("id"):
            problems = problems or [Problem(position, _("Đối tượng thứ %(n)s thiếu mã định danh (id).")
                                            % {"n": position}, field="id")]
        ident = obj.get("id") if isinstance(obj, dict) and isinstance(obj.get("id"), str) else f"#{position}"
        if problems:
            entry = {"id": ident, "version": version_of(obj) if isinstance(obj, dict) else "",
                     "status": "failed", "message": problems[0].message}
            results.append(entry)
            failures.append(entry)
            continue
        object_tlp = stixmap.tlp_from_markings(obj.get("object_marking_refs"), markings) or fallback_tlp
        target = collection or by_alias[COLLECTION_FOR_TLP[object_tlp]]
        version = version_of(obj)
        key = (target.pk, obj["id"], version)
        results.append({"id": obj["id"], "version": version, "status": "existing", "collection": target.alias,
                        "_key": key})
        if key in seen:
            continue
        seen.add(key)
        keys.append(key)
        rows.append(StixObject(
            collection=target, source=source, stix_id=obj["id"][:100], type=obj["type"][:64], version=version,
            spec_version=spec_version_of(obj, spec_version), date_added=now, data=obj,
            owner_unit_id=source.owner_unit_id, tlp=object_tlp, created_by=user,
        ))
    created: set[tuple[int, str, str]] = set()
    with transaction.atomic():
        if rows:
            existing = _existing(keys)
            foreign = _foreign_ids({k[1] for k in keys}, source.owner_unit_id)
            refused = {k for k, r in zip(keys, rows, strict=True)
                       if k[1] in foreign and k not in existing and r.type not in SCO_TYPES}
            kept = [(r, k) for r, k in zip(rows, keys, strict=True) if k[1] not in foreign]
            rows, keys = [r for r, _k in kept], [k for _r, k in kept]
            for entry in results:
                if entry.get("_key") in refused:
                    entry.pop("_key")
                    entry.update(status="refused", message=_(
                        "Mã định danh %(id)s thuộc đối tượng của đơn vị khác: chỉ đơn vị đã tạo đối tượng mới "
                        "được thêm phiên bản của nó. Hãy dùng mã định danh mới."
                    ) % {"id": entry["id"][:100]})
                    failures.append(entry)
            new_rows = [r for r, k in zip(rows, keys, strict=True) if k not in existing]
            StixObject.objects.bulk_create(new_rows, batch_size=1000, ignore_conflicts=True)
            created = {k for k in keys if k not in existing}
        for entry in results:
            key = entry.pop("_key", None)
            if key in created:
                entry["status"] = "created"
                created.discard(key)
        counts = {
            "objects": len(results),
            "created": sum(1 for e in results if e["status"] == "created"),
            "existing": sum(1 for e in results if e["status"] == "existing"),
            "failed": sum(1 for e in results if e["status"] == "failed"),
            "refused": sum(1 for e in results if e["status"] == "refused"),
        }
        if audit_entry:
            _audit(actor, source, counts)
    return {**counts, "results": results, "failures": failures}


def _existing(keys: list[tuple[int, str, str]]) -> set[tuple[int, str, str]]:
    found: set[tuple[int, str, str]] = set()
    ids = sorted({k[1] for k in keys})
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update(StixObject.objects.filter(stix_id__in=chunk).values_list("collection_id", "stix_id", "version"))
    return found


def _foreign_ids(ids: set[str], unit_id: int | None) -> set[str]:
    """The ids among `ids` that another unit stored first (their owner, whoever may see them)."""
    first: dict[str, int | None] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        rows = (StixObject.objects.filter(stix_id__in=ordered[start:start + 500])
                .order_by("stix_id", "date_added", "pk").values_list("stix_id", "owner_unit_id"))
        for stix_id, owner in rows:
            first.setdefault(stix_id, owner)
    return {i for i, owner in first.items() if owner != unit_id}


def _audit(actor: Actor, source: Source, counts: dict) -> None:
    audit.record(actor=actor, action="intel.stix.store", obj=source, object_repr=source.name[:300],
                 unit_id=source.owner_unit_id, after={"source": source.name, **counts})


def store_file(*, actor: Actor, source: Source, path: Path | str, tlp: str | None = None) -> dict:
    """Store the objects of a STIX file (bundle, bare array or one object; gzip or not) in
    batches of 5,000, each in its own transaction. Refuses, naming the object and field,
    a file with an invalid object (nothing of that batch is written)."""
    import json

    require(actor, "add", source)
    with _open(Path(path)) as stream:
        try:
            data = safejson.load(stream)
        except json.JSONDecodeError as exc:
            raise DomainError(_("Tệp không phải JSON hợp lệ: %(error)s (dòng %(line)s, cột %(col)s).")
                              % {"error": exc.msg, "line": exc.lineno, "col": exc.colno}, field="file") from exc
        except UnicodeDecodeError as exc:
            raise DomainError(_("Tệp không phải văn bản UTF-8."), field="file") from exc
    objects, bundle_version, problems = read_objects(data)
    if problems:
        raise DomainError(problems[0].message, field=problems[0].field)
    markings = {o["id"]: o for o in objects
                if isinstance(o, dict) and o.get("type") == "marking-definition" and isinstance(o.get("id"), str)}
    totals = {"objects": 0, "created": 0, "existing": 0, "failed": 0, "refused": 0}
    for start in range(0, len(objects), BATCH):
        with transaction.atomic():
            result = store_objects(actor=actor, source=source, objects=objects[start:start + BATCH], tlp=tlp,
                                   spec_version=bundle_version, markings=markings, audit_entry=False,
                                   first_position=start + 1)
            invalid = [f for f in result["failures"] if f["status"] == "failed"]
            if invalid:
                raise DomainError(invalid[0]["message"], field="objects")
            for key in totals:
                totals[key] += result[key]
            if result["created"]:
                _audit(actor, source, {k: result[k] for k in totals})
    return totals
