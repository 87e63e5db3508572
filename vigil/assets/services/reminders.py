"""Reminders of a system's review and re-approval due dates.

Each day (the job in assets/tasks.py, or `vigil assets systems reminders run`), for every system
still registered (not retired) of an active unit whose `review_due` or `reapproval_due`
is within ASSETS_REMINDER_DAYS (default 30, 7 and 1 days) or past, the people who answer
for the owning unit (its head, deputy heads and focal points; else its members whose
role grants `change`) are told once per stage: the largest threshold crossed, then the
next, then "overdue" once. The notification key names the system, the date field, the
due date and the stage, so running twice sends nothing new, a missed day catches up with
one notice (not three), and a new due date starts afresh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext_lazy

from vigil.core.actors import Actor, system_actor
from vigil.core.notify import NotificationKind, message, notify, recipients_for_units

from ..models import InformationSystem
from ..selectors import systems_due

GROUP = gettext_lazy("Hệ thống thông tin")
REVIEW_DUE = "assets.system.review_due"
REAPPROVAL_DUE = "assets.system.reapproval_due"
OVERDUE = "assets.system.overdue"

KINDS = [
    NotificationKind(REVIEW_DUE, gettext_lazy("Hệ thống thông tin sắp đến hạn rà soát"), GROUP),
    NotificationKind(REAPPROVAL_DUE, gettext_lazy("Hệ thống thông tin sắp đến hạn phê duyệt lại hồ sơ cấp độ"), GROUP),
    NotificationKind(OVERDUE, gettext_lazy("Hệ thống thông tin quá hạn rà soát hoặc phê duyệt lại"), GROUP),
]

FIELDS = {
    "review_due": (REVIEW_DUE, gettext_lazy("rà soát")),
    "reapproval_due": (REAPPROVAL_DUE, gettext_lazy("phê duyệt lại hồ sơ cấp độ")),
}


def reminder_days() -> tuple[int, ...]:
    """Days before a due date at which reminders go out, largest first."""
    raw = getattr(settings, "ASSETS_REMINDER_DAYS", (30, 7, 1))
    if isinstance(raw, str):
        raw = [p for p in raw.replace(";", ",").split(",") if p.strip()]
    days = sorted({int(d) for d in raw if int(d) >= 0}, reverse=True)
    return tuple(days) or (30, 7, 1)


def stage_for(due: dt.date, today: dt.date, days: tuple[int, ...]) -> str | None:
    """"overdue", the smallest threshold (as a string) the date is within, or None."""
    left = (due - today).days
    if left < 0:
        return "overdue"
    crossed = [d for d in days if left <= d]
    return str(min(crossed)) if crossed else None


def system_url(system: InformationSystem) -> str:
    try:
        return reverse("assets:system_detail", kwargs={"system_id": system.pk})
    except NoReverseMatch:
        return ""


@dataclass
class ReminderResult:
    today: dt.date
    due_soon: int = 0
    overdue: int = 0
    notifications: int = 0
    systems: list = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        return data


def run_reminders(*, today: dt.date | None = None, actor: Actor | None = None) -> ReminderResult:
    """Send the reminders due on `today` (default: the local date). Idempotent."""
    today = today or timezone.localdate()
    actor = actor or system_actor("job")
    days = reminder_days()
    result = ReminderResult(today=today)
    systems = list(systems_due(today=today, horizon_days=max(days)))
    recipients = recipients_for_units({s.owner_unit_id for s in systems}, on=today)
    for system in systems:
        users = recipients.get(system.owner_unit_id, [])
        for field_name, (kind, what) in FIELDS.items():
            due = getattr(system, field_name)
            if due is None:
                continue
            stage = stage_for(due, today, days)
            if stage is None:
                continue
            left = (due - today).days
            if stage == "overdue":
                result.overdue += 1
                notice_kind = OVERDUE
                title = message(
                    gettext_lazy("Quá hạn %(what)s: hệ thống %(s)s (hạn %(d)s)"), what=what, s=system.name, d=due
                )
            else:
                result.due_soon += 1
                notice_kind = kind
                if left == 0:
                    title = message(gettext_lazy("Hôm nay đến hạn %(what)s: hệ thống %(s)s"), what=what, s=system.name)
                else:
                    title = message(
                        ngettext_lazy("Còn %(n)s ngày đến hạn %(what)s: hệ thống %(s)s (hạn %(d)s)",
                                      "Còn %(n)s ngày đến hạn %(what)s: hệ thống %(s)s (hạn %(d)s)", left),
                        n=left, what=what, s=system.name, d=due,
                    )
            body = message(
                gettext_lazy("Hệ thống %(s)s (mã %(c)s) của %(u)s có hạn %(what)s ngày %(d)s."),
                s=system.name, c=system.code, u=system.owner_unit, what=what, d=due,
            )
            sent = notify(
                recipients=users, kind=notice_kind, title=title, body=body, url=system_url(system),
                unit=system.owner_unit, actor=actor, subject=system,
                key=f"system:{system.pk}:{field_name}:{due.isoformat()}:{stage}",
            )
            if sent:
                result.notifications += len(sent)
                result.systems.append(system.pk)
    result.systems = sorted(set(result.systems))
    return result
