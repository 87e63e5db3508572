"""The office's pages: matrix, late work, on-time rates, incomplete bodies, a unit's lists,
calendar, timeline, the unit page's section and the menu."""

import re

import pytest
from django.urls import reverse

from vigil.program.status import today

from .test_office_fixtures import build_work

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # their data is dated from the real today


@pytest.fixture
def live_work(net):
    """The shared tasks around the real today (pages, API and CLI compute status for today)."""
    return build_work(net, today())


def test_office_matrix_page_shows_units_tasks_and_status_colours(net, live_work, login):
    client = login(net.users["office_staff"])
    resp = client.get(reverse("program:office_matrix"), {"under": net.units["national"].pk})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="matrix"' in html
    p_a = live_work["P_a"]
    cell = re.search(rf'class="badge text-bg-(\w+)[^"]*"[^>]*data-task="{p_a.pk}" data-status="(\w+)"', html)
    assert cell and cell.groups() == ("success", "done_on_time")
    assert f'data-task="{live_work["P_b"].pk}" data-status="overdue"' in html
    assert reverse("program:task_detail", kwargs={"task_id": p_a.pk}) in html
    assert "Tỉnh A" in html and "Bộ X" in html


def test_matrix_page_defaults_to_current_work_and_pages_columns(net, live_work, login):
    client = login(net.users["office_staff"])
    html = client.get(reverse("program:office_matrix"), {"under": net.units["national"].pk}).content.decode()
    # P and Q are open and due within 30 and 60 days: shown whatever the year they fall in.
    assert set(map(int, re.findall(r'data-testid="matrix-column" data-task="(\d+)"', html))) == {
        live_work["P"].pk, live_work["Q"].pk}
    assert 'data-testid="matrix-period"' in html
    resp = client.get(reverse("program:office_matrix"), {"under": net.units["national"].pk, "per_page": 1, "year": ""})
    html = resp.content.decode()
    assert html.count('data-testid="matrix-column"') == 1
    assert 'data-testid="pagination"' in html and "page=2" in html
    resp = client.get(reverse("program:office_matrix"), {"under": net.units["national"].pk, "year": today().year - 5})
    assert 'data-testid="empty"' in resp.content.decode()


def test_matrix_page_explains_a_bad_filter_without_failing(net, live_work, login):
    client = login(net.users["office_staff"])
    resp = client.get(reverse("program:office_matrix"), {"under": "999999", "per_page": "lots", "source": "rumour"})
    assert resp.status_code == 200
    html = resp.content.decode()
    for field in ("under", "per_page", "source"):
        assert f'data-field="{field}"' in html


def test_sibling_province_sees_none_of_the_other_in_any_office_page(net, live_work, login):
    client = login(net.users["b_analyst"])
    pages = [
        (reverse("program:office_matrix"), {"year": ""}),
        (reverse("program:office_matrix"), {"under": net.units["national"].pk, "year": ""}),
        (reverse("program:office_late"), {"rollup": "on"}),
        (reverse("program:office_ontime"), {"rollup": "on"}),
        (reverse("program:office_bodies"), {}),
        (reverse("program:calendar"), {"year": today().year, "month": today().month}),
        (reverse("program:calendar"), {"unit": net.units["national"].pk}),
        (reverse("program:timeline"), {"unit": net.units["national"].pk}),
        (reverse("program:unit_tasks", kwargs={"unit_id": net.units["prov_b"].pk}), {"relation": "any", "subtree": "on", "status": "all"}),
    ]
    for url, params in pages:
        resp = client.get(url, params)
        assert resp.status_code == 200, url
        html = resp.content.decode()
        assert "MARKER-A-TASK" not in html and "Tỉnh A" not in html, url
    html = client.get(reverse("program:unit_tasks", kwargs={"unit_id": net.units["prov_b"].pk}), {"subtree": "on"}).content.decode()
    assert "B-SECRET" in html


def test_sibling_province_cannot_open_the_others_unit_lists(net, live_work, login):
    client = login(net.users["b_analyst"])
    for unit in ("prov_a", "prov_a_dept"):
        resp = client.get(reverse("program:unit_tasks", kwargs={"unit_id": net.units[unit].pk}))
        assert resp.status_code == 404
    assert client.get(reverse("program:calendar"), {"unit": net.units["prov_a"].pk}).status_code == 200
    html = client.get(reverse("program:calendar"), {"unit": net.units["prov_a"].pk}).content.decode()
    assert 'data-field="unit"' in html and "MARKER-A-TASK" not in html


def test_my_unit_sends_to_the_users_own_unit(net, live_work, login):
    resp = login(net.users["a_dept"]).get(reverse("program:my_unit_tasks"))
    assert resp.status_code == 302
    assert resp["Location"] == reverse("program:unit_tasks", kwargs={"unit_id": net.units["prov_a_dept"].pk})
    resp = login(net.users["nobody"]).get(reverse("program:my_unit_tasks"))
    assert resp.status_code == 200 and 'data-testid="no-unit"' in resp.content.decode()


def test_unit_page_lists_what_is_due_late_assigned_and_supported(net, live_work, login):
    client = login(net.users["a_analyst"])
    url = reverse("program:unit_tasks", kwargs={"unit_id": net.units["prov_a"].pk})
    html = client.get(url).content.decode()
    assert 'data-testid="count-overdue">0<' in html  # the province itself is not late
    assert 'data-relation="lead"' in html and live_work["Q_a"].title in html
    html = client.get(url, {"relation": "overdue", "subtree": "on"}).content.decode()
    assert "MARKER-A-TASK sở" in html and live_work["Q_a"].title not in html
    html = client.get(url, {"relation": "assigned"}).content.decode()
    assert "MARKER-A-TASK sở" in html and "A: tiểu ban" in html
    html = client.get(url, {"relation": "supporting"}).content.decode()
    assert "Bộ X chủ trì, tỉnh A phối hợp" in html
    resp = client.get(url, {"relation": "assigned"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in resp.content and b'data-testid="unit-tasks"' in resp.content
    html = client.get(url, {"status": "nonsense", "due_from": "2026-05-01", "due_to": "2026-04-01"}).content.decode()
    assert 'data-field="status"' in html and 'data-field="due_to"' in html


def test_late_and_on_time_pages(net, live_work, login):
    client = login(net.users["office_staff"])
    html = client.get(reverse("program:office_late"), {"under": net.units["national"].pk}).content.decode()
    assert re.search(r'data-unit="tinh-b" data-overdue="1"', html)
    html = client.get(reverse("program:office_late"), {"under": net.units["national"].pk, "rollup": "on"}).content.decode()
    assert re.search(r'data-unit="tinh-a" data-overdue="1"', html)
    html = client.get(reverse("program:office_ontime"), {"under": net.units["national"].pk, "rollup": "on"}).content.decode()
    assert 'data-testid="ontime-table"' in html and 'data-testid="ontime-total"' in html
    resp = client.get(reverse("program:office_ontime"), {"year": "abc"})
    assert resp.status_code == 200 and 'data-field="year"' in resp.content.decode()


def test_bodies_page_lists_incomplete_bodies_with_task_counts(net, live_work, login):
    html = login(net.users["office_staff"]).get(reverse("program:office_bodies")).content.decode()
    assert re.search(r'data-unit="tinh-a-tb" data-open="2" data-overdue="0"', html)


def test_calendar_page_moves_between_months(net, live_work, login):
    client = login(net.users["office_staff"])
    resp = client.get(reverse("program:calendar"), {"unit": net.units["national"].pk, "year": 2030, "month": 2})
    html = resp.content.decode()
    assert resp.status_code == 200 and html.count('data-testid="calendar-day"') == 28
    assert "year=2030&amp;month=1" in html and "year=2030&amp;month=3" in html
    p_b = live_work["P_b"]
    html = client.get(reverse("program:calendar"), {"unit": net.units["national"].pk, "year": p_b.due_date.year,
                                                   "month": p_b.due_date.month}).content.decode()
    assert f'data-task="{p_b.pk}" data-status="overdue"' in html
    resp = client.get(reverse("program:calendar"), {"month": 13})
    assert resp.status_code == 200 and 'data-field="month"' in resp.content.decode()


def test_timeline_page_draws_bars_with_plain_css(net, live_work, login):
    client = login(net.users["office_staff"])
    p_b = live_work["P_b"]
    start = p_b.due_date.replace(day=1).strftime("%Y-%m")
    html = client.get(reverse("program:timeline"), {"unit": net.units["prov_b"].pk, "start": start}).content.decode()
    bar = re.search(rf'data-task="{p_b.pk}" data-status="overdue">.*?class="timeline-bar text-bg-danger[^"]*" style="left: ([\d.]+)%; width: ([\d.]+)%"', html, re.S)
    assert bar, html[:2000]
    assert "cdn" not in html.lower()
    resp = client.get(reverse("program:timeline"), {"start": "June", "months": "99"})
    html = resp.content.decode()
    assert resp.status_code == 200 and 'data-field="start"' in html and 'data-field="months"' in html


def test_unit_page_shows_the_task_section(net, live_work, login):
    html = login(net.users["a_analyst"]).get(reverse("org:unit_detail", kwargs={"unit_id": net.units["prov_a"].pk})).content.decode()
    assert 'data-testid="unit-tasks-summary"' in html
    assert reverse("program:unit_tasks", kwargs={"unit_id": net.units["prov_a"].pk}) in html


def test_menu_offers_the_office_views(net, login):
    html = login(net.users["a_analyst"]).get(reverse("program:office_matrix")).content.decode()
    for name in ("program:my_unit_tasks", "program:office_matrix", "program:calendar", "program:timeline"):
        assert f'href="{reverse(name)}"' in html


def test_pages_are_read_only(net, login):
    client = login(net.users["office_staff"])
    assert client.post(reverse("program:office_matrix")).status_code == 405
    assert client.post(reverse("program:unit_tasks", kwargs={"unit_id": net.units["prov_a"].pk})).status_code == 405


def test_calendar_and_timeline_take_the_subtree_until_the_user_unticks_it(net, live_work, login):
    client = login(net.users["office_staff"])
    for name in ("program:calendar", "program:timeline"):
        html = client.get(reverse(name)).content.decode()
        assert "(kể cả cấp dưới)" in html and 'name="relation"' in html
        assert re.search(r'<option value="any" selected>', html), name
        html = client.get(reverse(name), {"unit": net.units["national"].pk, "relation": "any"}).content.decode()
        assert "(kể cả cấp dưới)" not in html, name
