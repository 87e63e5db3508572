"""The audit chain's seal: a key and signed checkpoints, both kept outside the database.

Anyone who can write to the database could otherwise delete the last entries and rewind
the chain head, or rewrite an entry and recompute every later hash. So:

- Every new entry's hash is an HMAC-SHA256 keyed with `audit_key()`: the key comes from
  `VIGIL_AUDIT_KEY`, or from a key file in the data folder (`VIGIL_AUDIT_KEY_FILE`,
  default `audit.key`) that is created with mode 0600 at first use. It is never stored in
  the database; without it nobody can compute a valid hash.
- A checkpoint seals the chain's head: one line `v1 <seq> <hash> <time> <hmac>` appended to
  `VIGIL_AUDIT_CHECKPOINT_FILE` (default `audit-checkpoints.log` in the data folder), and a
  notification (in the app and by e-mail) to every user holding a role with the `audit`
  action. `vigil audit checkpoint` writes one; a Huey job does it every hour when the chain
  has grown. `audit.verify()` then reports fewer entries than a checkpoint's sequence as
  truncation and a different hash at a checkpoint's sequence as a rewrite.

Keep the key file and the checkpoint file out of the database's backups-with-write-access,
and the checkpoint notifications in the auditors' mailboxes: each is an independent witness.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .notify.registry import NotificationKind
from .refs import is_pk

CHECKPOINT_KIND = "core.audit.checkpoint"
KINDS = [
    NotificationKind(CHECKPOINT_KIND, gettext_lazy("Điểm kiểm tra có chữ ký của nhật ký kiểm toán"),
                     gettext_lazy("Kiểm toán")),
]

_KEYS: dict[tuple[str, str], bytes] = {}


# --------------------------------------------------------------------------- the key


def key_file() -> Path:
    """Where the audit key is kept when VIGIL_AUDIT_KEY is empty."""
    return Path(getattr(settings, "AUDIT_KEY_FILE", Path(settings.DATA_DIR) / "audit.key"))


def _create_key_file(path: Path) -> None:
    """Write a new random key to `path` (0600) unless another process got there first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic, and refuses to replace a key that already exists
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def audit_key() -> bytes:
    """The secret that keys the audit chain (see the module's docstring)."""
    configured = getattr(settings, "AUDIT_KEY", "") or ""
    path = key_file()
    cache_key = (configured, str(path))
    if cache_key in _KEYS:
        return _KEYS[cache_key]
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured("VIGIL_AUDIT_KEY must be at least 32 characters.")
        key = configured.encode()
    else:
        if not path.exists():
            _create_key_file(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077 and getattr(settings, "MODE", "embedded") == "production":
            raise ImproperlyConfigured(
                f"The audit key file {path} must be readable by its owner only (chmod 600)."
            )
        key = path.read_text(encoding="ascii").strip().encode()
        if len(key) < 32:
            raise ImproperlyConfigured(f"The audit key file {path} holds no usable key (32+ characters).")
    _KEYS[cache_key] = key
    return key


def keyed_digest(data: bytes, key: bytes | None = None) -> str:
    return hmac.new(key or audit_key(), data, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    line: int = 0

    def signed_text(self) -> str:
        return f"v1\t{self.seq}\t{self.hash}\t{self.at}"

    def mac(self, key: bytes | None = None) -> str:
        return keyed_digest(("audit-checkpoint\n" + self.signed_text()).encode(), key)

    def as_line(self) -> str:
        return f"{self.signed_text()}\t{self.mac()}\n"


class CheckpointFileError(Exception):
    """A line of the checkpoint file is malformed or its signature does not match."""

    def __init__(self, line: int, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}")


def checkpoint_file() -> Path:
    return Path(getattr(settings, "AUDIT_CHECKPOINT_FILE", Path(settings.DATA_DIR) / "audit-checkpoints.log"))


def read_checkpoints() -> list[Checkpoint]:
    """Every checkpoint in the file, oldest first; CheckpointFileError on a bad line."""
    path = checkpoint_file()
    if not path.exists():
        return []
    key = audit_key()
    found: list[Checkpoint] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.rstrip("\n")
            if not text.strip():
                continue
            parts = text.split("\t")
            if len(parts) != 5 or parts[0] != "v1" or not is_pk(parts[1]) or len(parts[2]) != 64:
                raise CheckpointFileError(number, "malformed")
            cp = Checkpoint(seq=int(parts[1]), hash=parts[2], at=parts[3], line=number)
            if not hmac.compare_digest(cp.mac(key), parts[4]):
                raise CheckpointFileError(number, "signature")
            found.append(cp)
    return found


def _append(cp: Checkpoint) -> None:
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, cp.as_line().encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def auditor_ids() -> list[int]:
    """Users holding an active membership in a role with the `audit` action."""
    from .access import user_ids_holding

    return user_ids_holding("audit")


def _notify_auditors(cp: Checkpoint, *, key: str) -> int:
    from django.utils.translation import gettext as _

    from .notify import message, notify

    recipients = auditor_ids()
    if not recipients:
        return 0
    notify(
        recipients=recipients, kind=CHECKPOINT_KIND, key=key, url="/audit/",
        title=message(_("Điểm kiểm tra nhật ký kiểm toán: bản ghi số %(seq)s"), seq=cp.seq),
        body=message(
            _("Đầu chuỗi nhật ký kiểm toán lúc %(at)s: bản ghi số %(seq)s, mã băm %(hash)s. "
              "Dòng có chữ ký: %(line)s. Hãy lưu thư này; “vigil audit verify” so chuỗi với các "
              "điểm kiểm tra để phát hiện bản ghi bị xoá hoặc viết lại."),
            at=cp.at, seq=cp.seq, hash=cp.hash, line=cp.as_line().strip(),
        ),
    )
    return len(recipients)


def _grown_since(last: Checkpoint) -> bool:
    """Whether entries other than the notification of a checkpoint itself were appended
    after `last` (so an hourly job does not keep sealing its own notices)."""
    from .models import AuditEntry

    return (
        AuditEntry.objects.filter(seq__gt=last.seq)
        .exclude(action="core.notification.send", after__kind=CHECKPOINT_KIND)
        .exists()
    )


@dataclass
class CheckpointResult:
    ok: bool
    checkpoint: Checkpoint | None = None
    written: bool = False
    notified: int = 0
    verify: object = None


def write_checkpoint(*, notify_key: str | None = None, only_if_grown: bool = False) -> CheckpointResult:
    """Verify the chain since the last checkpoint and, if intact, seal its head: append a
    signed line to the checkpoint file and notify the auditors. A broken chain is never
    sealed (the result says why). With `only_if_grown`, nothing is written when the head
    has not moved since the last checkpoint. `notify_key` deduplicates notifications
    (one per key per auditor); by default every checkpoint is sent."""
    from . import audit

    result = audit.verify()
    if not result.ok:
        return CheckpointResult(ok=False, verify=result)
    head_seq, head_hash = result.head_seq, result.head_hash
    try:
        last = (read_checkpoints() or [None])[-1]
    except CheckpointFileError:
        last = None  # unreachable: verify() reported it above
    if only_if_grown and last is not None and not _grown_since(last):
        return CheckpointResult(ok=True, checkpoint=last, verify=result)
    if head_seq == 0:
        return CheckpointResult(ok=True, verify=result)
    at = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    cp = Checkpoint(seq=head_seq, hash=head_hash, at=at)
    _append(cp)
    notified = _notify_auditors(cp, key=notify_key or f"{cp.seq}:{cp.hash[:16]}:{cp.at}")
    return CheckpointResult(ok=True, checkpoint=cp, written=True, notified=notified, verify=result)
