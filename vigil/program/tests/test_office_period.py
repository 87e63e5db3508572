"""The matrix's default period, "current work": this year's tasks and every task still
open that is overdue or falls due within the next quarter, so that in December the work
due in January is not hidden (a newcomer missed one). The page, the API, the CLI and the
unit page's section say which period they show."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from vigil.core.errors import DomainError
from vigil.program.selectors import office as sel

from .test_office_fixtures import make_task

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

DECEMBER = dt.date(2027, 12, 7)


def shared(net, title, due, **kw):
    """A national task assigned to Tỉnh A (a column of the matrix under the root)."""
    u = net.units
    parent = make_task(title, assigning=u["national"], lead=u["national"], due=due, **kw)
    make_task(title, assigning=u["national"], lead=u["prov_a"], due=due, parent=parent, **kw)
    return parent


@pytest.fixture
def around_new_year(net):
    return {
        "january": shared(net, "JANUARY open", dt.date(2028, 1, 15)),
        "march": shared(net, "MARCH open", dt.date(2028, 3, 1)),
        "june": shared(net, "JUNE open", dt.date(2028, 6, 30)),  # next year, already assigned
        "done_this_year": shared(net, "DONE this year", dt.date(2027, 3, 1), state="accepted", progress=100,
                                 completed_on=dt.date(2027, 2, 20)),
        "overdue_last_year": shared(net, "OVERDUE since last year", dt.date(2026, 11, 30)),
        "done_last_year": shared(net, "DONE last year", dt.date(2026, 11, 30), state="accepted", progress=100,
                                 completed_on=dt.date(2026, 11, 1)),
        "cancelled_january": shared(net, "CANCELLED January", dt.date(2028, 1, 10), state="cancelled"),
    }


def column_titles(matrix):
    return [c.task.title for c in matrix.columns]


def test_current_period_keeps_open_work_due_early_next_year_and_old_overdue_work(net, around_new_year):
    m = sel.office_matrix(net.users["office_staff"], under=net.units["national"], year=sel.CURRENT, today=DECEMBER)
    assert column_titles(m) == ["OVERDUE since last year", "DONE this year", "JANUARY open", "MARCH open", "JUNE open"]
    assert "2027" in m.period  # says which period
    # A year still means that year, and no year every year.
    m = sel.office_matrix(net.users["office_staff"], under=net.units["national"], year=2027, today=DECEMBER)
    assert column_titles(m) == ["DONE this year"]
    assert len(sel.office_matrix(net.users["office_staff"], under=net.units["national"], today=DECEMBER).columns) == 7


def test_current_period_in_january_still_shows_last_years_open_work(net, around_new_year):
    m = sel.office_matrix(net.users["office_staff"], under=net.units["national"], year=sel.CURRENT,
                          today=dt.date(2028, 1, 2))
    assert column_titles(m) == ["OVERDUE since last year", "CANCELLED January", "JANUARY open", "MARCH open", "JUNE open"]


def test_a_bad_period_is_refused_naming_the_field(net):
    with pytest.raises(DomainError) as exc:
        sel.office_matrix(net.users["office_staff"], year="next", today=DECEMBER)
    assert exc.value.field == "year"


def test_matrix_page_in_december_shows_next_years_work_by_default(net, around_new_year, login, time_machine):
    time_machine.move_to(dt.datetime(2027, 12, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))), tick=False)
    client = login(net.users["office_staff"])
    html = client.get(reverse("program:office_matrix"), {"under": net.units["national"].pk}).content.decode()
    assert f'data-testid="matrix-column" data-task="{around_new_year["january"].pk}"' in html
    assert f'data-testid="matrix-column" data-task="{around_new_year["june"].pk}"' in html
    assert 'data-testid="matrix-period"' in html and "2027" in html
    assert '<option value="current" selected>' in html
    # A chosen year still shows only that year.
    html = client.get(reverse("program:office_matrix"), {"under": net.units["national"].pk, "year": 2027}).content.decode()
    assert f'data-task="{around_new_year["january"].pk}"' not in html


def test_matrix_api_and_cli_offer_the_current_period(net, around_new_year, api_client, time_machine):
    time_machine.move_to(dt.datetime(2027, 12, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))), tick=False)
    client = api_client(net.users["office_staff"], scope="read")
    body = client.get("/api/v1/program/office/matrix", {"under": net.units["national"].pk, "year": "current"}).json()
    assert body["year"] == "current" and "2027" in body["period"]
    assert [c["title"] for c in body["columns"]] == [
        "OVERDUE since last year", "DONE this year", "JANUARY open", "MARCH open", "JUNE open"]
    assert client.get("/api/v1/program/office/matrix", {"year": "soon"}).status_code in (400, 422)
    out = StringIO()
    call_command("program_office", "matrix", "--under", net.units["national"].code, "--year", "current", "--json",
                 "--as", net.users["office_staff"].username, stdout=out)
    data = json.loads(out.getvalue())
    assert data["year"] == "current" and "JANUARY open" in [c["title"] for c in data["columns"]]


def test_unit_page_counts_current_work_including_january(net, login, time_machine):
    time_machine.move_to(dt.datetime(2027, 12, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))), tick=False)
    u = net.units
    make_task("JANUARY own", assigning=u["prov_a"], lead=u["prov_a"], due=dt.date(2028, 1, 15))
    counts = {c["code"]: c["count"] for c in sel.unit_status_counts(
        net.users["a_analyst"], u["prov_a"], year=sel.CURRENT, today=DECEMBER)}
    assert counts["not_started"] == 1
    html = login(net.users["a_analyst"]).get(reverse("org:unit_detail", kwargs={"unit_id": u["prov_a"].pk})).content.decode()
    assert 'data-testid="unit-tasks-by-status"' in html and "2027" in html
    assert 'data-status="not_started">' in html and "Chưa thực hiện: 1" in html


def test_matrix_lists_units_with_work_first_and_folds_the_others(net, around_new_year, login, time_machine):
    """Units without a task in the page's columns (thirty ministries) come after the units
    with work, folded behind one line that counts them."""
    time_machine.move_to(dt.datetime(2027, 12, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))), tick=False)
    m = sel.office_matrix(net.users["office_staff"], under=net.units["national"], year=sel.CURRENT, today=DECEMBER)
    codes = [r.unit.code for r in m.rows]
    assert codes[0] == "tinh-a" and [r.unit.code for r in m.assigned_rows] == ["tinh-a"]
    assert {r.unit.code for r in m.empty_rows} >= {"tinh-b", "bo-x"} and all(not r.assigned for r in m.rows[1:])
    client = login(net.users["office_staff"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})  # the switch: stored on the account
    html = client.get(reverse("program:office_matrix"), {"under": net.units["national"].pk}).content.decode()
    assigned, folded = html.split('data-testid="matrix-empty-rows"')
    assert 'data-unit="tinh-a"' in assigned and 'data-unit="tinh-b"' not in assigned
    assert 'data-unit="tinh-b"' in folded and 'class="collapse"' in html
    assert f"{len(m.empty_rows)} units have no task in these columns" in html
