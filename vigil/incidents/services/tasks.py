"""Tasks of an incident, each for a handling unit (and optionally one of its people), with a
checklist copied from a template of the incident's class or type, or written freely."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from vigil.core import audit, concurrency
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError
from vigil.core.notify import message, unit_recipients
from vigil.core.refs import is_pk
from vigil.org.models import Membership, Unit

from ..models import ChecklistItem, ChecklistTemplate, Incident, IncidentTask
from .common import require_change, timeline_add
from .workflow import TASK_ASSIGNED, handling_unit_ids, tell_later

MAX_ITEMS = 100


def template_items(template: ChecklistTemplate) -> list[str]:
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    out = []
    for item in template.items or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out.append((english and item.get("text_en")) or item.get("text") or "")
    return [t[:500] for t in out if t.strip()]


def _is_member(user, unit: Unit) -> bool:
    return Membership.objects.active().filter(person__user=user, person__is_active=True, unit=unit).exists()


@transaction.atomic
def task_create(*, actor: Actor, incident: Incident, unit, title: str = "", description: str = "",
                assignee=None, due_at: dt.datetime | None = None, template: ChecklistTemplate | None = None,
                items: Iterable[str] = ()) -> IncidentTask:
    """A task for one of the incident's handling units (the owner, lead or a supporting
    unit still asked), with a checklist from `template` and/or `items`."""
    require_change(actor, incident)
    if not incident.is_open:
        raise Conflict(_("Sự cố đã đóng; không thể thêm công việc."), field="incident_id", code="workflow")
    allowed = set(handling_unit_ids(incident)) | {incident.owner_unit_id}
    unit_obj = unit if isinstance(unit, Unit) else Unit.objects.filter(pk=unit).first() if is_pk(unit) else (
        Unit.objects.filter(code=str(unit)).first())
    if unit_obj is None or unit_obj.pk not in allowed:
        raise DomainError(_("Đơn vị thực hiện phải là một đơn vị đang xử lý sự cố."), field="unit")
    if assignee is not None and not _is_member(assignee, unit_obj):
        raise DomainError(_("Người thực hiện phải là cán bộ của đơn vị thực hiện."), field="assignee")
    texts = [str(t).strip()[:500] for t in (items or []) if str(t).strip()]
    if template is not None:
        texts = template_items(template) + texts
    if len(texts) > MAX_ITEMS:
        raise DomainError(_("Danh mục kiểm tra tối đa %(n)s bước.") % {"n": MAX_ITEMS}, field="items")
    title = (title or "").strip() or (template.name if template is not None else "")
    if not title:
        raise DomainError(_("Hãy nhập %(label)s.") % {"label": _("tiêu đề")}, field="title")
    if len(title) > 300:
        raise DomainError(_("Tiêu đề dài quá %(n)s ký tự.") % {"n": 300}, field="title")
    task = IncidentTask(
        incident=incident, title=title, description=(description or "").strip(), unit=unit_obj,
        assignee=assignee, due_at=due_at, template=template, created_by=actor.author,
    )
    task.full_clean()
    task.save()
    ChecklistItem.objects.bulk_create([ChecklistItem(task=task, text=t, position=i) for i, t in enumerate(texts)])
    audit.record(actor=actor, action="incidents.task.create", obj=task,
                 after={**audit.snapshot(task), "items": texts})
    timeline_add(incident=incident, actor=actor, kind="task_created", text=title,
                 data={"task": task.pk, "unit": unit_obj.pk})
    me = getattr(actor.author, "pk", None)
    recipients = [assignee] if assignee is not None else list(unit_recipients(unit_obj))
    tell_later(recipients=[u for u in recipients if u.pk != me], kind=TASK_ASSIGNED, incident=incident,
               title=message(gettext_lazy("Công việc mới của sự cố %(r)s: %(t)s"), r=incident.reference, t=title),
               body=description, actor=actor, unit=unit_obj)
    return task


def _open_task(task: IncidentTask) -> IncidentTask:
    task = IncidentTask.objects.select_for_update(of=("self",)).select_related("incident").get(pk=task.pk)
    if task.status != IncidentTask.Status.OPEN:
        raise Conflict(_("Công việc đã xong hoặc đã huỷ."), field="status", code="workflow")
    return task


@transaction.atomic
def item_set(*, actor: Actor, item: ChecklistItem, done: bool, version: int | None = None) -> ChecklistItem:
    """Tick (or untick) one step of a task's checklist (`version`: the one the caller saw,
    refused when the step changed since)."""
    item = ChecklistItem.objects.select_for_update(of=("self",)).select_related("task__incident").get(pk=item.pk)
    concurrency.require_version(item, version)
    require_change(actor, item.task.incident)
    _open_task(item.task)
    if item.done == bool(done):
        return item
    item.done = bool(done)
    item.done_by = actor.author if done else None
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done", "done_by", "done_at"])
    audit.record(actor=actor, action="incidents.task.item", obj=item, after={"done": item.done, "task": item.task_id})
    timeline_add(incident=item.task.incident, actor=actor, kind="item_done" if done else "item_undone",
                 text=item.text, data={"task": item.task_id, "item": item.pk})
    return item


@transaction.atomic
def task_complete(*, actor: Actor, task: IncidentTask, force: bool = False, note: str = "") -> IncidentTask:
    """Mark a task done: every checklist step must be ticked, unless `force` (said explicitly)."""
    task = _open_task(task)
    require_change(actor, task.incident)
    left = task.items.filter(done=False).count()
    if left and not force:
        raise Conflict(
            ngettext("Còn %(n)s bước chưa hoàn thành; đánh dấu hết hoặc xác nhận hoàn thành dù chưa xong.",
                     "Còn %(n)s bước chưa hoàn thành; đánh dấu hết hoặc xác nhận hoàn thành dù chưa xong.", left)
            % {"n": left},
            field="force", code="items-left",
        )
    before = audit.snapshot(task)
    task.status = IncidentTask.Status.DONE
    task.done_at = timezone.now()
    task.save(update_fields=["status", "done_at"])
    audit.record(actor=actor, action="incidents.task.complete", obj=task, before=before,
                 after={**audit.snapshot(task), "forced": bool(left), "note": note})
    timeline_add(incident=task.incident, actor=actor, kind="task_done", text=task.title,
                 data={"task": task.pk, "items_left": left})
    return task


@transaction.atomic
def task_cancel(*, actor: Actor, task: IncidentTask, reason: str) -> IncidentTask:
    task = _open_task(task)
    require_change(actor, task.incident)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Hãy nêu lý do huỷ."), field="reason")
    before = audit.snapshot(task)
    task.status = IncidentTask.Status.CANCELLED
    task.save(update_fields=["status"])
    audit.record(actor=actor, action="incidents.task.cancel", obj=task, before=before,
                 after={**audit.snapshot(task), "reason": reason})
    timeline_add(incident=task.incident, actor=actor, kind="task_cancelled", text=reason,
                 data={"task": task.pk, "title": task.title})
    return task
