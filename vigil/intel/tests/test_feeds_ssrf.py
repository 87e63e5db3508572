"""Issue 11, item 2: feed URLs and webhooks must not reach the platform's own network.

Against a real HTTP server on 127.0.0.1 (ephemeral port) with private addresses NOT
allowed: every encoded or numeric spelling of loopback is refused and the server receives
nothing; a redirect to such a spelling is refused at its hop; the connection goes to the
address that was checked (a second DNS answer — rebinding — is never used); a line the
importer cannot read comes back only as a short, escaped sample."""

from __future__ import annotations

import socket
from unittest import mock

import pytest
import urllib3.util.connection
from django.test import override_settings

from vigil.core import netguard
from vigil.core.actors import system_actor
from vigil.core.errors import DomainError
from vigil.core.notify import webhooks
from vigil.intel.services import feeds as svc
from vigil.intel.services.sources import source_create

from .test_feeds import FeedServer, domains, make_feed

pytestmark = pytest.mark.django_db

PRIVATE_OFF = override_settings(INTEL_FEED_ALLOW_PRIVATE=False, WEBHOOK_ALLOW_PRIVATE=False,
                                INTEL_FEED_TIMEOUT=5, WEBHOOK_TIMEOUT=5)


def loopback_spellings(port: int) -> list[str]:
    return [
        f"http://%31%32%37.0.0.1:{port}/metrics",  # percent-encoded digits (requests decodes them)
        f"http://%6c%6f%63%61%6c%68%6f%73%74:{port}/metrics",  # percent-encoded "localhost"
        f"http://%6C%6F%63alhost:{port}/metrics",
        f"http://2130706433:{port}/metrics",  # decimal
        f"http://0x7f.1:{port}/metrics",  # hex + short form
        f"http://017700000001:{port}/metrics",  # octal
        f"http://127.1:{port}/metrics",
        f"http://0.0.0.0:{port}/metrics",
        f"http://[::ffff:127.0.0.1]:{port}/metrics",  # IPv4-mapped IPv6
        f"http://[::]:{port}/metrics",
        f"http://LOCALHOST.:{port}/metrics",
        f"http://localhost:{port}/metrics",
    ]


@pytest.fixture
def source(net):
    return source_create(actor=system_actor(), owner_unit=net.prov_a, name="Nguồn cấp tỉnh A", tlp="amber",
                         kind="feed")


@pytest.fixture
def metrics_server():
    """The platform's own /metrics, on loopback."""
    with FeedServer() as s:
        s.serve("/metrics", "# HELP secret_metric internal\nsecret_metric{token=\"s3cr3t\"} 1\n")
        yield s


def test_every_spelling_of_loopback_is_refused_for_feeds_and_nothing_is_fetched(metrics_server, source, settings):
    port = metrics_server.httpd.server_address[1]
    settings.INTEL_FEED_ALLOW_PRIVATE = True  # saved while allowed (the policy changes later)
    saved = [make_feed(source, url, name=f"Nguồn {i}") for i, url in enumerate(loopback_spellings(port))]
    with PRIVATE_OFF:
        for url in loopback_spellings(port):
            with pytest.raises(DomainError) as exc:
                make_feed(source, url, name="Mới")
            assert exc.value.field == "url", url
        for feed in saved:
            run = svc.feed_run(actor=system_actor("job"), feed=feed)
            assert run.status == "failed", feed.url
            assert "secret_metric" not in run.error and not run.errors, feed.url
    assert metrics_server.requests == []


def test_every_spelling_of_loopback_is_refused_for_webhooks(metrics_server):
    port = metrics_server.httpd.server_address[1]
    with PRIVATE_OFF:
        for url in loopback_spellings(port):
            code, error = webhooks.post(url, b"{}", {})
            assert code is None and error, url
    assert metrics_server.requests == []


def test_a_name_that_does_not_resolve_is_refused_not_waved_through(source):
    with PRIVATE_OFF, mock.patch("socket.getaddrinfo", side_effect=socket.gaierror(-2, "Name or service not known")):
        with pytest.raises(DomainError) as exc:
            make_feed(source, "http://feeds.example.org/list.txt")
        assert exc.value.field == "url"
        assert netguard.internal_address("feeds.example.org")  # a failure is never "not internal"
        code, error = webhooks.post("https://hooks.example.org/x", b"{}", {})
        assert code is None and error


def _route_public_to(server_port: int, public: str, *names: str):
    """Pretend `public` (and the host `names`) is a host on the internet: connections to
    it reach the local test server. Records every address a connection was opened to."""
    real = urllib3.util.connection.create_connection
    opened: list[tuple[str, int]] = []

    def create_connection(address, *args, **kwargs):
        opened.append(address)
        host, port = address
        if host == public or host in names:
            return real(("127.0.0.1", server_port), *args, **kwargs)
        return real(address, *args, **kwargs)

    return opened, mock.patch.object(urllib3.util.connection, "create_connection", create_connection)


def _fake_dns(answers: dict[str, list[str]]):
    """getaddrinfo answering `answers[name]` in turn (the last one repeats); other names
    resolve for real. Returns (calls, patch)."""
    real = socket.getaddrinfo
    calls: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            calls.append(host)
            queue = answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port or 0))]
        return real(host, port, *args, **kwargs)

    return calls, mock.patch("socket.getaddrinfo", getaddrinfo)


def test_a_redirect_to_an_encoded_loopback_is_refused_at_its_hop(metrics_server, source, settings):
    port = metrics_server.httpd.server_address[1]
    metrics_server.serve("/start", "", status=302, headers={"Location": f"http://%31%32%37.0.0.1:{port}/metrics"})
    opened, route = _route_public_to(port, "93.184.216.34", "feeds.example.org")
    calls, dns = _fake_dns({"feeds.example.org": ["93.184.216.34"]})
    with PRIVATE_OFF, route, dns:
        feed = make_feed(source, f"http://feeds.example.org:{port}/start")
        run = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert run.status == "failed" and "mạng nội bộ" in run.error
    assert [path for path, _h in metrics_server.requests] == ["/start"]  # never /metrics
    assert opened == [("93.184.216.34", port)]


def test_dns_rebinding_cannot_switch_the_address_after_the_check(metrics_server, source, settings):
    """First answer public, every later answer loopback: the connection must go to the
    checked (public) address, so the local server is never reached."""
    port = metrics_server.httpd.server_address[1]
    real = urllib3.util.connection.create_connection
    opened: list[tuple[str, int]] = []

    def create_connection(address, *args, **kwargs):
        opened.append(address)
        if address[0] == "93.184.216.34":  # the public host is down: nothing to read there
            raise ConnectionRefusedError(111, "Connection refused")
        return real(address, *args, **kwargs)

    refuse_public = mock.patch.object(urllib3.util.connection, "create_connection", create_connection)
    settings.INTEL_FEED_ALLOW_PRIVATE = True
    feed = make_feed(source, f"http://rebind.example.org:{port}/metrics")
    calls, dns = _fake_dns({"rebind.example.org": ["93.184.216.34", "127.0.0.1"]})
    with PRIVATE_OFF, refuse_public, dns:
        run = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert run.status == "failed"
    assert calls == ["rebind.example.org"]  # resolved once
    assert [a for a in opened if a[1] == port] == [("93.184.216.34", port)]  # connected to the address that was checked
    assert metrics_server.requests == []

    calls, dns = _fake_dns({"rebind.example.org": ["93.184.216.34", "127.0.0.1"]})
    opened.clear()
    with PRIVATE_OFF, refuse_public, dns:
        code, _error = webhooks.post(f"http://rebind.example.org:{port}/metrics", b"{}", {})
    assert code is None and calls == ["rebind.example.org"]
    assert [a for a in opened if a[1] == port] == [("93.184.216.34", port)]
    assert metrics_server.requests == []


def test_a_pinned_connection_keeps_the_host_name_in_the_host_header(metrics_server, settings):
    port = metrics_server.httpd.server_address[1]
    metrics_server.serve("/hello", "ok")
    opened, route = _route_public_to(port, "93.184.216.34")
    calls, dns = _fake_dns({"feeds.example.org": ["93.184.216.34"]})
    with PRIVATE_OFF, route, dns:
        response = netguard.request("GET", f"http://feeds.example.org:{port}/hello", timeout=5)
        with response:
            assert response.status_code == 200 and response.text == "ok"
    assert opened == [("93.184.216.34", port)]
    assert metrics_server.requests[-1][1]["Host"] == f"feeds.example.org:{port}"


def test_unreadable_lines_come_back_only_as_a_short_escaped_sample(source, settings):
    """A feed pointed at a page that is not a list must not read that page back."""
    page = "\x1b[31m" + "TOPSECRET-" * 60 + "\n"
    with FeedServer() as s:
        settings.INTEL_FEED_ALLOW_PRIVATE = True
        feed = make_feed(source, s.serve("/page", page * 3 + domains("lua-dao-ok.xyz")))
        run = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert run.errors
    for error in run.errors:
        assert "\x1b" not in error["message"]
        assert error["message"].count("TOPSECRET") <= 8, error["message"]
        assert len(error["message"]) < 300


@pytest.mark.parametrize("url", ["https://ho%00st.example/x", "http://%2531/", "http://a%2fb.example/"])
def test_a_webhook_url_with_an_escaped_host_is_refused_when_saved(url):
    with pytest.raises(DomainError) as exc:
        webhooks.clean_url(url)
    assert exc.value.field == "url"
