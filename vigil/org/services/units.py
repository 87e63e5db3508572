"""Writes on units: create, update (deactivate with is_active=False), move (keeping the
materialised paths of the whole subtree right). Every write checks the actor, validates and
is audited in the same transaction."""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from vigil.core import audit, concurrency
from vigil.core.access import require
from vigil.core.actors import Actor
from vigil.core.errors import DomainError

from ..models import Unit, UnitKind

EDITABLE = ("name", "name_en", "short_name", "admin_code", "email", "phone", "address", "description")


def _check_actor(actor: Actor, action: str, parent: Unit | None):
    """`action` under `parent`; a root unit needs `admin` network-wide."""
    if parent is None:
        require(actor, "admin", None)
    else:
        require(actor, action, parent)


def _kind(kind) -> UnitKind:
    if isinstance(kind, UnitKind):
        return kind
    found = UnitKind.objects.filter(code=kind).first()
    if found is None:
        raise DomainError(_("Loại đơn vị không tồn tại: %(k)s") % {"k": kind}, field="kind")
    return found


def unit_create(*, actor: Actor, code: str, name: str, kind, parent: Unit | None = None, **fields) -> Unit:
    """Create a unit under `parent` (the actor needs `add` there; a root needs `admin`)."""
    _check_actor(actor, "add", parent)
    unknown = set(fields) - set(EDITABLE) - {"is_active"}
    if unknown:
        raise DomainError(_("Trường không hợp lệ: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        unit = Unit(code=code, name=name, kind=_kind(kind), parent=parent, **fields)
        unit.full_clean(exclude=["path", "depth"])
        unit.save()
        unit.path = unit.compute_path()
        unit.depth = unit.path.count(".") - 1
        unit.save(update_fields=["path", "depth"])
        audit.record(actor=actor, action="create", obj=unit, after=audit.snapshot(unit))
    return unit


def unit_update(*, actor: Actor, unit: Unit, version: int | None = None, **changes) -> Unit:
    """Change a unit's descriptive fields (`change` on the unit). Only the fields given
    are written; `version` (the one the caller edited) refuses a stale edit."""
    require(actor, "change", unit)
    unknown = set(changes) - set(EDITABLE) - {"kind", "is_active"}
    if unknown:
        raise DomainError(_("Trường không hợp lệ: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        before = audit.snapshot(unit)
        for key, value in changes.items():
            setattr(unit, key, _kind(value) if key == "kind" else value)
        unit.full_clean(exclude=["path", "depth"])
        concurrency.save(unit, changes, expected=version)
        after = audit.snapshot(unit)
        if after != before:
            audit.record(actor=actor, action="update", obj=unit, before=before, after=after)
    return unit


def unit_move(*, actor: Actor, unit: Unit, new_parent: Unit) -> Unit:
    """Move a unit (and its subtree) under another parent: `change` on the unit and
    `add` under the new parent. One UPDATE rewrites the paths of the whole subtree."""
    require(actor, "change", unit)
    require(actor, "add", new_parent)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        # Re-read the new parent: its path may have changed since the caller loaded it.
        new_parent = Unit.objects.get(pk=new_parent.pk)
        if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
            raise DomainError(
                _("Không thể đặt đơn vị dưới chính nó hoặc cấp dưới của nó."), field="parent"
            )
        if unit.parent_id == new_parent.pk:
            return unit  # already there: nothing to write or to audit
        before = audit.snapshot(unit)
        old_path = unit.path
        new_path = new_parent.path + old_path.split(".")[-2] + "."
        depth_shift = new_path.count(".") - old_path.count(".")
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_shift,
        )
        Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
        unit.refresh_from_db()
        audit.record(actor=actor, action="move", obj=unit, before=before, after=audit.snapshot(unit))
    return unit
