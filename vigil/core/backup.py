"""Backups and restores of a whole installation (issue 14): `vigil backup`, `vigil restore`.

One archive (`.tar.gz`) holds a consistent copy of the database, the uploaded files, the
audit log's signed checkpoints and, when asked for, its key; `manifest.json` comes first
and names every other member with its size and SHA-256:

    manifest.json
    database/vigil.sqlite3      SQLite's online backup (pages copied under a read lock)
    database/vigil.pgdump       or PostgreSQL's own dump (pg_dump --format=custom)
    media/<path>                every uploaded file
    audit/audit-checkpoints.log the signed checkpoints of the audit chain
    audit/audit.key             only with --with-audit-key (see below)

The audit key is left out unless asked for: whoever holds the database *and* the key can
rewrite the chain without a trace, so the key is kept apart from backups (audit_seal). A
restore then uses the key of the installation it restores into (VIGIL_AUDIT_KEY, or the
key file copied from the old installation); `--with-audit-key` makes a self-contained
archive, to be kept as secret as the key.

A restore is refused before it writes anything when the archive is not one (a member that
is not a regular file or folder, a name outside the layout, a size or checksum that differs
from the manifest, a file the manifest does not name: each named) or when the installation
is not empty (a database with tables, uploaded files, checkpoints). It extracts into a
staging folder inside the data folder, restores the database (SQLite's backup API into the
configured file; pg_restore in one transaction into the configured PostgreSQL database),
moves the files into place, then checks: the audit chain against its checkpoints, and every
stored file against the SHA-256 its row recorded. Memory stays bounded: members are
streamed, never read whole.

`scheduled_backup` (a periodic Huey job, enabled by VIGIL_BACKUP_HOUR) writes one into
VIGIL_BACKUP_DIR and keeps the newest VIGIL_BACKUP_KEEP.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit_seal import checkpoint_file, key_file
from .errors import DomainError

log = logging.getLogger("vigil.backup")

FORMAT = "vigil-backup/1"
PREFIX = "vigil-backup-"
SUFFIX = ".tar.gz"
CHUNK = 1 << 20
LAYOUT = ("manifest.json", "database/", "media/", "audit/")
DATABASE_FILES = {"sqlite": "database/vigil.sqlite3", "postgresql": "database/vigil.pgdump"}


# --------------------------------------------------------------------------- helpers


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def vendor() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _pg_env_and_target() -> tuple[dict, list[str]]:
    """libpq environment and the database argument of pg_dump / pg_restore, from settings."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env, ["--dbname", db["NAME"]]


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _configured_key() -> str:
    return (getattr(settings, "AUDIT_KEY", "") or "").strip()


def _migrations() -> dict[str, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY id")
        last = {}
        for app, name in cur.fetchall():
            last[app] = name
    return last


# --------------------------------------------------------------------------- backup


@dataclass
class Backup:
    path: Path
    files: int
    size: int
    manifest: dict


def _sqlite_copy(source_path, target: Path) -> None:
    """SQLite's online backup API, page by page under a read lock: a consistent copy while
    the platform keeps running."""
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _dump_postgresql(target: Path) -> None:
    env, dbname = _pg_env_and_target()
    result = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *dbname],
        env=env, capture_output=True, text=True, timeout=3600,
    )
    if result.returncode:
        raise DomainError(_("pg_dump thất bại: %(e)s") % {"e": result.stderr.strip()[-500:]})


def _audit_entries(kind: str, db_copy: Path) -> int:
    """Audit entries in the copy (SQLite), or in the database at the time of the dump."""
    if kind == "sqlite":
        copy = sqlite3.connect(f"file:{db_copy}?mode=ro", uri=True)
        try:
            return copy.execute("SELECT count(*) FROM core_auditentry").fetchone()[0]
        finally:
            copy.close()
    from .models import AuditEntry

    return AuditEntry.objects.count()


def create_backup(output: Path | None = None, *, with_audit_key: bool = False) -> Backup:
    """Write an archive of the installation; returns where, and what it holds. The archive
    appears under its name only once complete (written beside it, then renamed)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if output is None:
        output = backup_dir() / f"{PREFIX}{stamp}{SUFFIX}"
    output = Path(output)
    if output.is_dir():
        output = output / f"{PREFIX}{stamp}{SUFFIX}"
    output.parent.mkdir(parents=True, exist_ok=True)
    kind = vendor()
    with tempfile.TemporaryDirectory(prefix=".vigil-backup-", dir=output.parent) as staging:
        staging = Path(staging)
        members: list[tuple[str, Path]] = []
        database = staging / "database"
        database.mkdir()
        db_copy = staging / DATABASE_FILES[kind]
        if kind == "sqlite":
            _sqlite_copy(settings.DATABASES["default"]["NAME"], db_copy)
        else:
            _dump_postgresql(db_copy)
        members.append((DATABASE_FILES[kind], db_copy))
        media = _media_root()
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    members.append((f"media/{path.relative_to(media).as_posix()}", path))
        checkpoints = checkpoint_file()
        if checkpoints.is_file():
            members.append(("audit/audit-checkpoints.log", checkpoints))
        if with_audit_key:
            if _configured_key():
                key_copy = staging / "audit.key"
                key_copy.write_text(_configured_key() + "\n", encoding="ascii")
                members.append(("audit/audit.key", key_copy))
            elif key_file().is_file():
                members.append(("audit/audit.key", key_file()))
        entries = [{"path": name, "size": path.stat().st_size, "sha256": sha256_of(path)} for name, path in members]
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": kind,
            "migrations": _migrations(),
            "audit_entries": _audit_entries(kind, db_copy),
            "with_audit_key": any(name == "audit/audit.key" for name, _ in members),
            "files": entries,
        }
        manifest_path = staging / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        partial = output.with_name(f".{output.name}.partial")
        partial.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(manifest_path, arcname="manifest.json", recursive=False)
            for name, path in members:
                tar.add(path, arcname=name, recursive=False)
        os.replace(partial, output)
    size = output.stat().st_size
    log.info("backup written", extra={"path": str(output), "files": len(entries), "bytes": size})
    return Backup(path=output, files=len(entries), size=size, manifest=manifest)


def backup_dir() -> Path:
    return Path(getattr(settings, "BACKUP_DIR", Path(settings.DATA_DIR) / "backups"))


def prune(directory: Path | None = None, keep: int | None = None) -> list[Path]:
    """Remove all but the newest `keep` archives of the folder (by the time in their name);
    returns those removed. Files not named like an archive of Vigil's are left alone."""
    directory = Path(directory or backup_dir())
    keep = getattr(settings, "BACKUP_KEEP", 7) if keep is None else keep
    archives = sorted(p for p in directory.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    doomed = archives[: max(len(archives) - max(keep, 1), 0)]
    for path in doomed:
        path.unlink()
    return doomed


def scheduled_backup() -> Backup:
    """The periodic job: one archive into the backup folder, then the old ones pruned."""
    made = create_backup(backup_dir() / f"{PREFIX}{timezone.localtime():%Y%m%d-%H%M%S}{SUFFIX}")
    removed = prune()
    log.info("scheduled backup", extra={"path": str(made.path), "pruned": len(removed)})
    return made


# --------------------------------------------------------------------------- restore


@dataclass
class Restored:
    database: str
    files: int
    audit_ok: bool
    audit_message: str
    file_mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.audit_ok and not self.file_mismatches


def _refuse(message: str) -> DomainError:
    return DomainError(message, field="archive")


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return False
    return name == "manifest.json" or (name.startswith(LAYOUT[1:]) and len(path.parts) >= 2)


def _valid_entry(entry) -> bool:
    """A manifest line: a path in the layout, a size in bytes, a SHA-256 in hex."""
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not _safe_name(entry["path"]):
        return False
    size, digest = entry.get("size"), entry.get("sha256")
    return (isinstance(size, int) and not isinstance(size, bool) and size >= 0 and isinstance(digest, str)
            and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest))


def read_archive(archive: Path, staging: Path) -> dict:
    """Extract the archive into `staging` after checking every member against the layout,
    then every file against the manifest; returns the manifest. DomainError naming the
    member on any mismatch (nothing is written outside `staging`)."""
    try:
        tar = tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise _refuse(_("Không đọc được tệp sao lưu %(p)s: %(e)s") % {"p": archive, "e": exc}) from None
    with tar:
        try:
            members = tar.getmembers()
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise _refuse(_("Tệp sao lưu bị hỏng: %(e)s") % {"e": exc}) from None
        for member in members:
            if not (member.isfile() or member.isdir()) or not _safe_name(member.name.rstrip("/")):
                raise _refuse(_("Tệp sao lưu có mục không hợp lệ: %(n)s") % {"n": member.name})
        if not members or members[0].name != "manifest.json":
            raise _refuse(_("Tệp sao lưu không có manifest.json ở đầu."))
        manifest_member = tar.extractfile(members[0])
        if members[0].size > 50 * CHUNK:
            raise _refuse(_("manifest.json quá lớn."))
        try:
            manifest = json.loads(manifest_member.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise _refuse(_("manifest.json không phải JSON hợp lệ.")) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _refuse(_("Không phải tệp sao lưu của Vigil (định dạng %(f)s).") % {"f": FORMAT})
        listed = {}
        files = manifest.get("files")
        for entry in files if isinstance(files, list) else [files]:
            if not _valid_entry(entry):
                raise _refuse(_("manifest.json có mục không hợp lệ: %(e)s") % {"e": str(entry)[:200]})
            listed[entry["path"]] = entry
        if manifest.get("database") not in DATABASE_FILES or DATABASE_FILES[manifest["database"]] not in listed:
            raise _refuse(_("Tệp sao lưu không chứa cơ sở dữ liệu."))
        needed = sum(e["size"] for e in listed.values())
        if needed > shutil.disk_usage(staging).free:
            raise _refuse(_("Không đủ chỗ trống để giải nén tệp sao lưu (cần %(size)s).") % {"size": filesizeformat(needed)})
        seen = set()
        for member in members[1:]:
            if member.isdir():
                continue
            entry = listed.get(member.name)
            if entry is None:
                raise _refuse(_("Tệp %(n)s không có trong manifest.json.") % {"n": member.name})
            if member.size != entry.get("size"):
                raise _refuse(_("manifest.json ghi kích thước khác cho %(name)s.") % {"name": member.name})
            target = staging / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            source = tar.extractfile(member)
            with open(target, "wb") as out:
                while block := source.read(CHUNK):
                    digest.update(block)
                    out.write(block)
            if digest.hexdigest() != entry.get("sha256"):
                raise _refuse(_("manifest.json ghi mã SHA-256 khác cho %(name)s: tệp đã bị sửa hoặc hỏng.")
                              % {"name": member.name})
            seen.add(member.name)
        missing = sorted(set(listed) - seen)
        if missing:
            raise _refuse(_("Tệp sao lưu thiếu: %(n)s") % {"n": ", ".join(missing[:10])})
    return manifest


def what_is_not_empty() -> list[str]:
    """What already holds data ([] when the installation is empty)."""
    found = []
    if "django_migrations" in connection.introspection.table_names():
        found.append(_("cơ sở dữ liệu đã có bảng"))
    media = _media_root()
    if media.is_dir() and any(p.is_file() for p in media.rglob("*")):
        found.append(_("thư mục tệp tải lên %(p)s không trống") % {"p": media})
    if checkpoint_file().is_file() and checkpoint_file().stat().st_size:
        found.append(_("đã có tệp điểm kiểm tra %(p)s") % {"p": checkpoint_file()})
    return found


def _restore_sqlite(staged: Path) -> None:
    connection.close()
    _sqlite_copy(staged, Path(settings.DATABASES["default"]["NAME"]))


def _restore_postgresql(staged: Path) -> None:
    env, dbname = _pg_env_and_target()
    connection.close()
    result = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *dbname,
         str(staged)],
        env=env, capture_output=True, text=True, timeout=3600,
    )
    if result.returncode:
        raise DomainError(_("pg_restore thất bại, cơ sở dữ liệu không đổi: %(e)s") % {"e": result.stderr.strip()[-500:]})


def stored_file_mismatches() -> list[str]:
    """Every file a row keeps with its SHA-256 (a `sha256` or `<field>_sha256` field beside
    the FileField), checked against the file on disk: "model #pk: reason" for each that differs."""
    from django.apps import apps
    from django.db import models

    problems = []
    for model in apps.get_models():
        if not model.__module__.startswith("vigil."):
            continue
        names = {f.name for f in model._meta.concrete_fields}
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.FileField):
                continue
            checksum = f"{f.name}_sha256" if f"{f.name}_sha256" in names else ("sha256" if "sha256" in names else None)
            if checksum is None:
                continue
            for pk, name, expected in model._base_manager.exclude(**{f.name: ""}).values_list("pk", f.name, checksum):
                if not expected:
                    continue
                path = _media_root() / name
                if not path.is_file():
                    problems.append(f"{model._meta.label} #{pk}: {name} missing")
                elif sha256_of(path) != expected:
                    problems.append(f"{model._meta.label} #{pk}: {name} SHA-256 differs")
    return problems


def restore_backup(archive: Path) -> Restored:
    """Restore an archive into this (empty) installation, then check it (see the module)."""
    archive = Path(archive)
    if not archive.is_file():
        raise _refuse(_("Không tìm thấy tệp sao lưu %(p)s.") % {"p": archive})
    occupied = what_is_not_empty()
    if occupied:
        raise DomainError(_("Chỉ khôi phục vào một bản cài đặt trống: %(w)s.") % {"w": "; ".join(occupied)},
                          field="installation")
    data_dir = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory(prefix=".vigil-restore-", dir=data_dir) as staging:
        staging = Path(staging)
        manifest = read_archive(archive, staging)
        kind = manifest["database"]
        if kind != vendor():
            raise DomainError(_("Bản sao lưu của %(a)s không khôi phục được vào %(b)s.") % {"a": kind, "b": vendor()},
                              field="archive")
        key_staged = staging / "audit" / "audit.key"
        if key_staged.is_file() and not _configured_key():
            current = key_file()
            if current.is_file() and current.read_bytes().strip() != key_staged.read_bytes().strip():
                raise DomainError(_("Bản cài đặt đã có khoá nhật ký kiểm toán khác (%(p)s); hãy dùng một bản cài "
                                    "đặt trống.") % {"p": current}, field="installation")
        staged_db = staging / DATABASE_FILES[kind]
        if kind == "sqlite":
            _restore_sqlite(staged_db)
        else:
            _restore_postgresql(staged_db)
        files = 0
        media_staged = staging / "media"
        if media_staged.is_dir():
            for path in sorted(media_staged.rglob("*")):
                if path.is_file():
                    target = _media_root() / path.relative_to(media_staged)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(path, target)
                    files += 1
        checkpoints = staging / "audit" / "audit-checkpoints.log"
        if checkpoints.is_file():
            checkpoint_file().parent.mkdir(parents=True, exist_ok=True)
            shutil.move(checkpoints, checkpoint_file())
        if key_staged.is_file() and not _configured_key() and not key_file().is_file():
            key_file().parent.mkdir(parents=True, exist_ok=True)
            shutil.move(key_staged, key_file())
            os.chmod(key_file(), 0o600)
    from . import audit

    if not _configured_key() and not key_file().is_file():
        # Verifying now would create a new random key and call every entry altered.
        ok, message = False, _("Chưa có khoá nhật ký kiểm toán: chép tệp khoá của bản cài đặt cũ vào %(p)s (hoặc "
                               "đặt VIGIL_AUDIT_KEY) rồi chạy “vigil audit verify”.") % {"p": key_file()}
    else:
        result = audit.verify()
        ok = result.ok
        message = f"OK: {result.checked} entries" if ok else f"FAILED: seq {result.first_bad_seq} {result.reason}"
    restored = Restored(database=kind, files=files, audit_ok=ok, audit_message=message,
                        file_mismatches=stored_file_mismatches())
    log.info("backup restored", extra={"archive": str(archive), "files": files, "ok": restored.ok})
    return restored

