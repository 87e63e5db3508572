"""The conclusions, the numbered items of the notice, and turning one into tasks."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from vigil.core import audit, concurrency
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError

from ...models import Conclusion, Meeting, Task
from .common import _locked, _require_open_notice, _text, require_change


def _number(value, field: str = "number") -> int | None:
    if value in (None, ""):
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Số mục phải là số nguyên dương."), field=field) from None
    if not 1 <= value <= 32767:
        raise DomainError(_("Số mục phải là số nguyên dương."), field=field)
    return value


def _check_number_free(meeting: Meeting, number: int, exclude_pk=None) -> None:
    taken = meeting.conclusions.filter(number=number)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise Conflict(
            _("Thông báo đã có mục kết luận số %(n)s.") % {"n": number}, field="number", code="duplicate"
        )


def conclusion_add(*, actor: Actor, meeting: Meeting, text: str, number: int | None = None) -> Conclusion:
    """Add an item to the conclusion notice (numbered after the last one by default)."""
    require_change(actor, meeting)
    text = _text(text, "text", _("nội dung kết luận"), required=True)
    number = _number(number)
    with transaction.atomic():
        meeting = _locked(meeting)
        _require_open_notice(meeting)
        if number is None:
            number = (meeting.conclusions.aggregate(m=Max("number"))["m"] or 0) + 1
        _check_number_free(meeting, number)
        conclusion = Conclusion(meeting=meeting, number=number, text=text)
        conclusion.full_clean()
        conclusion.save()
        audit.record(actor=actor, action="program.conclusion.add", obj=conclusion, after=audit.snapshot(conclusion))
    return conclusion


def conclusion_update(
    *, actor: Actor, conclusion: Conclusion, text: str | None = None, number: int | None = None,
    version: int | None = None,
) -> Conclusion:
    """Change a conclusion's text or number while the notice is not issued."""
    require_change(actor, conclusion.meeting)
    with transaction.atomic():
        meeting = _locked(conclusion.meeting)
        _require_open_notice(meeting)
        conclusion = Conclusion.objects.select_for_update().get(pk=conclusion.pk)
        concurrency.require_version(conclusion, version)
        before = audit.snapshot(conclusion)
        if text is not None:
            conclusion.text = _text(text, "text", _("nội dung kết luận"), required=True)
        if number is not None and number != "":
            conclusion.number = _number(number)
            _check_number_free(meeting, conclusion.number, exclude_pk=conclusion.pk)
        conclusion.full_clean()
        conclusion.save()
        after = audit.snapshot(conclusion)
        if after != before:
            audit.record(actor=actor, action="program.conclusion.update", obj=conclusion, before=before, after=after)
    return conclusion


def conclusion_delete(*, actor: Actor, conclusion: Conclusion) -> None:
    """Delete a conclusion that has produced no task, while the notice is not issued."""
    require_change(actor, conclusion.meeting)
    with transaction.atomic():
        meeting = _locked(conclusion.meeting)
        _require_open_notice(meeting)
        if Task.objects.filter(conclusion=conclusion).exists():
            raise Conflict(
                _("Kết luận đã được giao thành nhiệm vụ; không thể xoá."), field="tasks", code="has-tasks"
            )
        audit.record(actor=actor, action="program.conclusion.delete", obj=conclusion, before=audit.snapshot(conclusion))
        conclusion.delete()


def default_task_title(conclusion: Conclusion) -> str:
    """The conclusion's text as a task title (one line, at most 300 characters)."""
    text = " ".join(conclusion.text.split())
    return text if len(text) <= 300 else text[:299].rstrip() + "…"


def conclusion_reference(conclusion: Conclusion) -> str:
    """"Thông báo kết luận số …, mục …" — the task's source reference."""
    meeting = conclusion.meeting
    if meeting.notice_number:
        ref = _("Thông báo kết luận số %(n)s") % {"n": meeting.notice_number}
        if meeting.notice_date:
            ref += " " + _("ngày %(d)s") % {"d": meeting.notice_date.strftime("%d/%m/%Y")}
    else:
        ref = _("Kết luận phiên họp %(t)s") % {"t": meeting.title}
    return (ref + ", " + _("mục %(n)s") % {"n": conclusion.number})[:300]


def conclusion_task_create(
    *,
    actor: Actor,
    conclusion: Conclusion,
    lead_units: Iterable = (),
    all_of_kind: str | None = None,
    due_date,
    title: str = "",
    description: str = "",
    supporting_units: Iterable = (),
    start_date=None,
    product: str = "document",
    product_description: str = "",
    priority: int = 2,
    recurrence: str = "none",
    target_value: int | None = None,
) -> Task:
    """Turn a conclusion into a task assigned by the body unit: to the units picked, and/or
    to every unit of a kind (`all_of_kind="province"`: all provinces). Several lead units
    give a parent task with one child per unit (the task service's cascade)."""
    from .. import tasks as task_svc

    require_change(actor, conclusion.meeting)
    leads = list(lead_units or [])
    if all_of_kind:
        leads += task_svc.lead_units_of_kind(actor, all_of_kind)
        if not leads:
            raise DomainError(
                _("Không có đơn vị nào thuộc loại này mà bạn được giao nhiệm vụ."), field="all_of_kind"
            )
    # The notice number may have been set since `conclusion` was read: read it afresh.
    conclusion = Conclusion.objects.select_related("meeting__body_unit").get(pk=conclusion.pk)
    meeting = conclusion.meeting
    return task_svc.task_create(
        actor=actor,
        title=(title or "").strip() or default_task_title(conclusion),
        description=(description or "").strip() or conclusion.text,
        assigning_unit=meeting.body_unit,
        lead_units=leads,
        supporting_units=supporting_units,
        due_date=due_date,
        start_date=start_date,
        source=Task.Source.CONCLUSION,
        conclusion=conclusion,
        source_reference=conclusion_reference(conclusion),
        product=product or "document",
        product_description=product_description,
        priority=priority or 2,
        recurrence=recurrence or "none",
        target_value=target_value,
    )
