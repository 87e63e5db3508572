"""Signed webhooks: a unit's systems receive the notifications about the unit as JSON.

A `WebhookEndpoint` belongs to a unit and is managed by its members who may `change`
it (or `admin`). It receives, for each `notify()` call about its unit (or, with
`include_descendants`, about a unit below it) of the kinds it chose (none chosen: every
kind), ONE delivery — not one per recipient. The payload:

    {"id": "msg_…", "type": "incidents.sla.breached", "timestamp": "2026-…Z",
     "unit": {"code": "tinh-a", "name": "Tỉnh A"}, "title": "…", "body": "…",
     "url": "https://vigil.example/incidents/5/", "subject": {"type": "incidents.incident", "id": "5"}}

in Vietnamese (the platform's language). Each attempt is signed per the Standard Webhooks
specification (https://www.standardwebhooks.com/): headers `webhook-id`,
`webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">` keyed with the base64-decoded part of the endpoint's secret
(`whsec_<base64 of 32 random bytes>`), so any Standard Webhooks library verifies it.

Delivery: a job per delivery right after commit, and a sweeper every minute for due
retries. A 2xx answer delivers; anything else (an error status, a redirect — never
followed —, a timeout of WEBHOOK_TIMEOUT seconds, a refused connection) fails and is
retried after 30 s x 2^(attempt-1) with jitter, capped at 6 hours, giving up after
WEBHOOK_MAX_ATTEMPTS (8) attempts. The delivery row is the log: attempts, the last status
code and error, when it was delivered.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vigil.core.refs import is_pk

from .. import audit, concurrency, directory, netguard, queue
from ..access import require, visible_to
from ..actors import Actor
from ..errors import DomainError, NotFound
from ..models import WebhookDelivery, WebhookEndpoint
from . import registry
from .text import render

log = logging.getLogger("vigil.webhooks")

SECRET_PREFIX = "whsec_"
TEST_KIND = "core.webhook.test"
USER_AGENT = "Vigil-Webhooks"
BACKOFF_BASE = 30  # seconds
BACKOFF_CAP = 6 * 3600
IN_FLIGHT_GRACE = 120  # seconds a claimed attempt keeps others off the row
Status = WebhookDelivery.Status
NAME_MAX = WebhookEndpoint._meta.get_field("name").max_length
URL_MAX = WebhookEndpoint._meta.get_field("url").max_length


def max_attempts() -> int:
    return int(getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 8))


def timeout() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT", 10))


# --------------------------------------------------------------------------- secrets & signing


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(raw)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value: `v1,<base64 HMAC-SHA256>`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does: check the signature (any `v1,` entry) and the timestamp's
    freshness. Used by the tests and handy for receivers written in Python."""
    get = headers.get
    msg_id, ts, sigs = get("webhook-id"), get("webhook-timestamp"), get("webhook-signature") or ""
    if not msg_id or not ts or not is_pk(str(ts)):
        return False
    if abs((now or time.time()) - int(ts)) > tolerance:
        return False
    expected = sign(secret, msg_id, int(ts), body)
    return any(hmac.compare_digest(expected, s) for s in sigs.split(" ") if s.startswith("v1,"))


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")


# --------------------------------------------------------------------------- validation


def clean_url(url: str) -> str:
    """An http(s) URL with a host and no credentials; a DomainError naming `url` otherwise."""
    url = (url or "").strip()
    if not url:
        raise DomainError(_("Hãy nhập địa chỉ nhận webhook."), field="url")
    if len(url) > URL_MAX:
        raise DomainError(_("Địa chỉ nhận quá dài (tối đa %(n)s ký tự).") % {"n": URL_MAX}, field="url")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError:
        raise DomainError(_("Địa chỉ nhận không hợp lệ."), field="url") from None
    if parts.scheme not in ("http", "https"):
        raise DomainError(_("Địa chỉ nhận phải bắt đầu bằng http:// hoặc https://."), field="url")
    if not parts.hostname:
        raise DomainError(_("Địa chỉ nhận thiếu tên máy chủ."), field="url")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise DomainError(
            _("Địa chỉ nhận không được chứa tên đăng nhập hoặc mật khẩu; hãy xác thực bằng chữ ký."), field="url"
        )
    if any(c.isspace() for c in url):
        raise DomainError(_("Địa chỉ nhận không hợp lệ."), field="url")
    try:
        netguard.prepare(url)  # the host as the client will send it: no %-escapes or odd characters
    except netguard.Refused:
        raise DomainError(_("Địa chỉ nhận không hợp lệ."), field="url") from None
    del port
    return url


def clean_kinds(kinds: Iterable[str] | None) -> list[str]:
    """Registered notification kinds, without repeats ([] = every kind)."""
    out: list[str] = []
    for k in kinds or []:
        k = str(k).strip()
        if not k:
            continue
        if not registry.is_known(k):
            raise DomainError(_("Không có loại thông báo %(k)s.") % {"k": k}, field="kinds")
        if k not in out:
            out.append(k)
    return out


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Hãy đặt tên cho webhook."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_("Tên quá dài (tối đa %(n)s ký tự).") % {"n": NAME_MAX}, field="name")
    return name


def _snapshot(ep: WebhookEndpoint) -> dict:
    return {"unit": ep.unit.code, "name": ep.name, "url": ep.url, "kinds": list(ep.kinds or []),
            "include_descendants": ep.include_descendants, "is_active": ep.is_active}


# --------------------------------------------------------------------------- endpoints (writes)


def endpoint_create(*, actor: Actor, unit, name: str, url: str, kinds: Iterable[str] | None = None,
                    include_descendants: bool = False, is_active: bool = True) -> tuple[WebhookEndpoint, str]:
    """Register a unit's endpoint; returns it and its secret (shown once, never again)."""
    require(actor, "change", unit)
    secret = new_secret()
    with transaction.atomic():
        ep = WebhookEndpoint(
            unit=unit, name=clean_name(name), url=clean_url(url), kinds=clean_kinds(kinds),
            include_descendants=bool(include_descendants), is_active=bool(is_active), secret=secret,
            created_by=actor.author,
        )
        ep.full_clean()
        ep.save()
        audit.record(actor=actor, action="core.webhook.create", obj=ep, unit_id=unit.pk, after=_snapshot(ep))
    return ep, secret


def endpoint_update(*, actor: Actor, endpoint: WebhookEndpoint, version: int | None = None,
                    **changes) -> WebhookEndpoint:
    """Change name, url, kinds, include_descendants or is_active (enable / disable); only
    those are written, and `version` (the one the caller edited) refuses a stale edit."""
    require(actor, "change", endpoint)
    allowed = {"name", "url", "kinds", "include_descendants", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("Không thể sửa trường %(f)s.") % {"f": ", ".join(sorted(unknown))},
                          field=sorted(unknown)[0])
    with transaction.atomic():
        ep = WebhookEndpoint.objects.select_for_update().select_related("unit").get(pk=endpoint.pk)
        concurrency.require_version(ep, version)
        before = _snapshot(ep)
        if "name" in changes and changes["name"] is not None:
            ep.name = clean_name(changes["name"])
        if "url" in changes and changes["url"] is not None:
            ep.url = clean_url(changes["url"])
        if "kinds" in changes and changes["kinds"] is not None:
            ep.kinds = clean_kinds(changes["kinds"])
        for flag in ("include_descendants", "is_active"):
            if changes.get(flag) is not None:
                setattr(ep, flag, bool(changes[flag]))
        ep.full_clean()
        ep.save(update_fields=[f for f in sorted(allowed) if changes.get(f) is not None])
        after = _snapshot(ep)
        if after != before:
            audit.record(actor=actor, action="core.webhook.update", obj=ep, unit_id=ep.unit_id,
                         before=before, after=after)
    return ep


def endpoint_rotate_secret(*, actor: Actor, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret (the old one stops signing at once); returns it, shown once."""
    require(actor, "change", endpoint)
    secret = new_secret()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=secret)
        endpoint.secret = secret
        audit.record(actor=actor, action="core.webhook.rotate_secret", obj=endpoint, unit_id=endpoint.unit_id,
                     after={"rotated": True})
    return endpoint, secret


def endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its delivery log."""
    require(actor, "change", endpoint)
    with transaction.atomic():
        audit.record(actor=actor, action="core.webhook.delete", obj=endpoint, unit_id=endpoint.unit_id,
                     before=_snapshot(endpoint))
        WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


# --------------------------------------------------------------------------- endpoints (reads)


def endpoint_list(*, user, unit=None) -> QuerySet[WebhookEndpoint]:
    """The endpoints of the units where the user may manage them (`change`)."""
    qs = visible_to(user, WebhookEndpoint, "change").select_related("unit", "created_by")
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.order_by("unit__path", "name", "pk")


def endpoint_get(*, user, webhook_id) -> WebhookEndpoint:
    row = None
    if is_pk(webhook_id):
        row = endpoint_list(user=user).filter(pk=int(webhook_id)).first()
    if row is None:
        raise NotFound(_("Không tìm thấy webhook."), field="webhook_id")
    return row


def delivery_list(*, user, endpoint: WebhookEndpoint | None = None, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """The delivery log of the endpoints the user manages, newest first."""
    qs = visible_to(user, WebhookDelivery, "change").select_related("endpoint__unit")
    if endpoint is not None:
        qs = qs.filter(endpoint=endpoint)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def delivery_get(*, user, delivery_id, endpoint: WebhookEndpoint | None = None) -> WebhookDelivery:
    row = None
    if is_pk(delivery_id):
        row = delivery_list(user=user, endpoint=endpoint).filter(pk=int(delivery_id)).first()
    if row is None:
        raise NotFound(_("Không tìm thấy lần gửi webhook."), field="delivery_id")
    return row


def units_for_webhooks(*, user):
    """Units where the user may register an endpoint."""
    return visible_to(user, directory.unit_model(), "change").filter(is_active=True).order_by("path")


def kind_choices() -> list[tuple[str, str]]:
    return [(k.code, f"{k.group} — {k.label}" if k.group else str(k.label)) for k in registry.all_kinds()]


# --------------------------------------------------------------------------- fan-out


def _absolute(path: str) -> str:
    if not path or "://" in path:
        return path or ""
    base = (getattr(settings, "BASE_URL", "") or "").rstrip("/")
    return f"{base}{path}" if base else path


def _subject(subject) -> dict | None:
    if subject is None:
        return None
    meta = getattr(subject, "_meta", None)
    return {"type": meta.label_lower if meta else type(subject).__name__, "id": str(getattr(subject, "pk", ""))}


def _event_id(endpoint_id: int, kind: str, key: str) -> str:
    if key:  # a keyed notification is delivered once per endpoint, however often it is sent
        return "msg_" + hashlib.sha256(f"{endpoint_id}:{kind}:{key}".encode()).hexdigest()[:32]
    return "msg_" + uuid.uuid4().hex


def matching_endpoints(*, unit_id: int, ancestor_ids: list[int], kind: str) -> list[WebhookEndpoint]:
    """Active endpoints of the unit, or of an ancestor with include_descendants, whose
    kinds are empty or include `kind`. Platform authority (delivery, not display)."""
    rows = WebhookEndpoint.objects.filter(is_active=True).filter(
        Q(unit_id=unit_id) | Q(unit_id__in=ancestor_ids, include_descendants=True)
    ).select_related("unit")
    return [ep for ep in rows if not ep.kinds or kind in ep.kinds]


def fan_out_on_commit(*, kind: str, unit, title, body="", url: str = "", subject=None, key: str = "",
                      at=None) -> None:
    """From `notify()`: render the texts now (Vietnamese) and, once the caller's
    transaction commits, create the deliveries and queue them."""
    if unit is None:
        return
    from ..access import label_of, neutral_name
    from ..models import TLP

    with translation.override(settings.LANGUAGE_CODE):
        if label_of(subject) in (TLP.AMBER_STRICT, TLP.RED):
            # A webhook leaves the platform (and reaches the ancestors' endpoints too): an
            # object under AMBER+STRICT or RED is named by reference only.
            text_title, text_body = neutral_name(type(subject), subject.pk), ""
        else:
            text_title, text_body = render(title), render(body)
        unit_name = str(unit.display_name)
    event = {
        "kind": kind, "unit_id": unit.pk, "ancestors": unit.ancestor_ids() if unit.path else [],
        "unit": {"code": unit.code, "name": unit_name},
        "title": text_title, "body": text_body, "url": _absolute(url), "subject": _subject(subject), "key": key,
    }
    at = at or timezone.now()  # the event's time, not the commit's (a long transaction, a demo replaying the past)
    transaction.on_commit(lambda: fan_out(event, now=at))


def fan_out(event: dict, *, now=None) -> list[WebhookDelivery]:
    """Create one delivery per matching endpoint for one event and queue it."""
    now = now or timezone.now()
    created = []
    for ep in matching_endpoints(unit_id=event["unit_id"], ancestor_ids=event["ancestors"], kind=event["kind"]):
        row = _create_delivery(ep, event, now)
        if row is not None:
            created.append(row)
    for d in created:
        _queue(d.pk)
    return created


def _create_delivery(ep: WebhookEndpoint, event: dict, now) -> WebhookDelivery | None:
    event_id = _event_id(ep.pk, event["kind"], event.get("key", ""))
    payload = {
        "id": event_id,
        "type": event["kind"],
        "timestamp": now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "unit": event["unit"],
        "title": event["title"],
        "body": event["body"],
        "url": event["url"],
        "subject": event["subject"],
    }
    try:
        with transaction.atomic():
            return WebhookDelivery.objects.create(
                endpoint=ep, event_id=event_id, kind=event["kind"], payload=payload, status=Status.PENDING,
                next_attempt_at=now, created_at=now,
            )
    except IntegrityError:  # already delivered for this key
        return None


def _queue(delivery_id: int) -> None:
    try:
        queue.enqueue("core.deliver_webhook", delivery_id)
    except Exception:  # the queue is down: the sweeper picks the row up
        log.exception("webhook delivery could not be queued", extra={"delivery": delivery_id})


# --------------------------------------------------------------------------- delivery


def backoff(attempt: int) -> timedelta:
    """Wait before attempt `attempt + 1`: 30 s x 2^(attempt-1), jitter 0.8–1.2, ≤ 6 h."""
    base = min(BACKOFF_BASE * (2 ** max(attempt - 1, 0)), BACKOFF_CAP)
    return timedelta(seconds=min(base * random.uniform(0.8, 1.2), BACKOFF_CAP))


def _allow_private() -> bool:
    """WEBHOOK_ALLOW_PRIVATE: receivers inside the network, and tests."""
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))


def post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST once; (status code, error text). The host is resolved once and the connection
    goes to that checked address (`netguard`); an internal address or a name that does not
    resolve is refused; redirects are not followed. The receiver's answer is never read
    into the log: only its status code."""
    import requests

    try:
        target = netguard.check_url(url, allow_private=_allow_private())
    except netguard.Refused as exc:
        if exc.address:
            return None, _("Địa chỉ nhận trỏ vào mạng nội bộ (%(a)s); không gửi.") % {"a": exc.address}
        return None, str(exc.message)[:500]
    try:
        with netguard.send("POST", target, data=body, headers=headers, timeout=timeout(), stream=True) as response:
            code = response.status_code
    except requests.Timeout:
        return None, _("Hết thời gian chờ (%(s)s giây).") % {"s": timeout()}
    except requests.ConnectionError:
        return None, _("Không kết nối được tới địa chỉ nhận.")
    except Exception as exc:  # a bad answer, TLS errors…: recorded by kind, never echoing content
        return None, type(exc).__name__
    if 200 <= code < 300:
        return code, ""
    if 300 <= code < 400:
        return code, _("Chuyển hướng (%(c)s) không được theo.") % {"c": code}
    return code, f"HTTP {code}"


def _log_attempt(pk: int, attempt: int, code, error, at) -> None:
    """Append one attempt to the delivery's log (the row is claimed by this worker)."""
    row = WebhookDelivery.objects.filter(pk=pk).values_list("attempt_log", flat=True).first() or []
    ok = code is not None and 200 <= code < 300
    row = [*row, {"at": at.isoformat(), "attempt": attempt, "status_code": code,
                  "error": "" if ok else (error or "")[:300], "outcome": "delivered" if ok else "failed"}]
    WebhookDelivery.objects.filter(pk=pk).update(attempt_log=row[-50:])


def deliver(delivery_id: int, *, now=None, force: bool = False) -> WebhookDelivery | None:
    """Make one attempt at a delivery (pending or failed; `force` also a gave-up one),
    unless another worker holds it. Records the outcome; returns the row."""
    now = now or timezone.now()
    d = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if d is None or d.status == Status.DELIVERED or (d.status == Status.GAVE_UP and not force):
        return d
    if not force and d.next_attempt_at and d.next_attempt_at > now:
        return d
    # Claim the attempt: whoever increments `attempts` from the value read makes it.
    claimed = WebhookDelivery.objects.filter(pk=d.pk, attempts=d.attempts, status=d.status).update(
        attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=IN_FLIGHT_GRACE),
    )
    if not claimed:
        return d
    attempt = d.attempts + 1
    ep = d.endpoint
    if not ep.is_active and d.kind != TEST_KIND:
        WebhookDelivery.objects.filter(pk=d.pk).update(
            status=Status.GAVE_UP, next_attempt_at=None, attempts=d.attempts,
            last_error=_("Webhook đã bị tắt."),
        )
        d.refresh_from_db()
        return d
    body = body_bytes(d.payload)
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "webhook-id": d.event_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(ep.secret, d.event_id, ts, body),
    }
    code, error = post(ep.url, body, headers)
    _log_attempt(d.pk, attempt, code, error, now)
    if code is not None and 200 <= code < 300:
        WebhookDelivery.objects.filter(pk=d.pk).update(
            status=Status.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None,
            last_status_code=code, last_error="",
        )
    elif attempt >= max_attempts():
        WebhookDelivery.objects.filter(pk=d.pk).update(
            status=Status.GAVE_UP, next_attempt_at=None, last_status_code=code, last_error=error[:500],
        )
    else:
        WebhookDelivery.objects.filter(pk=d.pk).update(
            status=Status.FAILED, next_attempt_at=now + backoff(attempt), last_status_code=code,
            last_error=error[:500],
        )
    d.refresh_from_db()
    log.info("webhook attempt", extra={"delivery": d.pk, "endpoint": ep.pk, "attempt": attempt,
                                       "status": d.status, "code": code})
    return d


def deliver_due(*, now=None, limit: int = 200) -> dict:
    """The sweeper: attempt every delivery whose time has come (pending or failed with
    next_attempt_at ≤ now). Returns counts per outcome."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(status__in=[Status.PENDING, Status.FAILED], next_attempt_at__lte=now)
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    counts = {"attempted": 0, Status.DELIVERED: 0, Status.FAILED: 0, Status.GAVE_UP: 0}
    for pk in ids:
        d = deliver(pk, now=now)
        counts["attempted"] += 1
        if d is not None and d.status in counts:
            counts[d.status] += 1
    return {k: v for k, v in counts.items()}


def delivery_retry(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Retry now (a failed or given-up delivery): one attempt at once."""
    require(actor, "change", delivery.endpoint)
    if delivery.status == Status.DELIVERED:
        raise DomainError(_("Lần gửi này đã thành công; không cần gửi lại."), field="delivery_id", code="delivered")
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.FAILED if delivery.status == Status.GAVE_UP else delivery.status,
            next_attempt_at=timezone.now(),
        )
        audit.record(actor=actor, action="core.webhook.retry", obj=delivery.endpoint,
                     unit_id=delivery.endpoint.unit_id, after={"delivery": delivery.pk, "event_id": delivery.event_id})
    # A manual retry of a given-up delivery gets one more attempt.
    return deliver(delivery.pk, force=True) or delivery


def endpoint_send_test(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a test event to the endpoint now (even a disabled one); returns the delivery."""
    require(actor, "change", endpoint)
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        event = {
            "kind": TEST_KIND, "unit": {"code": endpoint.unit.code, "name": str(endpoint.unit.display_name)},
            "title": _("Sự kiện thử của Vigil"),
            "body": _("Nếu bạn nhận được thông điệp này, webhook “%(n)s” đã hoạt động.") % {"n": endpoint.name},
            "url": "", "subject": {"type": "core.webhookendpoint", "id": str(endpoint.pk)}, "key": "",
        }
    with transaction.atomic():
        d = _create_delivery(endpoint, event, now)
        audit.record(actor=actor, action="core.webhook.test", obj=endpoint, unit_id=endpoint.unit_id,
                     after={"delivery": d.pk, "event_id": d.event_id})
    return deliver(d.pk, now=now, force=True) or d
