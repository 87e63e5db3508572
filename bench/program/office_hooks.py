"""The office's views (vigil.program.selectors.office and their pages), timed when present:
the office matrix (the requirement), a unit's lists ("Việc của đơn vị"), late work by
unit and on-time rates. A selector missing or with another signature makes its scenario
report an error instead of stopping the run."""

from __future__ import annotations

import importlib

from .measure import TARGET_MS, Scenario, _get


def _touch_matrix(m) -> int:
    """Everything the matrix page shows: column heads, each cell's status and colour."""
    n = 0
    for c in m.columns:
        _ = (c.task.title, c.label, c.colour, c.late)
    for row in m.rows:
        _ = row.unit.name
        for cell in row.cells:
            if cell is not None:
                _ = (cell.status, cell.colour, cell.progress, cell.due_date)
                n += 1
    return n


def scenarios(net, clients, rng) -> list[Scenario]:
    try:
        sel = importlib.import_module("vigil.program.selectors.office")
    except ModuleNotFoundError as exc:
        if exc.name != "vigil.program.selectors.office":
            raise
        print("  (vigil.program.selectors.office does not exist: the office matrix is not timed)")
        return []
    from vigil.core.access import reset_scope
    from vigil.program.status import today

    this_year = today().year
    years = [this_year - k for k in range(10)]
    office = net.office_user
    provinces = list(net.provinces)
    rng.shuffle(provinces)

    def fresh(user):
        reset_scope(user)
        return user

    def matrix_call(i):
        year = years[i % len(years)]
        kind = "province" if (i // len(years)) % 2 else None

        def call():
            return _touch_matrix(
                sel.office_matrix(fresh(office), year=year, unit_kind=kind, page=1, per_page=20)
            )

        return call

    def matrix_all_years_call(i):
        page = 1 + i % 10

        def call():
            return _touch_matrix(
                sel.office_matrix(fresh(office), year=None, page=page, per_page=20)
            )

        return call

    def province_matrix_call(i):
        p = provinces[i % len(provinces)]
        user = net.province_users[p.pk]
        year = years[(i // len(provinces)) % len(years)]

        def call():
            return _touch_matrix(
                sel.office_matrix(fresh(user), under=p, year=year, page=1, per_page=20)
            )

        return call

    def unit_lists_call(i, relation, subtree, status):
        p = provinces[i % len(provinces)]
        user = net.province_users[p.pk]
        rel = relation(i) if callable(relation) else relation

        def call():
            listing = sel.unit_task_lists(
                fresh(user), p, relation=rel, subtree=subtree, status=status, page=1, per_page=50
            )
            for t in listing.tasks:
                _ = (t.status_label, t.lead_unit.name, t.assigning_unit.name, t.due_date)
            return listing.page.total

        return call

    def unit_page_call(i):
        """What the unit's page computes besides the list: the tab counts."""
        p = provinces[i % len(provinces)]
        user = net.province_users[p.pk]

        def call():
            return sel.unit_task_summary(fresh(user), p, subtree=True).as_dict()

        return call

    def late_call(i):
        rollup = bool(i % 2)

        def call():
            return len(sel.late_by_unit(fresh(office), unit_kind="province", rollup=rollup).rows)

        return call

    def rates_call(i):
        year = years[i % len(years)]
        rollup = bool((i // len(years)) % 2)

        def call():
            rates = sel.on_time_rates(fresh(office), year=year, unit_kind="province", rollup=rollup)
            return [r.year.rate for r in rates.rows]

        return call

    def http_matrix_call(i):
        year = years[i % len(years)]
        client = clients(office)
        return lambda: _get(client, f"/program/office/matrix/?year={year}", {})

    def http_unit_call(i):
        p = provinces[(i * 11) % len(provinces)]
        client = clients(net.province_users[p.pk])
        url = f"/program/units/{p.pk}/tasks/?relation=any&subtree=on&status=all"
        return lambda: _get(client, url, {})

    relations = ("lead", "assigned", "overdue", "supporting", "any")
    return [
        Scenario(
            "office_matrix",
            "Office matrix: units × national tasks of a year, 20 columns",
            "selector",
            TARGET_MS,
            matrix_call,
            note="the office secretary; `office_matrix(user, year=Y, unit_kind=None|'province')`, years "
            "2017–2026 in turn; rows are the national committee's children (or the 34 provinces)",
        ),
        Scenario(
            "office_matrix_all_years",
            "Office matrix, all years, column pages 1–10",
            "selector",
            None,
            matrix_all_years_call,
        ),
        Scenario(
            "province_matrix",
            "A province's matrix: its communes × its tasks of a year",
            "selector",
            None,
            province_matrix_call,
        ),
        Scenario(
            "unit_lists_any",
            "A province's lists (`unit_task_lists`): any relation, subtree, all statuses",
            "selector",
            TARGET_MS,
            lambda i: unit_lists_call(i, "any", True, "all"),
            note='the province\'s analyst; the "Việc của đơn vị" list, first page of 50 and its total',
        ),
        Scenario(
            "unit_lists_tabs",
            "A province's lists, each tab (lead/assigned/overdue/supporting/any), open",
            "selector",
            None,
            lambda i: unit_lists_call(i, lambda i: relations[i % 5], False, "open"),
        ),
        Scenario(
            "unit_summary",
            "A province's tab counts (`unit_task_summary`, subtree)",
            "selector",
            None,
            unit_page_call,
        ),
        Scenario(
            "late_by_unit", "Late work by province (rollup on/off)", "selector", None, late_call
        ),
        Scenario(
            "on_time_rates",
            "On-time rate per province and quarter of a year",
            "selector",
            None,
            rates_call,
        ),
        Scenario(
            "http_office_matrix",
            "GET /program/office/matrix/?year=Y",
            "HTTP",
            TARGET_MS,
            http_matrix_call,
            note="full page as the office secretary (Django test client, logged in)",
        ),
        Scenario(
            "http_unit_tasks",
            "GET /program/units/<province>/tasks/?relation=any&subtree=on&status=all",
            "HTTP",
            TARGET_MS,
            http_unit_call,
            note="full page as the province's analyst",
        ),
    ]
