"""Writes on warninglists and taxonomies: switch a list on or off, load more lists or
taxonomies from a directory. All are network-wide reference data: they need the
network-wide `admin` action, and each is audited.

Switching a list takes effect on existing indicators at once, not only on the next
import: switched off, the indicators it held back are checked again against the lists
still on (and become active when none holds them); switched on, the indicators of the
types it applies to are checked against it."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.access import require
from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.org.reference import ReferenceDataError

from .. import reference as reference_data
from ..models import Indicator, Warninglist
from ..warninglists import Matcher, _types_of, matcher, reset_cache

RESCAN_CHUNK = 5000


def _require_admin(actor: Actor) -> None:
    require(actor, "admin", None)


def _label(wl: Warninglist) -> str:
    return f"{wl.name} [{wl.slug}]"[:500]


def _rescan_off(wl: Warninglist) -> int:
    """The indicators `wl` held back, checked again against the lists still on."""
    current = matcher()
    now = timezone.now()
    changed = 0
    rows = Indicator.objects.filter(warning=_label(wl)).only("id", "type", "value").order_by("id")
    for ind in rows.iterator(chunk_size=RESCAN_CHUNK):
        warning = current.match(ind.type, ind.value)[:500]
        Indicator.objects.filter(pk=ind.pk).update(warning=warning, updated_at=now)
        changed += 1
    return changed


def _rescan_on(wl: Warninglist) -> int:
    """The indicators of the types `wl` applies to that are not held back yet, checked
    against it alone."""
    only = Matcher([wl])
    label = _label(wl)
    now = timezone.now()
    hits = []
    rows = Indicator.objects.filter(type__in=list(_types_of(wl)), warning="").only("id", "type", "value")
    for ind in rows.order_by("id").iterator(chunk_size=RESCAN_CHUNK):
        if only.match(ind.type, ind.value):
            hits.append(ind.pk)
    for start in range(0, len(hits), RESCAN_CHUNK):
        Indicator.objects.filter(pk__in=hits[start:start + RESCAN_CHUNK]).update(warning=label, updated_at=now)
    return len(hits)


def warninglist_set_enabled(*, actor: Actor, warninglist: Warninglist, enabled: bool) -> int:
    """Switch a list on or off; returns how many indicators changed verdict."""
    _require_admin(actor)
    if warninglist.enabled == bool(enabled):
        return 0
    with transaction.atomic():
        before = {"enabled": warninglist.enabled}
        warninglist.enabled = bool(enabled)
        warninglist.save(update_fields=["enabled", "updated_at"])
        reset_cache()
        changed = _rescan_on(warninglist) if enabled else _rescan_off(warninglist)
        audit.record(actor=actor, action="intel.warninglist.enable" if enabled else "intel.warninglist.disable",
                     obj=warninglist, before=before, after={"enabled": warninglist.enabled, "indicators": changed})
    return changed


def _directory(directory) -> Path:
    path = Path(directory).expanduser()
    if not path.is_dir():
        raise DomainError(_("Không có thư mục %(path)s.") % {"path": str(directory)}, field="directory")
    return path


def _load(loader, path: Path):
    try:
        return loader(path)
    except ReferenceDataError as exc:  # names the file: all or nothing, nothing was loaded
        raise DomainError(str(exc), field="directory") from exc


def warninglists_load(*, actor: Actor, directory) -> dict:
    """Load (or update) every MISP warninglist file under `directory`; idempotent.
    Returns {created, updated, unchanged}."""
    _require_admin(actor)
    path = _directory(directory)
    with transaction.atomic():
        counts = _load(reference_data.load_warninglists, path)
        result = {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
        audit.record(actor=actor, action="intel.warninglist.load", object_type="intel.warninglist",
                     object_repr=str(path)[:300], after={"directory": str(path), **result})
    return result


def taxonomies_load(*, actor: Actor, directory) -> dict:
    """Load (or update) every MISP taxonomy (machinetag.json) under `directory`."""
    _require_admin(actor)
    path = _directory(directory)
    with transaction.atomic():
        counts = _load(reference_data.load_taxonomies, path)
        result = {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
        audit.record(actor=actor, action="intel.taxonomy.load", object_type="intel.taxonomy",
                     object_repr=str(path)[:300], after={"directory": str(path), **result})
    return result
