"""`vigil backup` and `vigil restore` (issue 14), through the real command in fresh data
folders: the demo's installation (SQLite) is backed up and restored into an empty one,
where the audit chain verifies and every uploaded file matches its SHA-256; a second round
carries signed checkpoints and a key kept apart; damaged, altered and hostile archives and
an installation that is not empty are refused before anything is written. On PostgreSQL
(the CI's PostgreSQL run), the same round trip between two databases of the local server,
with pg_dump and pg_restore."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import uuid
from pathlib import Path

import pytest

from tests.demo_site import data_env as env_for
from tests.demo_site import vigil

AUDIT_KEY = "k" * 40


def ok(result):
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-3000:])
    return result.stdout


def table_counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute("select name from sqlite_master where type='table' and name not like 'sqlite_%'")]
        return {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def media_digests(folder: Path) -> dict[str, str]:
    media = folder / "media"
    return {p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in media.rglob("*") if p.is_file()}


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy an archive member by member, `change(name, data)` returning new bytes (or None
    to drop the member); the manifest is copied as it is."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            data = change(member.name, data)
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


def insert_member(source: Path, target: Path, name: str, data: bytes, *, at: int | None) -> None:
    """A copy of the archive with one more member `name` at position `at` (None: last)."""
    with tarfile.open(source, "r:gz") as old:
        members = [(m.name, old.extractfile(m).read()) for m in old.getmembers()]
    members.insert(len(members) if at is None else at, (name, data))
    with tarfile.open(target, "w:gz") as new:
        for member_name, payload in members:
            info = tarfile.TarInfo(member_name)
            info.size = len(payload)
            new.addfile(info, io.BytesIO(payload))


@pytest.fixture(scope="module")
def demo_backup(demo_data, tmp_path_factory):
    env, _printed = demo_data
    out = tmp_path_factory.mktemp("backups")
    printed = ok(vigil(["backup", "--output", str(out), "--with-audit-key", "--json"], env))
    made = json.loads(printed)
    return Path(env["VIGIL_DATA_DIR"]), Path(made["path"]), made["manifest"]


def test_the_demo_is_backed_up_and_restored_whole_into_an_empty_installation(demo_backup, tmp_path):
    source, archive, manifest = demo_backup
    assert archive.name.startswith("vigil-backup-") and archive.name.endswith(".tar.gz")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    names = {f["path"] for f in manifest["files"]}
    assert "database/vigil.sqlite3" in names and "audit/audit.key" in names
    uploaded = {n for n in names if n.startswith("media/")}
    assert uploaded and uploaded == {f"media/{p}" for p in media_digests(source)}
    assert manifest["database"] == "sqlite" and manifest["audit_entries"] > 100
    with tarfile.open(archive, "r:gz") as tar:
        assert tar.getnames()[0] == "manifest.json"

    target = tmp_path / "restored"
    printed = ok(vigil(["restore", str(archive)], env_for(target)))
    assert f"OK: {manifest['audit_entries']} entries" in printed
    assert ok(vigil(["audit", "verify"], env_for(target))).startswith(f"OK: {manifest['audit_entries']} entries")
    assert media_digests(target) == media_digests(source)
    assert table_counts(target / "vigil.sqlite3") == table_counts(source / "vigil.sqlite3")
    assert (target / "audit.key").read_bytes() == (source / "audit.key").read_bytes()
    assert oct((target / "audit.key").stat().st_mode & 0o777) == "0o600"
    # the restored installation goes on: a new audited write, and the chain still verifies
    ok(vigil(["token", "create", "vanphong", "--name", "after-restore"], env_for(target)))
    assert ok(vigil(["audit", "verify"], env_for(target))).startswith(f"OK: {manifest['audit_entries'] + 1} entries")

    again = vigil(["restore", str(archive)], env_for(target))  # no longer empty
    assert again.returncode == 1 and "Chỉ khôi phục vào một bản cài đặt trống" in again.stderr
    assert table_counts(target / "vigil.sqlite3")["core_apitoken"] == table_counts(source / "vigil.sqlite3")[
        "core_apitoken"] + 1  # untouched by the refused restore


def test_checkpoints_travel_and_a_key_kept_apart_verifies_them(demo_backup, tmp_path):
    _source, archive, _manifest = demo_backup
    first = tmp_path / "first"
    ok(vigil(["restore", str(archive)], env_for(first)))
    ok(vigil(["audit", "checkpoint"], env_for(first)))
    printed = ok(vigil(["backup", "--output", str(tmp_path / "b2.tar.gz"), "--json"], env_for(first)))
    made = json.loads(printed)["manifest"]
    names = {f["path"] for f in made["files"]}
    assert "audit/audit-checkpoints.log" in names and "audit/audit.key" not in names

    keyless = tmp_path / "keyless"
    result = vigil(["restore", str(tmp_path / "b2.tar.gz")], env_for(keyless))
    assert result.returncode == 1 and "Chưa có khoá nhật ký kiểm toán" in result.stdout, result.stdout
    assert not (keyless / "audit.key").exists()  # no new random key that would call every entry altered

    second = tmp_path / "second"
    second.mkdir()
    shutil.copy2(first / "audit.key", second / "audit.key")  # the operator's copy, kept apart
    printed = ok(vigil(["restore", str(tmp_path / "b2.tar.gz")], env_for(second)))
    assert f"OK: {made['audit_entries']} entries" in printed
    assert (second / "audit-checkpoints.log").read_text() == (first / "audit-checkpoints.log").read_text()
    # the checkpoints are enforced after the restore: the chain rewound below the seal is caught
    con = sqlite3.connect(second / "vigil.sqlite3")
    try:
        con.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
        last = con.execute("select max(seq) from core_auditentry").fetchone()[0]
        con.execute("delete from core_auditentry where seq = ?", (last,))
        con.commit()
    finally:
        con.close()
    broken = vigil(["audit", "verify"], env_for(second))
    assert broken.returncode == 1 and "FAILED" in broken.stderr, broken.stderr


@pytest.mark.parametrize("damage", ["altered-file", "extra-file", "missing-file", "outside-path", "bad-manifest",
                                    "not-an-archive"])
def test_a_damaged_or_hostile_archive_is_refused_before_anything_is_written(demo_backup, tmp_path, damage):
    _source, archive, manifest = demo_backup
    bad = tmp_path / "bad.tar.gz"
    media_name = next(f["path"] for f in manifest["files"] if f["path"].startswith("media/"))
    if damage == "altered-file":
        rewrite_archive(archive, bad, lambda n, d: d[:-1] + bytes([d[-1] ^ 1]) if n == media_name else d)
        expected = media_name
    elif damage == "extra-file":
        insert_member(archive, bad, "media/planted.php", b"<?php system($_GET[1]);", at=None)
        expected = "media/planted.php"
    elif damage == "missing-file":
        rewrite_archive(archive, bad, lambda n, d: None if n == media_name else d)
        expected = media_name
    elif damage == "outside-path":
        insert_member(archive, bad, "../../escaped.txt", b"x", at=1)
        expected = "../../escaped.txt"
    elif damage == "bad-manifest":
        def size_as_text(name, data):
            if name != "manifest.json":
                return data
            doc = json.loads(data)
            doc["files"][0]["size"] = "a lot"
            return json.dumps(doc).encode()

        rewrite_archive(archive, bad, size_as_text)
        expected = "manifest.json"
    else:
        bad.write_bytes(b"PK\x03\x04 this is a zip, not a backup" * 10)
        expected = str(bad)
    target = tmp_path / "target"
    result = vigil(["restore", str(bad)], env_for(target))
    assert result.returncode == 1, result.stdout
    assert expected in result.stderr, result.stderr
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()
    db = target / "vigil.sqlite3"
    assert not db.exists() or table_counts(db) == {}, "a refused restore wrote to the database"
    assert not (target / "media").exists() or not any((target / "media").rglob("*.*"))


def test_the_scheduled_backup_runs_at_its_hour_and_keeps_the_newest(tmp_path, settings, monkeypatch):
    from django.utils import timezone

    from vigil.core import backup, jobs

    settings.BACKUP_DIR = tmp_path
    settings.BACKUP_KEEP = 2
    for day in range(1, 5):
        (tmp_path / f"vigil-backup-2026110{day}-021700.tar.gz").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("kept")
    made = []

    def fake_create(output=None, **kw):
        Path(output).write_bytes(b"new")
        made.append(Path(output))
        return backup.Backup(path=Path(output), files=1, size=3, manifest={})

    monkeypatch.setattr(backup, "create_backup", fake_create)
    settings.BACKUP_HOUR = (timezone.localtime().hour + 1) % 24
    assert jobs.scheduled_backup.call_local() is None and made == []
    settings.BACKUP_HOUR = None
    assert jobs.scheduled_backup.call_local() is None and made == []
    settings.BACKUP_HOUR = timezone.localtime().hour
    assert jobs.scheduled_backup.call_local()["files"] == 1
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([made[0].name, "vigil-backup-20261104-021700.tar.gz", "notes.txt"])


# --------------------------------------------------------------------------- PostgreSQL


def _postgres():
    url = os.environ.get("VIGIL_DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("the PostgreSQL round trip runs in the PostgreSQL suite (VIGIL_DATABASE_URL)")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump and pg_restore are not installed")
    import psycopg

    base = url.rsplit("/", 1)[0]
    return psycopg, base


def test_postgresql_round_trip_with_pg_dump_and_pg_restore(tmp_path):
    psycopg, base = _postgres()
    names = [f"vigil_backup_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("src", "dst")]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        src = env_for(tmp_path / "a", VIGIL_DATABASE_URL=f"{base}/{names[0]}", VIGIL_AUDIT_KEY=AUDIT_KEY)
        dst = env_for(tmp_path / "b", VIGIL_DATABASE_URL=f"{base}/{names[1]}", VIGIL_AUDIT_KEY=AUDIT_KEY)
        ok(vigil(["migrate"], src))
        ok(vigil(["load-reference"], src))
        ok(vigil(["createuser", "backup_check", "--unit", "cqtt", "--role", "analyst"],
                 {**src, "VIGIL_PASSWORD": "Tram-Sao-Luu-9!q"}))
        ok(vigil(["audit", "checkpoint"], src))
        entries = int(ok(vigil(["audit", "verify"], src)).split()[1])
        made = json.loads(ok(vigil(["backup", "--output", str(tmp_path / "pg.tar.gz"), "--json"], src)))
        assert made["manifest"]["database"] == "postgresql"
        assert "database/vigil.pgdump" in {f["path"] for f in made["manifest"]["files"]}
        printed = ok(vigil(["restore", str(tmp_path / "pg.tar.gz")], dst))
        assert f"OK: {entries} entries" in printed
        assert ok(vigil(["audit", "verify"], dst)).startswith(f"OK: {entries} entries")

        def counts(name):
            with psycopg.connect(f"{base}/{name}") as con:
                tables = [r[0] for r in con.execute(
                    "select tablename from pg_tables where schemaname = 'public' order by 1")]
                return {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}

        assert counts(names[1]) == counts(names[0]) and counts(names[1])["core_auditentry"] == entries
        refused = vigil(["restore", str(tmp_path / "pg.tar.gz")], dst)
        assert refused.returncode == 1
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
