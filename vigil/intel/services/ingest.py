"""Imports: records from any format into one source, in batches, set-based.

Each batch is normalised and deduplicated in Python, checked against the warninglists,
given its expiry by the decay model, then written with three statements whatever its
size: the values go into a temporary stage table (COPY on PostgreSQL), indicators are
upserted from it (`INSERT … SELECT … ON CONFLICT (stix_uuid) DO UPDATE … WHERE
something changed`), then the source's claims and their tags the same way. A batch
commits together with the job's checkpoint and its audit entry, so an import is
all-or-nothing per batch, resumes after a crash where it stopped, and a row that did not
change is not written at all: re-importing a file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import archives, audit
from vigil.core.access import require
from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.core.samples import sample

from .. import decay, types
from ..formats import importer
from ..formats.base import Problem, Record
from ..models import ImportJob, Indicator, IndicatorSource, Source
from ..warninglists import matcher
from .ingest_sql import TLP_RANK, copy_payload, loosest_claim_rank, write_batch

BATCH_SIZE = int(os.environ.get("VIGIL_INTEL_BATCH", "50000"))
MAX_ERRORS_KEPT = 1000


@dataclass
class Counts:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    warninglisted: int = 0
    duplicates: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict | None) -> Counts:
        return cls(**{k: int(v) for k, v in (data or {}).items() if k in cls.__dataclass_fields__})


@dataclass(slots=True)
class Row:
    type: str
    value: str
    tlp: str
    confidence: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    expires_at: dt.datetime
    warning: str
    description: str = ""
    external_id: str = ""
    attack_ids: list = field(default_factory=list)
    kill_chain: list = field(default_factory=list)
    tags: set = field(default_factory=set)

    def merge(self, other: Row) -> None:
        """Two lines of one batch naming the same value: one claim that keeps the most of both."""
        self.confidence = max(self.confidence, other.confidence)
        if TLP_RANK[other.tlp] < TLP_RANK[self.tlp]:
            self.tlp = other.tlp
        self.first_seen = min(self.first_seen, other.first_seen)
        self.last_seen = max(self.last_seen, other.last_seen)
        self.expires_at = max(self.expires_at, other.expires_at)
        self.description = self.description or other.description
        self.external_id = self.external_id or other.external_id
        self.attack_ids = sorted(set(self.attack_ids) | set(other.attack_ids))
        self.kill_chain = self.kill_chain or other.kill_chain
        self.tags |= other.tags


class Normaliser:
    """Turns a format's Records into Rows for one source: type detection, normalisation,
    defaults from the source, the warninglists' verdict, the decay model's expiry."""

    def __init__(self, source: Source, *, tlp: str | None, confidence: int | None, now: dt.datetime):
        self.source = source
        self.tlp = tlp or source.tlp
        self.confidence = confidence if confidence is not None else source.default_confidence
        self.now = now
        self.matcher = matcher()
        self.lifetime = source.lifetime_days
        self._lifetimes: dict = {}

    def row(self, record: Record) -> Row | Problem:
        type_code = record.type
        raw = record.value
        if not type_code:
            try:
                type_code, value = types.detect(raw)
            except DomainError as exc:
                return Problem(record.line, str(exc.message), ref=record.ref, field="value")
        else:
            if type_code not in types.TYPES:
                return Problem(record.line, _("Loại chỉ báo không hợp lệ: %(type)s.") % {"type": type_code},
                               ref=record.ref, field="type")
            value = types.normalise_or_none(type_code, raw)
            if value is None:
                return Problem(
                    record.line,
                    _("“%(value)s” không phải là %(type)s hợp lệ.")
                    % {"value": sample(types.obs.defang_text(str(raw))), "type": types.TYPES[type_code].label},
                    ref=record.ref, field="value",
                )
        tlp = record.tlp or self.tlp
        if tlp not in TLP_RANK:
            return Problem(record.line, _("Nhãn TLP không hợp lệ: %(tlp)s.") % {"tlp": tlp}, ref=record.ref, field="tlp")
        confidence = self.confidence if record.confidence is None else record.confidence
        if not 0 <= int(confidence) <= 100:
            return Problem(record.line, _("Độ tin cậy phải từ 0 đến 100."), ref=record.ref, field="confidence")
        last_seen = record.last_seen or record.first_seen or self.now
        first_seen = min(record.first_seen or last_seen, last_seen)
        expires = record.valid_until
        if expires is None:
            key = (type_code, int(confidence))
            span = self._lifetimes.get(key)
            if span is None:
                span = self._lifetimes[key] = decay.rule_for(type_code).lifetime(int(confidence), self.lifetime)
            expires = last_seen + span
        return Row(
            type=type_code, value=value, tlp=tlp, confidence=int(confidence), first_seen=first_seen,
            last_seen=last_seen, expires_at=expires, warning=self.matcher.match(type_code, value)[:500],
            description=(record.description or "")[:10000], external_id=(record.external_id or "")[:255],
            attack_ids=sorted(set(record.attack_ids)), kill_chain=list(record.kill_chain),
            tags={str(t)[:255] for t in record.tags if str(t).strip()},
        )


# --------------------------------------------------------------------------- service


def file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _open(path: Path, name: str | None = None):
    """A binary stream of the file, gunzipped when it is gzip — bounded: a gzip that expands
    beyond VIGIL_ARCHIVE_MAX_BYTES or the ratio limit, or is truncated, stops with an error
    naming the file (`core.archives`)."""
    return archives.open_maybe_gzip(path, name=name or Path(path).name)


def _check_source(actor: Actor, source: Source) -> None:
    require(actor, "add", source)
    if not source.is_active:
        raise DomainError(_("Nguồn “%(name)s” đã ngừng sử dụng.") % {"name": source.name}, field="source")


def import_file(
    *,
    actor: Actor,
    source: Source,
    path: Path | str,
    format: str,
    options: dict | None = None,
    tlp: str | None = None,
    confidence: int | None = None,
    skip_invalid: bool = False,
    refresh: bool = False,
    filename: str = "",
    progress: Callable[[ImportJob], None] | None = None,
    batch_size: int | None = None,
) -> ImportJob:
    """Import a file into `source`. Returns the job (its counts and errors).

    - A file already imported in full into this source (same SHA-256) changes nothing,
      unless `refresh` (a feed run: what is listed again was seen again).
    - An interrupted import of the same file resumes after its last committed batch.
    - A batch with an unreadable or invalid line is not written, and the import stops
      naming every such line of that batch, unless `skip_invalid` (they are skipped and
      listed in the job's errors).
    """
    path = Path(path)
    _check_source(actor, source)
    if tlp and tlp not in TLP_RANK:
        raise DomainError(_("Nhãn TLP không hợp lệ: %(tlp)s.") % {"tlp": tlp}, field="tlp")
    if confidence is not None and not 0 <= confidence <= 100:
        raise DomainError(_("Độ tin cậy phải từ 0 đến 100."), field="confidence")
    parser = importer(format, **(options or {}))
    sha, size = file_digest(path)
    job = None
    if not refresh:
        previous = ImportJob.objects.filter(source=source, sha256=sha).order_by("-started_at").first()
        if previous is not None and previous.status == ImportJob.Status.DONE:
            return previous
        if previous is not None and previous.format == format:
            job = previous  # resume
    if job is None:
        job = ImportJob.objects.create(
            source=source, format=format, filename=(filename or path.name)[:500], sha256=sha, size=size,
            options={"options": options or {}, "tlp": tlp, "confidence": confidence, "skip_invalid": skip_invalid},
            started_by=actor.author,
        )
    else:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, finished_at=None)
        job.status = ImportJob.Status.RUNNING
    with _open(path, filename or None) as stream:
        return _run(actor, job, source, parser.records(stream), tlp=tlp, confidence=confidence,
                    skip_invalid=skip_invalid, progress=progress, batch_size=batch_size or BATCH_SIZE)


def import_bytes(*, actor: Actor, source: Source, data: bytes, format: str, filename: str = "upload", **kwargs) -> ImportJob:
    """`import_file` for an upload or a downloaded body (kept in a temporary file, so the
    job's checksum and resumption work the same)."""
    import tempfile

    with tempfile.NamedTemporaryFile(prefix="vigil-intel-", suffix=".dat") as tmp:
        tmp.write(data)
        tmp.flush()
        return import_file(actor=actor, source=source, path=tmp.name, format=format, filename=filename, **kwargs)


def import_records(*, actor: Actor, source: Source, records: Iterable[Record | Problem], label: str,
                   tlp: str | None = None, confidence: int | None = None, skip_invalid: bool = False) -> ImportJob:
    """Records built in code (an incident's observables, a TAXII client's objects)."""
    _check_source(actor, source)
    items = list(records)
    digest = hashlib.sha256(repr([(getattr(r, "type", ""), getattr(r, "value", "")) for r in items]).encode()).hexdigest()
    job = ImportJob.objects.create(source=source, format="records", filename=label[:500], sha256=digest,
                                   size=len(items), started_by=actor.author)
    return _run(actor, job, source, iter(items), tlp=tlp, confidence=confidence, skip_invalid=skip_invalid,
                progress=None, batch_size=BATCH_SIZE)


def _run(actor, job, source, items, *, tlp, confidence, skip_invalid, progress, batch_size) -> ImportJob:
    # Resume from what the committed batches recorded, not from a refused batch's report.
    committed = (job.options or {}).get("committed") or {}
    counts = Counts.from_dict(committed.get("counts"))
    errors = list(job.errors or [])[: committed.get("errors", 0)]
    skip = job.records_done  # records of earlier runs' committed batches
    position = 0
    batch: list[Record | Problem] = []
    writer = _writer_for(actor, job, source, counts, errors, progress)
    try:
        for item in items:
            position += 1
            if position <= skip:
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                if not _prepare_and_submit(writer, job, source, batch, position, counts, errors, tlp, confidence,
                                           skip_invalid):
                    return job
                batch = []
        if batch and not _prepare_and_submit(writer, job, source, batch, position, counts, errors, tlp, confidence,
                                             skip_invalid):
            return job
        writer.finish()
    except DomainError as exc:
        writer.finish(abort=True)
        _fail(job, counts, errors + [{"line": position, "ref": "", "field": exc.field or "", "message": str(exc.message)}])
        return job
    except BaseException:
        writer.finish(abort=True)
        raise
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.counts, job.errors = counts.as_dict(), errors[:MAX_ERRORS_KEPT]
    job.save(update_fields=["status", "finished_at", "counts", "errors"])
    if progress:
        progress(job)
    return job


def _fail(job, counts, errors):
    job.status = ImportJob.Status.FAILED
    job.finished_at = timezone.now()
    job.counts, job.errors = counts.as_dict(), errors[:MAX_ERRORS_KEPT]
    job.save(update_fields=["status", "finished_at", "counts", "errors"])


def _prepare_and_submit(writer, job, source, batch, position, counts, errors, tlp, confidence, skip_invalid) -> bool:
    """Normalise one batch and hand it to the writer; False when the batch was refused
    (an invalid line without `skip_invalid`): earlier batches stay written."""
    now = timezone.now()
    normaliser = Normaliser(source, tlp=tlp, confidence=confidence, now=now)
    rows: dict[tuple[str, str], Row] = {}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    duplicates = 0
    for item in batch:
        if isinstance(item, Problem):
            problems.append(item)
            continue
        row = normaliser.row(item)
        if isinstance(row, Problem):
            if item.lenient:
                row.warning = True
                warnings.append(row)
            else:
                problems.append(row)
            continue
        key = (row.type, row.value)
        if key in rows:
            rows[key].merge(row)
            duplicates += 1
        else:
            rows[key] = row
    if problems and not skip_invalid:
        writer.finish()
        batch_counts = Counts.from_dict(counts.as_dict())
        batch_counts.invalid += len(problems)
        _fail(job, batch_counts, errors + [p.as_dict() for p in problems])
        return False
    values = list(rows.values())
    payload = copy_payload(values) if writer.wants_payload and values else None
    writer.submit(values, problems + warnings, position, now, duplicates, payload)
    return True


class _Writer:
    """Writes prepared batches, each in its own transaction with the job's checkpoint."""

    def __init__(self, actor, job, source, counts, errors, progress):
        self.actor, self.job, self.source = actor, job, source
        self.counts, self.errors, self.progress = counts, errors, progress
        self.floor = loosest_claim_rank(source)  # before this import's own claims

    wants_payload = False

    def apply(self, rows, problems, position, now, duplicates, payload=None):
        new_batch = Counts(duplicates=duplicates)
        with transaction.atomic():
            if rows:
                created, written = write_batch(rows, self.source, now, payload, self.floor)
                # A written claim is either the first claim of a new indicator (created), or
                # a new or changed claim on a known one (updated); the rest changed nothing.
                new_batch.created = created
                new_batch.updated = max(0, written - created)
                new_batch.unchanged = len(rows) - written
                new_batch.warninglisted = sum(1 for r in rows if r.warning)
            _checkpoint(self.actor, self.job, self.source, position, self.counts, new_batch, problems, self.errors)
        if self.progress:
            self.progress(self.job)

    def submit(self, *item):
        self.apply(*item)

    def finish(self, abort: bool = False):
        pass


class _ThreadedWriter(_Writer):
    """On PostgreSQL the database works in its own process: while it writes batch N (on
    this writer thread's own connection), the importing thread reads and normalises batch
    N+1. At most two batches wait, so memory stays bounded."""

    wants_payload = True

    def __init__(self, *args):
        import queue
        import threading

        super().__init__(*args)
        self.queue = queue.Queue(maxsize=2)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._loop, name="intel-import-writer", daemon=True)
        self.thread.start()

    def _loop(self):
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    return
                if self.failure is None:
                    try:
                        self.apply(*item)
                    except BaseException as exc:  # re-raised in the importing thread
                        self.failure = exc
        finally:
            connection.close()

    def submit(self, *item):
        if self.failure is not None:
            raise self.failure
        self.queue.put(item)

    def finish(self, abort: bool = False):
        if not self.thread.is_alive():
            return
        self.queue.put(None)
        self.thread.join()
        if self.failure is not None and not abort:
            raise self.failure


def _writer_for(actor, job, source, counts, errors, progress) -> _Writer:
    threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
    return (_ThreadedWriter if threaded else _Writer)(actor, job, source, counts, errors, progress)


def _checkpoint(actor, job, source, position, counts, batch, problems, errors):
    counts.read = position
    counts.created += batch.created
    counts.updated += batch.updated
    counts.unchanged += batch.unchanged
    counts.warninglisted += batch.warninglisted
    counts.invalid += len(problems)
    counts.duplicates += batch.duplicates
    errors.extend(p.as_dict() for p in problems[: max(0, MAX_ERRORS_KEPT - len(errors))])
    job.records_done = position
    job.counts, job.errors = counts.as_dict(), errors
    job.options = {**(job.options or {}), "committed": {"counts": counts.as_dict(), "errors": len(errors)}}
    job.save(update_fields=["records_done", "counts", "errors", "options"])
    if batch.created or batch.updated:
        audit.record(
            actor=actor, action="intel.import.batch", obj=job, object_repr=f"{source.name}: {job.filename}"[:300],
            unit_id=source.owner_unit_id,
            after={"source": source.name, "format": job.format, "records_done": position,
                   "created": batch.created, "updated": batch.updated, "invalid": len(problems)},
        )


def rollup(indicator_ids: Iterable[int]) -> int:
    """Recompute indicators' roll-up from their remaining claims (after a claim or a source
    is removed); indicators left without any claim are deleted. Returns rows touched."""
    touched = 0
    for indicator in Indicator.objects.filter(pk__in=list(indicator_ids)):
        claims = list(IndicatorSource.objects.filter(indicator=indicator))
        if not claims:
            indicator.delete()
            touched += 1
            continue
        indicator.tlp = min((c.tlp for c in claims), key=lambda t: TLP_RANK[t])
        indicator.confidence = max(c.confidence for c in claims)
        indicator.first_seen = min(c.first_seen for c in claims)
        indicator.last_seen = max(c.last_seen for c in claims)
        indicator.expires_at = max(c.expires_at for c in claims)
        indicator.updated_at = timezone.now()
        indicator.save()
        touched += 1
    return touched


def stream_of(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))
