"""Charts in a real browser (issue 13): the incident statistics and the office's late work
and on-time pages draw their charts (Chart.js from our static files, data from json_script)
at desktop and phone widths, without a console error or a CSP violation; a chart is drawn
again after an htmx swap; the folded zero rows open with one click."""

import datetime as dt

import pytest
from django.utils import timezone

from vigil.incidents.tests.test_reports_docx import make_incident, make_taxonomy

from ..test_charts import build_office_work
from .test_csp_browser import violations, visit
from .test_foundation_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(1366, 768), (390, 844)]
DRAWN = """id => { const c = document.querySelector(`canvas[data-chart="${id}"]`);
  return !!(c && window.Chart && Chart.getChart(c) && c.width > 0 && c.height > 0); }"""
BOX = """id => { const r = document.querySelector(`canvas[data-chart="${id}"]`).getBoundingClientRect();
  return [r.width, r.height, document.documentElement.clientWidth]; }"""


@pytest.fixture
def console(page):
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(f"{msg.type}: {msg.text} {msg.location.get('url', '')}"))
    page.on("pageerror", lambda exc: seen.append(f"pageerror: {exc}"))
    page.on("response", lambda r: r.status >= 400 and seen.append(f"error: {r.status} {r.url}"))
    return seen


@pytest.fixture
def data(net):
    tax = make_taxonomy()
    now = timezone.now()
    for days, sev, ack, res in ((2, "high", 2, 10), (3, "critical", 5, None), (40, "low", 1, 3), (70, "medium", 8, 30)):
        make_incident(net.prov_a, itype=tax["type"], received_at=now - dt.timedelta(days=days), ack_h=ack,
                      res_h=res, severity=sev, state="closed" if res else "in_progress")
    return build_office_work(net)


def check_chart(page, chart_id, width):
    page.wait_for_function(DRAWN, arg=chart_id)
    w, h, viewport = page.evaluate(BOX, chart_id)
    assert 0 < w <= viewport <= width and h > 100, (chart_id, w, h, viewport)


def test_charts_draw_at_both_widths_without_errors(page, net, data, console):
    login(page, "office_staff")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        visit(page, "/incidents/stats/")
        check_chart(page, "chart-stats-months", width)
        # the second tab's chart draws once shown
        page.click("#tab-month-time")
        check_chart(page, "chart-stats-times", width)
        # the table is one click away, its empty months folded until asked for
        page.click("[data-testid=stats-month-table-tab]")
        page.wait_for_selector("[data-testid=stats-month]", state="visible")
        assert not page.is_visible("[data-testid=stats-month-zero] tr")
        page.click("[data-testid=stats-month-zero-toggle] button")
        page.wait_for_selector("[data-testid=stats-month-zero] tr", state="visible")

        visit(page, "/program/office/late/")
        check_chart(page, "chart-late-units", width)
        labels = page.evaluate("""() => Chart.getChart(document.querySelector('canvas[data-chart="chart-late-units"]'))
            .data.labels""")
        assert labels == ["Tỉnh B", "Tỉnh A"]
        assert not page.is_visible("[data-testid=late-zero-rows] tr")
        page.click("[data-testid=late-zero-toggle] button")
        page.wait_for_selector("[data-testid=late-zero-rows] tr", state="visible")

        visit(page, "/program/office/on-time/")
        check_chart(page, "chart-ontime-quarters", width)
        check_chart(page, "chart-ontime-outcomes", width)
    assert not violations(console), "\n".join(violations(console))
    # (the browser's own request for /favicon.ico is not the page's)
    assert not [m for m in console if m.startswith("error") and "favicon.ico" not in m], console


def test_chart_is_drawn_again_after_an_htmx_swap(page, net, data, console):
    login(page, "office_staff")
    visit(page, "/program/office/late/")
    page.wait_for_function(DRAWN, arg="chart-late-units")
    first = page.evaluate("() => Chart.getChart(document.querySelector('canvas[data-chart]')).id")
    page.evaluate("""() => { const box = document.querySelector('[data-testid=late-chart]');
        box.dispatchEvent(new CustomEvent('htmx:afterSwap', {bubbles: true, detail: {target: box}})); }""")
    second = page.evaluate("() => Chart.getChart(document.querySelector('canvas[data-chart]')).id")
    assert second != first
    assert not violations(console), "\n".join(violations(console))
