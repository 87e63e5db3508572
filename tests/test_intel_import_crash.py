"""An import killed midway resumes where its last committed batch ended: after the rerun
every value is stored exactly once, the job reports the whole file, and a third run of the
same file changes nothing. The import runs as `vigil intel import` in its own process on
the embedded database, killed with SIGKILL once a batch has committed."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

COUNT = 60_000
BATCH = 5_000


def _vigil(args, env, **kwargs):
    return subprocess.run([sys.executable, "-m", "vigil", *args], env=env, capture_output=True, text=True,
                          timeout=600, **kwargs)


def _records_done(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            row = conn.execute("SELECT max(records_done) FROM intel_importjob").fetchone()
            return row[0] or 0
    except sqlite3.Error:
        return 0


@pytest.fixture
def embedded(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIL_", "DJANGO_"))}
    env.update(VIGIL_DATA_DIR=str(tmp_path / "data"), VIGIL_LOG_LEVEL="WARNING", VIGIL_INTEL_BATCH=str(BATCH))
    assert _vigil(["migrate", "-v0"], env).returncode == 0
    assert _vigil(["load-reference"], env).returncode == 0
    created = _vigil(["createuser", "analyst1", "--password", "Vigil-crash-2026", "--unit", "cqtt",
                      "--role", "analyst"], env)
    assert created.returncode == 0, created.stderr
    source = _vigil(["intel", "sources", "create", "--name", "Tệp miền", "--unit", "cqtt", "--tlp", "green",
                     "--as", "analyst1"], env)
    assert source.returncode == 0, source.stderr
    feed = tmp_path / "domains.txt"
    feed.write_text("".join(f"crash-{i:06d}.example.vn\n" for i in range(COUNT)))
    return env, feed, tmp_path / "data" / "vigil.sqlite3"


def test_killed_import_resumes_and_stores_every_value_once(embedded):
    env, feed, db = embedded
    args = ["intel", "import", str(feed), "--format", "list", "--type", "domain", "--tlp", "green",
            "--source", "Tệp miền", "--as", "analyst1"]
    proc = subprocess.Popen([sys.executable, "-m", "vigil", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and _records_done(db) < BATCH and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    interrupted_at = _records_done(db)
    assert 0 < interrupted_at < COUNT

    rerun = _vigil(args, env)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        values = conn.execute("SELECT count(*), count(DISTINCT value) FROM intel_indicator").fetchone()
        claims = conn.execute("SELECT count(*) FROM intel_indicatorsource").fetchone()[0]
        jobs = conn.execute("SELECT status, records_done, counts FROM intel_importjob").fetchall()
    assert values == (COUNT, COUNT)
    assert claims == COUNT
    assert len(jobs) == 1  # the same job was resumed, not a second one started
    status, done, counts = jobs[0]
    assert status == "done" and done == COUNT
    counts = json.loads(counts)
    assert counts["read"] == COUNT and counts["invalid"] == 0
    assert counts["created"] + counts["updated"] + counts["unchanged"] == COUNT

    again = _vigil(args, env)
    assert again.returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM intel_importjob").fetchone()[0] == 1
        assert conn.execute("SELECT max(updated_at) FROM intel_indicator").fetchone()[0] is not None
