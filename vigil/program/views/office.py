"""Pages of the views people need over the committee's work: the office's matrix of
units x tasks, late work by unit, on-time completion rates, the units whose body is not
yet complete next to their tasks; a unit's lists ("Việc của đơn vị"); the calendar and
the timeline. Plus the task summary section of the org unit page.

Each view parses its filters (a form), calls one selector and renders; a filter the
selector refuses is shown next to its field. All of them only read (GET).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError
from vigil.core.web import get_only, is_htmx, map_errors

from ..forms import office as forms
from ..selectors import calendar as cal_sel
from ..selectors import office as sel
from ..status import STATUS_COLOURS, STATUS_LABELS, today

UNIT_PAGE_SIZE = 50


# --------------------------------------------------------------------------- helpers


def _query(request, *drop: str) -> str:
    params = request.GET.copy()
    for name in ("page", *drop):
        params.pop(name, None)
    return params.urlencode()


def _with_defaults(request, *, first_visit: dict | None = None, **defaults):
    """The request's GET, with `defaults` for the parameters it does not name, and
    `first_visit` values only when it names none at all (a checkbox left unticked is
    simply absent, so its default cannot apply once the user has filtered)."""
    data = request.GET.copy()
    for name, value in defaults.items():
        if name not in data:
            data[name] = value
    if first_visit and not request.GET:
        for name, value in first_visit.items():
            data[name] = value
    return data


def _render_cells(matrix) -> None:
    """Each row's cells as one piece of HTML (`row.cells_html`). A province's matrix has
    thousands of cells; template tags per cell would cost more than all the queries of
    the page. The only text (status labels, the word "due", the URL) is escaped once;
    everything else is a number, a date or a status code."""
    task_url = escape(reverse("program:task_detail", kwargs={"task_id": 0}).removesuffix("0/"))
    due = escape(_("Hạn"))
    labels = {code: escape(label) for code, label in STATUS_LABELS.items()}
    empty = '<td class="text-center"><span class="text-muted">·</span></td>'
    for row in matrix.rows:
        parts = []
        for c in row.cells:
            if c is None:
                parts.append(empty)
                continue
            border = " border" if c.colour == "light" else ""
            more = f' <span class="small text-muted">+{int(c.more)}</span>' if c.more else ""
            parts.append(
                f'<td class="text-center"><a class="badge text-bg-{STATUS_COLOURS[c.status]}{border} matrix-cell"'
                f' href="{task_url}{int(c.task_id)}/" title="{labels[c.status]} · {due} {c.due_date:%d/%m/%Y} ·'
                f' {int(c.progress)}%" data-testid="matrix-cell" data-task="{int(c.task_id)}"'
                f' data-status="{c.status}">{int(c.progress)}%</a>{more}</td>'
            )
        row.cells_html = mark_safe("".join(parts))  # noqa: S308 - built above from escaped text and numbers


def _tabs(active: str) -> dict:
    return {"office_tab": active}


# --------------------------------------------------------------------------- the office's views


@login_required
@get_only
def office_matrix(request):
    """Units x tasks assigned to many units, each cell the unit's task coloured by status."""
    user = request.user
    form = forms.MatrixFilterForm(_with_defaults(request, year=sel.CURRENT), user=user)
    try:
        matrix = sel.office_matrix(user, page=request.GET.get("page") or 1, **form.kwargs())
    except DomainError as exc:
        map_errors(form, exc)
        matrix = sel.office_matrix(user, units=[], page=1)
    _render_cells(matrix)
    context = {"form": form, "matrix": matrix, "query": _query(request), **_tabs("matrix")}
    return render(request, "program/office_matrix.html", context)


@login_required
@get_only
def office_late(request):
    """Overdue tasks per lead unit, most late first, with the oldest overdue."""
    user = request.user
    form = forms.LateFilterForm(request.GET, user=user)
    try:
        late = sel.late_by_unit(user, **form.kwargs())
    except DomainError as exc:
        map_errors(form, exc)
        late = sel.late_by_unit(user, units=[])
    return render(request, "program/office_late.html", {"form": form, "late": late, **_tabs("late")})


@login_required
@get_only
def office_ontime(request):
    """Completion on time per unit and quarter of a year."""
    user = request.user
    form = forms.RatesFilterForm(_with_defaults(request, year=str(today().year)), user=user)
    try:
        rates = sel.on_time_rates(user, **form.kwargs())
    except DomainError as exc:
        map_errors(form, exc)
        rates = sel.on_time_rates(user, units=[], year=today().year)
    return render(request, "program/office_ontime.html", {"form": form, "rates": rates, **_tabs("ontime")})


@login_required
@get_only
def office_bodies(request):
    """Units whose body is not yet complete, next to their open and overdue tasks."""
    user = request.user
    form = forms.BodiesFilterForm(request.GET, user=user)
    try:
        rows = sel.incomplete_bodies_with_tasks(user, **form.kwargs())
    except DomainError as exc:
        map_errors(form, exc)
        rows = []
    return render(request, "program/office_bodies.html", {"form": form, "rows": rows, **_tabs("bodies")})


# --------------------------------------------------------------------------- a unit's lists


@login_required
@get_only
def my_unit_tasks(request):
    """The lists of the user's own unit (the highest one they belong to)."""
    unit = sel.home_unit(request.user)
    if unit is None:
        return render(request, "program/unit_tasks_none.html")
    url = reverse("program:unit_tasks", kwargs={"unit_id": unit.pk})
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@login_required
@get_only
def unit_tasks(request, unit_id):
    """"Việc của đơn vị": what is due from the unit, what it assigned to others, what is
    late, what it supports; filters, pages of 50, sorted by due date."""
    user = request.user
    unit = unit_ref(user, unit_id, field="unit_id")
    form = forms.UnitTasksFilterForm(request.GET, user=user)
    args = form.kwargs()
    try:
        listing = sel.unit_task_lists(
            user, unit, page=request.GET.get("page") or 1, per_page=UNIT_PAGE_SIZE, **args
        )
    except DomainError as exc:
        map_errors(form, exc)
        listing = sel.UnitTaskList(
            unit=unit, relation="lead", subtree=False, tasks=[], page=sel.make_page(1, UNIT_PAGE_SIZE, 0), today=today()
        )
    context = {"unit": unit, "form": form, "listing": listing, "query": _query(request), "legend": sel.status_legend()}
    if is_htmx(request):  # the table only: the counts, tabs and breadcrumbs stay as they are
        return render(request, "program/unit_tasks_table.html", context)
    context.update({
        "summary": sel.unit_task_summary(user, unit, subtree=args["subtree"], source=args["source"]),
        "tab_query": _query(request, "relation", "status"), "relations": sel.relation_labels(),
        "ancestors": sel.unit_ancestors(user, unit), "subunits": sel.unit_children(user, unit),
    })
    return render(request, "program/unit_tasks.html", context)


def unit_tasks_section(*, user, unit) -> dict:
    """Data of the org unit page's "tasks" section (program/unit_tasks_section.html):
    what is due from the unit, and the current work of its subtree by status (this
    year's tasks and the open ones due within the next quarter, as in the matrix)."""
    day = today()
    return {
        "summary": sel.unit_task_summary(user, unit, subtree=False),
        "by_status": sel.unit_status_counts(user, unit, subtree=True, year=sel.CURRENT, today=day),
        "year": day.year,
        "period": sel.period_label(sel.CURRENT, day),
    }


# --------------------------------------------------------------------------- calendar and timeline


@login_required
@get_only
def task_calendar(request):
    """A month of due dates, coloured by status, with the filters of a unit's lists."""
    user = request.user
    form = forms.CalendarFilterForm(_with_defaults(request, relation="any", first_visit={"subtree": "on"}), user=user)
    try:
        month = cal_sel.task_calendar(user, **form.kwargs())
    except DomainError as exc:
        map_errors(form, exc)
        month = cal_sel.task_calendar(user)
    args = form.kwargs()
    day_params = {"relation": args["relation"], "status": args["status"] or "all"}
    if month.subtree:
        day_params["subtree"] = "on"
    if args["source"]:
        day_params["source"] = args["source"]
    context = {
        "form": form, "month": month, "query": _query(request, "year", "month"), "day_query": urlencode(day_params),
    }
    return render(request, "program/calendar.html", context)


@login_required
@get_only
def task_timeline(request):
    """Bars from start to due date, a window of months, with the same filters."""
    user = request.user
    start = cal_sel.add_months(today(), -1).strftime(forms.MONTH_FORMAT)
    form = forms.TimelineFilterForm(
        _with_defaults(request, relation="any", start=start, first_visit={"subtree": "on"}), user=user
    )
    try:
        timeline = cal_sel.task_timeline(user, page=request.GET.get("page") or 1, **form.kwargs())
    except DomainError as exc:
        map_errors(form, exc)
        timeline = cal_sel.task_timeline(user)
    context = {
        "form": form, "timeline": timeline, "query": _query(request), "window_query": _query(request, "start"),
        "start_value": forms.month_value(timeline.start),
        "previous_value": forms.month_value(timeline.previous), "next_value": forms.month_value(timeline.next),
    }
    return render(request, "program/timeline.html", context)
