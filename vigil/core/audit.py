"""The append-only, hash-chained audit log.

Each entry's hash covers its own canonical content and the previous entry's hash, so
altering, deleting or inserting an entry anywhere breaks the chain from that point on.
The hash is an HMAC-SHA256 keyed with a secret kept outside the database, and signed
checkpoints of the head are written outside it too (`audit_seal`), so that someone with
write access to the database can neither recompute the chain after a rewrite nor cut
off its last entries unnoticed. Entries written before the key existed keep their plain
SHA-256 (`hash_alg` NULL) and are verified as such, but only before the first keyed one.
Appends serialise on the single `AuditChainHead` row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite serialises writers by itself).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from dataclasses import dataclass

from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from .actors import Actor
from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
SECRET_FIELDS = {"password", "key_hash", "key", "secret", "token"}


def _default(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name or ""
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def snapshot(obj: models.Model | None) -> dict | None:
    """A JSON-safe dict of an object's concrete fields (secrets masked)."""
    if obj is None:
        return None
    data = model_to_dict(obj, fields=[f.name for f in obj._meta.concrete_fields])
    for key in list(data):
        if key in SECRET_FIELDS:
            data[key] = "***"
    return json.loads(canonical(data))


HASH_LEGACY = None  # plain SHA-256: entries written before the chain was keyed
HASH_HMAC = 1  # HMAC-SHA256 with the audit key (audit_seal.audit_key), kept outside the database


def entry_digest(entry: AuditEntry, key: bytes | None = None) -> str:
    """The hash an entry must carry, by the algorithm it was written with (`hash_alg`)."""
    body = {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "unit": entry.unit_id,
        "address": entry.address,
        "channel": entry.channel,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "prev": entry.prev_hash,
    }
    if entry.hash_alg == HASH_HMAC:
        from .audit_seal import keyed_digest

        body["alg"] = HASH_HMAC
        return keyed_digest(canonical(body).encode(), key)
    if entry.hash_alg is not None:
        return ""  # an unknown algorithm never verifies
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def _actor_unit_id(user, obj_unit_id):
    if obj_unit_id:
        return obj_unit_id
    person = getattr(user, "person", None) if user is not None else None
    return getattr(person, "home_unit_id", None)


def record(
    *,
    actor: Actor | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    unit_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    actor_name: str = "",
) -> AuditEntry:
    """Append one entry. Call inside the service's transaction so both commit together."""
    user = actor.user if actor is not None else None
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
        if unit_id is None:
            from .access import policy_for

            try:
                unit = policy_for(type(obj)).unit_of(obj)
                unit_id = getattr(unit, "pk", None)
            except TypeError:
                unit_id = None
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            seq=head.last_seq + 1,
            at=timezone.now(),
            actor=user,
            actor_name=(
                (getattr(user, "username", "") if user else "")
                or actor_name
                or (str(actor.extra.get("name", "")) if actor is not None else "")
            )[:150],
            unit_id=_actor_unit_id(user, unit_id),
            address=actor.address if actor else None,
            channel=actor.channel if actor else "job",
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:300],
            before=before,
            after=after,
            prev_hash=head.last_hash,
            hash_alg=HASH_HMAC,
        )
        # Round-trip JSON now so the digest matches what the database will return.
        entry.before = json.loads(canonical(before)) if before is not None else None
        entry.after = json.loads(canonical(after)) if after is not None else None
        entry.hash = entry_digest(entry)
        entry.save(force_insert=True)
        head.last_seq = entry.seq
        head.last_hash = entry.hash
        head.save(update_fields=["last_seq", "last_hash"])
    from . import metrics

    transaction.on_commit(lambda: metrics.AUDIT_ENTRIES.labels(action).inc())
    return entry


def record_view(actor: Actor | None, obj: models.Model, *, always: bool = False) -> AuditEntry | None:
    """Record that `actor` opened `obj`, when `obj` is labelled TLP:RED (or `always`).

    Call it from a selector or service that returns one object for display or download,
    after the access check passed, e.g.::

        decision = visible_to(user, MembershipDecision).get(pk=pk)
        audit.record_view(actor, decision)   # writes an entry only for TLP:RED

    Returns the entry, or None when nothing needed recording. Opening an object that the
    actor could not see is not a view: raise NotFound before calling this.
    """
    from .models import TLP

    if not always and getattr(obj, "tlp", None) != TLP.RED:
        return None
    return record(actor=actor, action="view", obj=obj)


def record_export(
    actor: Actor | None,
    *,
    object_type: str,
    count: int,
    fmt: str,
    unit_id: int | None = None,
    filters: dict | None = None,
    object_repr: str = "",
) -> AuditEntry:
    """Record an export (a download of many objects: CSV, XLSX, STIX bundle, report).

    `object_type` is the exported model's label (`org.unit`), `count` how many rows left
    the platform, `fmt` the format (`csv`, `xlsx`, `stix`...), `filters` the query that
    selected them (so an auditor can repeat it), `unit_id` the unit the export concerns
    (defaults to the actor's home unit). Call it in the export's service or selector,
    once per file produced::

        audit.record_export(actor, object_type="org.unit", count=len(rows), fmt="csv",
                            filters={"q": q})
    """
    return record(
        actor=actor,
        action="export",
        object_type=object_type,
        object_repr=object_repr or f"{count} × {object_type} ({fmt})",
        unit_id=unit_id,
        after={"format": fmt, "count": count, "filters": filters or {}},
    )


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    checkpoints: int = 0  # how many signed checkpoints the chain was compared with
    head_seq: int = 0
    head_hash: str = GENESIS
    unkeyed: int = 0  # entries written before the chain was keyed (plain SHA-256)
    detail: str = ""


def verify(batch: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first altered, missing or inserted entry, and
    compare it with the signed checkpoints kept outside the database (audit_seal).

    Reasons: `missing`, `chain`, `altered` (an entry's own hash is wrong, or the key
    changed), `downgraded` (an unkeyed entry after a keyed one: someone recomputed hashes
    without the key), `rewritten` (the hash at a checkpoint's sequence differs),
    `truncated` (fewer entries than a checkpoint's sequence), `checkpoint` (the
    checkpoint file has a malformed or wrongly signed line: `detail` names it).
    """
    from .audit_seal import CheckpointFileError, audit_key, read_checkpoints

    try:
        checkpoints = read_checkpoints()
    except CheckpointFileError as exc:
        return VerifyResult(False, 0, None, "checkpoint", detail=str(exc))
    sealed = {}
    for cp in checkpoints:
        sealed.setdefault(cp.seq, set()).add(cp.hash)
    key = audit_key()
    prev = GENESIS
    expected = 1
    checked = 0
    unkeyed = 0
    keyed_seen = False
    last_seen = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last_seen).order_by("seq")[:batch])
        if not rows:
            break
        for e in rows:
            if e.seq != expected:
                return VerifyResult(False, checked, expected, "missing", len(checkpoints))
            if e.prev_hash != prev:
                return VerifyResult(False, checked, e.seq, "chain", len(checkpoints))
            if e.hash_alg == HASH_LEGACY:
                if keyed_seen:
                    return VerifyResult(False, checked, e.seq, "downgraded", len(checkpoints))
                unkeyed += 1
            else:
                keyed_seen = True
            if entry_digest(e, key) != e.hash:
                return VerifyResult(False, checked, e.seq, "altered", len(checkpoints))
            if e.seq in sealed and sealed[e.seq] != {e.hash}:
                return VerifyResult(False, checked, e.seq, "rewritten", len(checkpoints))
            prev = e.hash
            expected += 1
            checked += 1
            last_seen = e.seq
    if checkpoints:
        highest = max(cp.seq for cp in checkpoints)
        if highest > last_seen:
            return VerifyResult(False, checked, last_seen + 1, "truncated", len(checkpoints),
                                detail=f"checkpoint seq {highest}")
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_seq != last_seen or head.last_hash != prev):
        return VerifyResult(False, checked, last_seen + 1, "missing", len(checkpoints))
    return VerifyResult(True, checked, checkpoints=len(checkpoints), head_seq=last_seen, head_hash=prev,
                        unkeyed=unkeyed)
