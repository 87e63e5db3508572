"""Reminders before due dates, escalation when overdue, reminders of periodic reports,
and the weekly digest per unit — all sent through the notification service.

Run daily (`run_reminders`) and weekly (`run_digest`) by the jobs in program/tasks.py,
or by hand: `vigil program reminders run [--today YYYY-MM-DD] [--digest]`.

- Before the due date (PROGRAM_REMINDER_DAYS, default 7, 3 and 1 days): the lead unit's
  head, deputies and focal points, and the assignee.
- Overdue: the lead unit is told, and the task is escalated to the assigning unit and to
  the lead unit's parent unit (tasks overdue for longer than PROGRAM_OVERDUE_LOOKBACK_DAYS
  when first seen are left to the digest, so a first run does not flood anyone).
- Recurring tasks (monthly, quarterly, yearly reports): a reminder
  PROGRAM_PERIOD_REMINDER_DAYS before the end of each period with no report for it.
- Each reminder is written once in ReminderLog (unique task, kind, key) with a TaskEvent
  on the task: running twice sends nothing new. Parent tasks are not reminded (their
  children carry the work); done and cancelled tasks never are.
- Digest: for every unit with open tasks (or extension requests to decide), one
  notification to its head and focal points: due in the next 7 days, overdue (how many
  days), completed in the last 7 days, extension requests awaiting its decision.

Queries stay on indexed due-date ranges and go in chunks, for a history of ~700k tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext_lazy

from vigil.core.actors import Actor, system_actor
from vigil.core.notify import NotificationKind, message, notify, recipients_for_units
from vigil.core.notify.text import keep, lines
from vigil.org.models import Unit

from ..models import ExtensionRequest, ProgressReport, ReminderLog, Task, TaskEvent
from ..status import (
    DONE_LATE,
    DONE_ON_TIME,
    DONE_STATES,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    STATUS_LABELS,
    compute_status,
    status_q,
)
from ..status import today as local_today

GROUP = gettext_lazy("Nhiệm vụ")
DUE_SOON = "program.task.due_soon"
OVERDUE_KIND = "program.task.overdue"
ESCALATED = "program.task.escalated"
PERIOD_REPORT = "program.task.period_report"
DIGEST = "program.digest"

KINDS = [
    NotificationKind(DUE_SOON, gettext_lazy("Nhiệm vụ sắp đến hạn"), GROUP),
    NotificationKind(OVERDUE_KIND, gettext_lazy("Nhiệm vụ của đơn vị đã quá hạn"), GROUP),
    NotificationKind(ESCALATED, gettext_lazy("Nhiệm vụ quá hạn của đơn vị được giao hoặc đơn vị cấp dưới"), GROUP),
    NotificationKind(PERIOD_REPORT, gettext_lazy("Đến kỳ báo cáo định kỳ"), GROUP),
    NotificationKind(DIGEST, gettext_lazy("Tổng hợp nhiệm vụ hằng tuần của đơn vị"), GROUP),
]

# ReminderLog kinds (what the log row is about; the key says which date or period).
LOG_DUE_SOON = "due_soon"
LOG_OVERDUE = "overdue"
LOG_ESCALATED = "escalated"
LOG_PERIOD = "period"

CHUNK = 500
DIGEST_WINDOW_DAYS = 7
DIGEST_LIST_MAX = 15


# --------------------------------------------------------------------------- settings


def reminder_days() -> tuple[int, ...]:
    """Days before the due date at which reminders go out, largest first."""
    raw = getattr(settings, "PROGRAM_REMINDER_DAYS", (7, 3, 1))
    if isinstance(raw, str):
        raw = [p for p in raw.replace(";", ",").split(",") if p.strip()]
    days = sorted({int(d) for d in raw if int(d) >= 0}, reverse=True)
    return tuple(days) or (7, 3, 1)


def period_reminder_days() -> int:
    return int(getattr(settings, "PROGRAM_PERIOD_REMINDER_DAYS", 5))


def overdue_lookback_days() -> int:
    return int(getattr(settings, "PROGRAM_OVERDUE_LOOKBACK_DAYS", 30))


# --------------------------------------------------------------------------- helpers


def _leaf() -> Q:
    """Tasks without children (a parent's progress comes from its children)."""
    return ~Q(Exists(Task.objects.filter(parent_id=OuterRef("pk"))))


def _open_not_late(on: dt.date) -> Q:
    return status_q(NOT_STARTED, on) | status_q(IN_PROGRESS, on)


def task_url(task: Task) -> str:
    try:
        return reverse("program:task_detail", args=[task.pk])
    except NoReverseMatch:
        return ""


def unit_tasks_url(unit: Unit) -> str:
    try:
        return f"{reverse('program:task_list')}?unit={unit.pk}&subtree=0&relation=lead"
    except NoReverseMatch:
        return ""


def _chunks(qs, size: int = CHUNK):
    """Keyset pagination on the primary key: constant memory, no OFFSET."""
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def _logged(tasks: Iterable[Task], kinds: Iterable[str]) -> set[tuple[int, str, str]]:
    return set(
        ReminderLog.objects.filter(task_id__in=[t.pk for t in tasks], kind__in=list(kinds))
        .values_list("task_id", "kind", "key")
    )


class _Recipients:
    """Who answers for each unit, loaded once per run for the units it meets."""

    def __init__(self, on: dt.date):
        self.on = on
        self.cache: dict[int, list] = {}

    def load(self, unit_ids: Iterable[int | None]) -> None:
        missing = {u for u in unit_ids if u is not None and u not in self.cache}
        if missing:
            found = recipients_for_units(missing, on=self.on)
            for uid in missing:
                self.cache[uid] = found.get(uid, [])

    def of(self, *unit_ids: int | None) -> list:
        self.load(unit_ids)
        users: list = []
        for uid in unit_ids:
            for user in self.cache.get(uid, []) if uid is not None else []:
                if all(u.pk != user.pk for u in users):
                    users.append(user)
        return users


def _assignee_user(task: Task):
    person = task.assignee
    user = getattr(person, "user", None) if person is not None and person.is_active else None
    return user if user is not None and user.is_active else None


def _names(users) -> str:
    return ", ".join(u.display_name for u in users) or "—"


@dataclass
class ReminderRun:
    """What one run of the daily reminders sent."""

    today: dt.date
    due_soon: int = 0
    overdue: int = 0
    escalated: int = 0
    period: int = 0
    notifications: int = 0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        return data


def _send(
    run: ReminderRun, actor: Actor, task: Task, *, log_kind: str, key: str, kind: str,
    recipients: list, title, body, unit: Unit, event_kind: str, data: dict,
) -> bool:
    """Write the log row, the notifications and the task event together, once. Another run
    that already wrote the same (task, kind, key) makes this one a no-op."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(task=task, kind=log_kind, key=key)
            rows = notify(
                recipients=recipients, kind=kind, title=title, body=body, url=task_url(task),
                unit=unit, actor=actor, subject=task,
            )
            said = message(gettext_lazy("%(what)s – gửi tới: %(who)s"), what=title, who=_names(recipients))
            with translation.override(settings.LANGUAGE_CODE):
                note = str(said)
            TaskEvent.objects.create(
                task=task, kind=event_kind, actor=None, actor_name="Vigil", note=note,
                data={**data, "message": keep(said), "notification": kind, "key": key,
                      "recipients": [u.username for u in recipients], "notified": len(rows)},
            )
    except IntegrityError:
        return False
    run.notifications += len(rows)
    return True


def _task_lines(task: Task, on: dt.date):
    """The body of a reminder about one task, rendered in the recipient's language."""

    parts = [
        message(gettext_lazy("Nhiệm vụ: %(t)s"), t=task.title),
        message(gettext_lazy("Đơn vị chủ trì: %(u)s"), u=task.lead_unit),
        message(gettext_lazy("Đơn vị giao: %(u)s"), u=task.assigning_unit),
        message(gettext_lazy("Hạn hoàn thành: %(d)s"), d=task.due_date),
        message(gettext_lazy("Tiến độ: %(p)s%%"), p=task.progress),
        message(gettext_lazy("Tình trạng: %(s)s"), s=STATUS_LABELS[compute_status(task, on)]),
    ]
    if task.assignee_id:
        parts.append(message(gettext_lazy("Người được giao: %(p)s"), p=task.assignee.full_name))
    return lines(*parts)


# --------------------------------------------------------------------------- daily run


def run_reminders(*, today: dt.date | None = None, actor: Actor | None = None) -> ReminderRun:
    """Send today's due-date reminders, overdue notices and escalations, and periodic
    report reminders. Idempotent: a second run the same day sends nothing."""
    today = today or local_today()
    actor = actor or system_actor("job")
    run = ReminderRun(today=today)
    recipients = _Recipients(today)
    _due_soon(run, actor, recipients)
    _overdue(run, actor, recipients)
    _periods(run, actor, recipients)
    return run


def _base():
    return (
        Task.objects.filter(_leaf())
        .select_related("lead_unit__parent", "assigning_unit", "assignee__user", "created_by")
    )


def _due_soon(run: ReminderRun, actor: Actor, recipients: _Recipients) -> None:
    today = run.today
    days = reminder_days()
    horizon = today + dt.timedelta(days=days[0])
    qs = _base().filter(_open_not_late(today), due_date__gte=today, due_date__lte=horizon)
    for batch in _chunks(qs):
        done = _logged(batch, [LOG_DUE_SOON])
        recipients.load(t.lead_unit_id for t in batch)
        for task in batch:
            left = (task.due_date - today).days
            step = min(d for d in days if left <= d)
            key = f"{task.due_date.isoformat()}:{step}"
            if (task.pk, LOG_DUE_SOON, key) in done:
                continue
            users = recipients.of(task.lead_unit_id)
            assignee = _assignee_user(task)
            if assignee is not None and all(u.pk != assignee.pk for u in users):
                users.append(assignee)
            if left == 0:
                title = message(gettext_lazy("Đến hạn hôm nay: %(t)s"), t=task.title)
            else:
                title = message(
                    ngettext_lazy("Sắp đến hạn: %(t)s (hạn %(d)s, còn %(n)s ngày)",
                                  "Sắp đến hạn: %(t)s (hạn %(d)s, còn %(n)s ngày)", left),
                    t=task.title, d=task.due_date, n=left,
                )
            if _send(
                run, actor, task, log_kind=LOG_DUE_SOON, key=key, kind=DUE_SOON, recipients=users,
                title=title, body=_task_lines(task, today), unit=task.lead_unit,
                event_kind=TaskEvent.Kind.REMINDED, data={"days_left": left},
            ):
                run.due_soon += 1


def _overdue(run: ReminderRun, actor: Actor, recipients: _Recipients) -> None:
    today = run.today
    since = today - dt.timedelta(days=overdue_lookback_days())
    qs = _base().filter(status_q(OVERDUE, today), due_date__gte=since)
    for batch in _chunks(qs):
        done = _logged(batch, [LOG_OVERDUE, LOG_ESCALATED])
        recipients.load(
            uid for t in batch for uid in (t.lead_unit_id, t.assigning_unit_id, t.lead_unit.parent_id)
        )
        for task in batch:
            key = task.due_date.isoformat()
            late = (today - task.due_date).days
            if (task.pk, LOG_OVERDUE, key) not in done:
                users = recipients.of(task.lead_unit_id)
                assignee = _assignee_user(task)
                if assignee is not None and all(u.pk != assignee.pk for u in users):
                    users.append(assignee)
                title = message(
                    ngettext_lazy("Quá hạn: %(t)s (hạn %(d)s, đã quá %(n)s ngày)",
                                  "Quá hạn: %(t)s (hạn %(d)s, đã quá %(n)s ngày)", late),
                    t=task.title, d=task.due_date, n=late,
                )
                if _send(
                    run, actor, task, log_kind=LOG_OVERDUE, key=key, kind=OVERDUE_KIND,
                    recipients=users, title=title, body=_task_lines(task, today), unit=task.lead_unit,
                    event_kind=TaskEvent.Kind.REMINDED, data={"days_late": late},
                ):
                    run.overdue += 1
            if (task.pk, LOG_ESCALATED, key) not in done:
                parent_id = task.lead_unit.parent_id
                users = recipients.of(task.assigning_unit_id, parent_id)
                # Whoever assigned it (the committee office acts for the committee) chases it too.
                author = task.created_by
                if author is not None and author.is_active and all(u.pk != author.pk for u in users):
                    users.append(author)
                title = message(
                    ngettext_lazy("Nhiệm vụ quá hạn của %(u)s: %(t)s (hạn %(d)s, đã quá %(n)s ngày)",
                                  "Nhiệm vụ quá hạn của %(u)s: %(t)s (hạn %(d)s, đã quá %(n)s ngày)", late),
                    u=task.lead_unit, t=task.title, d=task.due_date, n=late,
                )
                units = [task.assigning_unit.code]
                if task.lead_unit.parent is not None and task.lead_unit.parent_id != task.assigning_unit_id:
                    units.append(task.lead_unit.parent.code)
                if _send(
                    run, actor, task, log_kind=LOG_ESCALATED, key=key, kind=ESCALATED,
                    recipients=users, title=title, body=_task_lines(task, today), unit=task.assigning_unit,
                    event_kind=TaskEvent.Kind.ESCALATED, data={"days_late": late, "units": units},
                ):
                    run.escalated += 1


# --------------------------------------------------------------------------- periodic reports


def period_bounds(recurrence: str, on: dt.date) -> tuple[dt.date, dt.date] | None:
    """The calendar period (month, quarter, year) containing `on`: (first day, last day).
    The same periods as ProgressReport.period_start (see services.tasks.period_start_for)."""
    if recurrence == Task.Recurrence.MONTHLY:
        start = on.replace(day=1)
        nxt = (start + dt.timedelta(days=32)).replace(day=1)
    elif recurrence == Task.Recurrence.QUARTERLY:
        start = on.replace(month=(on.month - 1) // 3 * 3 + 1, day=1)
        nxt = (start + dt.timedelta(days=95)).replace(day=1)
    elif recurrence == Task.Recurrence.YEARLY:
        start = on.replace(month=1, day=1)
        nxt = start.replace(year=start.year + 1)
    else:
        return None
    return start, nxt - dt.timedelta(days=1)


def period_label(recurrence: str, start: dt.date):
    if recurrence == Task.Recurrence.MONTHLY:
        return message(gettext_lazy("tháng %(m)s/%(y)s"), m=f"{start.month:02d}", y=start.year)
    if recurrence == Task.Recurrence.QUARTERLY:
        return message(gettext_lazy("quý %(q)s/%(y)s"), q=(start.month - 1) // 3 + 1, y=start.year)
    return message(gettext_lazy("năm %(y)s"), y=start.year)


def _periods(run: ReminderRun, actor: Actor, recipients: _Recipients) -> None:
    today = run.today
    ahead = period_reminder_days()
    for recurrence in (Task.Recurrence.MONTHLY, Task.Recurrence.QUARTERLY, Task.Recurrence.YEARLY):
        start, end = period_bounds(recurrence, today)
        if (end - today).days > ahead:
            continue
        key = start.isoformat()
        # The last period of a task ends at its due date: the due-date reminders cover it.
        qs = (
            _base()
            .filter(_open_not_late(today), recurrence=recurrence, start_date__lte=end, due_date__gt=end)
            .exclude(Exists(ProgressReport.objects.filter(task_id=OuterRef("pk"), period_start=start)))
            .exclude(Exists(ReminderLog.objects.filter(task_id=OuterRef("pk"), kind=LOG_PERIOD, key=key)))
        )
        label = period_label(recurrence, start)
        for batch in _chunks(qs):
            recipients.load(t.lead_unit_id for t in batch)
            for task in batch:
                users = recipients.of(task.lead_unit_id)
                assignee = _assignee_user(task)
                if assignee is not None and all(u.pk != assignee.pk for u in users):
                    users.append(assignee)
                title = message(
                    gettext_lazy("Đến kỳ báo cáo %(p)s: %(t)s (hạn báo cáo %(d)s)"),
                    p=label, t=task.title, d=end,
                )
                if _send(
                    run, actor, task, log_kind=LOG_PERIOD, key=key, kind=PERIOD_REPORT,
                    recipients=users, title=title, body=_task_lines(task, today), unit=task.lead_unit,
                    event_kind=TaskEvent.Kind.REMINDED,
                    data={"period_start": key, "period_end": end.isoformat()},
                ):
                    run.period += 1


# --------------------------------------------------------------------------- weekly digest


@dataclass
class UnitDigest:
    """What one unit's weekly digest says."""

    unit: Unit
    open_count: int = 0
    due_soon: list[dict] = field(default_factory=list)
    due_soon_count: int = 0
    overdue: list[dict] = field(default_factory=list)
    overdue_count: int = 0
    completed: list[dict] = field(default_factory=list)
    completed_count: int = 0
    extensions: list[dict] = field(default_factory=list)
    extensions_count: int = 0


@dataclass
class DigestRun:
    today: dt.date
    week: str
    units: int = 0
    notifications: int = 0

    def as_dict(self) -> dict:
        return {"today": self.today.isoformat(), "week": self.week, "units": self.units,
                "notifications": self.notifications}


def week_key(on: dt.date) -> str:
    iso = on.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _add(items: list, count_attr: str, digest: UnitDigest, row: dict) -> None:
    setattr(digest, count_attr, getattr(digest, count_attr) + 1)
    if len(items) < DIGEST_LIST_MAX:
        items.append(row)


def build_digests(today: dt.date) -> dict[int, UnitDigest]:
    """Every unit's digest for the week starting `today`, in a handful of queries."""
    leaf = Task.objects.filter(_leaf())
    open_counts = dict(
        leaf.filter(state=Task.State.OPEN).order_by().values("lead_unit")
        .annotate(n=Count("pk")).values_list("lead_unit", "n")
    )
    pending = list(
        ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
        .select_related("task__lead_unit").order_by("task__due_date", "pk")
    )
    unit_ids = set(open_counts) | {e.task.assigning_unit_id for e in pending}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids, is_active=True)}
    digests = {uid: UnitDigest(unit=u, open_count=open_counts.get(uid, 0)) for uid, u in units.items()}
    fields = ("pk", "title", "due_date", "lead_unit_id", "progress", "completed_on", "state")

    horizon = today + dt.timedelta(days=DIGEST_WINDOW_DAYS)
    soon = leaf.filter(_open_not_late(today), due_date__lte=horizon).order_by("lead_unit_id", "due_date", "pk")
    for row in soon.values(*fields).iterator(chunk_size=2000):
        d = digests.get(row["lead_unit_id"])
        if d is not None:
            _add(d.due_soon, "due_soon_count", d, row)
    late = leaf.filter(status_q(OVERDUE, today)).order_by("lead_unit_id", "due_date", "pk")
    for row in late.values(*fields).iterator(chunk_size=2000):
        d = digests.get(row["lead_unit_id"])
        if d is not None:
            row["days_late"] = (today - row["due_date"]).days
            _add(d.overdue, "overdue_count", d, row)
    since = today - dt.timedelta(days=DIGEST_WINDOW_DAYS)
    done = leaf.filter(state__in=DONE_STATES, completed_on__gte=since, completed_on__lte=today).order_by(
        "lead_unit_id", "-completed_on", "pk"
    )
    for row in done.values(*fields).iterator(chunk_size=2000):
        d = digests.get(row["lead_unit_id"])
        if d is not None:
            row["on_time"] = row["completed_on"] <= row["due_date"]
            _add(d.completed, "completed_count", d, row)
    for e in pending:
        d = digests.get(e.task.assigning_unit_id)
        if d is not None:
            _add(d.extensions, "extensions_count", d, {
                "pk": e.task_id, "title": e.task.title, "lead_unit": e.task.lead_unit,
                "old": e.old_due_date, "new": e.new_due_date,
            })
    return digests


def _digest_body(d: UnitDigest, today: dt.date, week: str):
    """The digest, line by line, each a message kept for the reader's language."""

    def section(heading, rows, count, line):
        out = ["", message("%(h)s (%(n)s):", h=heading, n=count)]
        if not rows:
            out.append(message("  %(x)s", x=gettext_lazy("Không có.")))
        out.extend(message("  - %(x)s", x=line(r)) for r in rows)
        if count > len(rows):
            more = count - len(rows)
            out.append(message("  %(x)s", x=message(
                ngettext_lazy("… và %(n)s nhiệm vụ khác.", "… và %(n)s nhiệm vụ khác.", more), n=more)))
        return out

    parts = [
        message(gettext_lazy("Đơn vị: %(u)s"), u=d.unit),
        message(gettext_lazy("Tuần %(w)s, ngày %(d)s"), w=week, d=today),
        message(gettext_lazy("Nhiệm vụ đơn vị đang chủ trì thực hiện: %(n)s"), n=d.open_count),
    ]
    parts += section(
        gettext_lazy("Đến hạn trong 7 ngày tới"), d.due_soon, d.due_soon_count,
        lambda r: message(gettext_lazy("%(t)s — hạn %(d)s, tiến độ %(p)s%%"),
                          t=r["title"], d=r["due_date"], p=r["progress"]),
    )
    parts += section(
        gettext_lazy("Quá hạn"), d.overdue, d.overdue_count,
        lambda r: message(ngettext_lazy("%(t)s — hạn %(d)s, quá %(n)s ngày", "%(t)s — hạn %(d)s, quá %(n)s ngày",
                                        r["days_late"]), t=r["title"], d=r["due_date"], n=r["days_late"]),
    )
    parts += section(
        gettext_lazy("Hoàn thành trong 7 ngày qua"), d.completed, d.completed_count,
        lambda r: message(gettext_lazy("%(t)s — %(d)s (%(s)s)"), t=r["title"], d=r["completed_on"],
                          s=STATUS_LABELS[DONE_ON_TIME if r["on_time"] else DONE_LATE]),
    )
    parts += section(
        gettext_lazy("Đề nghị gia hạn chờ đơn vị quyết định"), d.extensions, d.extensions_count,
        lambda r: message(gettext_lazy("%(t)s (%(u)s): hạn %(old)s → %(new)s"),
                          t=r["title"], u=r["lead_unit"], old=r["old"], new=r["new"]),
    )
    return lines(*parts)


def run_digest(*, today: dt.date | None = None, actor: Actor | None = None) -> DigestRun:
    """Send each unit with open tasks (or extension requests to decide) its weekly digest.
    Once per unit and ISO week: a second run the same week sends nothing new."""
    today = today or local_today()
    actor = actor or system_actor("job")
    week = week_key(today)
    run = DigestRun(today=today, week=week)
    digests = build_digests(today)
    who = recipients_for_units(digests.keys(), on=today)
    for uid in sorted(digests, key=lambda u: digests[u].unit.path):
        d = digests[uid]
        users = who.get(uid, [])
        if not users:
            continue
        title = message(
            gettext_lazy("Tổng hợp tuần %(w)s – %(u)s: %(s)s sắp đến hạn, %(o)s quá hạn"),
            w=week, u=d.unit, s=d.due_soon_count, o=d.overdue_count,
        )
        rows = notify(
            recipients=users, kind=DIGEST, title=title, body=_digest_body(d, today, week),
            url=unit_tasks_url(d.unit), unit=d.unit, actor=actor, key=f"digest:{uid}:{week}",
            subject=d.unit,
        )
        if rows:
            run.units += 1
            run.notifications += len(rows)
    return run
