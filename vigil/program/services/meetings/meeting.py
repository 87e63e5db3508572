"""The meeting itself: create, update (information, minutes, the notice's number and
date), and its status (planned → held → concluded)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from vigil.core import access, audit, concurrency
from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.org.models import Person, Unit

from ...models import Meeting
from ...status import today
from .common import (
    _choice,
    _date,
    _locked,
    _require_open_notice,
    _text,
    _time,
    _visible_person,
    require_change,
)

EDITABLE = (
    "title", "kind", "held_on", "start_time", "location", "is_online", "chair", "agenda", "minutes",
    "notice_number", "notice_date",
)


NOTICE_FIELDS = ("notice_number", "notice_date")


ORDER = [Meeting.Status.PLANNED, Meeting.Status.HELD, Meeting.Status.CONCLUDED]


def _require_add(actor: Actor, unit: Unit) -> None:
    if not access.allowed(actor, "add", unit):
        raise AccessDenied(
            _("Bạn không có quyền tạo phiên họp cho %(u)s.") % {"u": unit.display_name}, field="body_unit"
        )


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
        created_by=actor.author,
    )
    with transaction.atomic():
        meeting.full_clean()
        _save(meeting)
        audit.record(actor=actor, action="program.meeting.create", obj=meeting, after=audit.snapshot(meeting))
    return meeting


def _parse_change(actor: Actor, name: str, value):
    """One field given to `meeting_update` (a name of EDITABLE), parsed and checked."""
    parsers = {
        "title": lambda v: _text(v, "title", _("tiêu đề"), 300, required=True),
        "kind": lambda v: _choice(v, Meeting.Kind.choices, "kind", _("Loại phiên họp")),
        "held_on": lambda v: _date(v, "held_on", _("ngày họp")),
        "start_time": _time,
        "location": lambda v: _text(v, "location", _("địa điểm"), 300),
        "is_online": bool,
        "chair": lambda v: _visible_person(actor, v, "chair"),
        "agenda": lambda v: _text(v, "agenda", "agenda"),
        "minutes": lambda v: _text(v, "minutes", "minutes"),
        "notice_number": lambda v: _text(v, "notice_number", _("số thông báo kết luận"), 64),
        "notice_date": lambda v: _date(v, "notice_date", _("ngày thông báo kết luận"), required=False),
    }
    return parsers[name](value)


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
            value = _parse_change(actor, name, value)
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
