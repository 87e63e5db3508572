"""Reference data of the intelligence module, loaded by `vigil load-reference` (after
org's units): the TAXII collections (`collections.toml`), the MISP warninglists and
taxonomies shipped in `reference/` (CC0, see reference/README.md). More lists and
taxonomies load from any directory with `vigil intel warninglists load DIR` and
`vigil intel taxonomies load DIR`, through the same functions.

Idempotent: rows are upserted by their key (alias, slug, namespace, tag name); a list's
entries are rewritten only when its version changes; whether a list or a taxonomy is
enabled stays as administrators set it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.org.reference import LoadCounts, ReferenceDataError, read_toml

from ..models import Tag, TaxiiCollection, Taxonomy, Warninglist

REFERENCE_DIR = Path(__file__).resolve().parent
LIST_KINDS = {k.value for k in Warninglist.Kind}


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReferenceDataError(_("%(file)s: không đọc được JSON (%(error)s)") % {"file": path.name, "error": exc}) from exc


def _changed(obj, defaults: dict) -> bool:
    diff = {k: v for k, v in defaults.items() if getattr(obj, k) != v}
    for k, v in diff.items():
        setattr(obj, k, v)
    if diff:
        obj.save()
    return bool(diff)


def upsert_collections(directory: Path | None = None) -> LoadCounts:
    counts = LoadCounts()
    for row in read_toml("collections.toml", directory or REFERENCE_DIR).get("collections", []):
        defaults = {"uuid": uuid.UUID(row["uuid"]), "kind": row["kind"], "tlp": row["tlp"],
                    "title": row["title"], "description": row.get("description", "")}
        obj, created = TaxiiCollection.objects.get_or_create(alias=row["alias"], defaults=defaults)
        counts.add(created, not created and _changed(obj, defaults))
    return counts


def upsert_warninglist(path: Path) -> tuple[bool, bool]:
    """One MISP warninglist file: (created, updated)."""
    data = _json(path)
    kind = data.get("type")
    if kind not in LIST_KINDS or not isinstance(data.get("list"), list) or not data.get("name"):
        raise ReferenceDataError(
            _("%(file)s: không phải danh sách cảnh báo MISP (cần name, type trong %(kinds)s và list)")
            % {"file": path.name, "kinds": ", ".join(sorted(LIST_KINDS))}
        )
    slug = path.stem if path.name != "list.json" else path.parent.name
    defaults = {
        "name": str(data["name"])[:300], "description": str(data.get("description", "")),
        "version": int(data.get("version") or 1), "kind": kind,
        "matching_attributes": list(data.get("matching_attributes") or []),
    }
    obj = Warninglist.objects.filter(slug=slug).first()
    if obj is None:
        Warninglist.objects.create(slug=slug, entries=data["list"], entry_count=len(data["list"]), **defaults)
        return True, False
    if obj.version == defaults["version"] and obj.entry_count == len(data["list"]):
        return False, _changed(obj, {k: v for k, v in defaults.items() if k != "version"})
    obj.entries, obj.entry_count = data["list"], len(data["list"])
    for k, v in defaults.items():
        setattr(obj, k, v)
    obj.save()
    return False, True


def upsert_taxonomy(path: Path) -> tuple[bool, bool]:
    """One MISP taxonomy (machinetag.json): the namespace and a tag per predicate/value."""
    data = _json(path)
    namespace = data.get("namespace")
    if not namespace or not isinstance(data.get("predicates"), list):
        raise ReferenceDataError(_("%(file)s: không phải phân loại MISP (cần namespace và predicates)") % {"file": path.name})
    defaults = {"description": str(data.get("description", "")), "version": int(data.get("version") or 1),
                "exclusive": bool(data.get("exclusive", False))}
    taxonomy, created = Taxonomy.objects.get_or_create(namespace=namespace, defaults=defaults)
    updated = not created and _changed(taxonomy, defaults)
    values = {v.get("predicate"): v.get("entry", []) for v in data.get("values") or []}
    for predicate in data["predicates"]:
        name = predicate.get("value")
        entries = values.get(name) or []
        rows = [(f'{namespace}:{name}="{e.get("value")}"', e) for e in entries] or [(f"{namespace}:{name}", predicate)]
        for tag_name, spec in rows:
            tag_defaults = {"taxonomy": taxonomy, "description": str(spec.get("expanded") or spec.get("description") or ""),
                            "colour": str(spec.get("colour") or "")[:7]}
            tag, tag_created = Tag.objects.get_or_create(name=tag_name[:255], defaults=tag_defaults)
            if not tag_created:
                updated = _changed(tag, tag_defaults) or updated
            else:
                updated = updated or not created
    return created, updated


def load_warninglists(directory: Path) -> LoadCounts:
    counts = LoadCounts()
    files = sorted(p for p in Path(directory).rglob("*.json") if not p.name.startswith("_"))
    with transaction.atomic():
        for path in files:
            counts.add(*upsert_warninglist(path))
    from ..warninglists import reset_cache

    reset_cache()
    return counts


def load_taxonomies(directory: Path) -> LoadCounts:
    counts = LoadCounts()
    files = sorted(p for p in Path(directory).rglob("*.json") if not p.name.startswith("_"))
    with transaction.atomic():
        for path in files:
            counts.add(*upsert_taxonomy(path))
    return counts


# `vigil load-reference` prints one line per count that load_all() returns.
REPORT_LINES = {
    "collections": gettext_lazy(
        "Bộ sưu tập TAXII: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"
    ),
    "warninglists": gettext_lazy(
        "Danh sách cảnh báo: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"
    ),
    "taxonomies": gettext_lazy("Phân loại MISP: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
}


def load_all(directory: Path | None = None) -> dict[str, LoadCounts]:
    """Every intelligence reference file, in one transaction (all or nothing)."""
    base = directory or REFERENCE_DIR
    with transaction.atomic():
        return {
            "collections": upsert_collections(base),
            "warninglists": load_warninglists(base / "warninglists"),
            "taxonomies": load_taxonomies(base / "taxonomies"),
        }
