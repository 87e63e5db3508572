"""Reads of tasks, always through the access layer: a unit sees the tasks it leads,
assigned or supports, and those of its descendants; the committee office and standing
agency see them all. Every queryset is annotated with the computed `status`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core.access import scope_anchors, visible_to, visible_within
from vigil.core.dates import parse_date
from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError, NotFound
from vigil.org.models import Unit
from vigil.org.selectors.units import unit_ids_in

from ..models import EvidenceFile, ExtensionRequest, ProgressReport, Task, TaskEvent
from ..status import STATUS_LABELS, status_q, today

RELATIONS = ("any", "lead", "assigned", "supporting")


MAX_LITERAL_TASKS = 5000


def supported_only_q(ids) -> Q:
    """Tasks the units `ids` support but neither lead nor assigned: a literal list of task
    ids when short (so an "any relation" filter stays a union of index scans), else a
    subquery."""
    rest = (
        Task.supporting_units.through.objects.filter(unit_id__in=ids)
        .exclude(task__lead_unit_id__in=ids).exclude(task__assigning_unit_id__in=ids)
    )
    found = list(rest.order_by().values_list("task_id", flat=True).distinct()[: MAX_LITERAL_TASKS + 1])
    if len(found) <= MAX_LITERAL_TASKS:
        return Q(pk__in=found)
    return Q(pk__in=rest.values("task_id"))


def _unit_q(relation: str, unit: Unit, subtree: bool) -> Q:
    """Tasks that `unit` (with `subtree`, or any unit under it) leads, assigned, supports,
    or any of these. Unit ids are resolved first, so PostgreSQL uses the task indexes on
    lead and assigning unit and the supporting-unit link index instead of joining every
    task to its units."""
    ids = unit_ids_in(unit, subtree)
    supporting = Q(pk__in=Task.supporting_units.through.objects.filter(unit_id__in=ids).values("task_id"))
    if relation == "lead":
        return Q(lead_unit_id__in=ids)
    if relation == "assigned":
        return Q(assigning_unit_id__in=ids)
    if relation == "supporting":
        return supporting
    return Q(lead_unit_id__in=ids) | Q(assigning_unit_id__in=ids) | supported_only_q(ids)


def task_list(
    user,
    *,
    unit: Unit | None = None,
    relation: str = "any",
    subtree: bool = True,
    status: str | Iterable[str] | None = None,
    source: str | None = None,
    q: str | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    parent: Task | None = None,
    top_level: bool = False,
    mine: bool = False,
    on: dt.date | None = None,
) -> QuerySet[Task]:
    """Tasks `user` may see, filtered, with `status` annotated for `on` (default today).

    `unit` + `relation`: tasks the unit (and, with `subtree`, its descendants) leads,
    assigned, supports, or any of these. `mine`: tasks so related to the units the user
    is a member of (the units alone; the home page's counts link here). `status`: one or
    several computed statuses.
    """
    on = on or today()
    if unit is None:
        anchors = scope_anchors(user)
        if anchors is None:  # network-wide: every task
            qs = visible_to(user, Task)
        elif not anchors:
            qs = Task.objects.none()
        else:
            # Task's policy is "led, assigned or supported in scope": the union of the
            # "any relation" filter over the user's grants, which indexes answer.
            cond = Q(pk__in=[])
            for anchor_unit, anchor_subtree in anchors:
                cond |= _unit_q("any", anchor_unit, anchor_subtree)
            qs = visible_within(user, Task.objects.filter(cond), anchors)
    else:
        if relation not in RELATIONS:
            raise DomainError(_("Quan hệ phải là một trong: %(v)s.") % {"v": ", ".join(RELATIONS)}, field="relation")
        qs = Task.objects.filter(_unit_q(relation, unit, subtree))
        # Every row now reaches `unit` (or its subtree) through a policy path.
        qs = visible_within(user, qs, [(unit, subtree)])
    if mine:
        from vigil.core.access import member_units

        from .office.base import relation_q

        if relation not in RELATIONS:
            raise DomainError(_("Quan hệ phải là một trong: %(v)s.") % {"v": ", ".join(RELATIONS)}, field="relation")
        qs = qs.filter(relation_q(relation, sorted(member_units(user)), on))
    if status:
        statuses = [status] if isinstance(status, str) else list(status)
        bad = [s for s in statuses if s not in STATUS_LABELS]
        if bad:
            raise DomainError(
                _("Trạng thái phải là một trong: %(v)s.") % {"v": ", ".join(STATUS_LABELS)}, field="status"
            )
        cond = Q()
        for s in statuses:
            cond |= status_q(s, on)
        qs = qs.filter(cond)
    if source:
        if source not in Task.Source.values:
            raise DomainError(
                _("Nguồn giao phải là một trong: %(v)s.") % {"v": ", ".join(Task.Source.values)}, field="source"
            )
        qs = qs.filter(source=source)
    if q:
        qs = qs.filter(title__icontains=q.strip())
    if due_from:
        qs = qs.filter(due_date__gte=due_from)
    if due_to:
        qs = qs.filter(due_date__lte=due_to)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if top_level:
        qs = qs.filter(parent__isnull=True)
    return qs.with_status(on).select_related("lead_unit", "assigning_unit", "assignee").order_by("due_date", "pk")


def _values(raw) -> list[str]:
    """One or several values: a list, or text with commas."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [v.strip() for part in items for v in str(part).split(",") if v.strip()]


def _flag(raw, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("1", "true", "on", "yes")


@dataclass
class TaskFilters:
    """The committee task list's filters: one definition and one parser for the page, the
    API and the CLI (as intel's `IndicatorFilters`).

    Names: q (words of the title), status (one or several computed statuses), source,
    unit (id or code) + subtree (default on; "0" or false for the unit alone) + relation
    (any, lead, assigned, supporting), mine (the relation to the user's own units instead
    of `unit`'s), due_from / due_to (dates), parent_id (children of that task), top_level.
    An error names the field."""

    q: str = ""
    status: list[str] = field(default_factory=list)
    source: str = ""
    unit: Unit | None = None
    subtree: bool = True
    relation: str = "any"
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    parent: Task | None = None
    top_level: bool = False
    mine: bool = False

    @classmethod
    def parse(cls, user, data, *, day_first: bool = False) -> TaskFilters:
        """From a query (request.GET, an API query's dict, CLI options as a dict): values
        checked, the unit and the parent task resolved for `user`; DomainError naming the
        field otherwise. `day_first`: the page also takes dates as dd/mm/yyyy."""
        getlist = getattr(data, "getlist", None)

        def get(name, many: bool = False):
            value = (getlist(name) if getlist and many else data.get(name)) if name in data else None
            return None if value in ("", []) else value

        f = cls()
        f.q = str(get("q") or "").strip()
        if len(f.q) > 200:
            raise DomainError(_("Từ khoá dài quá %(n)s ký tự.") % {"n": 200}, field="q")
        f.status = _values(get("status", many=True))
        if any(s not in STATUS_LABELS for s in f.status):
            raise DomainError(_("Trạng thái phải là một trong: %(v)s.") % {"v": ", ".join(STATUS_LABELS)},
                              field="status")
        f.source = str(get("source") or "").strip()
        if f.source and f.source not in Task.Source.values:
            raise DomainError(_("Nguồn giao phải là một trong: %(v)s.") % {"v": ", ".join(Task.Source.values)},
                              field="source")
        f.unit = unit_ref(user, get("unit"), field="unit", optional=True)
        f.subtree = _flag(get("subtree"), True)
        f.relation = str(get("relation") or "any").strip()
        if f.relation not in RELATIONS:
            raise DomainError(_("Quan hệ phải là một trong: %(v)s.") % {"v": ", ".join(RELATIONS)}, field="relation")
        f.due_from = parse_date(get("due_from"), "due_from", day_first=day_first)
        f.due_to = parse_date(get("due_to"), "due_to", day_first=day_first)
        if f.due_from and f.due_to and f.due_to < f.due_from:
            raise DomainError(_("Ngày kết thúc phải từ ngày bắt đầu trở đi."), field="due_to")
        parent = get("parent_id")
        f.parent = task_get(user, parent) if parent is not None else None
        f.top_level = _flag(get("top_level"), False)
        f.mine = _flag(get("mine"), False)
        return f


def filtered(user, f: TaskFilters, *, on: dt.date | None = None) -> QuerySet[Task]:
    """`task_list` with the filters `f`: what the page, the API and the CLI list."""
    return task_list(
        user, unit=f.unit, relation=f.relation, subtree=f.subtree, status=f.status or None, source=f.source or None,
        q=f.q or None, due_from=f.due_from, due_to=f.due_to, parent=f.parent, top_level=f.top_level, mine=f.mine,
        on=on,
    )


def task_get(user, pk) -> Task:
    """One task `user` may see, with its status; NotFound otherwise (never 'forbidden',
    which would confirm it exists)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("Không tìm thấy nhiệm vụ."), field="task_id") from None
    task = (
        visible_to(user, Task).with_status()
        .select_related("lead_unit", "assigning_unit", "assignee", "parent", "conclusion__meeting",
                        "programme", "finding__inspection")
        .filter(pk=pk).first()
    )
    if task is None:
        raise NotFound(_("Không tìm thấy nhiệm vụ."), field="task_id")
    return task


def task_children(user, task: Task, on: dt.date | None = None) -> QuerySet[Task]:
    """The children of a parent task the user may see, by lead unit, with status."""
    return (
        visible_to(user, Task).filter(parent=task).with_status(on)
        .select_related("lead_unit").order_by("lead_unit__path")
    )


def task_events(user, task: Task) -> QuerySet[TaskEvent]:
    return visible_to(user, TaskEvent).filter(task=task).order_by("at", "pk")


def task_reports(user, task: Task) -> QuerySet[ProgressReport]:
    return (
        visible_to(user, ProgressReport).filter(task=task)
        .select_related("reported_by").prefetch_related("evidence").order_by("-reported_at", "-pk")
    )


def task_extensions(user, task: Task) -> QuerySet[ExtensionRequest]:
    return (
        visible_to(user, ExtensionRequest).filter(task=task)
        .select_related("requested_by", "decided_by").order_by("-requested_at", "-pk")
    )


def extension_get(user, pk) -> ExtensionRequest:
    ext = visible_to(user, ExtensionRequest).select_related("task").filter(pk=_int(pk)).first()
    if ext is None:
        raise NotFound(_("Không tìm thấy đề nghị gia hạn."), field="extension_id")
    return ext


def report_get(user, pk) -> ProgressReport:
    report = visible_to(user, ProgressReport).select_related("task").filter(pk=_int(pk)).first()
    if report is None:
        raise NotFound(_("Không tìm thấy báo cáo tiến độ."), field="report_id")
    return report


def evidence_get(user, pk) -> EvidenceFile:
    evidence = visible_to(user, EvidenceFile).select_related("report__task").filter(pk=_int(pk)).first()
    if evidence is None:
        raise NotFound(_("Không tìm thấy tệp minh chứng."), field="evidence_id")
    return evidence


def event_get(user, pk) -> TaskEvent:
    event = visible_to(user, TaskEvent).filter(pk=_int(pk)).first()
    if event is None:
        raise NotFound(_("Không tìm thấy sự kiện."), field="event_id")
    return event


def assignable_units(user, action: str = "add") -> QuerySet[Unit]:
    """Units where `user` may assign tasks (or, with another action, act on them)."""
    return visible_to(user, Unit.objects.filter(is_active=True), action).select_related("kind").order_by("path")


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        return -1
