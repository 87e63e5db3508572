"""Writes on meetings: the meeting itself (planned → held → concluded), its attendees,
the connected sites of an online meeting, its documents, the conclusion notice (number
and date, unique per body unit) and the conclusions, the numbered items of that notice.
A conclusion turns into tasks through `conclusion_task_create` (the task service).

Creating a meeting needs `add` on the body unit; every other write needs `change` on it
(core UnitsPolicy: the meeting's write path is its body unit). Once the meeting is
concluded its notice and conclusions are frozen; attendance, sites, documents and the
minutes can still be completed, and conclusions can still be turned into tasks.
Every write is one transaction with its audit entry; a refused upload stores nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from vigil.core import audit, concurrency
from vigil.core.access import can, can_in_unit, visible_to
from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError, NotFound
from vigil.core.refs import is_pk
from vigil.core.uploads import check_upload
from vigil.org.models import Membership, Person, Unit

from ..models import Conclusion, Meeting, MeetingAttendee, MeetingDocument, MeetingSite, Task
from ..status import today

EDITABLE = (
    "title", "kind", "held_on", "start_time", "location", "is_online", "chair", "agenda", "minutes",
    "notice_number", "notice_date",
)
NOTICE_FIELDS = ("notice_number", "notice_date")
ORDER = [Meeting.Status.PLANNED, Meeting.Status.HELD, Meeting.Status.CONCLUDED]


# --------------------------------------------------------------------------- checks


def _user(actor: Actor):
    return actor.user if actor is not None else None


def _author(actor: Actor):
    user = _user(actor)
    return user if getattr(user, "is_authenticated", False) else None


def _require_add(actor: Actor, unit: Unit) -> None:
    user = _user(actor)
    if user is not None and not can_in_unit(user, "add", unit):
        raise AccessDenied(
            _("Bạn không có quyền tạo phiên họp cho %(u)s.") % {"u": unit.display_name}, field="body_unit"
        )


def require_change(actor: Actor, meeting: Meeting) -> None:
    """`change` on the meeting's body unit (the platform's own authority passes)."""
    user = _user(actor)
    if user is not None and not can(user, "change", meeting):
        raise AccessDenied()


def _require_open_notice(meeting: Meeting, field: str = "status") -> None:
    if meeting.status == Meeting.Status.CONCLUDED:
        raise Conflict(
            _("Phiên họp đã ban hành thông báo kết luận; không thể sửa thông báo và các kết luận."),
            field=field, code="concluded",
        )


def _text(value, field: str, label: str, max_length: int | None = None, required: bool = False) -> str:
    value = " ".join(str(value or "").split()) if max_length else str(value or "").strip()
    if required and not value:
        raise DomainError(_("Hãy nhập %(label)s.") % {"label": label}, field=field)
    if max_length and len(value) > max_length:
        raise DomainError(
            _("%(label)s dài quá %(n)s ký tự.") % {"label": label[:1].upper() + label[1:], "n": max_length},
            field=field,
        )
    return value


def _date(value, field: str, label: str, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise DomainError(_("Hãy nhập %(label)s (YYYY-MM-DD).") % {"label": label}, field=field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(_("%(label)s không hợp lệ (YYYY-MM-DD).") % {"label": label[:1].upper() + label[1:]},
                          field=field) from None


def _time(value, field: str = "start_time") -> dt.time | None:
    if value in (None, ""):
        return None
    try:
        parsed = value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is not None:  # a local wall-clock time: no offset
        raise DomainError(_("Giờ bắt đầu không hợp lệ (HH:MM)."), field=field)
    return parsed


def _choice(value, choices, field: str, label: str):
    values = [c[0] for c in choices]
    if value not in values:
        raise DomainError(
            _("%(label)s phải là một trong: %(v)s.") % {"label": label, "v": ", ".join(map(str, values))},
            field=field,
        )
    return value


def _visible_person(actor: Actor, person, field: str) -> Person | None:
    if person is None or person == "":
        return None
    pk = person.pk if isinstance(person, Person) else person
    qs = Person.objects.select_related("home_unit")
    if _user(actor) is not None:
        qs = visible_to(actor.user, qs)
    found = qs.filter(pk=pk).first() if is_pk(pk) else None
    if found is None:
        raise NotFound(_("Không tìm thấy cán bộ %(p)s.") % {"p": person}, field=field)
    return found


def _visible_unit(actor: Actor, unit, field: str) -> Unit:
    if unit is None or unit == "":
        raise DomainError(_("Hãy chọn đơn vị."), field=field)
    pk = unit.pk if isinstance(unit, Unit) else unit
    qs = Unit.objects.filter(is_active=True).select_related("kind")
    if _user(actor) is not None:
        qs = visible_to(actor.user, qs)
    found = qs.filter(pk=pk).first() if is_pk(pk) else qs.filter(code=str(pk)).first()
    if found is None:
        raise NotFound(_("Không tìm thấy đơn vị %(u)s.") % {"u": unit}, field=field)
    return found


def _check_notice_free(meeting: Meeting) -> None:
    if not meeting.notice_number:
        return
    taken = Meeting.objects.filter(body_unit_id=meeting.body_unit_id, notice_number=meeting.notice_number)
    if meeting.pk:
        taken = taken.exclude(pk=meeting.pk)
    if taken.exists():
        raise Conflict(
            _("%(u)s đã có thông báo kết luận số %(n)s.")
            % {"u": meeting.body_unit.display_name, "n": meeting.notice_number},
            field="notice_number", code="duplicate",
        )


def _check_dates(meeting: Meeting) -> None:
    if meeting.notice_date and meeting.notice_date < meeting.held_on:
        raise DomainError(_("Ngày thông báo không thể trước ngày họp."), field="notice_date")
    if meeting.notice_date and meeting.notice_date > today():
        raise DomainError(_("Ngày thông báo không thể ở tương lai."), field="notice_date")
    if meeting.status != Meeting.Status.PLANNED and meeting.held_on > today():
        raise DomainError(
            _("Phiên họp đã diễn ra thì ngày họp không thể ở tương lai."), field="held_on"
        )


def _save(meeting: Meeting) -> None:
    """Save; a concurrent writer that took the same notice number first becomes a Conflict."""
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError as exc:
        raise Conflict(
            _("Đơn vị đã có thông báo kết luận mang số này."), field="notice_number", code="duplicate"
        ) from exc


KEEP = object()  # an argument not given: the field stays as it is


def _locked(meeting: Meeting) -> Meeting:
    # Only the meeting row is locked: PostgreSQL refuses FOR UPDATE on the outer join to `chair`.
    return Meeting.objects.select_for_update(of=("self",)).select_related("body_unit", "chair").get(pk=meeting.pk)


# --------------------------------------------------------------------------- meetings


def meeting_create(
    *,
    actor: Actor,
    body_unit: Unit,
    title: str,
    held_on,
    kind: str = Meeting.Kind.REGULAR,
    start_time=None,
    location: str = "",
    is_online: bool = False,
    chair: Person | None = None,
    agenda: str = "",
    minutes: str = "",
) -> Meeting:
    """Record a meeting of `body_unit`'s body (`add` on that unit), planned at first."""
    if body_unit is None:
        raise DomainError(_("Hãy chọn cơ quan họp."), field="body_unit")
    _require_add(actor, body_unit)
    meeting = Meeting(
        body_unit=body_unit,
        title=_text(title, "title", _("tiêu đề"), 300, required=True),
        kind=_choice(kind or Meeting.Kind.REGULAR, Meeting.Kind.choices, "kind", _("Loại phiên họp")),
        held_on=_date(held_on, "held_on", _("ngày họp")),
        start_time=_time(start_time),
        location=_text(location, "location", _("địa điểm"), 300),
        is_online=bool(is_online),
        chair=_visible_person(actor, chair, "chair"),
        agenda=_text(agenda, "agenda", _("chương trình họp")),
        minutes=_text(minutes, "minutes", _("biên bản")),
        created_by=_author(actor),
    )
    with transaction.atomic():
        meeting.full_clean()
        _save(meeting)
        audit.record(actor=actor, action="program.meeting.create", obj=meeting, after=audit.snapshot(meeting))
    return meeting


def meeting_update(*, actor: Actor, meeting: Meeting, version: int | None = None, **changes) -> Meeting:
    """Change a meeting's information, minutes or its notice (number and date; the notice
    is frozen once the meeting is concluded)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(
            _("Không sửa được trường: %(f)s.") % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0]
        )
    require_change(actor, meeting)
    with transaction.atomic():
        meeting = _locked(meeting)
        concurrency.require_version(meeting, version)
        before = audit.snapshot(meeting)
        for name, value in changes.items():
            if name == "title":
                value = _text(value, "title", _("tiêu đề"), 300, required=True)
            elif name == "kind":
                value = _choice(value, Meeting.Kind.choices, "kind", _("Loại phiên họp"))
            elif name == "held_on":
                value = _date(value, "held_on", _("ngày họp"))
            elif name == "start_time":
                value = _time(value)
            elif name == "location":
                value = _text(value, "location", _("địa điểm"), 300)
            elif name == "is_online":
                value = bool(value)
            elif name == "chair":
                value = _visible_person(actor, value, "chair")
            elif name in ("agenda", "minutes"):
                value = _text(value, name, name)
            elif name == "notice_number":
                value = _text(value, "notice_number", _("số thông báo kết luận"), 64)
            elif name == "notice_date":
                value = _date(value, "notice_date", _("ngày thông báo kết luận"), required=False)
            if name in NOTICE_FIELDS and value != getattr(meeting, name):
                _require_open_notice(meeting, field=name)
            setattr(meeting, name, value)
        if meeting.is_online is False and before.get("is_online") and meeting.sites.exists():
            raise Conflict(
                _("Phiên họp đã có điểm cầu; hãy bỏ các điểm cầu trước khi bỏ hình thức trực tuyến."),
                field="is_online",
            )
        _check_dates(meeting)
        _check_notice_free(meeting)
        meeting.full_clean()
        after = audit.snapshot(meeting)
        if after != before:
            _save(meeting)
            audit.record(
                actor=actor, action="program.meeting.update", obj=meeting, before=before,
                after=audit.snapshot(meeting),
            )
    return meeting


def meeting_set_status(*, actor: Actor, meeting: Meeting, status: str) -> Meeting:
    """Move a meeting one step along planned → held → concluded. Held: the meeting day has
    come. Concluded: the notice has its number and date and at least one conclusion."""
    require_change(actor, meeting)
    _choice(status, Meeting.Status.choices, "status", _("Trạng thái"))
    with transaction.atomic():
        meeting = _locked(meeting)
        current = ORDER.index(meeting.status)
        wanted = ORDER.index(status)
        if wanted != current + 1:
            raise Conflict(
                _("Phiên họp đang ở trạng thái “%(s)s”; không thể chuyển sang “%(t)s”.")
                % {"s": meeting.get_status_display(), "t": Meeting.Status(status).label},
                field="status", code="workflow",
            )
        if status == Meeting.Status.HELD and meeting.held_on > today():
            raise DomainError(
                _("Chưa đến ngày họp (%(d)s).") % {"d": meeting.held_on.strftime("%d/%m/%Y")}, field="held_on"
            )
        if status == Meeting.Status.CONCLUDED:
            if not meeting.notice_number:
                raise DomainError(_("Hãy nhập số thông báo kết luận trước."), field="notice_number")
            if not meeting.notice_date:
                raise DomainError(_("Hãy nhập ngày thông báo kết luận trước."), field="notice_date")
            if not meeting.conclusions.exists():
                raise DomainError(_("Thông báo chưa có mục kết luận nào."), field="conclusions")
        before = audit.snapshot(meeting)
        meeting.status = status
        _check_dates(meeting)
        meeting.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor, action="program.meeting.status", obj=meeting, before=before, after=audit.snapshot(meeting)
        )
    return meeting


def meeting_conclude(
    *, actor: Actor, meeting: Meeting, notice_number: str | None = None, notice_date=None
) -> Meeting:
    """Issue the conclusion notice in one step: record its number and date (when given),
    mark a planned meeting held, then concluded. All or nothing."""
    with transaction.atomic():
        changes = {}
        if notice_number is not None:
            changes["notice_number"] = notice_number
        if notice_date is not None:
            changes["notice_date"] = notice_date
        if changes:
            meeting = meeting_update(actor=actor, meeting=meeting, **changes)
        if meeting.status == Meeting.Status.PLANNED:
            meeting = meeting_set_status(actor=actor, meeting=meeting, status=Meeting.Status.HELD)
        meeting = meeting_set_status(actor=actor, meeting=meeting, status=Meeting.Status.CONCLUDED)
    return meeting


# --------------------------------------------------------------------------- attendees


def _presence(presence: str, delegate_name: str) -> tuple[str, str]:
    presence = _choice(presence or MeetingAttendee.Presence.PRESENT, MeetingAttendee.Presence.choices,
                       "presence", _("Tham dự"))
    delegate_name = _text(delegate_name, "delegate_name", _("người dự thay"), 200)
    if presence == MeetingAttendee.Presence.DELEGATED and not delegate_name:
        raise DomainError(_("Hãy ghi tên người dự thay."), field="delegate_name")
    if presence != MeetingAttendee.Presence.DELEGATED:
        delegate_name = ""
    return presence, delegate_name


def attendee_add(
    *,
    actor: Actor,
    meeting: Meeting,
    person: Person,
    presence: str = MeetingAttendee.Presence.PRESENT,
    delegate_name: str = "",
    note: str = "",
) -> MeetingAttendee:
    """Add a member of the body to the attendance list: present, absent, or delegated (with
    the delegate's name)."""
    require_change(actor, meeting)
    if person is None or person == "":
        raise DomainError(_("Hãy chọn thành viên."), field="person")
    person = _visible_person(actor, person, "person")
    presence, delegate_name = _presence(presence, delegate_name)
    note = _text(note, "note", _("ghi chú"), 300)
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.attendees.filter(person=person).exists():
            raise Conflict(
                _("%(p)s đã có trong danh sách tham dự.") % {"p": person.full_name}, field="person",
                code="duplicate",
            )
        attendee = MeetingAttendee(
            meeting=meeting, person=person, presence=presence, delegate_name=delegate_name, note=note
        )
        attendee.full_clean()
        attendee.save()
        audit.record(
            actor=actor, action="program.meeting_attendee.add", obj=attendee, after=audit.snapshot(attendee)
        )
    return attendee


def attendee_update(
    *,
    actor: Actor,
    attendee: MeetingAttendee,
    presence: str | None = None,
    delegate_name=KEEP,
    note=KEEP,
    version: int | None = None,
) -> MeetingAttendee:
    """Change whether an attendee was present, absent or delegated. What is not given
    stays as it is; `version` (the one the caller edited) refuses a stale edit."""
    require_change(actor, attendee.meeting)
    with transaction.atomic():
        attendee = MeetingAttendee.objects.select_for_update().select_related("person", "meeting").get(pk=attendee.pk)
        concurrency.require_version(attendee, version)
        presence, delegate_name = _presence(
            attendee.presence if presence is None else presence,
            attendee.delegate_name if delegate_name is KEEP else delegate_name,
        )
        note = attendee.note if note is KEEP else _text(note, "note", _("ghi chú"), 300)
        before = audit.snapshot(attendee)
        attendee.presence, attendee.delegate_name, attendee.note = presence, delegate_name, note
        attendee.full_clean()
        attendee.save(update_fields=["presence", "delegate_name", "note"])
        audit.record(
            actor=actor, action="program.meeting_attendee.update", obj=attendee, before=before,
            after=audit.snapshot(attendee),
        )
    return attendee


def attendee_remove(*, actor: Actor, attendee: MeetingAttendee) -> None:
    """Take someone off the attendance list."""
    require_change(actor, attendee.meeting)
    with transaction.atomic():
        audit.record(
            actor=actor, action="program.meeting_attendee.remove", obj=attendee, before=audit.snapshot(attendee)
        )
        attendee.delete()


def body_members(meeting: Meeting, user=None):
    """People holding an ongoing membership of the body on the meeting day (visible to
    `user` when given), in role order: whom the attendance list should name."""
    qs = Membership.objects.active(meeting.held_on).filter(unit_id=meeting.body_unit_id, person__is_active=True)
    if user is not None:
        qs = visible_to(user, qs)
    qs = qs.filter(role__counts_as_member=True).select_related("person__home_unit", "role")
    seen, out = set(), []
    for m in qs.order_by("role__sort_order", "person__full_name"):
        if m.person_id not in seen:
            seen.add(m.person_id)
            out.append(m)
    return out


def attendees_add_members(
    *, actor: Actor, meeting: Meeting, presence: str = MeetingAttendee.Presence.PRESENT
) -> list[MeetingAttendee]:
    """Add every current member of the body not yet on the list (as present by default)."""
    require_change(actor, meeting)
    presence, _delegate = _presence(presence, "-")
    if presence == MeetingAttendee.Presence.DELEGATED:
        raise DomainError(_("Không thể ghi hàng loạt là cử người dự thay."), field="presence")
    added = []
    with transaction.atomic():
        meeting = _locked(meeting)
        listed = set(meeting.attendees.values_list("person_id", flat=True))
        for m in body_members(meeting, user=_user(actor)):
            if m.person_id in listed:
                continue
            attendee = MeetingAttendee.objects.create(meeting=meeting, person=m.person, presence=presence)
            audit.record(
                actor=actor, action="program.meeting_attendee.add", obj=attendee, after=audit.snapshot(attendee)
            )
            added.append(attendee)
    return added


# --------------------------------------------------------------------------- connected sites


def _require_online(meeting: Meeting) -> None:
    if not meeting.is_online:
        raise DomainError(
            _("Chỉ phiên họp trực tuyến mới có điểm cầu; hãy đánh dấu họp trực tuyến trước."), field="is_online"
        )


def _participants(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Số người dự phải là số nguyên không âm."), field="participants") from None
    if value < 0:
        raise DomainError(_("Số người dự phải là số nguyên không âm."), field="participants")
    return value


def site_add(
    *,
    actor: Actor,
    meeting: Meeting,
    unit: Unit,
    attended: bool = True,
    participants: int | None = None,
    note: str = "",
) -> MeetingSite:
    """Add a connected site (a unit) to an online meeting. The site's unit then sees the
    meeting, its documents and conclusions."""
    require_change(actor, meeting)
    _require_online(meeting)
    unit = _visible_unit(actor, unit, "unit")
    participants = _participants(participants)
    note = _text(note, "note", _("ghi chú"), 300)
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.sites.filter(unit=unit).exists():
            raise Conflict(
                _("%(u)s đã có trong danh sách điểm cầu.") % {"u": unit.display_name}, field="unit", code="duplicate"
            )
        site = MeetingSite(meeting=meeting, unit=unit, attended=bool(attended), participants=participants, note=note)
        site.full_clean()
        site.save()
        audit.record(actor=actor, action="program.meeting_site.add", obj=site, after=audit.snapshot(site))
    return site


def sites_add_all(
    *, actor: Actor, meeting: Meeting, kind: str = "province", attended: bool = True
) -> list[MeetingSite]:
    """Add every active unit of a kind ("all provinces") the actor can see as a site,
    skipping those already listed. Returns the sites added."""
    require_change(actor, meeting)
    _require_online(meeting)
    units = Unit.objects.filter(is_active=True, kind__code=kind)
    if _user(actor) is not None:
        units = visible_to(actor.user, units)
    units = list(units.order_by("path"))
    if not units:
        raise DomainError(_("Không có đơn vị nào thuộc loại %(k)s.") % {"k": kind}, field="kind")
    added = []
    with transaction.atomic():
        meeting = _locked(meeting)
        listed = set(meeting.sites.values_list("unit_id", flat=True))
        for unit in units:
            if unit.pk in listed:
                continue
            site = MeetingSite.objects.create(meeting=meeting, unit=unit, attended=bool(attended))
            audit.record(actor=actor, action="program.meeting_site.add", obj=site, after=audit.snapshot(site))
            added.append(site)
    return added


def site_update(
    *, actor: Actor, site: MeetingSite, attended: bool | None = None, participants=KEEP, note=KEEP,
    version: int | None = None,
) -> MeetingSite:
    """Record whether a site connected, and how many people attended there. What is not
    given stays as it is; `version` (the one the caller edited) refuses a stale edit."""
    require_change(actor, site.meeting)
    with transaction.atomic():
        site = MeetingSite.objects.select_for_update().select_related("unit", "meeting").get(pk=site.pk)
        concurrency.require_version(site, version)
        participants = site.participants if participants is KEEP else _participants(participants)
        note = site.note if note is KEEP else _text(note, "note", _("ghi chú"), 300)
        attended = site.attended if attended is None else bool(attended)
        before = audit.snapshot(site)
        site.attended, site.participants, site.note = attended, participants, note
        site.full_clean()
        site.save(update_fields=["attended", "participants", "note"])
        audit.record(
            actor=actor, action="program.meeting_site.update", obj=site, before=before, after=audit.snapshot(site)
        )
    return site


def site_remove(*, actor: Actor, site: MeetingSite) -> None:
    """Remove a connected site (its unit no longer sees the meeting through it)."""
    require_change(actor, site.meeting)
    with transaction.atomic():
        audit.record(actor=actor, action="program.meeting_site.remove", obj=site, before=audit.snapshot(site))
        site.delete()


# --------------------------------------------------------------------------- documents


def document_add(
    *,
    actor: Actor,
    meeting: Meeting,
    upload,
    title: str = "",
    kind: str = MeetingDocument.Kind.MATERIAL,
) -> MeetingDocument:
    """Attach a file to a meeting: its size (settings.VIGIL_MAX_UPLOAD_BYTES), type and
    content are checked and its SHA-256 kept. A refused file leaves nothing stored."""
    require_change(actor, meeting)
    if upload is None:
        raise DomainError(_("Hãy chọn tệp."), field="file")
    kind = _choice(kind or MeetingDocument.Kind.MATERIAL, MeetingDocument.Kind.choices, "kind", _("Loại tài liệu"))
    checked = check_upload(upload, field="file")
    title = _text(title, "title", _("tên tài liệu"), 300) or checked.name
    stored = None
    try:
        with transaction.atomic():
            meeting = _locked(meeting)
            document = MeetingDocument(
                meeting=meeting, kind=kind, title=title[:300], size=checked.size, sha256=checked.sha256,
                content_type=checked.content_type, uploaded_by=_author(actor),
            )
            document.file.save(f"{checked.sha256[:12]}-{checked.name[-60:]}", upload, save=False)
            stored = (document.file.storage, document.file.name)
            document.full_clean()
            document.save()
            audit.record(
                actor=actor, action="program.meeting_document.upload", obj=document, after=_doc_snapshot(document)
            )
    except BaseException:
        if stored is not None:
            stored[0].delete(stored[1])
        raise
    return document


def _doc_snapshot(document: MeetingDocument) -> dict:
    data = audit.snapshot(document)
    data["file"] = document.file.name or ""
    return data


def document_remove(*, actor: Actor, document: MeetingDocument) -> None:
    """Remove a document; its file is deleted once the removal is committed."""
    require_change(actor, document.meeting)
    storage, name = document.file.storage, document.file.name
    with transaction.atomic():
        audit.record(
            actor=actor, action="program.meeting_document.remove", obj=document, before=_doc_snapshot(document)
        )
        document.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def document_open(*, actor: Actor, document: MeetingDocument):
    """Open a document for download (the caller found it through the access layer); each
    download is written to the audit log."""
    if not document.file:
        raise NotFound(_("Tài liệu chưa có tệp."), field="file")
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError as exc:
        raise NotFound(_("Không tìm thấy tệp trên máy chủ."), field="file") from exc
    audit.record(
        actor=actor, action="program.meeting_document.export", obj=document,
        after={"file": document.file.name, "sha256": document.sha256},
    )
    return handle


# --------------------------------------------------------------------------- conclusions


def _number(value, field: str = "number") -> int | None:
    if value in (None, ""):
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Số mục phải là số nguyên dương."), field=field) from None
    if not 1 <= value <= 32767:
        raise DomainError(_("Số mục phải là số nguyên dương."), field=field)
    return value


def _check_number_free(meeting: Meeting, number: int, exclude_pk=None) -> None:
    taken = meeting.conclusions.filter(number=number)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise Conflict(
            _("Thông báo đã có mục kết luận số %(n)s.") % {"n": number}, field="number", code="duplicate"
        )


def conclusion_add(*, actor: Actor, meeting: Meeting, text: str, number: int | None = None) -> Conclusion:
    """Add an item to the conclusion notice (numbered after the last one by default)."""
    require_change(actor, meeting)
    text = _text(text, "text", _("nội dung kết luận"), required=True)
    number = _number(number)
    with transaction.atomic():
        meeting = _locked(meeting)
        _require_open_notice(meeting)
        if number is None:
            number = (meeting.conclusions.aggregate(m=Max("number"))["m"] or 0) + 1
        _check_number_free(meeting, number)
        conclusion = Conclusion(meeting=meeting, number=number, text=text)
        conclusion.full_clean()
        conclusion.save()
        audit.record(actor=actor, action="program.conclusion.add", obj=conclusion, after=audit.snapshot(conclusion))
    return conclusion


def conclusion_update(
    *, actor: Actor, conclusion: Conclusion, text: str | None = None, number: int | None = None,
    version: int | None = None,
) -> Conclusion:
    """Change a conclusion's text or number while the notice is not issued."""
    require_change(actor, conclusion.meeting)
    with transaction.atomic():
        meeting = _locked(conclusion.meeting)
        _require_open_notice(meeting)
        conclusion = Conclusion.objects.select_for_update().get(pk=conclusion.pk)
        concurrency.require_version(conclusion, version)
        before = audit.snapshot(conclusion)
        if text is not None:
            conclusion.text = _text(text, "text", _("nội dung kết luận"), required=True)
        if number is not None and number != "":
            conclusion.number = _number(number)
            _check_number_free(meeting, conclusion.number, exclude_pk=conclusion.pk)
        conclusion.full_clean()
        conclusion.save()
        after = audit.snapshot(conclusion)
        if after != before:
            audit.record(actor=actor, action="program.conclusion.update", obj=conclusion, before=before, after=after)
    return conclusion


def conclusion_delete(*, actor: Actor, conclusion: Conclusion) -> None:
    """Delete a conclusion that has produced no task, while the notice is not issued."""
    require_change(actor, conclusion.meeting)
    with transaction.atomic():
        meeting = _locked(conclusion.meeting)
        _require_open_notice(meeting)
        if Task.objects.filter(conclusion=conclusion).exists():
            raise Conflict(
                _("Kết luận đã được giao thành nhiệm vụ; không thể xoá."), field="tasks", code="has-tasks"
            )
        audit.record(actor=actor, action="program.conclusion.delete", obj=conclusion, before=audit.snapshot(conclusion))
        conclusion.delete()


def default_task_title(conclusion: Conclusion) -> str:
    """The conclusion's text as a task title (one line, at most 300 characters)."""
    text = " ".join(conclusion.text.split())
    return text if len(text) <= 300 else text[:299].rstrip() + "…"


def conclusion_reference(conclusion: Conclusion) -> str:
    """"Thông báo kết luận số …, mục …" — the task's source reference."""
    meeting = conclusion.meeting
    if meeting.notice_number:
        ref = _("Thông báo kết luận số %(n)s") % {"n": meeting.notice_number}
        if meeting.notice_date:
            ref += " " + _("ngày %(d)s") % {"d": meeting.notice_date.strftime("%d/%m/%Y")}
    else:
        ref = _("Kết luận phiên họp %(t)s") % {"t": meeting.title}
    return (ref + ", " + _("mục %(n)s") % {"n": conclusion.number})[:300]


def conclusion_task_create(
    *,
    actor: Actor,
    conclusion: Conclusion,
    lead_units: Iterable = (),
    all_of_kind: str | None = None,
    due_date,
    title: str = "",
    description: str = "",
    supporting_units: Iterable = (),
    start_date=None,
    product: str = "document",
    product_description: str = "",
    priority: int = 2,
    recurrence: str = "none",
    target_value: int | None = None,
) -> Task:
    """Turn a conclusion into a task assigned by the body unit: to the units picked, and/or
    to every unit of a kind (`all_of_kind="province"`: all provinces). Several lead units
    give a parent task with one child per unit (the task service's cascade)."""
    from . import tasks as task_svc

    require_change(actor, conclusion.meeting)
    leads = list(lead_units or [])
    if all_of_kind:
        leads += task_svc.lead_units_of_kind(actor, all_of_kind)
        if not leads:
            raise DomainError(
                _("Không có đơn vị nào thuộc loại này mà bạn được giao nhiệm vụ."), field="all_of_kind"
            )
    # The notice number may have been set since `conclusion` was read: read it afresh.
    conclusion = Conclusion.objects.select_related("meeting__body_unit").get(pk=conclusion.pk)
    meeting = conclusion.meeting
    return task_svc.task_create(
        actor=actor,
        title=(title or "").strip() or default_task_title(conclusion),
        description=(description or "").strip() or conclusion.text,
        assigning_unit=meeting.body_unit,
        lead_units=leads,
        supporting_units=supporting_units,
        due_date=due_date,
        start_date=start_date,
        source=Task.Source.CONCLUSION,
        conclusion=conclusion,
        source_reference=conclusion_reference(conclusion),
        product=product or "document",
        product_description=product_description,
        priority=priority or 2,
        recurrence=recurrence or "none",
        target_value=target_value,
    )
