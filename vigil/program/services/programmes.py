"""Writes on annual work programmes: a unit's programme for a year (one per unit and
year), its tasks, and its approval by the unit's head.

Creating and editing a programme needs `add` / `change` on its unit; approving it needs
`approve` (the head or a deputy head). An approved programme is frozen: its title and
description no longer change, and only follow-up tasks may be added to it (the task
service itself checks `add` on the unit for each task).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import access, audit, concurrency
from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.org.models import Unit

from ..models import Task, WorkProgramme
from ..status import today

EDITABLE = ("title", "description")
MIN_YEAR, MAX_YEAR = 2000, 2100


def _title(value) -> str:
    value = " ".join(str(value or "").split())
    if not value:
        raise DomainError(_("Hãy nhập tên chương trình."), field="title")
    if len(value) > 300:
        raise DomainError(_("Tên chương trình dài quá 300 ký tự."), field="title")
    return value


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Năm phải là số, ví dụ 2026."), field="year") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(_("Năm phải từ %(a)s đến %(b)s.") % {"a": MIN_YEAR, "b": MAX_YEAR}, field="year")
    return year


def _require_draft(programme: WorkProgramme) -> None:
    if programme.status == WorkProgramme.Status.APPROVED:
        raise Conflict(
            _("Chương trình đã được phê duyệt; không thể sửa nội dung (chỉ bổ sung nhiệm vụ phát sinh)."),
            field="status", code="approved",
        )


def programme_create(
    *, actor: Actor, unit: Unit, year, title: str, description: str = ""
) -> WorkProgramme:
    """Draft the annual work programme of `unit` for `year` (`add` on the unit)."""
    if unit is None:
        raise DomainError(_("Hãy chọn đơn vị."), field="unit")
    if not access.allowed(actor, "add", unit):
        raise AccessDenied(
            _("Bạn không có quyền lập chương trình công tác cho %(u)s.") % {"u": unit.display_name}, field="unit"
        )
    year = _year(year)
    programme = WorkProgramme(
        unit=unit, year=year, title=_title(title), description=str(description or "").strip(),
        created_by=actor.author,
    )
    duplicate = Conflict(
        _("%(u)s đã có chương trình công tác năm %(y)s.") % {"u": unit.display_name, "y": year},
        field="year", code="duplicate",
    )
    with transaction.atomic():
        if WorkProgramme.objects.filter(unit=unit, year=year).exists():
            raise duplicate
        programme.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                programme.save()
        except IntegrityError as exc:
            raise duplicate from exc
        audit.record(actor=actor, action="program.programme.create", obj=programme, after=audit.snapshot(programme))
    return programme


def programme_update(*, actor: Actor, programme: WorkProgramme, version: int | None = None, **changes) -> WorkProgramme:
    """Change a draft programme's title or description (`change` on the unit)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(
            _("Không sửa được trường: %(f)s.") % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0]
        )
    if not access.allowed(actor, "change", programme):
        raise AccessDenied()
    with transaction.atomic():
        programme = WorkProgramme.objects.select_for_update().select_related("unit").get(pk=programme.pk)
        concurrency.require_version(programme, version)
        _require_draft(programme)
        before = audit.snapshot(programme)
        if "title" in changes:
            programme.title = _title(changes["title"])
        if "description" in changes:
            programme.description = str(changes["description"] or "").strip()
        programme.full_clean(validate_constraints=False)
        programme.save(update_fields=[f for f in ("title", "description") if f in changes])
        after = audit.snapshot(programme)
        if after != before:
            audit.record(actor=actor, action="program.programme.update", obj=programme, before=before, after=after)
    return programme


def programme_approve(*, actor: Actor, programme: WorkProgramme) -> WorkProgramme:
    """The unit's head approves the programme (`approve` on the unit). It needs at least
    one task; once approved it is frozen."""
    if not access.allowed(actor, "approve", programme):
        raise AccessDenied(_("Chỉ lãnh đạo đơn vị được phê duyệt chương trình công tác."))
    with transaction.atomic():
        programme = WorkProgramme.objects.select_for_update().select_related("unit").get(pk=programme.pk)
        if programme.status == WorkProgramme.Status.APPROVED:
            raise Conflict(_("Chương trình đã được phê duyệt."), field="status", code="approved")
        if not Task.objects.filter(programme=programme, parent__isnull=True).exists():
            raise DomainError(_("Chương trình chưa có nhiệm vụ nào để phê duyệt."), field="tasks")
        before = audit.snapshot(programme)
        programme.status = WorkProgramme.Status.APPROVED
        programme.approved_by = actor.author
        programme.approved_at = timezone.now()
        programme.save(update_fields=["status", "approved_by", "approved_at"])
        audit.record(
            actor=actor, action="program.programme.approve", obj=programme, before=before,
            after=audit.snapshot(programme),
        )
    return programme


def programme_task_create(
    *,
    actor: Actor,
    programme: WorkProgramme,
    title: str,
    lead_units: Iterable = (),
    due_date,
    start_date=None,
    description: str = "",
    supporting_units: Iterable = (),
    product: str = "document",
    product_description: str = "",
    priority: int = 2,
    recurrence: str = "none",
    target_value: int | None = None,
    assignee=None,
) -> Task:
    """Add a task to the programme, assigned by the programme's unit (to itself when no
    lead unit is picked). Allowed on an approved programme too: a follow-up task."""
    from . import tasks as task_svc

    if not access.allowed(actor, "view", programme):
        raise AccessDenied()
    leads = list(lead_units or []) or [programme.unit]
    start = start_date or None
    if start is None and programme.year > today().year:
        start = today().replace(year=programme.year, month=1, day=1)
    return task_svc.task_create(
        actor=actor,
        title=title,
        description=description,
        assigning_unit=programme.unit,
        lead_units=leads,
        supporting_units=supporting_units,
        due_date=due_date,
        start_date=start,
        source=Task.Source.PROGRAMME,
        programme=programme,
        source_reference=_("Chương trình công tác năm %(y)s của %(u)s")
        % {"y": programme.year, "u": programme.unit.display_name},
        product=product or "document",
        product_description=product_description,
        priority=priority or 2,
        recurrence=recurrence or "none",
        target_value=target_value,
        assignee=assignee,
    )
