"""Feeds: a URL or a file path in one format that a scheduled job pulls every few minutes.

Each pull is a `FeedRun`. The body goes through the ordinary import (`ingest.import_file`)
with `refresh=True`: a value the feed lists again was seen again (its last-seen time
moves and its expiry with it), while a value the feed no longer lists keeps its old
last-seen time and ages out through the decay model. Nothing is deleted by a feed.

Fetching is defensive because a feed URL is typed by a member's analyst and fetched by
the platform from inside the government network: only http/https; the URL is read as the
HTTP client sends it (percent-escapes decoded), its host resolved once, and a host that does
not resolve or resolves to a loopback, private, link-local or reserved address is refused;
the connection goes to the address checked, never to a second DNS answer (`core.netguard`;
at creation and at every run; redirects are followed by hand and each hop checked); the
body is streamed to a temporary file and cut off at `INTEL_FEED_MAX_BYTES`. A file-path
feed must lie under one of `INTEL_FEED_PATHS`, so a feed cannot read the server's files.

A run never raises out of the job: network errors, HTTP 4xx/5xx, a body too large or an
import that failed are recorded on the run. Conditional GET (ETag / Last-Modified) saves
the download when the feed did not change; at least every `INTEL_FEED_REFRESH_HOURS` the
body is fetched and imported in full anyway, so listed values keep being "seen".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from vigil.core import audit, concurrency, netguard
from vigil.core.access import is_platform, require
from vigil.core.actors import Actor, system_actor
from vigil.core.errors import DomainError, validation_errors
from vigil.core.models import TLP
from vigil.core.refs import is_pk
from vigil.core.samples import sample

from .. import types
from ..formats import IMPORTERS, importer
from ..models import Feed, FeedRun, ImportJob, Source
from . import ingest

log = logging.getLogger("vigil.intel.feeds")

FIELDS = ("name", "url", "path", "format", "indicator_type", "options", "confidence", "tlp", "interval_minutes",
          "enabled")
MIN_INTERVAL, MAX_INTERVAL = 5, 10080  # five minutes .. one week
MAX_REDIRECTS = 5
ERRORS_KEPT = 20  # the first errors of the import, kept on the run
STALE_RUN = dt.timedelta(hours=12)  # a run still "running" after this was interrupted
USER_AGENT = "Vigil-feed-fetcher/1.0"


# --------------------------------------------------------------------------- settings


def timeout() -> float:
    """Seconds to wait for the server to connect or send the next bytes."""
    return float(getattr(settings, "INTEL_FEED_TIMEOUT", 60))


def max_bytes() -> int:
    return int(getattr(settings, "INTEL_FEED_MAX_BYTES", 512 * 1024 * 1024))


def allowed_roots() -> list[Path]:
    """Directories a file-path feed may read from (default: DATA_DIR/feeds)."""
    roots = getattr(settings, "INTEL_FEED_PATHS", None)
    if roots is None:
        roots = [Path(settings.DATA_DIR) / "feeds"]
    return [Path(r).expanduser().resolve() for r in roots]


def refresh_window() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "INTEL_FEED_REFRESH_HOURS", 24)))


# --------------------------------------------------------------------------- checks


def allow_private() -> bool:
    """INTEL_FEED_ALLOW_PRIVATE: feeds inside the network, and tests."""
    return bool(getattr(settings, "INTEL_FEED_ALLOW_PRIVATE", False))


def _check_url(url: str, field: str = "url", *, resolve_host: bool | None = None) -> netguard.Target:
    """The URL prepared as it will be sent, its host resolved once and checked
    (`netguard`). When private addresses are allowed the name is only resolved at fetch
    time, so a feed can be saved while its server is down."""
    if resolve_host is None:
        resolve_host = not allow_private()
    try:
        return netguard.check_url(url, allow_private=allow_private(), resolve_host=resolve_host)
    except netguard.Refused as exc:
        if exc.address:
            message = (_("Địa chỉ URL trỏ vào mạng nội bộ (%(address)s); không được dùng làm nguồn cấp.")
                       % {"address": exc.address})
        else:
            message = exc.message
        raise DomainError(message, field=field) from None


def _check_path(path: str) -> Path:
    """The resolved path when it lies under an allowed directory."""
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        raise DomainError(_("Đường dẫn tệp phải là đường dẫn tuyệt đối."), field="path")
    resolved = candidate.resolve()
    roots = allowed_roots()
    if not any(resolved == root or resolved.is_relative_to(root) for root in roots):
        raise DomainError(
            _("Đường dẫn tệp phải nằm trong thư mục được phép (%(roots)s).")
            % {"roots": ", ".join(str(r) for r in roots)},
            field="path",
        )
    return resolved


def import_options(feed: Feed) -> dict:
    """The options the feed's format is given: the feed's own, plus the indicator type
    for formats that take one (plain lists, CSV)."""
    options = dict(feed.options or {})
    if feed.indicator_type:
        options["type"] = feed.indicator_type
    return options


def _validate(feed: Feed) -> None:
    """Every field checked, each error naming its field."""
    feed.name = (feed.name or "").strip()
    feed.url = (feed.url or "").strip()
    feed.path = (feed.path or "").strip()
    if not feed.name:
        raise DomainError(_("Nhập tên nguồn cấp."), field="name")
    if bool(feed.url) == bool(feed.path):
        raise DomainError(_("Nhập đúng một trong hai: địa chỉ URL hoặc đường dẫn tệp."), field="url")
    if feed.url:
        _check_url(feed.url)
    else:
        _check_path(feed.path)
    if feed.format not in Feed.Format.values:
        raise DomainError(_("Định dạng không hợp lệ: %(format)s (có: %(known)s).")
                          % {"format": feed.format, "known": ", ".join(Feed.Format.values)}, field="format")
    if feed.indicator_type and feed.indicator_type not in types.TYPES:
        raise DomainError(_("Loại chỉ báo không hợp lệ: %(type)s.") % {"type": feed.indicator_type},
                          field="indicator_type")
    if feed.options is None:
        feed.options = {}
    if not isinstance(feed.options, dict) or not all(isinstance(k, str) for k in feed.options):
        raise DomainError(_("Tuỳ chọn định dạng phải là một đối tượng JSON."), field="options")
    if feed.indicator_type and feed.format in IMPORTERS:
        if "type" not in getattr(import_string(IMPORTERS[feed.format]), "options", {}):
            raise DomainError(_("Định dạng %(format)s không dùng loại chỉ báo; để trống trường này.")
                              % {"format": feed.format}, field="indicator_type")
    importer(feed.format, **import_options(feed))  # unknown format or option: DomainError naming it
    if feed.confidence is not None:
        if isinstance(feed.confidence, bool) or not isinstance(feed.confidence, int) or not 0 <= feed.confidence <= 100:
            raise DomainError(_("Độ tin cậy phải từ 0 đến 100."), field="confidence")
    if feed.tlp and feed.tlp not in TLP.values:
        raise DomainError(_("Nhãn TLP không hợp lệ: %(tlp)s.") % {"tlp": feed.tlp}, field="tlp")
    interval = feed.interval_minutes
    if isinstance(interval, bool) or not isinstance(interval, int) or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise DomainError(_("Chu kỳ phải từ %(low)s đến %(high)s phút.") % {"low": MIN_INTERVAL, "high": MAX_INTERVAL},
                          field="interval_minutes")
    if not isinstance(feed.enabled, bool):
        raise DomainError(_("Trường “đang bật” phải là đúng hoặc sai."), field="enabled")
    try:
        feed.full_clean(exclude=["source"])
    except ValidationError as exc:
        name, messages = next(iter(validation_errors(exc).items()))
        raise DomainError(messages[0], field=name) from exc


def safe_url(url: str) -> str:
    """The URL without a password (for the audit log and listings)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _snapshot(feed: Feed) -> dict:
    data = audit.snapshot(feed)
    data["url"] = safe_url(feed.url)
    return data


# --------------------------------------------------------------------------- create, change, delete


def feed_create(*, actor: Actor, source: Source, name: str, url: str = "", path: str = "", format: str,
                indicator_type: str = "", options: dict | None = None, confidence: int | None = None,
                tlp: str = "", interval_minutes: int = 60, enabled: bool = True) -> Feed:
    """A new feed of `source` (needs `change` on the source). The job pulls it at its next
    pass (within a minute)."""
    require(actor, "change", source)
    feed = Feed(source=source, name=name, url=url, path=path, format=format, indicator_type=indicator_type or "",
                options=options if options is not None else {}, confidence=confidence, tlp=tlp or "",
                interval_minutes=interval_minutes, enabled=enabled)
    _validate(feed)
    with transaction.atomic():
        feed.save()
        audit.record(actor=actor, action="intel.feed.create", obj=feed, unit_id=source.owner_unit_id,
                     after=_snapshot(feed))
    return feed


def feed_update(*, actor: Actor, feed: Feed, version: int | None = None, **changes) -> Feed:
    """Change a feed's fields (any of FIELDS). A new URL replaces the path and the other
    way round; a new URL, path or format forgets the stored HTTP validators; a new
    interval reschedules the next run from the last one. Only those fields are written;
    `version` (the one the caller edited) refuses a stale edit (409)."""
    require(actor, "change", feed.source)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise DomainError(_("Trường không hợp lệ: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    before = _snapshot(feed)
    # A new URL replaces the path (and the other way round) unless both are given.
    if changes.get("url") and "path" not in changes:
        changes["path"] = ""
    if changes.get("path") and "url" not in changes:
        changes["url"] = ""
    for key, value in changes.items():
        if key in ("indicator_type", "tlp") and value is None:
            value = ""
        if key == "options" and value is None:
            value = {}
        setattr(feed, key, value)
    _validate(feed)
    written = set(changes)
    if before["url"] != safe_url(feed.url) or before["path"] != feed.path or "format" in changes:
        feed.http_etag = feed.http_last_modified = ""
        written |= {"http_etag", "http_last_modified"}
    if "interval_minutes" in changes and feed.last_run_at:
        feed.next_run_at = feed.last_run_at + dt.timedelta(minutes=feed.interval_minutes)
        written.add("next_run_at")
    with transaction.atomic():
        concurrency.save(feed, written, expected=version)
        audit.record(actor=actor, action="intel.feed.update", obj=feed, unit_id=feed.source.owner_unit_id,
                     before=before, after=_snapshot(feed))
    return feed


def feed_delete(*, actor: Actor, feed: Feed) -> None:
    """Delete a feed and its run history. What it imported stays: the claims belong to the
    source and age out by themselves."""
    require(actor, "change", feed.source)
    with transaction.atomic():
        audit.record(actor=actor, action="intel.feed.delete", obj=feed, unit_id=feed.source.owner_unit_id,
                     before=_snapshot(feed))
        feed.delete()


# --------------------------------------------------------------------------- fetching


class FetchError(Exception):
    """The body could not be had: the message is for the run's record."""

    def __init__(self, message: str, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status


@dataclass
class Fetched:
    http_status: int | None = None
    unchanged: bool = False
    path: Path | None = None
    size: int = 0
    sha256: str = ""
    etag: str = ""
    last_modified: str = ""
    temporary: bool = False


def _conditional_headers(feed: Feed, now: dt.datetime) -> dict:
    """If-None-Match / If-Modified-Since, but only while the last full import is recent:
    past the refresh window the body is fetched again so listed values stay "seen"."""
    if not (feed.http_etag or feed.http_last_modified):
        return {}
    last_full = (FeedRun.objects.filter(feed=feed, status=FeedRun.Status.DONE)
                 .order_by("-started_at").values_list("started_at", flat=True).first())
    if last_full is None or now - last_full > refresh_window():
        return {}
    headers = {}
    if feed.http_etag:
        headers["If-None-Match"] = feed.http_etag
    if feed.http_last_modified:
        headers["If-Modified-Since"] = feed.http_last_modified
    return headers


def _fetch_url(feed: Feed, now: dt.datetime) -> Fetched:
    import requests

    limit = max_bytes()
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **_conditional_headers(feed, now)}
    url = feed.url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            target = _check_url(url, resolve_host=True)  # resolved once: the connection goes there
            try:
                response = netguard.send("GET", target, headers=headers, timeout=timeout(), stream=True)
            except requests.RequestException as exc:
                raise FetchError(_("Không tải được nguồn cấp: %(error)s") % {"error": _describe(exc)}) from exc
            if response.is_redirect and response.headers.get("location"):
                url = urljoin(target.url, response.headers["location"])
                response.close()
                continue
            break
        else:
            raise FetchError(_("Quá nhiều lần chuyển hướng (hơn %(n)s).") % {"n": MAX_REDIRECTS})
        with response:
            code = response.status_code
            if code == 304:
                return Fetched(http_status=code, unchanged=True)
            if code >= 300:
                raise FetchError(_("Máy chủ trả lời HTTP %(code)s %(reason)s.")
                                 % {"code": code, "reason": sample(response.reason or "", 60)}, http_status=code)
            declared = response.headers.get("content-length", "")
            encoded = response.headers.get("content-encoding", "")
            if is_pk(declared) and not encoded and int(declared) > limit:
                raise FetchError(_too_large(limit), http_status=code)
            digest = hashlib.sha256()
            size = 0
            handle, name = tempfile.mkstemp(prefix="vigil-feed-", suffix=".dat")
            path = Path(name)
            try:
                with os.fdopen(handle, "wb") as out:
                    for chunk in response.iter_content(chunk_size=1 << 16):
                        size += len(chunk)
                        if size > limit:
                            raise FetchError(_too_large(limit), http_status=code)
                        digest.update(chunk)
                        out.write(chunk)
            except requests.RequestException as exc:
                path.unlink(missing_ok=True)
                raise FetchError(_("Không tải được nguồn cấp: %(error)s") % {"error": _describe(exc)},
                                 http_status=code) from exc
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            return Fetched(http_status=code, path=path, size=size, sha256=digest.hexdigest(), temporary=True,
                           etag=response.headers.get("etag", "")[:300],
                           last_modified=response.headers.get("last-modified", "")[:100])
    except DomainError as exc:  # a hop to an internal address or a bad URL
        raise FetchError(str(exc.message)) from exc


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _too_large(limit: int) -> str:
    return _("Nội dung vượt quá giới hạn %(mib)s MiB; đã dừng tải.") % {"mib": round(limit / (1 << 20), 1)}


def _read_path(feed: Feed) -> Fetched:
    try:
        path = _check_path(feed.path)
    except DomainError as exc:
        raise FetchError(str(exc.message)) from exc
    if not path.is_file():
        raise FetchError(_("Không có tệp %(path)s.") % {"path": feed.path})
    try:
        sha, size = ingest.file_digest(path)
    except OSError as exc:
        raise FetchError(_("Không đọc được tệp %(path)s: %(error)s") % {"path": feed.path, "error": exc}) from exc
    if size > max_bytes():
        raise FetchError(_too_large(max_bytes()))
    return Fetched(path=path, size=size, sha256=sha)


# --------------------------------------------------------------------------- running


def feed_run(*, actor: Actor, feed: Feed, now: dt.datetime | None = None) -> FeedRun:
    """Pull the feed once and import what it lists. Needs `change` on the feed's source
    when a person asks; the job runs with the platform's authority. Returns the run, its
    status `done`, `unchanged` (HTTP 304) or `failed` (with the reason): a failure is
    recorded, never raised."""
    require(actor, "change", feed.source)
    now = now or timezone.now()
    FeedRun.objects.filter(feed=feed, status=FeedRun.Status.RUNNING, started_at__lt=now - STALE_RUN).update(
        status=FeedRun.Status.FAILED, finished_at=now, error=_("Lần chạy bị gián đoạn."))
    run = FeedRun.objects.create(feed=feed, started_at=now, status=FeedRun.Status.RUNNING)
    fetched = None
    validators = None
    try:
        fetched = _fetch_url(feed, now) if feed.url else _read_path(feed)
        run.http_status = fetched.http_status
        if fetched.unchanged:
            run.status = FeedRun.Status.UNCHANGED
        else:
            run.bytes, run.sha256 = fetched.size, fetched.sha256
            job = ingest.import_file(
                actor=actor, source=feed.source, path=fetched.path, format=feed.format,
                options=import_options(feed), tlp=feed.tlp or None, confidence=feed.confidence,
                skip_invalid=True, refresh=True, filename=feed.name,
            )
            run.counts = dict(job.counts or {}, job=job.pk)
            run.errors = list(job.errors or [])[:ERRORS_KEPT]
            if job.status == ImportJob.Status.DONE:
                run.status = FeedRun.Status.DONE
                validators = (fetched.etag, fetched.last_modified)
            else:
                run.status = FeedRun.Status.FAILED
                first = run.errors[0] if run.errors else {}
                run.error = (_("Nhập thất bại: %(message)s") % {"message": first.get("message", "")})[:5000]
    except FetchError as exc:
        run.status, run.error = FeedRun.Status.FAILED, exc.message[:5000]
        run.http_status = exc.http_status or run.http_status
    except DomainError as exc:  # the source was retired, the format is no longer registered…
        run.status = FeedRun.Status.FAILED
        run.error = ((f"{exc.field}: " if exc.field else "") + str(exc.message))[:5000]
    except Exception as exc:  # the job must go on with the next feed: record and log it
        log.exception("feed run failed", extra={"feed": feed.pk})
        run.status, run.error = FeedRun.Status.FAILED, _describe(exc)
    finally:
        if fetched is not None and fetched.temporary and fetched.path is not None:
            fetched.path.unlink(missing_ok=True)
    run.finished_at = timezone.now()
    run.save()
    updates = {"last_run_at": now, "next_run_at": now + dt.timedelta(minutes=feed.interval_minutes)}
    if validators is not None:  # only a body imported in full may be answered by a 304 later
        updates["http_etag"], updates["http_last_modified"] = validators
    Feed.objects.filter(pk=feed.pk).update(**updates, updated_at=timezone.now())
    for key, value in updates.items():
        setattr(feed, key, value)
    if not is_platform(actor):  # scheduled pulls are logged, not audited (one per feed and minute)
        audit.record(actor=actor, action="intel.feed.run", obj=feed, unit_id=feed.source.owner_unit_id,
                     after={"run": run.pk, "status": run.status, "http_status": run.http_status,
                            "bytes": run.bytes, "counts": run.counts, "error": run.error[:300]})
    log.info("feed run", extra={"feed": feed.pk, "run": run.pk, "status": run.status})
    return run


def due_feeds(now: dt.datetime | None = None) -> QuerySet:
    """Enabled feeds of active sources whose next run is due (never run yet, or at or
    before `now`), the longest waiting first. For the system job: no user's view."""
    now = now or timezone.now()
    return (
        Feed.objects.filter(enabled=True, source__is_active=True)
        .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
        .select_related("source", "source__owner_unit")
        .order_by(F("next_run_at").asc(nulls_first=True), "pk")
    )


def _claim(feed: Feed, now: dt.datetime) -> bool:
    """Take the feed for this worker (two workers never pull the same feed at once): move
    its next run forward only if nobody else did since we read it."""
    current = Q(next_run_at__isnull=True) if feed.next_run_at is None else Q(next_run_at=feed.next_run_at)
    lease = now + dt.timedelta(minutes=feed.interval_minutes)
    return bool(Feed.objects.filter(current, pk=feed.pk, enabled=True).update(next_run_at=lease))


def run_due_feeds(now: dt.datetime | None = None) -> int:
    """Run every due feed with the platform's authority; returns how many ran. One feed's
    failure never stops the others."""
    now = now or timezone.now()
    actor = system_actor("job")
    ran = 0
    for feed in list(due_feeds(now)):
        try:
            if not _claim(feed, now):
                continue
            feed_run(actor=actor, feed=feed, now=now)
            ran += 1
        except Exception:
            log.exception("feed run crashed", extra={"feed": feed.pk})
    return ran
