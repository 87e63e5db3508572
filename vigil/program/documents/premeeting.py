"""The pre-meeting report ("Báo cáo phục vụ phiên họp"), gathered from the data alone.

For a unit's body (the national committee, a provincial subcommittee, or any unit) and a
period, usually from the body's previous meeting to the meeting being prepared:

1. what was concluded last time: the conclusions of the body's meetings held in the
   period, each with the tasks it produced and their status;
2. what was done: tasks completed in the period, on time or late, by lead unit, with
   their product, latest progress report and evidence count;
3. what is late and by whom: overdue tasks (days late, lead unit, assignee, progress),
   and for tasks assigned to many units, which of those units are late;
4. summary numbers: totals and rates by status, overdue tasks by unit, pending extension
   requests.

Which tasks: the body unit's own (assigned or led by it, produced by its meetings'
conclusions, or part of its work programmes) and the tasks directly beneath those (the
per-unit children of a task assigned to many units, and what a lead unit handed on);
with `subtree=True`, also every task assigned or led anywhere in the unit's subtree.
Sections 2–4 count the tasks that carry the work (those without visible children), so a
task assigned to 34 provinces counts as the 34 provinces' tasks, not 35.

Everything starts from `visible_to(user, …)`: the report holds only what the requesting
user may see. Statuses are computed in SQL by `program.status` for the report's end date
(a task completed after a past end date counts as still open on it);
each section is one query (plus one for the tasks' latest reports, done as subqueries).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.access import holds, visible_to
from vigil.core.errors import AccessDenied, DomainError, NotFound
from vigil.core.refs import is_pk
from vigil.org.models import Membership, Unit
from vigil.org.selectors.units import subtree_q

from .. import status as st
from ..models import Conclusion, EvidenceFile, ExtensionRequest, Meeting, ProgressReport, Task

TOP_UNITS = 10
HELD = (Meeting.Status.HELD, Meeting.Status.CONCLUDED)


# --------------------------------------------------------------------------- data


@dataclass
class TaskRow:
    """One task as the report shows it (labels in the language active when gathered)."""

    id: int
    title: str
    lead_unit_id: int
    lead_unit: str
    assigning_unit: str
    assignee: str
    start_date: dt.date
    due_date: dt.date
    completed_on: dt.date | None
    status: str
    status_label: str
    progress: int
    product: str
    product_description: str
    parent_id: int | None
    latest_report: str = ""
    latest_report_on: dt.date | None = None
    evidence_count: int = 0
    days_late: int = 0
    children: dict = field(default_factory=dict)  # status -> count, for a parent task

    @property
    def status_colour(self) -> str:
        return st.STATUS_COLOURS.get(self.status, "secondary")

    @property
    def children_total(self) -> int:
        return sum(self.children.values())

    @property
    def children_summary(self) -> str:
        """'34 units: 20 done on time, 5 overdue' for a task assigned to many units."""
        if not self.children:
            return ""
        parts = [
            f"{n} {st.STATUS_LABELS[s].lower()}"
            for s, _label in st.STATUS_CHOICES
            if (n := self.children.get(s))
        ]
        return ngettext("%(n)s đơn vị: %(parts)s", "%(n)s đơn vị: %(parts)s", self.children_total) % {
            "n": self.children_total, "parts": ", ".join(parts)}


@dataclass
class ConclusionBlock:
    id: int
    number: int
    text: str
    tasks: list[TaskRow]


@dataclass
class MeetingBlock:
    id: int
    title: str
    held_on: dt.date
    notice_number: str
    notice_date: dt.date | None
    conclusions: list[ConclusionBlock]


@dataclass
class UnitGroup:
    unit_id: int
    unit: str
    tasks: list[TaskRow]


@dataclass
class LateParent:
    """A task assigned to many units and the units among them that are late."""

    task: TaskRow
    unit_count: int
    late: list[TaskRow]


@dataclass
class UnitCount:
    unit_id: int
    unit: str
    count: int


@dataclass
class ExtensionRow:
    id: int
    task_id: int
    task_title: str
    lead_unit: str
    old_due_date: dt.date
    new_due_date: dt.date
    reason: str
    requested_on: dt.date


@dataclass
class Summary:
    total: int
    counts: dict  # status -> count (cancelled tasks left out)
    overdue_by_unit: list[UnitCount]
    pending_extensions: int

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    def percent(self, *statuses: str) -> float:
        if not self.total:
            return 0.0
        return round(100.0 * sum(self.count(s) for s in statuses) / self.total, 1)

    @property
    def done_on_time(self) -> int:
        return self.count(st.DONE_ON_TIME)

    @property
    def done_late(self) -> int:
        return self.count(st.DONE_LATE)

    @property
    def overdue(self) -> int:
        return self.count(st.OVERDUE)

    @property
    def late(self) -> int:
        """Late work: done late plus still overdue."""
        return self.done_late + self.overdue

    @property
    def pct_on_time(self) -> float:
        return self.percent(st.DONE_ON_TIME)

    @property
    def pct_late(self) -> float:
        return self.percent(st.DONE_LATE, st.OVERDUE)

    def rows(self) -> list[tuple[str, int, float | None]]:
        """(label, count, percent) lines of the summary table."""
        out = [(_("Tổng số nhiệm vụ theo dõi trong kỳ"), self.total, None)]
        for status, label in st.STATUS_CHOICES:
            if status == st.CANCELLED:
                continue
            out.append((str(label), self.count(status), self.percent(status)))
        out.append((_("Chậm (hoàn thành quá hạn và đang quá hạn)"), self.late, self.pct_late))
        out.append((_("Đề nghị gia hạn đang chờ quyết định"), self.pending_extensions, None))
        return out


@dataclass
class PreMeetingReport:
    """Everything the pre-meeting report shows, for one user, unit and period."""

    body_unit: Unit
    meeting: Meeting | None
    previous_meeting: Meeting | None
    since: dt.date
    until: dt.date
    subtree: bool
    language: str
    meetings: list[MeetingBlock]
    done: list[UnitGroup]
    overdue: list[TaskRow]
    late_parents: list[LateParent]
    summary: Summary
    extensions: list[ExtensionRow]
    issuer_unit: Unit | None = None
    issuer_parent: Unit | None = None
    signer_name: str = ""
    signer_position: str = ""

    @property
    def as_of(self) -> dt.date:
        return self.until

    @property
    def done_count(self) -> int:
        return sum(len(g.tasks) for g in self.done)

    def task_ids(self) -> set[int]:
        ids = {t.id for g in self.done for t in g.tasks} | {t.id for t in self.overdue}
        for m in self.meetings:
            for c in m.conclusions:
                ids |= {t.id for t in c.tasks}
        for p in self.late_parents:
            ids.add(p.task.id)
        ids |= {e.task_id for e in self.extensions}
        return ids

    @property
    def filters(self) -> dict:
        """The query that produced the report (for the audit log, to repeat it)."""
        return {
            "unit": self.body_unit.code, "meeting": self.meeting.pk if self.meeting else None,
            "since": self.since.isoformat(), "until": self.until.isoformat(), "subtree": self.subtree,
            "language": self.language,
        }

    @property
    def summary_line(self) -> str:
        """The document's summary (trích yếu)."""
        period = {"since": self.since.strftime("%d/%m/%Y"), "until": self.until.strftime("%d/%m/%Y")}
        if self.meeting is not None:
            return _("Tình hình thực hiện kết luận, nhiệm vụ từ ngày %(since)s đến ngày %(until)s, "
                     "phục vụ phiên họp ngày %(date)s") % {**period, "date": self.meeting.held_on.strftime("%d/%m/%Y")}
        return _("Tình hình thực hiện kết luận, nhiệm vụ từ ngày %(since)s đến ngày %(until)s") % period


# --------------------------------------------------------------------------- lookups


def report_meeting(*, user, meeting_id) -> Meeting:
    """A meeting `user` may see (the one the report is prepared for), or NotFound."""
    value = str(meeting_id if meeting_id is not None else "").strip()
    found = (
        visible_to(user, Meeting).select_related("body_unit__kind", "body_unit__parent").filter(pk=value).first()
        if is_pk(value) else None
    )
    if found is None:
        raise NotFound(_("Không tìm thấy phiên họp %(m)s.") % {"m": value}, field="meeting")
    return found


def meeting_choices(*, user, limit: int = 200) -> QuerySet[Meeting]:
    """The latest meetings `user` may see, for choosing the one a report is prepared for."""
    return visible_to(user, Meeting).select_related("body_unit").order_by("-held_on", "-pk")[:limit]


def can_export(user) -> bool:
    """Whether `user` may download report files (see `require_export_right`)."""
    try:
        require_export_right(user)
    except AccessDenied:
        return False
    return True


def require_export_right(user) -> None:
    """Downloading a report is an export: the user's role must grant `export` somewhere
    (head, deputy, standing member, secretary, analyst). What the file holds is then
    limited to what the user may see."""
    if not getattr(user, "is_authenticated", False):
        raise AccessDenied()
    if not holds(user, "export"):
        raise AccessDenied(_("Vai trò của bạn không có quyền xuất báo cáo."))


def previous_meeting(*, user, meeting: Meeting) -> Meeting | None:
    """The body's latest meeting before `meeting` that `user` may see."""
    return (
        visible_to(user, Meeting)
        .filter(body_unit_id=meeting.body_unit_id)
        .filter(Q(held_on__lt=meeting.held_on) | Q(held_on=meeting.held_on, pk__lt=meeting.pk))
        .order_by("-held_on", "-pk")
        .first()
    )


def last_held_meeting(*, user, unit: Unit, on: dt.date) -> Meeting | None:
    """The body's latest meeting held on or before `on` that `user` may see."""
    return (
        visible_to(user, Meeting)
        .filter(body_unit=unit, held_on__lte=on, status__in=HELD)
        .order_by("-held_on", "-pk")
        .first()
    )


# --------------------------------------------------------------------------- queries


def _scope_q(unit: Unit, subtree: bool) -> Q:
    def own(p: str) -> Q:
        q = (
            Q(**{f"{p}assigning_unit": unit}) | Q(**{f"{p}lead_unit": unit})
            | Q(**{f"{p}conclusion__meeting__body_unit": unit}) | Q(**{f"{p}programme__unit": unit})
        )
        if subtree:
            q |= subtree_q(unit.path, f"{p}assigning_unit__") | subtree_q(unit.path, f"{p}lead_unit__")
        return q

    return own("") | own("parent__")


def status_as_of(on: dt.date):
    """`program.status` for the date `on`. For a past date, a task completed after it
    was still open then: overdue if its deadline had passed, in progress otherwise."""
    if on >= st.today():
        return st.status_expression(on)
    reopened = Q(state__in=st.DONE_STATES, completed_on__gt=on)
    return Case(
        When(reopened & Q(due_date__lt=on), then=Value(st.OVERDUE)),
        When(reopened, then=Value(st.IN_PROGRESS)),
        default=st.status_expression(on),
        output_field=CharField(),
    )


def overdue_q(on: dt.date) -> Q:
    """Overdue on `on` (see `status_as_of`)."""
    q = st.status_q(st.OVERDUE, on)
    if on < st.today():
        q |= Q(state__in=st.DONE_STATES, completed_on__gt=on, due_date__lt=on)
    return q


def _latest_report(column: str):
    return Subquery(
        ProgressReport.objects.filter(task=OuterRef("pk")).order_by("-reported_at", "-pk").values(column)[:1]
    )


def _evidence_count():
    counted = (
        EvidenceFile.objects.filter(report__task=OuterRef("pk")).order_by()
        .values("report__task").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _row(t: Task, on: dt.date) -> TaskRow:
    status = getattr(t, "status", None) or st.compute_status(t, on)
    latest_at = getattr(t, "latest_report_at", None)
    return TaskRow(
        id=t.pk, title=t.title, lead_unit_id=t.lead_unit_id, lead_unit=t.lead_unit.display_name,
        assigning_unit=t.assigning_unit.display_name,
        assignee=t.assignee.full_name if t.assignee_id else "",
        start_date=t.start_date, due_date=t.due_date, completed_on=t.completed_on,
        status=status, status_label=str(st.STATUS_LABELS[status]), progress=t.progress,
        product=t.get_product_display(), product_description=t.product_description,
        parent_id=t.parent_id, latest_report=getattr(t, "latest_report", None) or "",
        latest_report_on=timezone.localdate(latest_at) if latest_at else None,
        evidence_count=getattr(t, "evidence_count", 0) or 0,
        days_late=max((on - t.due_date).days, 0) if status == st.OVERDUE else
        max(((t.completed_on or t.due_date) - t.due_date).days, 0),
    )


RELATED = ("lead_unit", "assigning_unit", "assignee")


def premeeting_report(
    *,
    user,
    meeting: Meeting | None = None,
    unit: Unit | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    subtree: bool = False,
    language: str = "vi",
    today: dt.date | None = None,
) -> PreMeetingReport:
    """Gather the pre-meeting report for `user` (see the module's docstring).

    Give `meeting` (the meeting being prepared: its body is the unit, the period runs
    from the body's previous meeting to the meeting, or today if that comes first), or
    `unit` with `since` (default: the unit's last meeting held) and `until` (default
    today). Call inside `translation.override(language)`: labels are gathered in it.
    """
    today = today or st.today()
    previous = None
    if meeting is not None:
        unit = meeting.body_unit
        if until is None:
            until = min(today, meeting.held_on)
        if since is None:
            previous = previous_meeting(user=user, meeting=meeting)
            if previous is None:
                raise DomainError(
                    _("Cơ quan này chưa có phiên họp nào trước phiên họp đã chọn: hãy nhập ngày bắt đầu kỳ báo cáo."),
                    field="since",
                )
            since = previous.held_on
    elif unit is None:
        raise DomainError(_("Hãy chọn phiên họp hoặc đơn vị cần báo cáo."), field="unit")
    until = until or today
    if until > today:
        raise DomainError(_("Ngày kết thúc kỳ báo cáo không thể sau hôm nay."), field="until")
    if since is None:
        previous = last_held_meeting(user=user, unit=unit, on=until)
        if previous is None:
            raise DomainError(
                _("Đơn vị chưa có phiên họp nào đã diễn ra: hãy nhập ngày bắt đầu kỳ báo cáo."), field="since"
            )
        since = previous.held_on
    if since > until:
        raise DomainError(_("Ngày bắt đầu kỳ báo cáo không thể sau ngày kết thúc."), field="since")

    on = until
    visible = visible_to(user, Task)
    in_scope = visible.filter(_scope_q(unit, subtree))
    # The tasks that carry the work: no visible children.
    leaves = in_scope.filter(~Exists(visible.filter(parent=OuterRef("pk"))))

    meetings = _meeting_blocks(user=user, unit=unit, since=since, until=until, visible=visible, on=on)
    done = _done(leaves, since=since, until=until, on=on)
    overdue = _overdue(leaves, on=on)
    late_parents = _late_parents(visible, overdue, on=on)
    extensions = _extensions(user, in_scope)
    summary = _summary(leaves, since=since, until=until, on=on, overdue=overdue, pending=len(extensions))
    issuer, issuer_parent, signer_name, signer_position = _issuer(user, unit)
    return PreMeetingReport(
        body_unit=unit, meeting=meeting, previous_meeting=previous, since=since, until=until,
        subtree=subtree, language=language, meetings=meetings, done=done, overdue=overdue,
        late_parents=late_parents, summary=summary, extensions=extensions, issuer_unit=issuer,
        issuer_parent=issuer_parent, signer_name=signer_name, signer_position=signer_position,
    )


def _meeting_blocks(*, user, unit, since, until, visible, on) -> list[MeetingBlock]:
    conclusions = list(
        visible_to(user, Conclusion)
        .filter(meeting__body_unit=unit, meeting__held_on__range=(since, until))
        .select_related("meeting")
        .order_by("meeting__held_on", "meeting_id", "number")
    )
    meetings = list(
        visible_to(user, Meeting).filter(body_unit=unit, held_on__range=(since, until)).order_by("held_on", "pk")
    )
    ids = [c.pk for c in conclusions]
    tasks = list(
        visible.filter(Q(conclusion_id__in=ids) | Q(parent__conclusion_id__in=ids))
        .annotate(status=status_as_of(on)).annotate(parent_conclusion_id=F("parent__conclusion_id"))
        .select_related(*RELATED).order_by("due_date", "pk")
    ) if ids else []
    shown = {t.pk for t in tasks}
    wanted = set(ids)
    rows = {t.pk: _row(t, on) for t in tasks}
    by_conclusion: dict[int, list[TaskRow]] = {}
    for t in tasks:
        parent_shown = t.parent_id in shown
        if parent_shown:
            parent_row = rows[t.parent_id]
            parent_row.children[t.status] = parent_row.children.get(t.status, 0) + 1
            continue
        conclusion_id = t.conclusion_id if t.conclusion_id in wanted else t.parent_conclusion_id
        by_conclusion.setdefault(conclusion_id, []).append(rows[t.pk])
    blocks = {
        m.pk: MeetingBlock(
            id=m.pk, title=m.title, held_on=m.held_on, notice_number=m.notice_number,
            notice_date=m.notice_date, conclusions=[],
        )
        for m in meetings
    }
    for c in conclusions:
        block = blocks.get(c.meeting_id)
        if block is None:  # a meeting seen only through its conclusions (a connected site)
            m = c.meeting
            block = blocks[m.pk] = MeetingBlock(
                id=m.pk, title=m.title, held_on=m.held_on, notice_number=m.notice_number,
                notice_date=m.notice_date, conclusions=[],
            )
        block.conclusions.append(
            ConclusionBlock(id=c.pk, number=c.number, text=c.text, tasks=by_conclusion.get(c.pk, []))
        )
    return sorted(blocks.values(), key=lambda b: (b.held_on, b.id))


def _with_reports(qs):
    return qs.annotate(
        latest_report=_latest_report("text"), latest_report_at=_latest_report("reported_at"),
        evidence_count=_evidence_count(),
    )


def _done(leaves, *, since, until, on) -> list[UnitGroup]:
    qs = (
        leaves.filter(st.status_q(st.DONE_ON_TIME, on) | st.status_q(st.DONE_LATE, on))
        .filter(completed_on__range=(since, until))
        .annotate(status=status_as_of(on)).select_related(*RELATED)
        .order_by("lead_unit__path", "completed_on", "pk")
    )
    groups: dict[int, UnitGroup] = {}
    for t in _with_reports(qs):
        group = groups.get(t.lead_unit_id)
        if group is None:
            group = groups[t.lead_unit_id] = UnitGroup(t.lead_unit_id, t.lead_unit.display_name, [])
        group.tasks.append(_row(t, on))
    return list(groups.values())


def _overdue(leaves, *, on) -> list[TaskRow]:
    qs = (
        leaves.filter(overdue_q(on))
        .annotate(status=status_as_of(on)).select_related(*RELATED)
        .order_by("due_date", "lead_unit__path", "pk")
    )
    return [_row(t, on) for t in _with_reports(qs)]


def _late_parents(visible, overdue: list[TaskRow], *, on) -> list[LateParent]:
    late_children: dict[int, list[TaskRow]] = {}
    for row in overdue:
        if row.parent_id:
            late_children.setdefault(row.parent_id, []).append(row)
    if not late_children:
        return []
    parents = list(
        visible.filter(pk__in=list(late_children)).annotate(status=status_as_of(on)).select_related(*RELATED).order_by("due_date", "pk")
    )
    counts = dict(
        visible.filter(parent_id__in=[p.pk for p in parents]).order_by()
        .values("parent_id").annotate(n=Count("pk")).values_list("parent_id", "n")
    )
    out = []
    for p in parents:
        late = sorted(late_children[p.pk], key=lambda r: (-r.days_late, r.lead_unit))
        out.append(LateParent(task=_row(p, on), unit_count=counts.get(p.pk, 0), late=late))
    return out


def _extensions(user, in_scope) -> list[ExtensionRow]:
    qs = (
        visible_to(user, ExtensionRequest)
        .filter(status=ExtensionRequest.Status.PENDING, task__in=in_scope.values("pk"))
        .select_related("task__lead_unit")
        .order_by("requested_at", "pk")
    )
    return [
        ExtensionRow(
            id=e.pk, task_id=e.task_id, task_title=e.task.title, lead_unit=e.task.lead_unit.display_name,
            old_due_date=e.old_due_date, new_due_date=e.new_due_date, reason=e.reason,
            requested_on=timezone.localdate(e.requested_at),
        )
        for e in qs
    ]


def _summary(leaves, *, since, until, on, overdue: list[TaskRow], pending: int) -> Summary:
    """Counts by status of the tasks followed in the period: started by its end, not
    cancelled, and not already completed before it began."""
    followed = (
        leaves.exclude(state=Task.State.CANCELLED)
        .filter(start_date__lte=until)
        .exclude(state__in=st.DONE_STATES, completed_on__lt=since)
    )
    counts = {
        row["status"]: row["n"]
        for row in followed.annotate(status=status_as_of(on)).order_by().values("status").annotate(n=Count("pk"))
    }
    by_unit: dict[int, UnitCount] = {}
    for row in overdue:
        entry = by_unit.setdefault(row.lead_unit_id, UnitCount(row.lead_unit_id, row.lead_unit, 0))
        entry.count += 1
    top = sorted(by_unit.values(), key=lambda u: (-u.count, u.unit))[:TOP_UNITS]
    return Summary(total=sum(counts.values()), counts=counts, overdue_by_unit=top, pending_extensions=pending)


def _issuer(user, body: Unit):
    """Who issues the report: the requesting user's home unit (the office reports to
    the committee), or the body itself; its head signs."""
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    issuer = None
    if person is not None:
        issuer = visible_to(user, Unit).select_related("parent").filter(pk=person.home_unit_id).first()
    issuer = issuer or body
    head = (
        visible_to(user, Membership.objects.active())
        .filter(unit=issuer, role__is_head=True)
        .select_related("person", "role")
        .order_by("since", "pk")
        .first()
    )
    parent = issuer.parent if issuer.parent_id else None
    if head is None:
        return issuer, parent, "", ""
    return issuer, parent, head.person.full_name, head.person.position or head.role.display_name
