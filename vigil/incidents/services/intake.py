"""Intake: a report of an incident, from the web form, the API, a mailbox or another
module, becomes an Incident — stored durably before anything is acknowledged.

`incident_report()` validates everything first (each bad field named), then writes the
incident, its observables, its evidence files, the "reported" timeline event and one
audit entry in ONE transaction, and returns only after that transaction committed. The
owning unit is found automatically (`routing.find_owner_unit`). An `intake_key` (the
API's Idempotency-Key, a message's Message-ID) makes a retried submission return the
incident already stored instead of a second one, including when two retries race (the
unique key decides; the loser reads the winner's row).

After commit, and only then: the owning unit's and the standing agency's members who
may change incidents are notified, and an external reporter address gets a receipt with
the tracking number (a mail failure is logged, never raised: the report is safe).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import access, audit
from vigil.core.access import visible_to
from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.models import TLP
from vigil.core.notify import NotificationKind, message, notify
from vigil.core.notify.text import render_value
from vigil.core.observables import detect_kind, normalise
from vigil.core.texts import stored
from vigil.core.uploads import check_upload
from vigil.org.models import Unit
from vigil.org.selectors.units import check_sector

from ..models import EvidenceFile, Incident, Observable
from . import routing
from .common import timeline_add
from .sla import apply_targets

log = logging.getLogger("vigil.incidents.intake")

KIND_REPORTED = "incidents.incident.reported"
KINDS = [
    NotificationKind(KIND_REPORTED, gettext_lazy("Có sự cố mới được báo cáo"), gettext_lazy("Sự cố")),
]

REFERENCE_PREFIX = "SC"
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
REFERENCE_LENGTH = 6
MAX_OBSERVABLES = 500
MAX_DESCRIPTION = 100_000
MAX_ATTACHMENTS = 20
CLOCK_SKEW = dt.timedelta(minutes=10)
TITLE_MAX = Incident._meta.get_field("title").max_length
KEY_MAX = Incident._meta.get_field("intake_key").max_length


class KeyReused(DomainError):
    """An intake key (Idempotency-Key) sent again with a different submission: the IETF
    draft "The Idempotency-Key HTTP Header Field" answers 422 Unprocessable Content."""

    status = 422
    title = gettext_lazy("Khoá chống gửi lặp đã dùng cho một báo cáo khác")


@dataclass
class RefusedAttachment:
    name: str
    reason: str


@dataclass
class _Clean:
    title: str
    description: str
    channel: str
    detected_at: dt.datetime
    reporter_unit: Unit | None
    reporter_name: str
    reporter_email: str
    reporter_phone: str
    tlp: str
    sector: str
    systems: list
    observables: list[tuple[str, str]]
    attachments: list = field(default_factory=list)  # (upload, CheckedUpload)
    refused: list[RefusedAttachment] = field(default_factory=list)


# --------------------------------------------------------------------------- parsing helpers


def new_reference(at: dt.datetime | None = None) -> str:
    """A fresh tracking number: SC-<year>-<6 random Crockford base32 characters>."""
    year = timezone.localtime(at or timezone.now()).year
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _i in range(REFERENCE_LENGTH))
    return f"{REFERENCE_PREFIX}-{year}-{body}"


def parse_observable_lines(text: str, *, field_name: str = "observables") -> list[tuple[str, str]]:
    """One indicator per line (defanged or not; `kind: value` or `kind,value` to force a
    kind); blank lines and `#` comments skipped. DomainError naming the line when one is
    not recognised."""
    out: list[tuple[str, str]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        raw = line.strip()
        if not raw or raw.startswith("#"):
            continue
        try:
            out.append(_one_observable(raw))
        except DomainError as exc:
            raise DomainError(
                _("Dòng %(n)s: %(msg)s") % {"n": number, "msg": exc.message}, field=field_name, code="observable"
            ) from None
    return out


_FORCED = re.compile(r"^(ipv4|ipv6|domain|url|email|md5|sha1|sha256|file)\s*[:,]\s*(.+)$", re.IGNORECASE)


def _one_observable(item) -> tuple[str, str]:
    if isinstance(item, dict):
        kind, value = item.get("kind") or "", item.get("value") or ""
    elif isinstance(item, list | tuple):
        kind, value = (item[0], item[1]) if len(item) == 2 else ("", "")
    else:
        kind, value = "", str(item)
        forced = _FORCED.match(value.strip())
        if forced and not value.strip().lower().startswith(("http:", "https:", "ftp:", "ftps:")):
            kind, value = forced.group(1).lower(), forced.group(2)
    if kind:
        return kind, normalise(kind, value)
    return detect_kind(value)


def parse_observables(items: Iterable = (), text: str = "") -> list[tuple[str, str]]:
    """Observables given as (kind, value) pairs, {"kind", "value"} objects or bare values
    (kind detected), plus `text` one per line; de-duplicated, in order."""
    found: list[tuple[str, str]] = []
    for index, item in enumerate(items or (), start=1):
        try:
            found.append(_one_observable(item))
        except DomainError as exc:
            raise DomainError(
                _("Dấu hiệu thứ %(n)s: %(msg)s") % {"n": index, "msg": exc.message}, field="observables",
                code="observable",
            ) from None
    found.extend(parse_observable_lines(text))
    unique = list(dict.fromkeys(found))
    if len(unique) > MAX_OBSERVABLES:
        raise DomainError(
            _("Tối đa %(n)s dấu hiệu trong một báo cáo.") % {"n": MAX_OBSERVABLES}, field="observables"
        )
    return unique


_TEXT_IP = re.compile(r"(?<![\w.])(?:\d{1,3}(?:\.|\[\.\]|\(\.\))){3}\d{1,3}(?![\w.])")
_TEXT_URL = re.compile(r"\b(?:https?|hxxps?)(?:://|\[:\]//)[^\s<>\"']+", re.IGNORECASE)
_TEXT_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.|\[\.\]|\(\.\)))+[a-z]{2,24}(?![\w-])",
    re.IGNORECASE,
)
_NOT_TLDS = {
    "txt", "pdf", "exe", "doc", "docx", "xls", "xlsx", "zip", "rar", "php", "html", "htm", "js", "jpg",
    "jpeg", "png", "gif", "csv", "json", "xml", "log", "dll", "bat", "ps1", "py", "sh", "msi", "tar", "gz",
}


def addresses_in_text(text: str, limit: int = 50) -> list[str]:
    """IP addresses, URLs and domain names written in free text (defanged ones too), for
    routing only: they are not stored as observables."""
    text = text or ""
    found: list[str] = []
    for regex in (_TEXT_URL, _TEXT_IP, _TEXT_DOMAIN):
        for match in regex.finditer(text):
            value = match.group(0).rstrip(".,;:)]}")
            if regex is _TEXT_DOMAIN and value.rsplit(".", 1)[-1].lower() in _NOT_TLDS:
                continue
            try:
                kind, norm = detect_kind(value)
            except DomainError:
                continue
            if kind in routing.ROUTABLE_KINDS and norm not in found:
                found.append(norm)
            if len(found) >= limit:
                return found
    return found


# --------------------------------------------------------------------------- validation


def _reporter_unit(actor: Actor, unit: Unit | None) -> Unit | None:
    if unit is not None:
        if not access.member_of(actor, unit):
            raise DomainError(_("Bạn chỉ báo cáo thay mặt đơn vị mình là thành viên."), field="reporter_unit")
        return unit
    mine = access.member_units(actor)
    if not mine:
        return None
    person = getattr(actor.user, "person", None)
    home = getattr(person, "home_unit_id", None) if person is not None else None
    pk = home if home in mine else min(mine)
    return Unit.objects.filter(pk=pk).first()


def _systems(actor: Actor, systems: Iterable) -> list:
    from vigil.assets.models import InformationSystem

    wanted = []
    for s in systems or ():
        pk = getattr(s, "pk", s)
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise DomainError(_("Mã hệ thống không hợp lệ: %(v)s") % {"v": s}, field="systems") from None
        if pk not in wanted:
            wanted.append(pk)
    if not wanted:
        return []
    found = {s.pk: s for s in visible_to(actor, InformationSystem).select_related("owner_unit").filter(pk__in=wanted)}
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise DomainError(
            _("Không tìm thấy hệ thống thông tin (hoặc bạn không được xem): %(ids)s") % {"ids": ", ".join(missing)},
            field="systems",
        )
    return [found[pk] for pk in wanted]


def _validate(*, actor, title, description, channel, detected_at, reporter_unit, reporter_name, reporter_email,
              reporter_phone, tlp, sector, systems, observables, observables_text, attachments,
              skip_bad_attachments) -> _Clean:
    errors: dict[str, list[str]] = {}

    def err(name, msg):
        errors.setdefault(name, []).append(str(msg))

    title = " ".join((title or "").split())
    if not title:
        err("title", _("Hãy nhập tiêu đề sự cố."))
    elif len(title) > TITLE_MAX:
        err("title", _("Tiêu đề tối đa %(n)s ký tự.") % {"n": TITLE_MAX})
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        err("description", _("Mô tả tối đa %(n)s ký tự.") % {"n": MAX_DESCRIPTION})
    if channel not in Incident.Channel.values:
        err("channel", _("Kênh tiếp nhận không hợp lệ: %(v)s") % {"v": channel})
    now = timezone.now()
    if detected_at is None:
        detected_at = now
    elif not isinstance(detected_at, dt.datetime):
        err("detected_at", _("Thời điểm phát hiện không hợp lệ."))
        detected_at = now
    else:
        if timezone.is_naive(detected_at):
            detected_at = timezone.make_aware(detected_at)
        if detected_at > now + CLOCK_SKEW:
            err("detected_at", _("Thời điểm phát hiện không thể ở tương lai."))
    reporter_name = (reporter_name or "").strip()
    if len(reporter_name) > 200:
        err("reporter_name", _("Tên người báo cáo tối đa 200 ký tự."))
    reporter_email = (reporter_email or "").strip()
    if reporter_email:
        try:
            validate_email(reporter_email)
        except ValidationError:
            err("reporter_email", _("Địa chỉ thư điện tử không hợp lệ: %(v)s") % {"v": reporter_email[:100]})
    reporter_phone = (reporter_phone or "").strip()
    if len(reporter_phone) > 32:
        err("reporter_phone", _("Số điện thoại tối đa 32 ký tự."))
    tlp = tlp or TLP.AMBER
    if tlp not in TLP.values:
        err("tlp", _("Nhãn TLP không hợp lệ: %(v)s") % {"v": tlp})
    try:
        sector = check_sector(sector)
    except DomainError as exc:
        err("sector", exc.message)
        sector = ""
    unit = None
    try:
        unit = _reporter_unit(actor, reporter_unit)
    except DomainError as exc:
        err(exc.field, exc.message)
    found_systems: list = []
    try:
        found_systems = _systems(actor, systems)
    except DomainError as exc:
        err(exc.field, exc.message)
    parsed: list[tuple[str, str]] = []
    try:
        parsed = parse_observables(observables, observables_text)
    except DomainError as exc:
        err(exc.field, exc.message)
    accepted, refused = [], []
    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        err("attachments", _("Tối đa %(n)s tệp đính kèm.") % {"n": MAX_ATTACHMENTS})
    else:
        for upload in attachments:
            upload = upload if isinstance(upload, File) else File(upload, name=getattr(upload, "name", None))
            try:
                accepted.append((upload, check_upload(upload, field="attachments")))
            except DomainError as exc:
                if skip_bad_attachments:
                    refused.append(RefusedAttachment(name=(getattr(upload, "name", "") or "?")[:255],
                                                     reason=str(exc.message)))
                else:
                    err("attachments", exc.message)
    if errors:
        raise ValidationError(errors)
    return _Clean(
        title=title, description=description, channel=channel, detected_at=detected_at, reporter_unit=unit,
        reporter_name=reporter_name, reporter_email=reporter_email, reporter_phone=reporter_phone, tlp=tlp,
        sector=sector, systems=found_systems, observables=parsed, attachments=accepted, refused=refused,
    )


# --------------------------------------------------------------------------- the service


def incident_report(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    channel: str = Incident.Channel.WEB,
    detected_at: dt.datetime | None = None,
    reporter_unit: Unit | None = None,
    reporter_name: str = "",
    reporter_email: str = "",
    reporter_phone: str = "",
    observables: Iterable = (),
    observables_text: str = "",
    systems: Iterable = (),
    tlp: str = TLP.AMBER,
    sector: str = "",
    intake_key: str | None = None,
    attachments: Iterable = (),
    skip_bad_attachments: bool = False,
    intake_fingerprint: str | None = None,
) -> Incident:
    """Receive a report and store it as a NEW incident; returns it once committed.

    Any member may report, on behalf of a unit they belong to (`reporter_unit`, by default
    their home unit). `observables`: (kind, value) pairs, {"kind", "value"} objects or bare
    values; `observables_text`: one per line — kinds detected, defanged values accepted.
    `systems`: ids (or instances) of information systems the reporter may see.
    `attachments`: uploaded files (checked by core.uploads; with `skip_bad_attachments`
    a refused file is noted in the timeline instead of refusing the report, for mail).
    `intake_key`: a retry with the same key returns the stored incident, with
    `incident.replayed = True`, and stores nothing new; the same key with a different
    submission raises KeyReused (422). Submissions are compared by `intake_fingerprint`,
    by default `submission_fingerprint()` of every argument (a mailbox passes its own,
    without the clock-dependent fields).

    Raises AccessDenied for a non-member; ValidationError naming every bad field.
    """
    if not access.is_member(actor):
        raise AccessDenied()
    user = actor.author
    key = (intake_key or "").strip() or None
    if key and len(key) > KEY_MAX:
        raise DomainError(_("Khoá chống gửi lặp tối đa %(n)s ký tự.") % {"n": KEY_MAX}, field="intake_key")
    attachments = list(attachments or ())
    fingerprint = intake_fingerprint or submission_fingerprint(
        title=title, description=description, channel=channel, detected_at=detected_at, reporter_unit=reporter_unit,
        reporter_name=reporter_name, reporter_email=reporter_email, reporter_phone=reporter_phone,
        observables=observables, observables_text=observables_text, systems=systems, tlp=tlp, sector=sector,
        attachments=attachments,
    ) if key else ""
    if key:
        existing = _replay(key, fingerprint)
        if existing is not None:
            return existing
    clean = _validate(
        actor=actor, title=title, description=description, channel=channel, detected_at=detected_at,
        reporter_unit=reporter_unit, reporter_name=reporter_name, reporter_email=reporter_email,
        reporter_phone=reporter_phone, tlp=tlp, sector=sector, systems=systems, observables=observables,
        observables_text=observables_text, attachments=attachments, skip_bad_attachments=skip_bad_attachments,
    )
    hints = addresses_in_text(f"{clean.title}\n{clean.description}")
    route = routing.find_owner_unit(
        systems=clean.systems, values=[v for k, v in clean.observables if k in routing.ROUTABLE_KINDS] + hints,
        reporter_unit=clean.reporter_unit,
    )
    saved_files: list[str] = []
    try:
        with transaction.atomic():
            incident = _store(actor=actor, user=user, clean=clean, key=key, fingerprint=fingerprint, route=route,
                              saved_files=saved_files)
    except IntegrityError:
        _remove_files(saved_files)
        existing = _replay(key, fingerprint) if key else None
        if existing is not None:
            return existing  # a concurrent retry with the same key stored it first
        raise
    except BaseException:
        _remove_files(saved_files)
        raise
    incident.replayed = False
    transaction.on_commit(lambda: _queue_after_report(actor, incident.pk))
    return incident


def _replay(key: str, fingerprint: str) -> Incident | None:
    """The incident stored under `key`, when this is a retry of the same submission;
    KeyReused when the key was used for a different one (never answered silently)."""
    existing = Incident.objects.select_related("owner_unit").filter(intake_key=key).first()
    if existing is None:
        return None
    if existing.intake_fingerprint and existing.intake_fingerprint != fingerprint:
        raise KeyReused(
            _("Khoá chống gửi lặp này đã được dùng cho một báo cáo có nội dung khác; hãy dùng khoá mới cho báo cáo mới."),
            field="intake_key", code="idempotency-key-reused",
        )
    existing.replayed = True
    return existing


def _canonical(value):
    """A JSON-able form of a submission's value, the same for the same content."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "_meta") and hasattr(value, "pk"):  # a model instance: its identity
        return [value._meta.label_lower, value.pk]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if hasattr(value, "kind") and hasattr(value, "value"):
        return [_canonical(value.kind), _canonical(value.value)]
    return str(value)


def _upload_digest(upload) -> list:
    """Name, size and SHA-256 of an uploaded file, read in chunks and rewound."""
    digest = hashlib.sha256()
    size = 0
    try:
        upload.seek(0)
        for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
            digest.update(chunk)
            size += len(chunk)
        upload.seek(0)
    except (AttributeError, OSError, ValueError):
        return [str(getattr(upload, "name", "") or ""), None, None]
    return [str(getattr(upload, "name", "") or ""), size, digest.hexdigest()]


def submission_fingerprint(*, attachments=(), **fields) -> str:
    """SHA-256 of a submission as received (every field, the attachments' contents), kept
    with its intake key: a retry must carry the same content to be answered as a retry."""
    data = {name: _canonical(value) for name, value in fields.items()}
    data["attachments"] = [_upload_digest(a) for a in attachments]
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def _remove_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - best effort: an orphan file is harmless
            log.warning("could not remove evidence file %s after a failed intake", name)


def _store(*, actor, user, clean: _Clean, key, fingerprint: str = "", route, saved_files: list[str]) -> Incident:
    now = timezone.now()
    incident = Incident(
        title=clean.title, description=clean.description, channel=clean.channel, intake_key=key,
        intake_fingerprint=fingerprint if key else "",
        state=Incident.State.NEW, owner_unit=route.unit, tlp=clean.tlp, sector=clean.sector,
        reported_by=user, reporter_unit=clean.reporter_unit, reporter_name=clean.reporter_name or
        (getattr(user, "full_name", "") if clean.channel in (Incident.Channel.WEB, Incident.Channel.API) else ""),
        reporter_email=clean.reporter_email, reporter_phone=clean.reporter_phone,
        detected_at=min(clean.detected_at, now), received_at=now, created_by=user,
    )
    # The units and accounts were checked by _validate and routing: skip the re-reads.
    incident.full_clean(exclude=["reference", "intake_key", "intake_fingerprint", "owner_unit", "reporter_unit",
                                 "reported_by", "created_by"])
    # The clocks run from receipt: until triage rates it, a report has the provisional
    # severity's targets, so an untriaged report breaches and escalates like any other.
    apply_targets(incident, severity=settings.INCIDENT_INTAKE_SEVERITY)
    for _attempt in range(8):
        incident.reference = new_reference(now)  # a taken number fails the insert: draw again
        try:
            with transaction.atomic():
                incident.save(force_insert=True)
            break
        except IntegrityError:
            incident.pk = None
            if key and Incident.objects.filter(intake_key=key).exists():
                raise
            continue
    else:  # pragma: no cover - 32^6 numbers a year
        raise DomainError(_("Không tạo được mã theo dõi; hãy thử lại."), code="reference")
    if clean.systems:
        incident.systems.set(clean.systems)
    Observable.objects.bulk_create([
        Observable(incident=incident, kind=k, value=v, added_by=user, added_at=now) for k, v in clean.observables
    ])
    for upload, checked in clean.attachments:
        evidence = EvidenceFile(
            incident=incident, name=checked.name, size=checked.size, sha256=checked.sha256,
            content_type=checked.content_type, uploaded_by=user, uploaded_at=now,
        )
        upload.seek(0)
        evidence.file.save(checked.name, upload, save=False)
        saved_files.append(evidence.file.name)
        evidence.save()
    timeline_add(
        incident=incident, actor=actor, kind="reported", at=now,
        message=stored(gettext_lazy("Tiếp nhận báo cáo sự cố qua %(channel)s; mã theo dõi %(ref)s."),
                       channel=Incident.Channel(incident.channel).label, ref=incident.reference),
        data={
            "reference": incident.reference, "channel": incident.channel, "owner_unit": route.unit.code,
            "routed_by": route.how, "routed_value": route.value, "observables": len(clean.observables),
            "evidence": len(clean.attachments), "systems": [s.pk for s in clean.systems],
        },
    )
    for refused in clean.refused:
        timeline_add(
            incident=incident, actor=actor, kind="attachment_refused", at=now,
            message=stored(gettext_lazy("Tệp đính kèm %(name)s không được lưu: %(reason)s"), name=refused.name,
                           reason=refused.reason),
            data={"name": refused.name, "reason": refused.reason},
        )
    after = audit.snapshot(incident)
    after.update(
        observables=[f"{k}:{v}" for k, v in clean.observables],
        evidence=[c.sha256 for _u, c in clean.attachments],
        systems=[s.pk for s in clean.systems],
        routed_by=route.how,
    )
    audit.record(actor=actor, action="incidents.incident.report", obj=incident, after=after)
    return incident


# --------------------------------------------------------------------------- after commit


def incident_url(incident: Incident) -> str:
    try:
        return reverse("incidents:incident_detail", kwargs={"incident_id": incident.pk})
    except NoReverseMatch:
        return f"/incidents/{incident.pk}/"


def handlers_of(units: Iterable[Unit | None]) -> list:
    """The active accounts of the direct members of `units` whose role grants `change`
    (platform authority: decides who is told, never what they see)."""
    return access.members_holding(units, "change")


def _queue_after_report(actor: Actor, incident_id: int) -> None:
    from vigil.core.queue import enqueue

    user = actor.author
    try:
        enqueue("incidents.incident_reported", incident_id, user.pk if user else None, actor.channel)
    except Exception:  # the queue is down: the report is stored and must still be acknowledged;
        # its SLA clock runs, so the scheduled check escalates it if nobody looks.
        log.exception("could not queue the notifications of incident %s", incident_id)


def after_report(actor: Actor, incident_id: int) -> None:
    """Tell the handlers of the owning unit and of the standing agency about a new report,
    and e-mail the reporter's receipt (a background job, after the report is stored)."""
    incident = Incident.objects.select_related("owner_unit").filter(pk=incident_id).first()
    if incident is None:
        return
    try:
        notify(
            recipients=handlers_of([incident.owner_unit, routing.standing_agency()]),
            kind=KIND_REPORTED,
            title=message(gettext_lazy("Sự cố mới %(ref)s: %(title)s"), ref=incident.reference, title=incident.title),
            body=message(
                gettext_lazy("Đơn vị sở hữu: %(unit)s. Tiếp nhận lúc %(at)s qua %(channel)s."),
                unit=incident.owner_unit, at=incident.received_at, channel=Incident.Channel(incident.channel).label,
            ),
            url=incident_url(incident), unit=incident.owner_unit, actor=actor, key=f"reported:{incident.pk}",
            subject=incident, at=incident.received_at,  # dated by the report, not by the job's run
        )
    except Exception:  # the report is stored; a notification failure must not undo that
        log.exception("could not notify handlers of incident %s", incident_id)
    if incident.reporter_email:
        send_receipt(incident)


def send_receipt(incident: Incident) -> bool:
    """E-mail the reporter's address the tracking number (in Vietnamese, with English
    below: the reporter may have no account, hence no language). Failures are logged."""
    parts = []
    for lang in ("vi", "en"):
        with translation.override(lang):
            parts.append((
                _("Đã tiếp nhận báo cáo sự cố %(ref)s") % {"ref": incident.reference},
                _("Báo cáo sự cố “%(title)s” đã được tiếp nhận lúc %(at)s.\nMã theo dõi: %(ref)s\n"
                  "Hãy ghi mã này khi liên hệ về sự cố.")
                % {"title": incident.title, "ref": incident.reference,
                   "at": render_value(incident.received_at)},
            ))
    subject = f"[{incident.reference}] {parts[0][0]} / {parts[1][0]}"
    body = f"{parts[0][1]}\n\n---\n\n{parts[1][1]}\n"
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [incident.reporter_email], fail_silently=False)
    except Exception:
        log.exception("could not send the receipt of incident %s to the reporter", incident.reference)
        return False
    return True


# --------------------------------------------------------------------------- reads for the reporter


def incident_track(*, user, reference: str) -> Incident:
    """The reporter's view of their report: the incident with this tracking number when
    `user` reported it or may see it (following merges for handlers). NotFound otherwise."""
    from vigil.core.errors import NotFound

    from ..selectors.incidents import incident_by_reference

    ref = (reference or "").strip().upper()
    own = None
    if getattr(user, "is_authenticated", False):
        own = Incident.objects.select_related("merged_into").filter(reference=ref, reported_by=user).first()
    if own is not None:
        return own
    try:
        return incident_by_reference(user=user, reference=ref)
    except NotFound:
        raise NotFound(_("Không tìm thấy sự cố."), field="reference") from None


def reporter_units(user):
    """The units `user` may report on behalf of (their memberships), a queryset."""
    return Unit.objects.filter(pk__in=access.member_units(user), is_active=True).select_related("kind").order_by("path")
