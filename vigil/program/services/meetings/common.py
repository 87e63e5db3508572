"""What every meeting write shares: the access check (`change` on the body unit), the
parsing of the fields, the people and units an actor may name, the row lock."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from vigil.core import access
from vigil.core.actors import Actor
from vigil.core.dates import parse_date
from vigil.core.directory import unit_ref
from vigil.core.errors import Conflict, DomainError, NotFound
from vigil.core.refs import is_pk
from vigil.org.models import Person, Unit

from ...models import Meeting


def require_change(actor: Actor, meeting: Meeting) -> None:
    """`change` on the meeting's body unit (the platform may do everything)."""
    access.require(actor, "change", meeting)


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
    return parse_date(value, field, required=required, label=label)


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
    qs = access.visible_to(actor, Person.objects.select_related("home_unit"))
    found = qs.filter(pk=pk).first() if is_pk(pk) else None
    if found is None:
        raise NotFound(_("Không tìm thấy cán bộ %(p)s.") % {"p": person}, field=field)
    return found


def _visible_unit(actor: Actor, unit, field: str) -> Unit:
    if unit is None or unit == "":
        raise DomainError(_("Hãy chọn đơn vị."), field=field)
    return unit_ref(actor, unit, field=field, active_only=True)


KEEP = object()  # an argument not given: the field stays as it is


def _locked(meeting: Meeting) -> Meeting:
    # Only the meeting row is locked: PostgreSQL refuses FOR UPDATE on the outer join to `chair`.
    return Meeting.objects.select_for_update(of=("self",)).select_related("body_unit", "chair").get(pk=meeting.pk)
