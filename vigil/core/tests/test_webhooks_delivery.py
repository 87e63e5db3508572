"""Signed webhooks: a real HTTP server on 127.0.0.1 verifies each signature; failures
are retried with backoff until delivered or given up; notify() fans out one delivery per
matching endpoint (kind filter, descendants)."""

import datetime as dt
import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.core.models import WebhookDelivery
from vigil.core.notify import notify, webhooks

KIND = "incidents.sla.breached"


@contextmanager
def receiver(answers=(200,), secret_of=None):
    """An HTTP server that records each request, checks its Standard Webhooks signature
    with the endpoint's secret, and answers the next status of `answers` (the last one
    repeats)."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            secret = secret_of() if secret_of else None
            seen.append({
                "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                "valid": bool(secret) and webhooks.verify(secret, {k.lower(): v for k, v in self.headers.items()}, body),
            })
            status = answers[min(len(seen) - 1, len(answers) - 1)]
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", seen
    finally:
        server.shutdown()
        server.server_close()


def make_endpoint(net, url, unit=None, **kw):
    ep, secret = webhooks.endpoint_create(actor=Actor(user=net.a_head), unit=unit or net.prov_a, name="SOC",
                                          url=url, **kw)
    return ep, secret


def test_secret_has_the_standard_webhooks_format():
    import base64

    s = webhooks.new_secret()
    assert s.startswith("whsec_") and len(base64.b64decode(s[6:])) == 32


def test_signature_matches_the_standard_webhooks_reference_vector():
    # Example of the Standard Webhooks specification / reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    sig = webhooks.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_delivery_is_signed_retried_with_backoff_and_finally_delivered(net, django_capture_on_commit_callbacks):
    holder = {}
    with receiver(answers=(500, 200), secret_of=lambda: holder["secret"]) as (url, seen):
        ep, holder["secret"] = make_endpoint(net, url)
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[net.a_head], kind=KIND, title="Sự cố VG-1 quá hạn", body="Nội dung",
                   url="/incidents/1/", unit=net.prov_a)
        d = WebhookDelivery.objects.get(endpoint=ep)
        assert d.status == "failed" and d.attempts == 1 and d.last_status_code == 500
        wait = (d.next_attempt_at - before).total_seconds()
        assert 20 <= wait <= 40  # 30 s with jitter
        # Not due yet: the sweeper leaves it.
        assert webhooks.deliver_due(now=before + dt.timedelta(seconds=5))["attempted"] == 0
        result = webhooks.deliver_due(now=d.next_attempt_at + dt.timedelta(seconds=1))
        assert result["attempted"] == 1
        d.refresh_from_db()
        assert d.status == "delivered" and d.attempts == 2 and d.last_status_code == 200 and d.delivered_at
        # The delivery log keeps every attempt, not only the last.
        assert [(a["attempt"], a["status_code"], a["outcome"]) for a in d.attempt_log] == [
            (1, 500, "failed"), (2, 200, "delivered"),
        ]
    assert len(seen) == 2 and all(r["valid"] for r in seen)
    first = seen[0]
    assert first["headers"]["user-agent"] == "Vigil-Webhooks"
    assert first["headers"]["webhook-id"] == d.event_id
    payload = json.loads(seen[1]["body"])
    assert payload["type"] == KIND and payload["title"] == "Sự cố VG-1 quá hạn"
    assert payload["unit"] == {"code": "tinh-a", "name": "Tỉnh A"}
    assert set(payload) == {"id", "type", "timestamp", "unit", "title", "body", "url", "subject"}


def test_gives_up_after_the_maximum_attempts(net, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with receiver(answers=(503,)) as (url, seen):
        ep, _secret = make_endpoint(net, url)
        now = timezone.now()
        [d] = webhooks.fan_out({"kind": KIND, "unit_id": net.prov_a.pk, "ancestors": [], "unit": {},
                                "title": "t", "body": "", "url": "", "subject": None, "key": ""}, now=now)
        d.refresh_from_db()
        for _ in range(5):
            now = (d.next_attempt_at or now) + dt.timedelta(seconds=1)
            webhooks.deliver_due(now=now)
            d.refresh_from_db()
        assert d.status == "gave_up" and d.attempts == 3 and d.next_attempt_at is None
        assert len(seen) == 3
        # Backoff doubles.
        assert webhooks.backoff(1).total_seconds() <= 36 and webhooks.backoff(3).total_seconds() >= 96
        assert webhooks.backoff(30).total_seconds() <= 6 * 3600


def test_manual_retry_of_a_given_up_delivery(net, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    with receiver(answers=(500, 204)) as (url, seen):
        ep, _ = make_endpoint(net, url)
        d = webhooks.endpoint_send_test(actor=Actor(user=net.a_head), endpoint=ep)
        assert d.status == "gave_up"
        d = webhooks.delivery_retry(actor=Actor(user=net.a_head), delivery=d)
        assert d.status == "delivered" and d.attempts == 2


def test_redirects_are_not_followed(net):
    with receiver(answers=(302,)) as (url, seen):
        ep, _ = make_endpoint(net, url)
        d = webhooks.endpoint_send_test(actor=Actor(user=net.a_head), endpoint=ep)
        assert d.status == "failed" and d.last_status_code == 302
        assert len(seen) == 1


def test_unreachable_endpoint_is_recorded_as_failed(net):
    from vigil.core.notify.testing import free_port

    ep, _ = make_endpoint(net, f"http://127.0.0.1:{free_port()}/x")
    d = webhooks.endpoint_send_test(actor=Actor(user=net.a_head), endpoint=ep)
    assert d.status == "failed" and d.last_status_code is None and d.last_error


def _event(unit, kind=KIND, key=""):
    return {"kind": kind, "unit_id": unit.pk, "ancestors": unit.ancestor_ids(), "unit": {"code": unit.code},
            "title": "t", "body": "", "url": "", "subject": None, "key": key}


def test_fan_out_only_to_matching_endpoints(net, monkeypatch):
    monkeypatch.setattr(webhooks, "_queue", lambda pk: None)
    everything, _ = make_endpoint(net, "https://a.example/all")
    only_other, _ = make_endpoint(net, "https://a.example/other", kinds=["program.task.due_soon"])
    subtree, _ = make_endpoint(net, "https://a.example/tree", include_descendants=True)
    disabled, _ = make_endpoint(net, "https://a.example/off", is_active=False)
    sibling, _ = webhooks.endpoint_create(actor=Actor(user=net.b_analyst), unit=net.prov_b, name="B",
                                          url="https://b.example/")
    made = webhooks.fan_out(_event(net.prov_a))
    assert {d.endpoint for d in made} == {everything, subtree}
    # About a department of province A: only the endpoint that includes descendants.
    made = webhooks.fan_out(_event(net.prov_a_dept))
    assert {d.endpoint for d in made} == {subtree}
    made = webhooks.fan_out(_event(net.prov_a, kind="program.task.due_soon"))
    assert {d.endpoint for d in made} == {everything, only_other, subtree}
    assert not WebhookDelivery.objects.filter(endpoint__in=[disabled, sibling]).exists()


def test_one_delivery_per_endpoint_per_notify_and_once_per_key(net, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(webhooks, "_queue", lambda pk: None)
    ep, _ = make_endpoint(net, "https://a.example/all")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[net.a_head, net.a_analyst], kind=KIND, title="x", unit=net.prov_a, key="k1")
    assert WebhookDelivery.objects.filter(endpoint=ep).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[net.a_head, net.a_analyst], kind=KIND, title="x", unit=net.prov_a)
    assert WebhookDelivery.objects.filter(endpoint=ep).count() == 2


def test_a_delivery_carries_the_time_of_its_event_not_of_the_commit(net, monkeypatch, django_capture_on_commit_callbacks):
    """The event happened inside a transaction that commits later (a long import, the demo
    replaying the past): the delivery and its signed timestamp keep the event's time."""
    import time_machine

    monkeypatch.setattr(webhooks, "_queue", lambda pk: None)
    ep, _ = make_endpoint(net, "https://a.example/all")
    then = timezone.now() - dt.timedelta(days=40)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with time_machine.travel(then, tick=False):
            notify(recipients=[net.a_head], kind=KIND, title="x", unit=net.prov_a, key="then")
    for callback in callbacks:  # the commit, now
        callback()
    delivery = WebhookDelivery.objects.get(endpoint=ep)
    assert abs(delivery.created_at - then) < dt.timedelta(seconds=1)
    assert delivery.payload["timestamp"].startswith(then.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M"))


def test_notify_without_a_unit_sends_no_webhook(net, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(webhooks, "_queue", lambda pk: None)
    make_endpoint(net, "https://a.example/all")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[net.a_head], kind=KIND, title="x")
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("url", [
    "ftp://a.example/", "https://user:pw@a.example/", "https://@a.example/", "javascript:alert(1)", "https:///x",
    "", "http://a.example:99999/",
])
def test_bad_urls_are_refused(net, url):
    with pytest.raises(DomainError) as exc:
        make_endpoint(net, url)
    assert exc.value.field == "url"


def test_unknown_kind_is_refused(net):
    with pytest.raises(DomainError) as exc:
        make_endpoint(net, "https://a.example/", kinds=["nope.kind"])
    assert exc.value.field == "kinds"


def test_a_receiver_on_an_internal_address_is_refused_unless_allowed(net, settings):
    """A webhook must not become a way to reach the platform's own network."""
    settings.WEBHOOK_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "http://[::1]:8080/x", "http://localhost/x"):
        code, error = webhooks.post(url, b"{}", {})
        assert code is None and ("nội bộ" in error or "internal" in error), url
    settings.WEBHOOK_ALLOW_PRIVATE = True
    code, error = webhooks.post("http://127.0.0.1:9/hook", b"{}", {})
    assert "nội bộ" not in error  # allowed: the connection itself is what fails here
