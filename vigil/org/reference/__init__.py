"""Reference data loaders: read the TOML files in `reference/`, upsert idempotently.

Kinds and roles come first (everything else refers to them), then the units of the
network (`units.toml`, then the 34 provinces of `provinces.toml`, each with its
provincial subcommittee). A second run changes nothing; an edited file updates names
and flags, except `requires_2fa`, which belongs to the administrators once a role exists.

Units are written through `services.units` with the platform's own authority, so their
paths and the audit log are right; a unit whose parent changed in the file is moved with
`unit_move`. Units that are not in the files (added by users) are never touched, and
neither are fields a row leaves out (contacts filled in on the unit's page survive).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Role, Sector, Unit, UnitKind

REFERENCE_DIR = Path(__file__).resolve().parent

UNIT_FIELDS = ("name", "name_en", "short_name", "admin_code", "email", "phone", "address", "description")
UNIT_KEYS = {"code", "kind", "parent", *UNIT_FIELDS}
PROVINCE_KEYS = {"code", "admin_code", "name", "name_en", "city"}


class ReferenceDataError(Exception):
    """A reference file is malformed; the message names the file and the row."""


@dataclass
class LoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def add(self, created: bool, updated: bool) -> None:
        if created:
            self.created += 1
        elif updated:
            self.updated += 1
        else:
            self.unchanged += 1


def read_toml(name: str, directory: Path | None = None) -> dict:
    path = (directory or REFERENCE_DIR) / name
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceDataError(f"{path.name}: {exc}") from exc
    except FileNotFoundError as exc:
        raise ReferenceDataError(_("Không tìm thấy tệp tham chiếu: %(path)s") % {"path": path}) from exc


def _upsert(model, code: str, defaults: dict, create_only: dict | None = None) -> tuple[bool, bool]:
    obj, created = model.objects.get_or_create(code=code, defaults={**defaults, **(create_only or {})})
    if created:
        return True, False
    if any(getattr(obj, k) != v for k, v in defaults.items()):
        for k, v in defaults.items():
            setattr(obj, k, v)
        obj.save()
        return False, True
    return False, False


def upsert_kinds(directory: Path | None = None) -> LoadCounts:
    """Upsert the unit kinds of `unit_kinds.toml`; counts of created/updated/unchanged."""
    counts = LoadCounts()
    for row in read_toml("unit_kinds.toml", directory)["kind"]:
        defaults = {
            "name": row["name"],
            "name_en": row.get("name_en", ""),
            "requires_body": row.get("requires_body", False),
            "min_members": row.get("min_members", 0),
            "oversees_network": row.get("oversees_network", False),
            "sort_order": row.get("sort_order", 100),
        }
        counts.add(*_upsert(UnitKind, row["code"], defaults))
    return counts


def upsert_sectors(directory: Path | None = None) -> LoadCounts:
    """Upsert the sectors of `sectors.toml`; a sector left out of the file is kept (incidents
    name it) but no longer offered (`is_active` false)."""
    counts = LoadCounts()
    codes = []
    for index, row in enumerate(read_toml("sectors.toml", directory)["sector"]):
        _check_keys("sectors.toml", index, {k: v for k, v in row.items() if k != "sort_order"},
                    {"code", "name", "name_en"}, ("code", "name", "name_en"))
        codes.append(row["code"])
        defaults = {"name": row["name"], "name_en": row["name_en"], "sort_order": row.get("sort_order", 100),
                    "is_active": True}
        counts.add(*_upsert(Sector, row["code"], defaults))
    counts.updated += Sector.objects.filter(is_active=True).exclude(code__in=codes).update(is_active=False)
    return counts


def load_sectors() -> int:
    """Upsert the sectors; the number created or changed."""
    return upsert_sectors().changed


def upsert_roles(directory: Path | None = None) -> LoadCounts:
    """Upsert the roles of `roles.toml` (`requires_2fa` only on creation)."""
    counts = LoadCounts()
    for row in read_toml("roles.toml", directory)["role"]:
        defaults = {
            "name": row["name"],
            "name_en": row.get("name_en", ""),
            "actions": sorted(row.get("actions", [])),
            "reaches_descendants": row.get("reaches_descendants", False),
            "is_head": row.get("is_head", False),
            "is_focal_point": row.get("is_focal_point", False),
            "counts_as_member": row.get("counts_as_member", True),
            "sort_order": row.get("sort_order", 100),
        }
        counts.add(*_upsert(Role, row["code"], defaults, {"requires_2fa": row.get("requires_2fa", False)}))
    return counts


def load_kinds() -> int:
    """Upsert the unit kinds; the number of kinds created or changed."""
    return upsert_kinds().changed


def load_roles() -> int:
    """Upsert the roles; the number of roles created or changed."""
    return upsert_roles().changed


# --------------------------------------------------------------------------- units


def _check_keys(source: str, index: int, row: dict, allowed: set, required: tuple) -> None:
    where = _("%(file)s, mục %(n)s (%(code)s)") % {
        "file": source, "n": index + 1, "code": row.get("code", "?"),
    }
    unknown = set(row) - allowed
    if unknown:
        raise ReferenceDataError(
            _("%(where)s: khoá không được hỗ trợ: %(keys)s") % {"where": where, "keys": ", ".join(sorted(unknown))}
        )
    for key in required:
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise ReferenceDataError(_("%(where)s: thiếu khoá '%(key)s'") % {"where": where, "key": key})
    for key, value in row.items():
        if key != "city" and not isinstance(value, str):
            raise ReferenceDataError(
                _("%(where)s: '%(key)s' phải là chuỗi ký tự") % {"where": where, "key": key}
            )


def unit_rows(directory: Path | None = None) -> list[dict]:
    """The unit rows of the reference files, parents before children, validated."""
    rows: list[dict] = []
    central = read_toml("units.toml", directory).get("unit", [])
    for i, row in enumerate(central):
        _check_keys("units.toml", i, row, UNIT_KEYS, ("code", "name", "kind"))
        rows.append(dict(row))
    data = read_toml("provinces.toml", directory)
    template = data.get("subcommittee", {})
    root = rows[0]["code"] if rows else "bcd-qg"
    for i, row in enumerate(data.get("province", [])):
        _check_keys("provinces.toml", i, row, PROVINCE_KEYS, ("code", "name", "admin_code"))
        name_en = row.get("name_en", "")
        rows.append({
            "code": row["code"], "name": row["name"], "name_en": name_en,
            "admin_code": row["admin_code"], "kind": "province", "parent": root,
        })
        rows.append({
            "code": f"{row['code']}-tb",
            "name": template.get("name", "Tiểu ban {name}").format(name=row["name"], name_en=name_en),
            "name_en": template.get("name_en", "{name_en} Subcommittee").format(name=row["name"], name_en=name_en),
            "kind": "provincial_subcommittee", "parent": row["code"],
        })
    seen: set[str] = set()
    for row in rows:
        if row["code"] in seen:
            raise ReferenceDataError(_("Mã đơn vị bị lặp trong tệp tham chiếu: %(code)s") % {"code": row["code"]})
        parent = row.get("parent")
        if parent and parent not in seen:
            raise ReferenceDataError(
                _("Đơn vị %(code)s: đơn vị cấp trên '%(parent)s' phải được khai báo trước nó")
                % {"code": row["code"], "parent": parent}
            )
        seen.add(row["code"])
    return rows


def upsert_units(directory: Path | None = None) -> LoadCounts:
    """Upsert the units of `units.toml` and `provinces.toml` through the unit services
    (all or nothing)."""
    from vigil.core.actors import system_actor

    from ..services.units import unit_create, unit_move, unit_update

    rows = unit_rows(directory)
    kinds = {k.code: k for k in UnitKind.objects.all()}
    for row in rows:
        if row["kind"] not in kinds:
            raise ReferenceDataError(
                _("Đơn vị %(code)s: loại đơn vị không tồn tại: %(kind)s") % {"code": row["code"], "kind": row["kind"]}
            )
    actor = system_actor("cli")
    counts = LoadCounts()
    moved = False
    with transaction.atomic():
        known = {
            u.code: u
            for u in Unit.objects.filter(code__in=[r["code"] for r in rows]).select_related("kind")
        }
        for row in rows:
            parent = known[row["parent"]] if row.get("parent") else None
            if parent is not None and moved:
                parent.refresh_from_db(fields=["path", "depth"])
            fields = {k: row[k] for k in UNIT_FIELDS if k in row}
            unit = known.get(row["code"])
            if unit is None:
                name = fields.pop("name")
                unit = unit_create(
                    actor=actor, code=row["code"], name=name, kind=kinds[row["kind"]], parent=parent, **fields
                )
                counts.add(True, False)
            else:
                changes = {k: v for k, v in fields.items() if getattr(unit, k) != v}
                if unit.kind.code != row["kind"]:
                    changes["kind"] = kinds[row["kind"]]
                if changes:
                    unit = unit_update(actor=actor, unit=unit, **changes)
                wanted_parent = parent.pk if parent is not None else None
                relocate = wanted_parent != unit.parent_id
                if relocate:
                    if parent is None:
                        raise ReferenceDataError(
                            _("Đơn vị %(code)s: không thể chuyển một đơn vị đã có cấp trên thành gốc")
                            % {"code": row["code"]}
                        )
                    unit = unit_move(actor=actor, unit=unit, new_parent=parent)
                    moved = True
                counts.add(False, bool(changes) or relocate)
            known[row["code"]] = unit
    return counts


def load_units(directory: Path | None = None) -> LoadCounts:
    """Upsert the units of the network (see `upsert_units`)."""
    return upsert_units(directory)


# `vigil load-reference` prints one line per count that load_all() returns.
REPORT_LINES = {
    "kinds": gettext_lazy("Loại đơn vị: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
    "roles": gettext_lazy("Vai trò: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
    "units": gettext_lazy("Đơn vị: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
    "sectors": gettext_lazy("Lĩnh vực: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
}


def load_all(directory: Path | None = None) -> dict[str, LoadCounts]:
    """Kinds, roles, units, then sectors, in one transaction: {"kinds": …, "roles": …, "units": …,
    "sectors": …}."""
    with transaction.atomic():
        return {
            "kinds": upsert_kinds(directory),
            "roles": upsert_roles(directory),
            "units": upsert_units(directory),
            "sectors": upsert_sectors(directory),
        }
