"""The connected sites of an online meeting (each a unit, which then sees the meeting)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from vigil.core import access, audit, concurrency
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError
from vigil.org.models import Unit

from ...models import Meeting, MeetingSite
from .common import KEEP, _locked, _text, _visible_unit, require_change


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
    units = list(access.visible_to(actor, Unit.objects.filter(is_active=True, kind__code=kind)).order_by("path"))
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
