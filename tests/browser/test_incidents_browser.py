"""Incident handling in a real browser: a province analyst reports an incident, the
standing agency triages it and assigns it to a ministry, the ministry accepts and
responds; a second incident nobody acknowledges breaches its SLA, and the scheduled
check escalates it to the province's head and then to the standing agency."""

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.actors import Actor
from vigil.incidents import reference as reference_data
from vigil.incidents.models import Incident, IncidentType
from vigil.incidents.services import intake, sla
from vigil.testing import make_user

from .test_program_browser import open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_triage_assign_respond_and_sla_escalation(browser, live_server, net):
    base = live_server.url
    reference_data.load_all()
    make_user(net, "m_analyst", net.units["ministry"], "analyst", full_name="Ngô Bộ X")

    # 1. A province analyst reports an incident through the web form.
    a_ctx, a = open_as(browser, base, "a_analyst")
    a.goto(f"{base}/incidents/report/")
    a.fill("input[name=title]", "Cổng thông tin tỉnh bị thay đổi giao diện")
    a.fill("textarea[name=description]", "Trang chủ hiển thị nội dung lạ từ 08:00.")
    a.fill("textarea[name=observables]", "hxxp://evil-a[.]example/login\n198.51.100.23")
    with a.expect_navigation():
        a.click("[data-testid=submit]")
    reference = a.inner_text("[data-testid=reference]").strip()
    incident = Incident.objects.get(reference=reference)
    assert incident.state == Incident.State.NEW and incident.owner_unit == net.units["prov_a"]
    a_ctx.close()

    # 2. The standing agency triages it and assigns it to the ministry.
    g_ctx, g = open_as(browser, base, "agency_analyst")
    g.goto(f"{base}/incidents/")
    assert reference in g.inner_text("main")
    g.goto(f"{base}/incidents/{incident.pk}/")
    # Observables are shown defanged.
    assert "hxxp://evil-a[.]example/login" in g.inner_text("main")
    g.click("[data-testid=triage-link]")
    defacement = IncidentType.objects.get(code="intrusions:application-compromise")
    g.select_option("select[name=incident_type]", str(defacement.pk))
    g.select_option("select[name=impact]", "3")
    g.select_option("select[name=urgency]", "3")
    with g.expect_navigation():
        g.click("[data-testid=submit]")
    assert "Đã phân loại" in g.inner_text("[data-testid=incident-state]")
    g.click("[data-testid=assign-form] >> xpath=ancestor::details/summary")
    form = g.locator("[data-testid=assign-form]")
    form.locator("select[name=assign-lead_unit]").select_option(str(net.units["ministry"].pk))
    with g.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Đã giao xử lý" in g.inner_text("[data-testid=incident-state]")
    assert "Bộ X" in g.inner_text("[data-testid=lead-unit]")
    g_ctx.close()

    # 3. The ministry accepts, starts work and answers in a comment.
    m_ctx, m = open_as(browser, base, "m_analyst")
    m.goto(f"{base}/incidents/{incident.pk}/")
    with m.expect_navigation():
        m.locator("[data-testid=answer-form] button[value=accept]").click()
    m.click("[data-testid=transition-form] >> xpath=ancestor::details/summary")
    form = m.locator("[data-testid=transition-form]")
    form.locator("select[name=transition-to_state]").select_option("in_progress")
    with m.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Đang xử lý" in m.inner_text("[data-testid=incident-state]")
    m.fill("textarea[name=comment-body]", "Đã cô lập máy chủ web, đang phân tích nhật ký.")
    with m.expect_navigation():
        m.locator("[data-testid=comment-form] button[type=submit]").click()
    assert "Đã cô lập máy chủ web" in m.inner_text("[data-testid=comments]")
    kinds = m.eval_on_selector_all("[data-testid=timeline-event]", "els => els.map(e => e.dataset.kind)")
    assert {"reported", "triaged", "assigned"} <= set(kinds)
    m_ctx.close()
    incident.refresh_from_db()
    assert incident.state == Incident.State.IN_PROGRESS and incident.first_response_at is not None

    # 4. A second report from the province's department that nobody acknowledges.
    late = intake.incident_report(
        actor=Actor(user=net.users["a_dept"]), title="Máy trạm nhiễm mã độc tống tiền",
        description="Tệp bị mã hoá trên 3 máy.",
    )
    assert late.owner_unit == net.units["prov_a_dept"] and late.acknowledge_due is not None
    # The scheduled check, run long after the due time: level 1 (the department's parent,
    # province A) and then level 2 (the standing agency).
    run = sla.sla_check(now=timezone.now() + dt.timedelta(days=2))
    assert run.level1 >= 1 and run.level2 >= 1
    late.refresh_from_db()
    assert late.escalation_level == 2

    # The province's head sees the escalation among their notifications ...
    h_ctx, h = open_as(browser, base, "a_head")
    h.goto(f"{base}/notifications/")
    assert late.reference in h.inner_text("main")
    h_ctx.close()
    # ... and the standing agency finds the incident in its list of SLA breaches.
    g_ctx, g = open_as(browser, base, "agency_analyst")
    g.goto(f"{base}/incidents/sla/breaches/")
    rows = g.inner_text("[data-testid=breach-table]")
    assert late.reference in rows and reference not in rows
    g_ctx.close()
