"""Feeds pulled by the scheduled job from a real HTTP server on 127.0.0.1 (and from a file):
new values are added, listed values are seen again, absent ones keep their last-seen time
and age out; conditional GET, server errors, oversized and gzip bodies, hosts files; who
may create and see feeds; which feeds the job picks."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from vigil.core.actors import Actor, system_actor
from vigil.core.errors import AccessDenied, DomainError, NotFound
from vigil.core.models import AuditEntry
from vigil.intel import selectors
from vigil.intel.models import Feed, FeedRun, ImportJob, Indicator, IndicatorSource
from vigil.intel.services import feeds as svc
from vigil.intel.services.sources import source_create
from vigil.testing import shared_data_dir

pytestmark = pytest.mark.django_db

REAL_BLOCKLIST = shared_data_dir() / "feeds/ip/blocklistproject-malware-ip.txt"


class FeedServer:
    """A feed publisher: `routes[path] = {"status", "body", "headers", "etag"}`. Answers a
    conditional GET whose If-None-Match equals the route's ETag with 304; keeps every
    request's path and headers in `requests`."""

    def __init__(self):
        self.routes: dict[str, dict] = {}
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = route.get("etag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                body = route.get("body", b"")
                self.send_response(route.get("status", 200))
                for name, value in route.get("headers", {}).items():
                    self.send_header(name, value)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, body: bytes | str, **route) -> str:
        self.routes[path] = {"body": body.encode() if isinstance(body, str) else body, **route}
        return self.url(path)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(settings):
    settings.INTEL_FEED_ALLOW_PRIVATE = True
    with FeedServer() as s:
        yield s


@pytest.fixture
def source(net):
    return source_create(actor=system_actor(), owner_unit=net.prov_a, name="Nguồn cấp tỉnh A", tlp="amber",
                         kind="feed")


def make_feed(source, url="", **fields):
    fields.setdefault("format", "list")
    fields.setdefault("indicator_type", "domain" if fields["format"] == "list" else "")
    return svc.feed_create(actor=system_actor(), source=source, name=fields.pop("name", "Danh sách lừa đảo"),
                           url=url, **fields)


def domains(*names) -> str:
    return "# danh sách thử\n" + "\n".join(names) + "\n"


def claim(source, value):
    return IndicatorSource.objects.select_related("indicator").get(source=source, indicator__value=value)


# --------------------------------------------------------------------------- runs


def test_a_run_adds_new_values_refreshes_listed_ones_and_lets_absent_ones_age_out(server, source):
    url = server.serve("/list.txt", domains("lua-dao-a.xyz", "lua-dao-b.xyz", "lua-dao-c.xyz"))
    feed = make_feed(source, url)
    first = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert first.status == "done" and first.http_status == 200
    assert first.counts["created"] == 3 and first.finished_at

    # A hundred days pass: every value was last seen long ago and has expired.
    old_seen = timezone.now() - dt.timedelta(days=100)
    old_expiry = old_seen + dt.timedelta(days=54)
    IndicatorSource.objects.filter(source=source).update(last_seen=old_seen, expires_at=old_expiry)
    Indicator.objects.all().update(last_seen=old_seen, expires_at=old_expiry)

    server.serve("/list.txt", domains("lua-dao-a.xyz", "lua-dao-b.xyz", "lua-dao-d.xyz"))
    started = timezone.now()
    second = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert second.status == "done"
    assert second.counts["created"] == 1 and second.counts["updated"] == 2

    for value in ("lua-dao-a.xyz", "lua-dao-b.xyz", "lua-dao-d.xyz"):
        listed = claim(source, value)
        assert listed.last_seen >= started and listed.expires_at > timezone.now()
        assert listed.indicator.status == "active"
    absent = claim(source, "lua-dao-c.xyz")
    assert absent.last_seen == old_seen and absent.expires_at == old_expiry
    assert absent.indicator.last_seen == old_seen
    assert absent.indicator.status_at(timezone.now() + dt.timedelta(days=1)) == "expired"


def test_the_same_body_again_still_counts_as_seen_again(server, source):
    url = server.serve("/same.txt", domains("lua-dao-same.xyz"))
    feed = make_feed(source, url)
    first = svc.feed_run(actor=system_actor("job"), feed=feed)
    old = timezone.now() - dt.timedelta(days=3)
    IndicatorSource.objects.filter(source=source).update(last_seen=old)
    second = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert second.status == "done" and second.sha256 == first.sha256
    assert claim(source, "lua-dao-same.xyz").last_seen > old
    assert ImportJob.objects.filter(source=source).count() == 2


def test_an_unchanged_feed_is_answered_by_a_304_and_recorded_as_unchanged(server, source, settings):
    url = server.serve("/etag.txt", domains("lua-dao-etag.xyz"), etag='"v1"')
    feed = make_feed(source, url)
    assert svc.feed_run(actor=system_actor("job"), feed=feed).status == "done"
    feed.refresh_from_db()
    assert feed.http_etag == '"v1"'

    run = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert server.requests[-1][1].get("If-None-Match") == '"v1"'
    assert run.status == "unchanged" and run.http_status == 304 and run.bytes == 0
    assert ImportJob.objects.filter(source=source).count() == 1

    # Past the refresh window the body is fetched and imported in full again.
    settings.INTEL_FEED_REFRESH_HOURS = 24
    later = timezone.now() + dt.timedelta(hours=25)
    run = svc.feed_run(actor=system_actor("job"), feed=feed, now=later)
    assert "If-None-Match" not in server.requests[-1][1]
    assert run.status == "done" and ImportJob.objects.filter(source=source).count() == 2


def test_a_server_error_is_recorded_and_the_feed_is_rescheduled(server, source):
    url = server.serve("/broken.txt", "Internal error", status=500)
    feed = make_feed(source, url, interval_minutes=30)
    now = timezone.now()
    run = svc.feed_run(actor=system_actor("job"), feed=feed, now=now)
    assert run.status == "failed" and run.http_status == 500
    assert "HTTP 500" in run.error and run.finished_at
    feed.refresh_from_db()
    assert feed.last_run_at == now and feed.next_run_at == now + dt.timedelta(minutes=30)
    assert feed.http_etag == ""


def test_an_unreachable_server_is_recorded_not_raised(source, settings):
    settings.INTEL_FEED_ALLOW_PRIVATE = True
    settings.INTEL_FEED_TIMEOUT = 2
    with FeedServer() as gone:
        url = gone.url("/list.txt")
    feed = make_feed(source, url)
    run = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert run.status == "failed" and "Không tải được" in run.error


def test_a_body_over_the_size_limit_is_refused(server, source, settings):
    settings.INTEL_FEED_MAX_BYTES = 1000
    big = domains(*(f"lua-dao-{i:05d}.xyz" for i in range(200)))
    feed = make_feed(source, server.serve("/big.txt", big))
    run = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert run.status == "failed" and "vượt quá giới hạn" in run.error
    assert not ImportJob.objects.filter(source=source).exists()

    # A small compressed body that unpacks past the limit is cut off the same way.
    bomb = gzip.compress(big.encode())
    assert len(bomb) < 1000
    feed = make_feed(source, server.serve("/bomb.txt", bomb, headers={"Content-Encoding": "gzip"}), name="Nén")
    run = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert run.status == "failed" and "vượt quá giới hạn" in run.error


def test_gzip_bodies_are_unpacked_whether_compressed_in_transit_or_as_a_file(server, source):
    body = gzip.compress(domains("lua-dao-gz1.xyz", "lua-dao-gz2.xyz").encode())
    as_file = make_feed(source, server.serve("/list.txt.gz", body, headers={"Content-Type": "application/gzip"}),
                        name="Tệp nén")
    run = svc.feed_run(actor=system_actor("job"), feed=as_file)
    assert run.status == "done" and run.counts["created"] == 2

    body = gzip.compress(domains("lua-dao-gz3.xyz").encode())
    in_transit = make_feed(source, server.serve("/enc.txt", body, headers={"Content-Encoding": "gzip"}),
                           name="Nén đường truyền")
    run = svc.feed_run(actor=system_actor("job"), feed=in_transit)
    assert run.status == "done" and run.counts["created"] == 1
    assert Indicator.objects.filter(value="lua-dao-gz3.xyz").exists()


def test_a_hosts_file_feed_imports_its_domains_and_reports_bad_lines(server, source):
    hosts = "# hosts\n0.0.0.0 lua-dao-h1.xyz\n0.0.0.0 lua-dao-h2.xyz www.lua-dao-h2.xyz\nnot a hosts line\n"
    feed = make_feed(source, server.serve("/hosts", hosts), format="hosts", name="Hosts")
    run = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert run.status == "done"
    assert run.counts["created"] == 3 and run.counts["invalid"] == 1
    assert run.errors[0]["line"] == 4
    assert set(Indicator.objects.filter(type="domain").values_list("value", flat=True)) == {
        "lua-dao-h1.xyz", "lua-dao-h2.xyz", "www.lua-dao-h2.xyz"}


def test_a_file_path_feed_reads_a_real_blocklist(source, settings):
    if not REAL_BLOCKLIST.exists():
        pytest.skip("shared data set absent")
    settings.INTEL_FEED_PATHS = [str(REAL_BLOCKLIST.parent)]
    feed = svc.feed_create(actor=system_actor(), source=source, name="Blocklist Project – malware IP",
                           path=str(REAL_BLOCKLIST), format="list", indicator_type="ipv4", interval_minutes=1440)
    run = svc.feed_run(actor=system_actor("job"), feed=feed)
    data = REAL_BLOCKLIST.read_bytes()
    assert run.status == "done", run.error
    assert run.bytes == len(data) and run.sha256 == hashlib.sha256(data).hexdigest()
    values = [line for line in data.decode().splitlines() if line and not line.startswith("#")]
    assert run.counts["created"] + run.counts["invalid"] == len(set(values))
    assert run.counts["created"] > 20000
    assert Indicator.objects.filter(type="ipv4").count() == run.counts["created"]


def test_a_file_path_outside_the_allowed_directories_is_refused(source, settings, tmp_path):
    settings.INTEL_FEED_PATHS = [str(tmp_path / "feeds")]
    with pytest.raises(DomainError) as exc:
        svc.feed_create(actor=system_actor(), source=source, name="Mật khẩu", path="/etc/passwd", format="list")
    assert exc.value.field == "path"
    escape = tmp_path / "feeds" / ".." / "secret.txt"
    with pytest.raises(DomainError) as exc:
        svc.feed_create(actor=system_actor(), source=source, name="Thoát", path=str(escape), format="list")
    assert exc.value.field == "path"


def test_feed_urls_on_internal_addresses_are_refused_at_creation_and_at_run_time(source, settings):
    settings.INTEL_FEED_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:8000/list.txt", "http://10.1.2.3/list.txt", "http://[::1]/list.txt",
                "http://localhost/list.txt"):
        with pytest.raises(DomainError) as exc:
            make_feed(source, url)
        assert exc.value.field == "url" and "mạng nội bộ" in str(exc.value.message)

    with FeedServer() as s:
        settings.INTEL_FEED_ALLOW_PRIVATE = True
        feed = make_feed(source, s.serve("/list.txt", domains("lua-dao-x.xyz")))
        settings.INTEL_FEED_ALLOW_PRIVATE = False  # DNS or policy changed since
        run = svc.feed_run(actor=system_actor("job"), feed=feed)
        assert run.status == "failed" and "mạng nội bộ" in run.error
        assert s.requests == []


def test_a_redirect_is_followed_and_each_hop_checked(server, source):
    target = server.serve("/new.txt", domains("lua-dao-moved.xyz"))
    feed = make_feed(source, server.serve("/old.txt", "", status=301, headers={"Location": "/new.txt"}))
    run = svc.feed_run(actor=system_actor("job"), feed=feed)
    assert run.status == "done" and run.counts["created"] == 1
    assert [p for p, _h in server.requests] == ["/old.txt", "/new.txt"]
    assert target.endswith("/new.txt")

    loop = make_feed(source, server.serve("/loop", "", status=302, headers={"Location": "/loop"}), name="Vòng")
    run = svc.feed_run(actor=system_actor("job"), feed=loop)
    assert run.status == "failed" and "chuyển hướng" in run.error


@pytest.mark.parametrize(("fields", "field"), [
    ({"url": "ftp://example.org/list.txt"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "https://example.org/a", "path": "/tmp/a"}, "url"),
    ({"url": ""}, "url"),
    ({"format": "xml"}, "format"),
    ({"indicator_type": "ip"}, "indicator_type"),
    ({"format": "hosts", "indicator_type": "domain"}, "indicator_type"),
    ({"options": {"bogus": 1}}, "options"),
    ({"options": ["type"]}, "options"),
    ({"interval_minutes": 2}, "interval_minutes"),
    ({"interval_minutes": 20000}, "interval_minutes"),
    ({"confidence": 101}, "confidence"),
    ({"tlp": "white"}, "tlp"),
    ({"name": "  "}, "name"),
])
def test_feed_fields_are_checked_and_the_error_names_the_field(source, settings, fields, field):
    settings.INTEL_FEED_ALLOW_PRIVATE = True
    values = {"name": "Thử", "url": "http://127.0.0.1:9/list.txt", "format": "list", **fields}
    with pytest.raises(DomainError) as exc:
        svc.feed_create(actor=system_actor(), source=source, **values)
    assert exc.value.field == field
    assert not Feed.objects.exists()


def test_feed_changes_and_deletion_are_audited(server, source, net, settings, tmp_path):
    actor = Actor(user=net.a_analyst, channel="web")
    feed = svc.feed_create(actor=actor, source=source, name="Thay đổi", url=server.serve("/a", domains("x-1.xyz")),
                           format="list", indicator_type="domain")
    svc.feed_run(actor=actor, feed=feed)
    feed.refresh_from_db()
    feed.http_etag = '"x"'
    feed.save()
    svc.feed_update(actor=actor, feed=feed, url=server.url("/b"), interval_minutes=15)
    feed.refresh_from_db()
    assert feed.http_etag == "" and feed.next_run_at == feed.last_run_at + dt.timedelta(minutes=15)
    settings.INTEL_FEED_PATHS = [str(tmp_path)]
    svc.feed_update(actor=actor, feed=feed, path=str(tmp_path / "list.txt"))  # the path replaces the URL
    assert (feed.url, feed.path) == ("", str(tmp_path / "list.txt"))
    svc.feed_update(actor=actor, feed=feed, url=server.url("/b"))
    assert feed.path == ""
    with pytest.raises(DomainError) as exc:
        svc.feed_update(actor=actor, feed=feed, source=source)
    assert "source" in str(exc.value.message)
    svc.feed_delete(actor=actor, feed=feed)
    assert not Feed.objects.filter(pk=feed.pk).exists()
    actions = list(AuditEntry.objects.filter(object_type="intel.feed").values_list("action", flat=True))
    assert {"intel.feed.create", "intel.feed.run", "intel.feed.update", "intel.feed.delete"} <= set(actions)
    assert Indicator.objects.filter(value="x-1.xyz").exists()  # what it imported stays with the source


def test_credentials_in_a_feed_url_stay_out_of_the_audit_log(server, source):
    url = server.url("/secret.txt").replace("http://", "http://reader:s3cret@")
    feed = make_feed(source, url)
    entry = AuditEntry.objects.filter(object_type="intel.feed", object_id=str(feed.pk)).get()
    assert "s3cret" not in str(entry.after) and "reader:***@" in entry.after["url"]


# --------------------------------------------------------------------------- access


def test_a_province_cannot_create_or_run_a_feed_on_another_province_source(server, source, net):
    with pytest.raises(AccessDenied):
        svc.feed_create(actor=Actor(user=net.b_analyst), source=source, name="Không được",
                        url=server.url("/x"), format="list")
    feed = make_feed(source, server.serve("/x", domains("x-2.xyz")))
    with pytest.raises(AccessDenied):
        svc.feed_run(actor=Actor(user=net.b_analyst), feed=feed)
    with pytest.raises(AccessDenied):
        svc.feed_delete(actor=Actor(user=net.a_dept), feed=feed)  # a department does not act on its parent
    assert not FeedRun.objects.exists()
    run = svc.feed_run(actor=Actor(user=net.a_analyst), feed=feed)
    assert run.status == "done"
    assert ImportJob.objects.get().started_by == net.a_analyst


def test_a_province_cannot_see_the_feeds_of_another_province_amber_source(server, source, net):
    amber = make_feed(source, server.url("/amber"), name="Riêng tỉnh A")
    green_source = source_create(actor=system_actor(), owner_unit=net.prov_a, name="Chia sẻ", tlp="green")
    green = make_feed(green_source, server.url("/green"), name="Chia sẻ chung")
    svc.feed_run(actor=system_actor("job"), feed=amber)

    assert [f.pk for f in selectors.feeds(net.b_analyst)] == [green.pk]
    with pytest.raises(NotFound):
        selectors.feed_get(net.b_analyst, amber.pk)
    assert selectors.feed_runs(net.b_analyst, amber) == []
    assert {f.pk for f in selectors.feeds(net.a_analyst)} == {amber.pk, green.pk}
    assert {f.pk for f in selectors.feeds(net.agency_analyst)} == {amber.pk, green.pk}
    assert len(selectors.feed_runs(net.a_analyst, amber)) == 1


# --------------------------------------------------------------------------- the job


def test_run_due_feeds_runs_only_enabled_due_feeds_and_one_failure_stops_nothing(server, source, net):
    now = timezone.now()
    never = make_feed(source, server.serve("/never", domains("due-1.xyz")), name="Chưa chạy")
    due = make_feed(source, server.serve("/due", domains("due-2.xyz")), name="Đến hạn")
    broken = make_feed(source, server.serve("/broken", "x", status=503), name="Hỏng")
    later = make_feed(source, server.serve("/later", domains("later.xyz")), name="Chưa đến hạn")
    off = make_feed(source, server.serve("/off", domains("off.xyz")), name="Tắt", enabled=False)
    retired = source_create(actor=system_actor(), owner_unit=net.prov_a, name="Đã ngừng", tlp="amber",
                            is_active=False)
    make_feed(retired, server.serve("/retired", domains("retired.xyz")), name="Nguồn ngừng")
    Feed.objects.filter(pk__in=[due.pk, broken.pk]).update(next_run_at=now - dt.timedelta(minutes=1))
    Feed.objects.filter(pk=later.pk).update(next_run_at=now + dt.timedelta(minutes=10))

    assert {f.pk for f in svc.due_feeds(now)} == {never.pk, due.pk, broken.pk}
    assert svc.run_due_feeds(now) == 3
    assert sorted(p for p, _h in server.requests) == ["/broken", "/due", "/never"]
    statuses = dict(FeedRun.objects.values_list("feed__name", "status"))
    assert statuses == {"Chưa chạy": "done", "Đến hạn": "done", "Hỏng": "failed"}
    for feed in (never, due, broken):
        feed.refresh_from_db()
        assert feed.next_run_at == now + dt.timedelta(minutes=60)
    assert svc.run_due_feeds(now) == 0  # nothing is due twice
    assert not Indicator.objects.filter(value__in=["later.xyz", "off.xyz", "retired.xyz"]).exists()
    off.refresh_from_db()
    assert off.last_run_at is None


def test_the_run_now_task_pulls_one_feed(server, source, net):
    from vigil.intel.jobs import feed_run_task

    feed = make_feed(source, server.serve("/now", domains("now.xyz")))
    result = feed_run_task(feed.pk, net.a_analyst.pk, "web")
    assert result() == "done"
    assert FeedRun.objects.get(feed=feed).status == "done"
    assert feed_run_task(feed.pk + 1000)() is None
