"""The README's first command, in a subprocess: `vigil demo` prepares a fresh data folder
(migrate, reference data, demo data, logins printed) and `vigil serve` answers on
127.0.0.1. Skipped on PostgreSQL runs: it exercises the embedded default (SQLite)."""

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.demo_site import free_port, vigil

pytestmark = pytest.mark.skipif(
    os.environ.get("VIGIL_DATABASE_URL", "").startswith("postgres"),
    reason="embedded-mode check (SQLite); the PostgreSQL run covers the same code in-process",
)


@pytest.fixture(scope="module")
def demo_env(demo_data):
    env, printed = demo_data
    return dict(env), printed


def test_demo_prints_url_and_logins(demo_env):
    _env, out = demo_env
    assert "http://127.0.0.1:8000/" in out
    assert "Demo logins" in out
    assert len([line for line in out.splitlines() if line.startswith("  ")]) >= 5


def test_demo_is_idempotent(demo_env):
    env, _ = demo_env
    again = vigil(["demo", "--no-serve"], env)
    assert again.returncode == 0, again.stderr[-2000:]
    verify = vigil(["audit", "verify"], env)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_serve_answers_health_on_loopback(demo_env):
    env, _ = demo_env
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.time() + 30
        body = None
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                    body = json.loads(resp.read())
                    break
            except OSError:
                time.sleep(0.3)
        assert body == {"status": "ok", "database": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as resp:
            html = resp.read().decode()
        assert 'lang="vi"' in html and "Đăng nhập" in html
        assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_behind_a_trusted_proxy_sees_the_real_client_and_sends_a_csp(demo_env):
    """`vigil serve` (waitress) passes X-Forwarded-* on to Vigil, which honours them only
    from VIGIL_TRUSTED_PROXIES: the request log names the real client."""
    env, _ = demo_env
    env = dict(env, VIGIL_TRUSTED_PROXIES="127.0.0.1", VIGIL_LOG_LEVEL="INFO")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.time() + 30
        headers = None
        while time.time() < deadline:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/login/", headers={
                    "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
                with urllib.request.urlopen(request, timeout=2) as resp:
                    headers = resp.headers
                    break
            except OSError:
                time.sleep(0.3)
        assert headers is not None
        assert "script-src 'self'" in headers["Content-Security-Policy"]
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=10)
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{") and '"path": "/login/"' in line]
    assert logged and logged[-1]["client"] == "203.0.113.7", err[-2000:]


def test_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "vigil", "--help"], capture_output=True, text=True)
    for command in ("demo", "serve", "worker", "migrate", "load-reference", "createuser",
                    "token create", "audit verify", "org who-owns", "program tasks", "incidents intake",
                    "intel import"):
        assert command in out.stdout


def test_production_mode_refuses_default_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(VIGIL_MODE="production", VIGIL_DATA_DIR=str(tmp_path))
    result = vigil(["check"], env, timeout=60)
    assert result.returncode != 0
    assert "VIGIL_SECRET_KEY" in result.stderr


ENQUEUE = """
import django
django.setup()
from vigil.core.jobs import verify_audit_chain
verify_audit_chain()  # enqueued on the SQLite queue, not run here
"""


def test_worker_runs_queued_jobs_from_the_sqlite_queue(demo_env, tmp_path):
    env, _ = demo_env
    env = dict(env, DJANGO_SETTINGS_MODULE="vigil.settings", VIGIL_HUEY_IMMEDIATE="0", VIGIL_LOG_LEVEL="INFO")
    log = tmp_path / "worker.log"
    with open(log, "w") as fh:
        worker = subprocess.Popen([sys.executable, "-m", "vigil", "worker"], env=env,
                                  stdout=fh, stderr=subprocess.STDOUT)
    try:
        out = subprocess.run([sys.executable, "-c", ENQUEUE], env=env, capture_output=True, text=True, timeout=90)
        assert out.returncode == 0, out.stderr[-2000:]
        deadline = time.time() + 40
        while time.time() < deadline and "audit chain verified" not in log.read_text():
            time.sleep(0.5)
        assert '"message": "audit chain verified"' in log.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=10)


def test_demo_incidents_are_routed_and_kept_within_their_units(demo_env):
    env, _ = demo_env
    agency = json.loads(vigil(["incidents", "workflow", "list", "--as", "phantich", "--json"], env).stdout)["items"]
    by_title = {i["title"]: i for i in agency}
    assert len(agency) >= 25  # six months of history and the five stories of the last days
    hanoi_portal = by_title["Cổng dịch vụ công Hà Nội bị thay đổi giao diện"]
    assert hanoi_portal["owner_unit"]["code"] == "ha-noi"  # from the system
    assert by_title["Dò quét cổng dịch vụ từ bên ngoài vào mạng Đà Nẵng"]["state"] == "new"
    assert {i["state"] for i in agency} >= {"in_progress", "contained", "closed", "merged"}
    hanoi = json.loads(vigil(["incidents", "workflow", "list", "--as", "hanoi", "--json"], env).stdout)["items"]
    # Hà Nội sees its own incidents and the TLP:GREEN phishing campaign, nothing else.
    assert {i["owner_unit"]["code"] for i in hanoi} == {"bo-tai-chinh", "ha-noi"}
    assert len([i for i in hanoi if i["owner_unit"]["code"] == "bo-tai-chinh"]) == 1
    assert all(i["tlp"] == "green" for i in hanoi if i["owner_unit"]["code"] != "ha-noi")
    # the former `vigil incidents list` still answers for one release, with a note on stderr
    old = vigil(["incidents", "list", "--as", "hanoi", "--json"], env)
    assert json.loads(old.stdout)["items"] == hanoi and "deprecated" in old.stderr


def test_demo_looks_alive_through_the_commands(demo_env):
    """Months of history: spread over months, SLA breaches, late statutory reports, a
    webhook with deliveries, addresses `who-owns` answers; the chain verifies."""
    env, _ = demo_env
    agency = json.loads(vigil(["incidents", "workflow", "list", "--as", "phantich", "--json", "--limit", "100"],
                              env).stdout)["items"]
    assert len({i["received_at"][:7] for i in agency if i.get("received_at")}) >= 3
    owner = vigil(["org", "who-owns", "dichvucong.hanoi.example", "--as", "vanphong", "--json"], env)
    assert owner.returncode == 0 and json.loads(owner.stdout)["owner"]["unit"]["code"] == "ha-noi"
    check = (
        "from vigil.incidents.models import SlaBreach, StageReport; from vigil.core.models import WebhookDelivery;"
        "from django.utils import timezone;"
        "print(SlaBreach.objects.count(), StageReport.objects.filter(submitted_at__isnull=True,"
        " due_at__lt=timezone.now()).exclude(incident__state__in=('closed', 'merged')).count(),"
        " WebhookDelivery.objects.count())"
    )
    shell = vigil(["shell", "-c", check], env)
    breaches, late, deliveries = (int(n) for n in shell.stdout.strip().splitlines()[-1].split())
    assert breaches >= 1 and late >= 1 and deliveries >= 1
    assert vigil(["audit", "verify"], env).returncode == 0


def test_stopping_the_server_stops_its_worker(demo_env):
    """`vigil serve` starts a worker beside it; SIGTERM to the server must not orphan it."""
    env, _ = demo_env
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    children_file = f"/proc/{proc.pid}/task/{proc.pid}/children"
    workers = []
    try:
        deadline = time.time() + 30
        while time.time() < deadline and not workers:
            try:
                with open(children_file) as f:
                    workers = [int(p) for p in f.read().split()]
            except OSError:
                pass
            time.sleep(0.2)
        assert workers, "the server started no worker"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    deadline = time.time() + 15
    while time.time() < deadline and any(os.path.exists(f"/proc/{w}") and _alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(os.path.exists(f"/proc/{w}") and _alive(w) for w in workers), "the worker outlived the server"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"  # a zombie has exited
    except OSError:
        return False


def test_demo_intelligence_is_shared_by_label_and_correlates_with_incidents(demo_env):
    env, _ = demo_env
    hanoi = json.loads(vigil(["intel", "indicators", "list", "--as", "hanoi", "--type", "phone", "--json"], env).stdout)
    assert [i["value"] for i in hanoi["items"]] == ["+84912000111"]  # Hà Nội's own AMBER source
    hcm = json.loads(vigil(["intel", "indicators", "list", "--as", "hcm", "--type", "phone", "--json"], env).stdout)
    assert hcm["items"] == []  # another province never sees it
    domains = json.loads(vigil(["intel", "indicators", "list", "--as", "hcm", "--type", "domain", "--json",
                                "--status", "all", "--limit", "100"], env).stdout)["items"]
    assert len(domains) == 41  # the feed's 40 (TLP:CLEAR) and the agency's GREEN domain
    # well-known hosting platforms on the warninglists are held back, and say so
    assert any(d["status"] == "warninglisted" and d["warning"] for d in domains)
    shown = vigil(["intel", "indicators", "show", "url:https://thuedientu-gdt.example/dang-nhap",
                   "--as", "botaichinh"], env).stdout
    assert "hxxps://thuedientu-gdt[.]example/dang-nhap" in shown and "SC-2026-" in shown
    revoked = json.loads(vigil(["intel", "indicators", "list", "--as", "phantich", "--status", "revoked",
                                "--json"], env).stdout)["items"]
    assert [i["value"] for i in revoked] == ["ibmgroup.co.uk"]
