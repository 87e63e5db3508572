"""Reference data loaders: read the TOML/JSON files in `reference/`, upsert idempotently.

Kinds and roles come first (everything else refers to them). A second run changes
nothing; an edited file updates names and flags, except `requires_2fa`, which belongs to
the administrators once a role exists.
"""

import tomllib
from pathlib import Path

from .models import Role, UnitKind

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


def read_toml(name: str) -> dict:
    with open(REFERENCE_DIR / name, "rb") as fh:
        return tomllib.load(fh)


def load_kinds() -> int:
    changed = 0
    for row in read_toml("unit_kinds.toml")["kind"]:
        defaults = {
            "name": row["name"],
            "name_en": row.get("name_en", ""),
            "requires_body": row.get("requires_body", False),
            "min_members": row.get("min_members", 0),
            "oversees_network": row.get("oversees_network", False),
            "sort_order": row.get("sort_order", 100),
        }
        obj, created = UnitKind.objects.get_or_create(code=row["code"], defaults=defaults)
        if created:
            changed += 1
        elif any(getattr(obj, k) != v for k, v in defaults.items()):
            for k, v in defaults.items():
                setattr(obj, k, v)
            obj.save()
            changed += 1
    return changed


def load_roles() -> int:
    changed = 0
    for row in read_toml("roles.toml")["role"]:
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
        obj, created = Role.objects.get_or_create(
            code=row["code"], defaults={**defaults, "requires_2fa": row.get("requires_2fa", False)}
        )
        if created:
            changed += 1
        elif any(getattr(obj, k) != v for k, v in defaults.items()):
            for k, v in defaults.items():
                setattr(obj, k, v)
            obj.save()
            changed += 1
    return changed
