"""The office's views, read through the selectors: the matrix, late work by unit, on-time
rates, incomplete bodies, a unit's lists, calendar and timeline; access and query counts."""

import datetime as dt

import pytest

from vigil.core.access import reset_scope, visible_to
from vigil.core.errors import DomainError
from vigil.program.models import Task
from vigil.program.selectors import calendar as cal
from vigil.program.selectors import office as sel

from .test_office_fixtures import DAY, build_work, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(net):
    """The shared tasks around DAY (selectors are called with `today=DAY`)."""
    return build_work(net, DAY)


def cells_by_unit(matrix, column_task):
    index = [c.id for c in matrix.columns].index(column_task.pk)
    return {row.unit.code: row.cells[index] for row in matrix.rows}


# --------------------------------------------------------------------------- matrix


def test_matrix_cells_carry_each_childs_status_colour_and_progress(net, work):
    m = sel.office_matrix(net.users["office_staff"], under=net.units["national"], today=DAY)
    assert [c.id for c in m.columns] == [work["Q"].pk, work["P"].pk]  # all years: latest due first
    cells = cells_by_unit(m, work["P"])
    assert (cells["tinh-a"].status, cells["tinh-a"].colour, cells["tinh-a"].progress) == ("done_on_time", "success", 100)
    assert (cells["tinh-b"].status, cells["tinh-b"].colour) == ("overdue", "danger")
    assert (cells["bo-x"].status, cells["bo-x"].colour, cells["bo-x"].progress) == ("in_progress", "primary", 20)
    assert cells["vp-bcd"] is None and cells["cqtt"] is None
    assert cells["tinh-a"].task_id == work["P_a"].pk
    q = cells_by_unit(m, work["Q"])
    assert q["tinh-a"].status == "not_started" and q["tinh-a"].colour == "secondary"
    assert q["tinh-b"].status == "done_late" and q["tinh-b"].colour == "warning"
    assert q["bo-x"] is None


def test_matrix_column_counts_its_late_units(net, work):
    m = sel.office_matrix(net.users["office_staff"], under=net.units["national"], today=DAY)
    col = {c.id: c for c in m.columns}
    assert col[work["P"].pk].counts == {"done_on_time": 1, "overdue": 1, "in_progress": 1}
    assert col[work["P"].pk].late == 1
    assert col[work["Q"].pk].late == 1  # done late


def test_matrix_filters_by_source_meeting_conclusion_year_and_assigning_unit(net, work):
    office = net.users["office_staff"]
    national = net.units["national"]

    def ids(**kw):
        return [c.id for c in sel.office_matrix(office, under=national, today=DAY, **kw).columns]

    assert ids(source="conclusion") == [work["P"].pk]
    assert ids(source="directive") == [work["Q"].pk]
    assert ids(meeting=work["meeting"]) == [work["P"].pk]
    assert ids(conclusion=work["conclusion"].pk) == [work["P"].pk]
    assert ids(year=DAY.year) == sorted([work["P"].pk, work["Q"].pk], key=lambda pk: Task.objects.get(pk=pk).due_date)
    assert ids(year=DAY.year - 1) == []
    assert ids(assigning_unit=net.units["prov_a"]) == []
    assert ids(q="diễn") == [work["Q"].pk]


def test_matrix_rows_of_one_kind_and_explicit_units(net, work):
    office = net.users["office_staff"]
    m = sel.office_matrix(office, under=net.units["national"], unit_kind="province", today=DAY)
    assert [r.unit.code for r in m.rows] == ["tinh-a", "tinh-b"]
    m = sel.office_matrix(office, units=[net.units["prov_b"]], today=DAY)
    assert [r.unit.code for r in m.rows] == ["tinh-b"]
    with pytest.raises(DomainError) as err:
        sel.office_matrix(office, unit_kind="no-such-kind")
    assert err.value.field == "unit_kind"


def test_matrix_paginates_columns(net, work):
    office = net.users["office_staff"]
    first = sel.office_matrix(office, under=net.units["national"], per_page=1, page=1, today=DAY)
    second = sel.office_matrix(office, under=net.units["national"], per_page=1, page=2, today=DAY)
    assert first.page.total == 2 and first.page.num_pages == 2 and first.page.has_next
    assert [c.id for c in first.columns] == [work["Q"].pk]
    assert [c.id for c in second.columns] == [work["P"].pk]
    assert sel.office_matrix(office, under=net.units["national"], per_page=1, page=99, today=DAY).page.number == 2


def test_matrix_query_count_does_not_grow_with_its_size(net, work, django_assert_max_num_queries):
    office = net.users["office_staff"]
    u = net.units
    for k in range(12):
        parent = make_task(f"Thêm {k}", assigning=u["national"], lead=u["national"], due=DAY + dt.timedelta(days=k))
        for lead in (u["prov_a"], u["prov_b"], u["ministry"], u["agency"]):
            make_task(parent.title, assigning=u["national"], lead=lead, due=parent.due_date, parent=parent, progress=k)
    reset_scope(office)
    with django_assert_max_num_queries(7):
        m = sel.office_matrix(office, under=u["national"], per_page=20, today=DAY)
        cells = [c for r in m.rows for c in r.cells if c]
    assert len(m.columns) == 14 and len(cells) == 12 * 4 + 5


def test_province_sees_its_subtree_matrix_and_nothing_of_its_sibling(net, work):
    a = net.users["a_analyst"]
    m = sel.office_matrix(a, today=DAY)  # home unit: the province, rows: its children
    assert m.under == net.units["prov_a"]
    assert {r.unit.code for r in m.rows} == {"tinh-a-tb", "tinh-a-sotc"}
    assert [c.id for c in m.columns] == [work["A"].pk]
    # the national parents are not the province's to see, so no column shows them
    m = sel.office_matrix(a, under=net.units["national"], today=DAY)
    assert [r.unit.code for r in m.rows] == ["tinh-a"]
    assert m.columns == []
    b = net.users["b_analyst"]
    assert sel.office_matrix(b, units=[net.units["prov_a"], net.units["prov_a_dept"]], today=DAY).rows == []
    m = sel.office_matrix(b, today=DAY)
    assert [c.id for c in m.columns] == [work["B"].pk]
    assert all(c.task_id != work["A_dept"].pk for r in m.rows for c in r.cells if c)


# --------------------------------------------------------------------------- late work by unit


def test_late_by_unit_counts_overdue_leaf_tasks_with_the_oldest(net, work):
    late = sel.late_by_unit(net.users["office_staff"], under=net.units["national"], today=DAY)
    rows = {r.unit.code: r for r in late.rows}
    assert rows["tinh-b"].overdue == 1 and rows["tinh-b"].oldest_days == 10
    assert rows["tinh-a"].overdue == 0 and rows["tinh-a"].oldest_due is None
    assert late.rows[0].unit.code == "tinh-b"  # most late first
    rolled = {r.unit.code: r for r in sel.late_by_unit(
        net.users["office_staff"], under=net.units["national"], rollup=True, today=DAY).rows}
    assert rolled["tinh-a"].overdue == 1 and rolled["tinh-a"].oldest_days == 40  # its department's task
    assert rolled["tinh-b"].overdue == 2 and rolled["tinh-b"].oldest_days == 10
    assert rolled["tinh-b"].oldest_due == DAY - dt.timedelta(days=10)


def test_late_by_unit_leaves_out_tasks_that_only_hold_a_cascade(net, work):
    u = net.units
    # the national parent P is overdue itself once its due date passes: it must not count
    later = work["P"].due_date + dt.timedelta(days=1)
    late = sel.late_by_unit(net.users["office_staff"], units=[u["national"]], today=later)
    assert late.rows[0].overdue == 0


def test_sibling_province_late_counts_show_only_its_own(net, work):
    b = net.users["b_analyst"]
    late = sel.late_by_unit(b, under=net.units["national"], rollup=True, today=DAY)
    assert [(r.unit.code, r.overdue) for r in late.rows] == [("tinh-b", 2)]


# --------------------------------------------------------------------------- on-time rates


def test_on_time_rate_is_done_on_time_over_due_in_the_quarter(net, work):
    u = net.units
    dept = u["prov_a_dept"]
    y = 2025
    for i, (state, due, completed) in enumerate([
        ("accepted", dt.date(y, 4, 10), dt.date(y, 4, 1)),    # Q2 on time
        ("submitted", dt.date(y, 5, 10), dt.date(y, 5, 10)),  # Q2 on time (on the day)
        ("accepted", dt.date(y, 6, 1), dt.date(y, 6, 5)),     # Q2 late
        ("open", dt.date(y, 6, 30), None),                    # Q2 overdue
        ("cancelled", dt.date(y, 5, 1), None),                # Q2 cancelled: not counted
        ("accepted", dt.date(y, 2, 1), dt.date(y, 1, 20)),    # Q1 on time
    ]):
        make_task(f"R{i}", assigning=u["prov_a"], lead=dept, due=due, start=dt.date(y, 1, 1), state=state,
                  completed_on=completed, progress=100 if completed else 0)
    rates = sel.on_time_rates(net.users["a_analyst"], year=y, under=u["prov_a"], today=DAY)
    row = next(r for r in rates.rows if r.unit == dept)
    q1, q2, q3, q4 = row.quarters
    assert (q1.due, q1.on_time, q1.rate) == (1, 1, 100.0)
    assert (q2.due, q2.on_time, q2.late, q2.overdue, q2.rate) == (4, 2, 1, 1, 50.0)
    assert q3.due == 0 and q3.rate is None
    assert (row.year.due, row.year.on_time, row.year.rate) == (5, 3, 60.0)
    assert rates.total.due == 5 and rates.totals[1].on_time == 2


def test_on_time_rates_roll_up_to_the_province(net, work):
    office = net.users["office_staff"]
    rates = sel.on_time_rates(office, year=DAY.year, under=net.units["national"], rollup=True, today=DAY)
    row = {r.unit.code: r for r in rates.rows}["tinh-a"]
    # Tỉnh A's subtree, due in 2026: P_a (Q3, on time), Q_a (Q3), A_dept (Q2, overdue), A_sub (Q3)
    assert row.year.due == 4 and row.year.on_time == 1 and row.year.overdue == 1
    with pytest.raises(DomainError) as err:
        sel.on_time_rates(office, year="x")
    assert err.value.field == "year"


# --------------------------------------------------------------------------- incomplete bodies


def test_incomplete_bodies_stand_next_to_the_tasks_of_the_unit_they_serve(net, work):
    rows = sel.incomplete_bodies_with_tasks(net.users["office_staff"], today=DAY)
    by_body = {r.unit.code: r for r in rows}
    # the provincial subcommittee serves its province: Tỉnh A leads P_a (done), Q_a (open);
    # the subcommittee itself leads A_sub (open)
    sub = by_body["tinh-a-tb"]
    assert sub.owner == net.units["prov_a"]
    assert (sub.open, sub.overdue) == (2, 0)
    assert by_body["bcd-qg"].owner == net.units["national"]  # the national committee serves itself
    assert {r.unit.code for r in sel.incomplete_bodies_with_tasks(net.users["b_analyst"], today=DAY)} == set()


# --------------------------------------------------------------------------- a unit's lists


def test_unit_lists_due_from_us_assigned_late_and_supported(net, work):
    a = net.users["a_analyst"]
    prov = net.units["prov_a"]

    def titles(relation, **kw):
        return [t.title for t in sel.unit_task_lists(a, prov, relation=relation, today=DAY, **kw).tasks]

    assert titles("lead") == [work["Q_a"].title]  # open ones; A only holds its cascade
    assert titles("lead", status="all") == [work["P_a"].title, work["Q_a"].title]
    assert titles("lead", subtree=True) == ["MARKER-A-TASK sở", "A: tiểu ban", work["Q_a"].title]
    assert titles("overdue", subtree=True) == ["MARKER-A-TASK sở"]
    assert titles("assigned") == ["MARKER-A-TASK sở", "A: tiểu ban"]
    assert titles("supporting") == ["Bộ X chủ trì, tỉnh A phối hợp"]
    assert titles("any", status="all") == [
        "MARKER-A-TASK sở", "Bộ X chủ trì, tỉnh A phối hợp", "A: Chương trình tỉnh A", "A: tiểu ban",
        work["P_a"].title, work["Q_a"].title,
    ]
    assert titles("lead", source="directive") == [work["Q_a"].title]
    assert titles("lead", status="all", q="rà soát") == [work["P_a"].title]
    assert titles("lead", status="all", due_from=DAY + dt.timedelta(days=31)) == [work["Q_a"].title]


def test_unit_list_statuses_and_pages(net, work):
    page = sel.unit_task_lists(net.users["office_staff"], net.units["prov_a"], relation="any", subtree=True,
                               status="all", per_page=2, page=2, today=DAY)
    assert page.page.total == 6 and page.page.num_pages == 3 and len(page.tasks) == 2
    t = page.tasks[0]
    assert t.status_label and t.status_colour
    with pytest.raises(DomainError) as err:
        sel.unit_task_lists(net.users["office_staff"], net.units["prov_a"], status="late-ish")
    assert err.value.field == "status"
    with pytest.raises(DomainError) as err:
        sel.unit_task_lists(net.users["office_staff"], net.units["prov_a"], relation="friends")
    assert err.value.field == "relation"


def test_unit_summary_counts(net, work):
    s = sel.unit_task_summary(net.users["a_analyst"], net.units["prov_a"], subtree=True, today=DAY)
    assert s.lead_open == 3 and s.overdue == 1 and s.due_soon == 0
    assert s.done_on_time == 1 and s.done_late == 0
    assert s.assigned_open == 2 and s.assigned_overdue == 1
    assert s.supporting_open == 1


def test_sibling_province_reads_nothing_of_the_other_through_a_units_lists(net, work):
    """The access layer applies even when the unit is named directly (the pages refuse
    the unit itself; the selector still filters)."""
    b = net.users["b_analyst"]
    for relation in sel.RELATIONS:
        listing = sel.unit_task_lists(b, net.units["prov_a"], relation=relation, subtree=True, status="all", today=DAY)
        assert listing.tasks == [], relation
    s = sel.unit_task_summary(b, net.units["prov_a"], subtree=True, today=DAY)
    assert s.as_dict() == dict.fromkeys(s.as_dict(), 0)


@pytest.mark.parametrize("username", ["office_staff", "a_analyst", "a_head", "a_dept", "b_analyst", "auditor", "nobody"])
@pytest.mark.parametrize("unit", ["national", "prov_a", "prov_a_dept", "ministry"])
def test_unit_lists_hold_exactly_the_rows_visible_to_would(net, work, username, unit):
    """Where the scope covers the unit, the lists skip visible_to's subquery: the rows
    must be the same as with it."""
    user = net.users[username]
    for relation in sel.RELATIONS:
        for subtree in (False, True):
            qs = sel.unit_tasks_queryset(user, net.units[unit], relation=relation, subtree=subtree, status="all",
                                         today=DAY)
            got = set(qs.values_list("pk", flat=True))
            want = set(visible_to(user, Task.objects.filter(pk__in=got)).values_list("pk", flat=True))
            all_rows = set(sel.unit_tasks_queryset(net.users["admin"], net.units[unit], relation=relation,
                                                   subtree=subtree, status="all", today=DAY).values_list("pk", flat=True))
            assert got == want == set(visible_to(user, Task.objects.filter(pk__in=all_rows)).values_list("pk", flat=True))


# --------------------------------------------------------------------------- calendar and timeline


def test_calendar_lists_due_dates_by_day_with_status_counts(net, work):
    office = net.users["office_staff"]
    month = cal.task_calendar(office, year=2026, month=6, unit=net.units["national"], per_day=1, today=DAY)
    assert month.weeks[0][0].date == dt.date(2026, 6, 1)  # a Monday
    days = {d.date: d for d in month.days}
    b_day = days[DAY - dt.timedelta(days=10)]
    assert b_day.counts == {"overdue": 1} and [t.pk for t in b_day.tasks] == [work["P_b"].pk]
    assert b_day.tasks[0].status_colour == "danger"
    assert days[DAY].is_today
    assert month.total == 4  # P_b, Q_b, B_dept and the ministry's task; A_sub is due in July
    assert month.previous == dt.date(2026, 5, 1) and month.next == dt.date(2026, 7, 1)


def test_calendar_day_shows_the_first_tasks_and_counts_the_rest(net, work):
    u = net.units
    for k in range(5):
        make_task(f"Cùng ngày {k}", assigning=u["prov_a"], lead=u["prov_a_dept"], due=DAY, priority=1 + k % 4)
    month = cal.task_calendar(net.users["a_analyst"], year=2026, month=6, per_day=3, today=DAY)
    day = next(d for d in month.days if d.date == DAY)
    assert day.total == 5 and len(day.tasks) == 3 and day.more == 2
    assert [t.priority for t in day.tasks] == [4, 3, 2]


def test_calendar_and_timeline_of_a_sibling_show_nothing_of_the_other(net, work):
    b = net.users["b_analyst"]
    month = cal.task_calendar(b, year=2026, month=6, unit=net.units["national"], today=DAY)
    shown = {t.pk for d in month.days for t in d.tasks}
    assert work["A_dept"].pk not in shown and work["B_dept"].pk in shown
    timeline = cal.task_timeline(b, start=dt.date(2026, 4, 1), unit=net.units["national"], today=DAY)
    assert work["B_dept"].pk in {bar.task.pk for bar in timeline.bars}
    assert all(bar.task.lead_unit.code.startswith("tinh-b") or bar.task.assigning_unit_id == net.units["prov_b"].pk
               for bar in timeline.bars)


def test_timeline_bars_are_placed_and_clipped_in_the_window(net, work):
    office = net.users["office_staff"]
    t = cal.task_timeline(office, start=dt.date(2026, 6, 1), months=1, unit=net.units["prov_a_dept"], today=DAY)
    assert (t.start, t.end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert [tick.first for tick in t.ticks] == [dt.date(2026, 6, 1)]
    assert t.today_left == pytest.approx(100 * 14 / 30, abs=0.01)
    assert t.bars == []  # its only task ended in May
    t = cal.task_timeline(office, start=dt.date(2026, 4, 1), months=3, unit=net.units["prov_a_dept"], today=DAY)
    bar = next(b for b in t.bars if b.task.pk == work["A_dept"].pk)
    assert bar.clipped_start and not bar.clipped_end  # started in March, due 6 May
    assert bar.left == 0 and bar.width == pytest.approx(100 * 36 / 91, abs=0.01)
    with pytest.raises(DomainError) as err:
        cal.task_timeline(office, months=40)
    assert err.value.field == "months"
