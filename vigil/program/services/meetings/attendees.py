"""The attendance list: members of the body present, absent or delegated."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from vigil.core import audit, concurrency
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError
from vigil.org.models import Person

from ...models import Meeting, MeetingAttendee
from ...selectors.meetings import body_memberships
from .common import KEEP, _choice, _locked, _text, _visible_person, require_change


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
        for m in body_memberships(meeting, user=actor):
            if m.person_id in listed:
                continue
            attendee = MeetingAttendee.objects.create(meeting=meeting, person=m.person, presence=presence)
            audit.record(
                actor=actor, action="program.meeting_attendee.add", obj=attendee, after=audit.snapshot(attendee)
            )
            added.append(attendee)
    return added
