"""Notices the task workflow sends: a unit is told when a task is assigned to it, when
its work is accepted or returned, when an extension is decided; the assigning unit is told
when completion is confirmed or an extension is requested. Sent through core's notify()
after the service's own writes, in the same transaction (mail goes out after commit)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from vigil.core.notify import NotificationKind, message, notify, unit_recipients

from ..models import ExtensionRequest, Task
from .reminders import task_url

GROUP = gettext_lazy("Nhiệm vụ")
ASSIGNED = "program.task.assigned"
CONFIRMED = "program.task.confirmed"
DECIDED = "program.task.decided"
EXTENSION_REQUESTED = "program.extension.requested"
EXTENSION_DECIDED = "program.extension.decided"

KINDS = [
    NotificationKind(ASSIGNED, gettext_lazy("Đơn vị được giao nhiệm vụ mới"), GROUP),
    NotificationKind(CONFIRMED, gettext_lazy("Đơn vị chủ trì xác nhận hoàn thành, chờ nghiệm thu"), GROUP),
    NotificationKind(DECIDED, gettext_lazy("Nhiệm vụ được nghiệm thu hoặc bị trả lại"), GROUP),
    NotificationKind(EXTENSION_REQUESTED, gettext_lazy("Đề nghị gia hạn chờ quyết định"), GROUP),
    NotificationKind(EXTENSION_DECIDED, gettext_lazy("Kết quả đề nghị gia hạn"), GROUP),
]


def _tell(unit, kind, task: Task, title, body, actor, *, author_too: bool = False) -> None:
    """Tell `unit`'s leaders (and, for the assigning side, whoever assigned the task: the
    committee office assigns on the national committee's behalf), never the actor."""
    recipients = list(unit_recipients(unit))
    if author_too and task.created_by_id:
        recipients.append(task.created_by_id)
    me = getattr(actor.user, "pk", None)
    recipients = [r for r in recipients if getattr(r, "pk", r) != me]
    notify(recipients=recipients, kind=kind, title=title, body=body, url=task_url(task), unit=unit,
           actor=actor, subject=task)


def task_assigned(task: Task, actor) -> None:
    _tell(task.lead_unit, ASSIGNED, task,
          message(gettext_lazy("Nhiệm vụ mới: %(t)s"), t=task.title),
          message(gettext_lazy("%(u)s giao nhiệm vụ, hạn hoàn thành %(d)s."), u=task.assigning_unit, d=task.due_date),
          actor)


def task_confirmed(task: Task, actor) -> None:
    _tell(task.assigning_unit, CONFIRMED, task,
          message(gettext_lazy("%(u)s xác nhận hoàn thành: %(t)s"), u=task.lead_unit, t=task.title),
          message(gettext_lazy("Hãy nghiệm thu hoặc trả lại kèm lý do.")),
          actor, author_too=True)


def task_decided(task: Task, actor, accepted: bool, note: str = "") -> None:
    title = (
        message(gettext_lazy("Nhiệm vụ đã được nghiệm thu: %(t)s"), t=task.title)
        if accepted else message(gettext_lazy("Nhiệm vụ bị trả lại: %(t)s"), t=task.title)
    )
    _tell(task.lead_unit, DECIDED, task, title, note, actor)


def extension_requested(ext: ExtensionRequest, actor) -> None:
    task = ext.task
    _tell(task.assigning_unit, EXTENSION_REQUESTED, task,
          message(gettext_lazy("%(u)s đề nghị gia hạn: %(t)s"), u=task.lead_unit, t=task.title),
          message(gettext_lazy("Từ %(a)s đến %(b)s. Lý do: %(r)s"), a=ext.old_due_date, b=ext.new_due_date, r=ext.reason),
          actor, author_too=True)


def extension_decided(ext: ExtensionRequest, actor) -> None:
    task = ext.task
    approved = ext.status == ExtensionRequest.Status.APPROVED
    title = (
        message(gettext_lazy("Đồng ý gia hạn đến %(d)s: %(t)s"), d=ext.new_due_date, t=task.title)
        if approved else message(gettext_lazy("Không đồng ý gia hạn: %(t)s"), t=task.title)
    )
    _tell(task.lead_unit, EXTENSION_DECIDED, task, title, ext.decision_note, actor)
