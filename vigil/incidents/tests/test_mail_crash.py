"""Crash safety of the mailbox importer: the importer is killed with SIGKILL in the
middle of a Maildir of 30 reports (while a stored message is not yet marked handled),
then run again; every message becomes exactly one incident — none lost, none twice.

Runs the real `vigil incidents-mail` command in a subprocess on a file SQLite database
(VIGIL_DATA_DIR), not the test database."""

import mailbox
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
COUNT = 30


def _env(data_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VIGIL_"))}
    env.update(DJANGO_SETTINGS_MODULE="vigil.settings", VIGIL_DATA_DIR=str(data_dir), VIGIL_HUEY_IMMEDIATE="1",
               PYTHONPATH=str(ROOT), **extra)
    return env


def _run(args, env, **kw):
    return subprocess.run([sys.executable, "-m", "vigil", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, **kw)


def _count(db: Path) -> int:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute("select count(*) from incidents_incident").fetchone()[0]


def test_sigkill_midway_then_rerun_loses_and_duplicates_nothing(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    env = _env(data)
    done = _run(["migrate", "--noinput"], env)
    assert done.returncode == 0, done.stderr[-2000:]
    setup = textwrap.dedent("""
        import django; django.setup()
        from vigil.testing import make_network
        from vigil.incidents import reference as reference_data
        make_network(); reference_data.load_all()
    """)
    done = subprocess.run([sys.executable, "-c", setup], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]

    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    for n in range(COUNT):
        m = EmailMessage()
        m["From"] = f"Người báo {n} <bao{n}@example.org>"
        m["Subject"] = f"Báo cáo sự cố {n}"
        m["Message-ID"] = f"<crash-{n}@example.org>"
        m.set_content(f"Nội dung báo cáo {n}")
        box.add(m.as_bytes())
    db = data / "vigil.sqlite3"
    args = ["incidents-mail", "--maildir", str(tmp_path / "inbox"), "--as", "agency_analyst"]

    proc = subprocess.Popen([sys.executable, "-m", "vigil", *args], cwd=ROOT,
                            env=_env(data, VIGIL_TEST_MAIL_PAUSE="0.4"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _count(db) < 5:
        assert proc.poll() is None, "the importer finished before it could be killed"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    stored_before = _count(db)
    assert 5 <= stored_before < COUNT, stored_before
    # Killed in the dangerous window: one message stored but not yet marked handled.
    assert len(mailbox.Maildir(tmp_path / "inbox", create=False)) == COUNT - stored_before + 1

    done = _run(args, env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    with sqlite3.connect(db) as conn:
        keys = [k for (k,) in conn.execute("select intake_key from incidents_incident")]
        reported = conn.execute("select count(*) from incidents_timelineevent where kind='reported'").fetchone()[0]
    assert sorted(keys) == sorted(f"mail:crash-{n}@example.org" for n in range(COUNT))
    assert reported == COUNT
    inbox = mailbox.Maildir(tmp_path / "inbox", create=False)
    assert len(inbox) == 0
    assert len(inbox.get_folder("Processed")) >= COUNT
