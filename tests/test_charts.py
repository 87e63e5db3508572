"""Charts (issue 13): each page with a chart carries its data as json_script (the numbers
of a small dataset built here), the canvas charts.js draws on, the table one click away,
and the table's all-zero rows folded; the pre-meeting DOCX holds a status chart."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import json
import re

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from vigil.core.actors import Actor
from vigil.incidents.tests.test_reports_docx import make_incident, make_taxonomy
from vigil.program.models import Task
from vigil.program.services.tasks import report_create, task_confirm_completion, task_create
from vigil.program.status import today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_stats():
    cache.clear()
    yield
    cache.clear()


def chart_data(html: str, chart_id: str) -> dict:
    """The JSON a page put in <script id=chart_id type=application/json>."""
    m = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
    assert m, f"no json_script {chart_id}"
    return json.loads(html_lib.unescape(m.group(1)))


def canvas(html: str, chart_id: str, kind: str) -> bool:
    return re.search(rf'<canvas data-chart="{chart_id}" data-kind="{kind}"', html) is not None


def part(html: str, testid: str) -> str:
    """The element with data-testid=`testid` up to the end of its tbody."""
    start = html.index(f'data-testid="{testid}"')
    return html[start: html.index("</tbody>", start)]


# --------------------------------------------------------------------------- the assets


def test_chart_library_is_pinned_and_served_locally(client):
    from pathlib import Path

    from django.conf import settings

    package = json.loads((Path(settings.BASE_DIR).parent / "package.json").read_text())
    assert re.fullmatch(r"4\.\d+\.\d+", package["dependencies"]["chart.js"])  # an exact 4.x version
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/chartjs/chart.umd.js"), "npm install: node_modules/chart.js/dist"
    script = finders.find("core/charts.js")
    text = Path(script).read_text()
    assert "htmx:afterSwap" in text and "json" in text.lower() and "Chart.getChart" in text


# --------------------------------------------------------------------------- incident statistics


def test_stats_page_charts_incidents_per_month_by_severity_and_hours(net, login):
    tax = make_taxonomy()
    now = timezone.now()
    recent, older = now - dt.timedelta(days=2), now - dt.timedelta(days=45)
    make_incident(net.prov_a, itype=tax["type"], received_at=recent, ack_h=2, res_h=10, state="closed",
                  severity="high")
    make_incident(net.prov_a, itype=tax["type"], received_at=recent, ack_h=4, severity="high")
    make_incident(net.prov_b, itype=tax["dos"], received_at=recent, ack_h=6, severity="critical")
    make_incident(net.prov_b, itype=tax["dos"], received_at=older, ack_h=1, severity="low")
    with translation.override("vi"):
        html = login(net.agency_analyst).get("/incidents/stats/").content.decode()

    tz = timezone.get_current_timezone()
    label = lambda d: d.astimezone(tz).strftime("%m/%Y")  # noqa: E731
    months = chart_data(html, "chart-stats-months")
    assert canvas(html, "chart-stats-months", "bar") and months["stacked"] is True
    assert len(months["labels"]) == 12 and months["labels"][-1] == label(recent)
    by_name = {d["label"]: d["data"] for d in months["datasets"]}
    assert list(by_name) == ["Thấp", "Trung bình", "Cao", "Nghiêm trọng"]  # low at the bottom of the stack
    i_recent, i_older = months["labels"].index(label(recent)), months["labels"].index(label(older))
    assert by_name["Cao"][i_recent] == 2 and by_name["Nghiêm trọng"][i_recent] == 1
    assert by_name["Thấp"][i_older] == 1 and by_name["Thấp"][i_recent] == 0
    assert sum(sum(d) for d in by_name.values()) == 4
    # every series has its own colour
    assert len({d["colour"] for d in months["datasets"]}) == 4

    times = chart_data(html, "chart-stats-times")
    assert canvas(html, "chart-stats-times", "line")
    ack, resolve = (d["data"] for d in times["datasets"])
    assert ack[i_recent] == 4.0 and ack[i_older] == 1.0  # mean of 2, 4, 6 hours; then 1 hour
    assert resolve[i_recent] == 10.0 and resolve[i_older] is None
    assert times["unit"] == "giờ"

    # the month table is one click away (a tab), with the ten empty months folded
    assert 'data-bs-target="#pane-month-table"' in html
    shown = part(html, "stats-month-rows")
    assert f'data-key="{recent.astimezone(tz):%Y-%m}"' in shown
    assert shown.count("<tr data-key=") == (1 if label(recent) == label(older) else 2)
    assert "10 dòng bằng 0" in html or "11 dòng bằng 0" in html
    folded = part(html, "stats-month-zero")
    assert 'class="collapse"' in html[html.rindex("<tbody", 0, html.index('data-testid="stats-month-zero"')):]
    assert f'data-key="{recent.astimezone(tz):%Y-%m}"' not in folded
    # the scripts, from our own static files, deferred (no inline script)
    assert '/static/vendor/chartjs/chart.umd.js" defer' in html and '/static/core/charts.js" defer' in html


def test_stats_page_labels_in_english(net, login):
    make_incident(net.prov_a, ack_h=3, res_h=5, severity="medium")
    user = net.agency_analyst
    user.language = "en"
    user.save(update_fields=["language"])
    html = login(user).get("/incidents/stats/").content.decode()
    assert 'lang="en"' in html
    months = chart_data(html, "chart-stats-months")
    assert [d["label"] for d in months["datasets"]] == ["Low", "Medium", "High", "Critical"]
    assert [d["label"] for d in chart_data(html, "chart-stats-times")["datasets"]] == [
        "Acknowledgement: mean", "Resolution: mean"]
    assert chart_data(html, "chart-stats-times")["unit"] == "h"


# --------------------------------------------------------------------------- the committee office


def build_office_work(net) -> dict:
    """Through the task services: Province A finishes one task on time and has one
    overdue, Province B has two overdue, Ministry X one in progress. Overdue work is
    created due tomorrow and its due date then moved back (the services refuse a past
    due date)."""
    d = today()
    u = net.units
    office = Actor(user=net.users["office_staff"])

    def create(title, lead):
        (t,) = [task_create(actor=office, title=title, assigning_unit=u["national"], lead_units=[lead],
                            due_date=d + dt.timedelta(days=1))]
        return t

    done = create("Rà soát hệ thống A", u["prov_a"])
    report_create(actor=Actor(user=net.users["a_analyst"]), task=done, percent=100, text="Xong")
    task_confirm_completion(actor=Actor(user=net.users["a_head"]), task=Task.objects.get(pk=done.pk))
    late = [create("Báo cáo A", u["prov_a"]), create("Báo cáo B1", u["prov_b"]), create("Báo cáo B2", u["prov_b"])]
    Task.objects.filter(pk__in=[t.pk for t in late]).update(due_date=d - dt.timedelta(days=1),
                                                            start_date=d - dt.timedelta(days=10))
    create("Quy chế", u["ministry"])
    return {"today": d, "done": done, "late": late}


@pytest.fixture
def office_work(net):
    if today().month == 1 and today().day == 1:
        pytest.skip("on 1 January yesterday is in another year")
    return build_office_work(net)


def test_late_page_charts_the_most_late_units_and_folds_the_others(net, login, office_work):
    html = login(net.users["office_staff"]).get("/program/office/late/").content.decode()
    data = chart_data(html, "chart-late-units")
    assert canvas(html, "chart-late-units", "bar") and data["horizontal"] is True
    assert data["labels"] == ["Tỉnh B", "Tỉnh A"] and data["datasets"][0]["data"] == [2, 1]
    shown = part(html, "late-table")
    assert 'data-unit="tinh-b" data-overdue="2"' in shown and 'data-unit="tinh-a" data-overdue="1"' in shown
    assert 'data-overdue="0"' not in shown
    folded = part(html, "late-zero-rows")
    assert 'data-unit="bo-x" data-overdue="0"' in folded and "tinh-a" not in folded
    n = folded.count('data-testid="late-row"')
    assert f"{n} đơn vị không có nhiệm vụ quá hạn" in html
    assert 'href="#late-table"' in html


def test_ontime_page_charts_quarters_and_outcomes(net, login, office_work):
    d = office_work["today"]
    year = (d + dt.timedelta(days=1)).year
    html = login(net.users["office_staff"]).get("/program/office/on-time/", {"year": year}).content.decode()
    quarters = chart_data(html, "chart-ontime-quarters")
    assert canvas(html, "chart-ontime-quarters", "line") and quarters["max"] == 100 and quarters["unit"] == "%"
    assert quarters["labels"] == ["Quý 1", "Quý 2", "Quý 3", "Quý 4"]
    # expected: per quarter of the due dates, done on time / due
    due = {}
    for when, on_time in ((d + dt.timedelta(days=1), 1), (d + dt.timedelta(days=1), 0),
                          *(((d - dt.timedelta(days=1)), 0) for _ in range(3))):
        if when.year == year:
            q = (when.month - 1) // 3
            n, ok = due.get(q, (0, 0))
            due[q] = (n + 1, ok + on_time)
    expected = [round(100 * due[q][1] / due[q][0], 1) if q in due else None for q in range(4)]
    assert quarters["datasets"][0]["data"] == expected

    outcomes = chart_data(html, "chart-ontime-outcomes")
    assert canvas(html, "chart-ontime-outcomes", "doughnut")
    assert outcomes["labels"] == ["Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Quá hạn", "Chưa đến hạn"]
    overdue_in_year = 3 if (d - dt.timedelta(days=1)).year == year else 0
    assert outcomes["datasets"][0]["data"] == [1, 0, overdue_in_year, 1]
    assert len(set(outcomes["datasets"][0]["colours"])) == 4

    shown = part(html, "ontime-table")
    assert 'data-unit="tinh-a"' in shown and 'data-unit="bo-x"' in shown
    folded = part(html, "ontime-zero-rows")
    assert 'data-unit="tinh-a"' not in folded and 'data-testid="ontime-row"' in folded
    n = folded.count('data-testid="ontime-row"')
    assert f"{n} đơn vị không có nhiệm vụ nào có hạn trong năm" in html


def test_office_pages_without_work_draw_no_chart(net, login):
    client = login(net.users["office_staff"])
    for url in ("/program/office/late/", "/program/office/on-time/"):
        html = client.get(url).content.decode()
        assert "<canvas" not in html and "chart.umd.js" not in html, url


# --------------------------------------------------------------------------- org completeness


def test_completeness_page_charts_complete_and_incomplete_units_by_kind(net, login):
    from vigil.org.models import Unit

    html = login(net.users["office_staff"]).get("/org/completeness/").content.decode()
    rows = re.findall(r'data-testid="completeness-row" data-unit="([^"]+)" data-complete="([01])"', html)
    assert rows
    expected: dict[str, list[int]] = {}
    for code, complete in rows:
        kind = Unit.objects.get(code=code).kind.display_name
        expected.setdefault(kind, [0, 0])[0 if complete == "1" else 1] += 1
    data = chart_data(html, "chart-completeness-kinds")
    assert canvas(html, "chart-completeness-kinds", "bar") and data["stacked"] is True
    assert data["labels"] == list(expected)
    assert [d["label"] for d in data["datasets"]] == ["Đã kiện toàn", "Chưa kiện toàn"]
    assert data["datasets"][0]["data"] == [v[0] for v in expected.values()]
    assert data["datasets"][1]["data"] == [v[1] for v in expected.values()]
    assert 'data-bs-target="#pane-completeness-table"' in html
    assert html.count('data-testid="completeness-kind-row"') == len(expected)


# --------------------------------------------------------------------------- the pre-meeting DOCX


def test_premeeting_docx_holds_a_status_chart(net):
    from docx import Document

    from vigil.program.documents.premeeting import premeeting_report
    from vigil.program.documents.premeeting_docx import render_docx
    from vigil.program.tests.test_report_premeeting import build_world

    world = build_world(net)
    with translation.override("vi"):
        report = premeeting_report(user=net.users["office_staff"], meeting=world.target, language="vi")
        content = render_docx(report)
    doc = Document(io.BytesIO(content))
    titles = [p.text for p in doc.paragraphs]
    assert "Biểu đồ: tình trạng các nhiệm vụ theo dõi trong kỳ" in titles
    (table,) = [t for t in doc.tables if t.rows[0].cells[0].text == "Tình trạng"]
    body = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [r[0] for r in body] == ["Chưa thực hiện", "Đang thực hiện", "Hoàn thành đúng hạn", "Hoàn thành quá hạn",
                                    "Quá hạn"]
    assert [r[2] for r in body] == ["1 (20.0%)"] * 5
    # one bar (an inline PNG) per status, all the same length
    blips = table._tbl.xpath(".//pic:pic")
    assert len(blips) == 5
    widths = {int(e.get("cx")) for e in table._tbl.xpath(".//wp:extent")}
    assert len(widths) == 1
    png = [p for p in doc.part.package.parts if p.partname.endswith(".png")]
    assert png and png[0].blob.startswith(b"\x89PNG")


def test_month_by_severity_is_the_same_from_both_engines(net):
    from django.db import connection

    from vigil.incidents.selectors import stats as st

    if connection.vendor != "postgresql":
        pytest.skip("the SQL engine is PostgreSQL's")
    now = timezone.now()
    for days, sev in ((2, "high"), (2, "high"), (35, "low"), (35, ""), (70, "critical")):
        make_incident(net.prov_a, received_at=now - dt.timedelta(days=days), severity=sev)
    a = st.incident_stats(net.agency_analyst, engine="sql", fresh=True)
    b = st.incident_stats(net.agency_analyst, engine="python", fresh=True)
    assert a.month_severity == b.month_severity and sum(sum(m.values()) for m in a.month_severity.values()) == 5
    assert a.chart_months() == b.chart_months()
    assert [d["label"] for d in a.chart_months()["datasets"]][0] == "Chưa đánh giá"
