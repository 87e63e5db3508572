"""The committee's work in a real browser: the office records a meeting and turns a
conclusion into a task for every province; two provinces report; one is late, the daily
job escalates it to the office, and the pre-meeting report shows who is late."""

import datetime as dt

import pytest
from django.core.management import call_command

from vigil.program.models import Task
from vigil.program.status import today
from vigil.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_as(browser, base_url, username):
    """A fresh browser context (its own cookies) logged in as `username`."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")
    return context, page


def report_progress(page, base_url, task_id, percent, text):
    page.goto(f"{base_url}/program/tasks/{task_id}/")
    form = page.locator("form[action$='/report/']")
    form.locator("input[name=percent]").fill(str(percent))
    form.locator("textarea[name=text]").fill(text)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.inner_text("[data-testid=task-progress]").strip() == f"{percent}%"


def test_meeting_to_tasks_to_late_province_to_report(browser, live_server, net):
    base = live_server.url
    national, prov_a, prov_b = net.units["national"], net.units["prov_a"], net.units["prov_b"]
    held = today()
    due = held + dt.timedelta(days=20)

    # 1. The office records the committee's meeting and its conclusion.
    office_ctx, office = open_as(browser, base, "office_staff")
    office.goto(f"{base}/program/meetings/new/")
    office.select_option("select[name=body_unit]", str(national.pk))
    office.fill("input[name=title]", "Phiên họp thứ nhất năm 2026")
    office.fill("input[name=held_on]", held.isoformat())
    with office.expect_navigation():
        office.click("[data-testid=submit]")
    assert "Phiên họp thứ nhất năm 2026" in office.inner_text("[data-testid=meeting-title]")
    office.goto(office.url.split("?")[0].split("#")[0] + "?tab=conclusions")
    form = office.locator("[data-testid=conclusion-form]")
    form.locator("textarea[name$=text]").fill("Các tỉnh rà soát hệ thống thông tin quan trọng")
    with office.expect_navigation():
        form.locator("[data-testid=conclusion-add]").click()

    # 2. The conclusion becomes a task for all provinces: one child per province.
    with office.expect_navigation():
        office.locator("[data-testid=conclusion-task]").first.click()
    task_form = office.locator("[data-testid=task-form]")
    task_form.locator("input[name=title]").fill("Rà soát hệ thống thông tin quan trọng")
    task_form.locator("select[name=all_of_kind]").select_option("province")
    task_form.locator("input[name=due_date]").fill(due.isoformat())
    with office.expect_navigation():
        task_form.locator("[data-testid=submit]").click()
    parent = Task.objects.get(title="Rà soát hệ thống thông tin quan trọng", parent=None)
    children = {c.lead_unit_id: c for c in parent.children.all()}
    assert set(children) == {prov_a.pk, prov_b.pk}
    assert parent.conclusion is not None and parent.assigning_unit == national

    # 3. Both provinces report progress through their own pages.
    a_ctx, a_page = open_as(browser, base, "a_analyst")
    report_progress(a_page, base, children[prov_a.pk].pk, 100, "Đã rà soát 12 hệ thống")
    b_ctx, b_page = open_as(browser, base, "b_analyst")
    report_progress(b_page, base, children[prov_b.pk].pk, 40, "Đang rà soát")
    # a province never sees the other's task
    b_page.goto(f"{base}/program/tasks/{children[prov_a.pk].pk}/")
    assert "Đã rà soát 12 hệ thống" not in b_page.content()

    # Province A's head confirms completion; the office sees half the work done.
    head_ctx, head = open_as(browser, base, "a_head")
    head.goto(f"{base}/program/tasks/{children[prov_a.pk].pk}/")
    with head.expect_navigation():
        head.locator("form[action$='/confirm/'] button[type=submit]").click()
    office.goto(f"{base}/program/tasks/{parent.pk}/")
    assert office.inner_text("[data-testid=task-progress]").strip() == "70%"

    # 4. Time passes: province B's deadline goes by without completion. The daily job
    #    escalates it, and the office is told.
    Task.objects.filter(pk=children[prov_b.pk].pk).update(
        start_date=held - dt.timedelta(days=30), due_date=held - dt.timedelta(days=3)
    )
    call_command("program_reminders", "run")
    office.goto(f"{base}/notifications/")
    escalation = office.locator("[data-testid=notification]", has_text="Tỉnh B")
    assert escalation.count() >= 1
    assert "Rà soát hệ thống thông tin quan trọng" in escalation.first.inner_text()
    office.goto(f"{base}/program/tasks/{children[prov_b.pk].pk}/")
    assert office.locator("[data-testid=event][data-kind=escalated]").count() == 1

    # 5. The pre-meeting report shows what was concluded, what was done and who is late.
    office.goto(f"{base}/program/reports/premeeting/?unit={national.pk}&since={held.isoformat()}")
    overdue = office.inner_text("[data-testid=report-overdue]")
    assert "Tỉnh B" in overdue and "Tỉnh A" not in overdue
    assert "Tỉnh A" in office.inner_text("[data-testid=report-done]")
    assert "Các tỉnh rà soát hệ thống thông tin quan trọng" in office.inner_text("[data-testid=report-conclusions]")
    with office.expect_download() as download:
        office.click("[data-testid=report-docx]")
    assert download.value.suggested_filename.endswith(".docx")

    for ctx in (office_ctx, a_ctx, b_ctx, head_ctx):
        ctx.close()
