"""Reads of meetings, always through the access layer: a meeting is seen by the scope of
its body unit and by the units connected to it as sites (core UnitsPolicy on Meeting);
its attendees, sites, documents and conclusions are read through the meeting found.
Tasks produced by conclusions are read through the task access rules, each with its
computed status (label and colour from program.status)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core.access import can, visible_to
from vigil.core.errors import DomainError, NotFound
from vigil.org.models import Membership, Person, Unit, UnitKind

from ..models import Conclusion, Meeting, MeetingAttendee, MeetingDocument, MeetingSite, Task
from ..status import STATUS_CHOICES, STATUS_COLOURS, STATUS_LABELS, today


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def meeting_list(
    *,
    user,
    body_unit: Unit | None = None,
    subtree_of: Unit | None = None,
    year: int | None = None,
    status: str | None = None,
    q: str | None = None,
) -> QuerySet[Meeting]:
    """Meetings `user` may see, newest first, with their number of conclusions.
    `body_unit`: that body only; `subtree_of`: bodies in that unit's subtree."""
    qs = visible_to(user, Meeting).select_related("body_unit", "chair").annotate(
        conclusion_count=Count("conclusions", distinct=True)
    )
    if body_unit is not None:
        qs = qs.filter(body_unit=body_unit)
    if subtree_of is not None:
        qs = qs.filter(body_unit__path__startswith=subtree_of.path)
    if year:
        qs = qs.filter(held_on__year=int(year))
    if status:
        if status not in Meeting.Status.values:
            raise DomainError(
                _("Trạng thái phải là một trong: %(v)s.") % {"v": ", ".join(Meeting.Status.values)}, field="status"
            )
        qs = qs.filter(status=status)
    if q:
        for word in q.split():
            qs = qs.filter(Q(title__icontains=word) | Q(notice_number__icontains=word) | Q(location__icontains=word))
    return qs.order_by("-held_on", "-pk")


def meeting_years(*, user) -> list[int]:
    """The years in which the meetings `user` may see were held (for the year filter)."""
    dates = visible_to(user, Meeting).dates("held_on", "year", order="DESC")
    return sorted({d.year for d in dates} | {today().year}, reverse=True)


def meeting_get(*, user, meeting_id) -> Meeting:
    """One meeting `user` may see, or NotFound (the same answer when it does not exist)."""
    pk = _int(meeting_id)
    found = (
        visible_to(user, Meeting).select_related("body_unit__kind", "chair", "created_by").filter(pk=pk).first()
        if pk is not None else None
    )
    if found is None:
        raise NotFound(_("Không tìm thấy phiên họp."), field="meeting_id")
    return found


def meeting_permissions(*, user, meeting: Meeting) -> dict:
    """What the pages may offer on a meeting."""
    change = can(user, "change", meeting)
    open_notice = meeting.status != Meeting.Status.CONCLUDED
    return {
        "can_change": change,
        "can_edit_conclusions": change and open_notice,
        "can_add_tasks": change,
        "can_mark_held": change and meeting.status == Meeting.Status.PLANNED,
        "can_conclude": change and meeting.status == Meeting.Status.HELD,
    }


# --------------------------------------------------------------------------- parts of a meeting


def attendees(*, meeting: Meeting) -> QuerySet[MeetingAttendee]:
    """The attendance list of a meeting found through `meeting_get`."""
    return meeting.attendees.select_related("person__home_unit").order_by("pk")


def attendee_get(*, meeting: Meeting, attendee_id) -> MeetingAttendee:
    found = meeting.attendees.select_related("person", "meeting").filter(pk=_int(attendee_id)).first()
    if found is None:
        raise NotFound(_("Không tìm thấy người tham dự."), field="attendee_id")
    return found


def attendance_summary(*, meeting: Meeting) -> dict:
    rows = dict(meeting.attendees.values_list("presence").annotate(n=Count("pk")))
    return {p: rows.get(p, 0) for p in MeetingAttendee.Presence.values}


def body_memberships(meeting: Meeting, user=None) -> list:
    """People holding an ongoing membership of the body on the meeting day (visible to
    `user`, an Actor or a user, when given), in role order: whom the attendance list
    should name (one membership per person)."""
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


def body_members(*, user, meeting: Meeting, not_listed: bool = False) -> list:
    """Ongoing memberships of the meeting's body on the meeting day that `user` may see;
    with `not_listed`, only people not yet on the attendance list."""
    rows = body_memberships(meeting, user=user)
    if not_listed:
        listed = set(meeting.attendees.values_list("person_id", flat=True))
        rows = [m for m in rows if m.person_id not in listed]
    return rows


def sites(*, meeting: Meeting) -> QuerySet[MeetingSite]:
    return meeting.sites.select_related("unit").order_by("unit__path")


def site_get(*, meeting: Meeting, site_id) -> MeetingSite:
    found = meeting.sites.select_related("unit", "meeting").filter(pk=_int(site_id)).first()
    if found is None:
        raise NotFound(_("Không tìm thấy điểm cầu."), field="site_id")
    return found


def documents(*, meeting: Meeting) -> QuerySet[MeetingDocument]:
    return meeting.documents.select_related("uploaded_by").order_by("kind", "pk")


def document_get(*, meeting: Meeting, document_id) -> MeetingDocument:
    found = meeting.documents.select_related("meeting").filter(pk=_int(document_id)).first()
    if found is None:
        raise NotFound(_("Không tìm thấy tài liệu."), field="document_id")
    return found


def conclusions(*, meeting: Meeting) -> QuerySet[Conclusion]:
    return meeting.conclusions.order_by("number", "pk")


def conclusion_get(*, meeting: Meeting, conclusion_id) -> Conclusion:
    found = meeting.conclusions.select_related("meeting__body_unit").filter(pk=_int(conclusion_id)).first()
    if found is None:
        raise NotFound(_("Không tìm thấy kết luận."), field="conclusion_id")
    return found


# --------------------------------------------------------------------------- tasks of conclusions


def decorate_status(task: Task) -> Task:
    """Give a task (annotated with `status`) its label and Bootstrap colour for badges."""
    task.status_label = STATUS_LABELS.get(task.status, task.status)
    task.status_colour = STATUS_COLOURS.get(task.status, "secondary")
    return task


def _status_breakdown(rows) -> list[dict]:
    counts = {}
    for status in rows:
        counts[status] = counts.get(status, 0) + 1
    return [
        {"status": s, "label": label, "colour": STATUS_COLOURS[s], "count": counts[s]}
        for s, label in STATUS_CHOICES if counts.get(s)
    ]


def tasks_of(*, user, filter_q: Q) -> list[Task]:
    """Top-level tasks matching `filter_q` that `user` may see (a child whose parent is out of
    the user's sight counts as top level), each with `status_label`, `status_colour`,
    `children` (the visible children, with status) and `breakdown` (children by status)."""
    on = today()
    visible = list(
        visible_to(user, Task).filter(filter_q).with_status(on)
        .select_related("lead_unit", "assigning_unit").order_by("due_date", "pk")
    )
    ids = {t.pk for t in visible}
    tops = [decorate_status(t) for t in visible if t.parent_id is None or t.parent_id not in ids]
    by_parent: dict[int, list[Task]] = {}
    for t in visible:
        if t.parent_id in ids:
            by_parent.setdefault(t.parent_id, []).append(decorate_status(t))
    for t in tops:
        t.children_list = sorted(by_parent.get(t.pk, []), key=lambda c: c.lead_unit.path)
        t.breakdown = _status_breakdown(c.status for c in t.children_list)
    return tops


def conclusion_tasks(*, user, conclusion: Conclusion) -> list[Task]:
    """The tasks a conclusion produced that `user` may see (see `tasks_of`)."""
    return tasks_of(user=user, filter_q=Q(conclusion=conclusion))


def conclusions_with_tasks(*, user, meeting: Meeting) -> list[Conclusion]:
    """The meeting's conclusions, each with `task_rows` (see `tasks_of`), in two queries."""
    rows = list(conclusions(meeting=meeting))
    tasks = tasks_of(user=user, filter_q=Q(conclusion__meeting=meeting))
    for c in rows:
        c.task_rows = [t for t in tasks if t.conclusion_id == c.pk]
    return rows


# --------------------------------------------------------------------------- choices


def chair_candidates(*, user, body_units, on=None, keep=None):
    """Who may chair a meeting of one of `body_units`: the people `user` may see holding an
    ongoing membership of that body (on `on`, default today), heads first; `keep` (the
    current chair, an id) stays offered even if their membership ended."""
    on = on or today()
    ids = [getattr(u, "pk", u) for u in body_units if u is not None]
    members = Membership.objects.active(on).filter(unit_id__in=ids, role__counts_as_member=True)
    qs = visible_to(user, Person).filter(Q(pk__in=members.values("person_id")) | Q(pk=keep or 0), is_active=True)
    return qs.select_related("home_unit").order_by("full_name")


def body_head(*, unit, on=None):
    """The person heading the body of `unit` on `on` (its head, else a deputy), or None:
    the obvious chair of its meetings."""
    rows = (Membership.objects.active(on or today()).filter(unit=unit, person__is_active=True)
            .select_related("person", "role").order_by("-role__is_head", "role__sort_order", "pk"))
    first = rows.first()
    return first.person if first is not None and (first.role.is_head or first.role.code == "deputy_head") else None


def body_units_for_create(*, user) -> QuerySet[Unit]:
    """Active units whose body `user` may record a meeting for (`add`)."""
    return visible_to(user, Unit.objects.filter(is_active=True), "add").select_related("kind").order_by("path")


def units_visible(*, user) -> QuerySet[Unit]:
    return visible_to(user, Unit.objects.filter(is_active=True)).select_related("kind").order_by("path")


def unit_kinds(*, user) -> QuerySet[UnitKind]:
    """Unit kinds (reference data) for "every unit of a kind" choices."""
    return visible_to(user, UnitKind).order_by("sort_order", "code")
