"""A report is stored before it is acknowledged, and a crash loses nothing.

The real server (`vigil serve`) runs in a subprocess on SQLite; clients post reports with
an Idempotency-Key; the server is killed with SIGKILL while reports are in flight, then
started again and every client retries what it did not see acknowledged. Afterwards
every acknowledged report is in the database, and every key is exactly one incident.
Skipped on PostgreSQL runs: the PostgreSQL bench (bench/run incidents) posts at 200+ rps
and checks the same property there."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("VIGIL_DATABASE_URL", "").startswith("postgres"),
    reason="subprocess server on the embedded SQLite database",
)

REPORTS = 60


def vigil(args, env, timeout=240):
    result = subprocess.run(
        [sys.executable, "-m", "vigil", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env, port):
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 40
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("the server did not start")


def post_report(port, token, key):
    body = json.dumps({
        "title": f"Tấn công thử nghiệm {key}",
        "description": "Máy chủ web bị thay đổi giao diện.",
        "observables": ["198.51.100.7"],
    }).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/incidents/reports", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except OSError:
        return None, None


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIL_", "DJANGO_"))}
    env.update(VIGIL_DATA_DIR=str(tmp_path), VIGIL_LOG_LEVEL="WARNING", VIGIL_PASSWORD="Crash-Test-2026!x")
    vigil(["migrate"], env)
    vigil(["load-reference"], env)
    vigil(["createuser", "intake", "--unit", "cqtt", "--role", "analyst"], env)
    token = vigil(["token", "create", "intake", "--scope", "write"], env).strip().splitlines()[-1]
    return env, token, tmp_path / "vigil.sqlite3"


def test_killed_server_loses_no_acknowledged_report_and_retries_make_no_duplicates(env):
    env, token, db = env
    port = free_port()
    server = start_server(env, port)
    acked: dict[str, str] = {}
    lock = threading.Lock()
    keys = [f"crash-{i:03d}" for i in range(REPORTS)]

    def client(my_keys):
        for key in my_keys:
            status, body = post_report(port, token, key)
            if status in (200, 201):
                with lock:
                    acked[key] = body["reference"]

    threads = [threading.Thread(target=client, args=(keys[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + 60
    while len(acked) < REPORTS // 3 and time.time() < deadline:
        time.sleep(0.01)
    server.send_signal(signal.SIGKILL)  # mid-stream: some requests are in flight
    server.wait(timeout=10)
    for t in threads:
        t.join(timeout=60)
    first_run = dict(acked)
    assert 0 < len(first_run) < REPORTS, "the kill must land while reports are still being sent"

    with sqlite3.connect(db) as conn:
        stored = {r for (r,) in conn.execute("SELECT reference FROM incidents_incident")}
    assert set(first_run.values()) <= stored, "an acknowledged report was lost"

    server = start_server(env, port)
    try:
        for key in keys:  # every client retries everything it sent, acknowledged or not
            status, body = post_report(port, token, key)
            assert status in (200, 201), (key, status)
            if key in first_run:
                assert status == 200 and body["reference"] == first_run[key], key
            acked[key] = body["reference"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT reference FROM incidents_incident").fetchall()
    references = [r for (r,) in rows]
    assert len(references) == REPORTS, "a retried report was stored twice"
    assert set(references) == set(acked.values())
