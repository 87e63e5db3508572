"""The mailbox importer: reports sent by e-mail become incidents.

Each message is parsed with the standard library (`email`, policy=default): the subject
is the title, the text part (or the HTML part, tags stripped) the description, From the
reporter, Date the detection time, attachments evidence files (a refused attachment is
noted in the timeline, the report is still stored). The message is stored through
`intake.incident_report` with the intake key `mail:<Message-ID>` (or `mail:sha256:<digest
of the raw message>` when it has none), and marked handled ONLY AFTER that committed:
a crash in between leaves the message unhandled, and the next run finds the incident by
its key instead of storing it twice. Nothing is ever lost, nothing duplicated.

Sources: a Maildir (stdlib `mailbox`; handled messages move to the `.Processed` folder)
or an IMAP folder (`imap-tools`; handled messages are flagged Seen, and moved to a folder
when one is given). A malformed message is reported with its key and skipped.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import html
import logging
import mailbox
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from vigil.core.actors import Actor
from vigil.core.errors import DomainError, validation_errors

from ..models import Incident
from .intake import KEY_MAX, MAX_DESCRIPTION, TITLE_MAX, incident_report, submission_fingerprint

log = logging.getLogger("vigil.incidents.mail")

PAUSE_ENV = "VIGIL_TEST_MAIL_PAUSE"  # tests: seconds to wait between storing and marking handled
PROCESSED_FOLDER = "Processed"


class MalformedMessage(Exception):
    """A message that cannot become a report (no sender, unreadable)."""


@dataclass
class ParsedMail:
    key: str
    title: str
    description: str
    from_name: str
    from_email: str
    date: object
    message_id: str
    attachments: list = field(default_factory=list)  # ContentFile with a name


@dataclass
class MailResult:
    """What happened to one message: `created`, `replayed` (already stored), `failed`."""

    source_key: str
    status: str
    intake_key: str = ""
    incident: Incident | None = None
    error: str = ""


def intake_key_for(raw: bytes, message_id: str) -> str:
    mid = (message_id or "").strip().strip("<>").strip()
    if mid:
        key = f"mail:{mid}"
        if len(key) <= KEY_MAX:
            return key
        return f"mail:sha256:{hashlib.sha256(mid.encode('utf-8', 'replace')).hexdigest()}"
    return f"mail:sha256:{hashlib.sha256(raw).hexdigest()}"


def _text_of(msg) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, UnicodeError, AssertionError):  # unknown charset, broken encoding
        payload = body.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace")
    if not isinstance(content, str):
        content = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
    if body.get_content_subtype() == "html":
        content = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", content)
        content = html.unescape(strip_tags(content))
    lines = [line.rstrip() for line in content.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()[:MAX_DESCRIPTION]


def parse_message(raw: bytes) -> ParsedMail:
    """Read one raw RFC 5322 message; MalformedMessage when it cannot be a report."""
    if not raw or not raw.strip():
        raise MalformedMessage(_("Thư rỗng."))
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        from_header = str(msg.get("From", "") or "")
        subject = " ".join(str(msg.get("Subject", "") or "").split())
        message_id = str(msg.get("Message-ID", "") or "").strip()
        date_header = msg.get("Date")
    except Exception as exc:  # the header parser raises various errors on garbage
        raise MalformedMessage(_("Không đọc được tiêu đề thư: %(e)s") % {"e": exc}) from None
    name, address = email.utils.parseaddr(from_header)
    if not address or "@" not in address:
        raise MalformedMessage(_("Thư không có địa chỉ người gửi (From) hợp lệ."))
    detected = None
    if date_header:
        try:
            detected = email.utils.parsedate_to_datetime(str(date_header))
            if detected is not None and timezone.is_naive(detected):
                detected = timezone.make_aware(detected, timezone.get_fixed_timezone(0))
        except (TypeError, ValueError, IndexError):
            detected = None
    if detected is not None and detected > timezone.now():
        detected = timezone.now()
    try:
        description = _text_of(msg)
    except Exception as exc:
        raise MalformedMessage(_("Không đọc được nội dung thư: %(e)s") % {"e": exc}) from None
    attachments = []
    for index, part in enumerate(msg.iter_attachments(), start=1):
        filename = part.get_filename() or f"attachment-{index}.bin"
        payload = part.get_payload(decode=True)
        if payload is None:
            content = part.get_content()
            payload = content.encode("utf-8") if isinstance(content, str) else bytes(content or b"")
        attachments.append(ContentFile(payload, name=os.path.basename(filename)[:200] or f"attachment-{index}.bin"))
    title = subject or _("(Thư không có tiêu đề)")
    return ParsedMail(
        key=intake_key_for(raw, message_id), title=title[:TITLE_MAX], description=description,
        from_name=name.strip()[:200], from_email=address.strip(), date=detected, message_id=message_id,
        attachments=attachments,
    )


def import_message(*, actor: Actor, raw: bytes, source_key: str = "") -> MailResult:
    """Store one message as an incident (or find the one stored before); never raises
    for a bad message: the result says `failed` with the reason."""
    try:
        parsed = parse_message(raw)
    except MalformedMessage as exc:
        return MailResult(source_key=source_key, status="failed", error=str(exc))
    description = parsed.description
    if not description and not parsed.attachments:
        description = _("(Thư không có nội dung)")
    try:
        incident = incident_report(
            actor=actor, title=parsed.title, description=description, channel=Incident.Channel.EMAIL,
            detected_at=parsed.date, reporter_name=parsed.from_name, reporter_email=parsed.from_email,
            intake_key=parsed.key, attachments=parsed.attachments, skip_bad_attachments=True,
            # The same Message-ID with other content is refused; not the date (clamped to now).
            intake_fingerprint=submission_fingerprint(
                title=parsed.title, description=description, reporter_name=parsed.from_name,
                reporter_email=parsed.from_email, attachments=parsed.attachments,
            ),
        )
    except ValidationError as exc:
        text = "; ".join(f"{f}: {' '.join(m)}" for f, m in validation_errors(exc).items())
        return MailResult(source_key=source_key, status="failed", intake_key=parsed.key, error=text)
    except DomainError as exc:
        return MailResult(source_key=source_key, status="failed", intake_key=parsed.key, error=str(exc.message))
    status = "replayed" if getattr(incident, "replayed", False) else "created"
    return MailResult(source_key=source_key, status=status, intake_key=parsed.key, incident=incident)


def _pause() -> None:
    try:
        seconds = float(os.environ.get(PAUSE_ENV, "") or 0)
    except ValueError:
        seconds = 0
    if seconds > 0:
        time.sleep(seconds)


# --------------------------------------------------------------------------- sources


class MaildirSource:
    """Unhandled messages of a Maildir (its `new` and `cur`); handled ones move to the
    `.Processed` folder (Maildir++), flagged Seen."""

    def __init__(self, path: str, processed_folder: str = PROCESSED_FOLDER):
        if not os.path.isdir(os.path.join(path, "cur")) or not os.path.isdir(os.path.join(path, "new")):
            raise DomainError(_("Không phải thư mục Maildir: %(p)s") % {"p": path}, field="maildir")
        self.box = mailbox.Maildir(path, factory=None, create=False)
        self.processed_name = processed_folder

    def messages(self) -> Iterator[tuple[str, bytes]]:
        for key in sorted(self.box.keys()):
            try:
                raw = self.box.get_bytes(key)
            except KeyError:  # removed meanwhile (another run handled it)
                continue
            yield key, raw

    def mark_handled(self, key: str) -> None:
        try:
            processed = self.box.get_folder(self.processed_name)
        except mailbox.NoSuchMailboxError:
            processed = self.box.add_folder(self.processed_name)
        msg = self.box.get_message(key)
        msg.set_subdir("cur")
        msg.add_flag("S")
        processed.add(msg)
        self.box.discard(key)

    def close(self) -> None:
        self.box.close()


class ImapSource:
    """Unseen messages of an IMAP folder (imap-tools); handled ones are flagged Seen and
    moved to `move_to` when given. `mailbox_factory` is for tests."""

    def __init__(self, *, host: str, user: str, password: str, folder: str = "INBOX", ssl: bool = True,
                 port: int | None = None, move_to: str = "", mailbox_factory: Callable | None = None):
        from imap_tools import MailBox, MailBoxUnencrypted

        factory = mailbox_factory or (
            (lambda: MailBox(host, port=port or 993)) if ssl else (lambda: MailBoxUnencrypted(host, port=port or 143))
        )
        self.box = factory().login(user, password, initial_folder=folder)
        self.move_to = move_to

    def messages(self) -> Iterator[tuple[str, bytes]]:
        from imap_tools import AND

        for msg in self.box.fetch(AND(seen=False), mark_seen=False, bulk=False):
            yield str(msg.uid), msg.obj.as_bytes()

    def mark_handled(self, key: str) -> None:
        from imap_tools import MailMessageFlags

        self.box.flag(key, MailMessageFlags.SEEN, True)
        if self.move_to:
            self.box.move(key, self.move_to)

    def close(self) -> None:
        try:
            self.box.logout()
        except Exception:  # pragma: no cover - the connection may already be gone
            pass


def run_import(*, actor: Actor, source, report: Callable[[MailResult], None] | None = None,
               limit: int | None = None) -> list[MailResult]:
    """Import every unhandled message of `source`, one transaction per message; a message
    is marked handled only after its incident committed (a failed one stays unhandled)."""
    results = []
    for count, (key, raw) in enumerate(source.messages(), start=1):
        result = import_message(actor=actor, raw=raw, source_key=key)
        if result.status != "failed":
            _pause()
            source.mark_handled(key)
        else:
            log.warning("mail message %s skipped: %s", key, result.error)
        results.append(result)
        if report is not None:
            report(result)
        if limit and count >= limit:
            break
    return results
