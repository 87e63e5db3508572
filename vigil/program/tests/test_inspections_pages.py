"""Pages: the inspection list with filters, planning, the detail page (targets, findings
grouped by unit with severity badges and their tasks' computed status), the status
workflow, findings, finding → task, closing, the follow-up list, and who sees what."""

import datetime as dt

import pytest
from django.utils import translation

from vigil.core.models import AuditEntry
from vigil.program.models import Finding, Inspection, InspectionTarget, Task
from vigil.program.services import inspections as svc

from .test_inspections_fixtures import (
    DUE,
    END,
    START,
    YEAR,
    act,
    finding,
    finish_task,
    plan,
    started,
)

pytestmark = pytest.mark.django_db
BASE = "/program"


def test_menu_has_the_inspections_entry(net, login):
    body = login(net.a_analyst).get("/").content.decode()
    assert f"{BASE}/inspections/" in body and "Kiểm tra" in body


def test_province_plans_an_inspection_through_the_form(net, login):
    client = login(net.a_analyst)
    page = client.get(f"{BASE}/inspections/new/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Sở Tài chính tỉnh A" in body and "Tỉnh B" not in body  # only units A may inspect
    resp = client.post(f"{BASE}/inspections/new/", {
        "inspecting_unit": net.prov_a.pk, "title": "Kiểm tra ATTT năm nay", "year": YEAR,
        "planned_start": START.isoformat(), "planned_end": END.isoformat(),
        "targets": [net.prov_a_dept.pk, net.prov_a_sub.pk], "lead_inspector": net.people["a_analyst"].pk,
    })
    inspection = Inspection.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"{BASE}/inspections/{inspection.pk}/"
    assert inspection.target_rows.count() == 2 and inspection.lead_inspector == net.people["a_analyst"]


def test_plan_form_shows_errors_next_to_the_field(net, login):
    client = login(net.a_analyst)
    resp = client.post(f"{BASE}/inspections/new/", {
        "inspecting_unit": net.prov_a.pk, "title": "X", "year": YEAR,
        "planned_start": START.isoformat(), "planned_end": (START - dt.timedelta(days=2)).isoformat(),
    })
    assert resp.status_code == 200
    body = resp.content.decode()
    assert 'data-field="planned_end"' in body and "Ngày kết thúc không thể trước ngày bắt đầu" in body
    resp = client.post(f"{BASE}/inspections/new/", {})
    assert resp.status_code == 200 and 'data-field="title"' in resp.content.decode()
    assert not Inspection.objects.exists()


def test_list_filters_by_year_unit_and_status(net, login):
    mine = plan(net, title="Kiểm tra tỉnh A")
    other = plan(
        net, "office_staff", title="Kiểm tra của Văn phòng", unit=net.units["office"], targets=[net.prov_b],
        year=YEAR - 1, planned_start=dt.date(YEAR - 1, 5, 1), planned_end=dt.date(YEAR - 1, 5, 9),
    )
    client = login(net.office_staff)
    body = client.get(f"{BASE}/inspections/").content.decode()
    assert mine.title in body and other.title in body
    body = client.get(f"{BASE}/inspections/?year={YEAR}").content.decode()
    assert mine.title in body and other.title not in body
    body = client.get(f"{BASE}/inspections/?unit={net.office.pk}").content.decode()
    assert mine.title not in body and other.title in body
    body = client.get(f"{BASE}/inspections/?target_unit={net.prov_b.pk}").content.decode()
    assert mine.title not in body and other.title in body
    body = client.get(f"{BASE}/inspections/?status=closed", HTTP_HX_REQUEST="true").content.decode()
    assert "Không có đợt kiểm tra nào phù hợp" in body and "<html" not in body
    # province B sees the office's inspection of it, not province A's
    body = login(net.b_analyst).get(f"{BASE}/inspections/").content.decode()
    assert mine.title not in body and other.title in body  # B is inspected by the office


def test_detail_groups_findings_by_unit_with_badges_and_task_status(net, login):
    inspection = started(net)
    f1 = finding(net, inspection, "prov_a_dept", severity=4, text="Thiếu quy chế")
    finding(net, inspection, "prov_a_sub", severity=1, text="Thiếu biên bản họp")
    task = svc.finding_to_task(actor=act(net, "a_analyst"), finding=f1, due_date=DUE, title="Ban hành quy chế ATTT")
    body = login(net.a_analyst).get(f"{BASE}/inspections/{inspection.pk}/").content.decode()
    assert body.count('data-testid="target-group"') == 2
    assert 'data-unit="tinh-a-sotc"' in body and 'data-unit="tinh-a-tb"' in body
    assert 'data-severity="4"' in body and "Nghiêm trọng" in body and 'data-severity="1"' in body
    assert task.title in body and 'data-status="not_started"' in body and "Chưa thực hiện" in body
    assert f"{BASE}/findings/{f1.pk}/" in body and 'data-testid="status-form"' in body
    # the inspected department sees only its own group and finding, and no forms
    body = login(net.a_dept).get(f"{BASE}/inspections/{inspection.pk}/").content.decode()
    assert "Thiếu quy chế" in body and "Thiếu biên bản họp" not in body and 'data-unit="tinh-a-tb"' not in body
    assert 'data-testid="status-form"' not in body and 'data-testid="finding-create"' not in body


def test_status_moves_through_the_page_and_illegal_moves_are_refused(net, login):
    inspection = plan(net)
    client = login(net.a_analyst)
    resp = client.post(f"{BASE}/inspections/{inspection.pk}/status/", {"status": "closed"})
    assert resp.status_code == 400 and 'data-field="status"' in resp.content.decode()
    resp = client.post(f"{BASE}/inspections/{inspection.pk}/status/", {"status": "in_progress"})
    assert resp.status_code == 302
    resp = client.post(f"{BASE}/inspections/{inspection.pk}/status/", {"status": "reported"})
    assert resp.status_code == 400 and "kết luận" in resp.content.decode()
    client.post(f"{BASE}/inspections/{inspection.pk}/edit/", {
        "title": inspection.title, "year": YEAR, "planned_start": START.isoformat(), "planned_end": END.isoformat(),
        "summary": "Cơ bản đạt yêu cầu",
    })
    assert client.post(f"{BASE}/inspections/{inspection.pk}/status/", {"status": "reported"}).status_code == 302
    resp = client.post(f"{BASE}/inspections/{inspection.pk}/status/", {"status": "in_progress"})
    assert resp.status_code == 400 and 'data-field="reason"' in resp.content.decode()
    resp = client.post(f"{BASE}/inspections/{inspection.pk}/status/", {"status": "in_progress", "reason": "Bổ sung"})
    assert resp.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == "in_progress" and inspection.summary == "Cơ bản đạt yêu cầu"


def test_targets_are_added_edited_and_removed_on_pages(net, login):
    inspection = plan(net, targets=[net.prov_a_sub])
    client = login(net.a_analyst)
    resp = client.post(f"{BASE}/inspections/{inspection.pk}/targets/add/", {"unit": net.prov_a_dept.pk})
    assert resp.status_code == 302
    target = inspection.target_rows.get(unit=net.prov_a_dept)
    resp = client.post(
        f"{BASE}/inspections/{inspection.pk}/targets/{target.pk}/edit/", {"visited_on": START.isoformat(), "note": "Đã làm việc"}
    )
    assert resp.status_code == 302
    target.refresh_from_db()
    assert target.visited_on == START and target.note == "Đã làm việc"
    assert client.get(f"{BASE}/inspections/{inspection.pk}/targets/{target.pk}/remove/").status_code == 405
    assert client.post(f"{BASE}/inspections/{inspection.pk}/targets/{target.pk}/remove/").status_code == 302
    assert not InspectionTarget.objects.filter(pk=target.pk).exists()
    # province B's department is not on offer, and posting it is refused
    resp = client.post(f"{BASE}/inspections/{inspection.pk}/targets/add/", {"unit": net.prov_b_dept.pk})
    assert resp.status_code == 400 and 'data-field="unit"' in resp.content.decode()


def test_finding_is_recorded_only_for_a_target(net, login):
    inspection = started(net, targets=[net.prov_a_dept])
    client = login(net.a_analyst)
    page = client.get(f"{BASE}/inspections/{inspection.pk}/findings/new/").content.decode()
    assert "Sở Tài chính tỉnh A" in page and "Tiểu ban tỉnh A" not in page
    resp = client.post(f"{BASE}/inspections/{inspection.pk}/findings/new/", {
        "unit": net.prov_a_sub.pk, "severity": 3, "text": "Sai đơn vị",
    })
    assert resp.status_code == 200 and 'data-field="unit"' in resp.content.decode()
    resp = client.post(f"{BASE}/inspections/{inspection.pk}/findings/new/", {
        "unit": net.prov_a_dept.pk, "severity": 3, "text": "Chưa phân loại hệ thống", "recommendation": "Phân loại cấp độ",
    })
    assert resp.status_code == 302
    assert Finding.objects.get().number == 1


def test_recommendation_becomes_a_task_and_the_finding_closes_after_follow_up(net, login):
    inspection = started(net)
    f = finding(net, inspection)
    client = login(net.a_analyst)
    page = client.get(f"{BASE}/findings/{f.pk}/task/").content.decode()
    assert "Thực hiện kiến nghị 1" in page  # title prefilled from the recommendation
    resp = client.post(f"{BASE}/findings/{f.pk}/task/", {
        "title": "Ban hành quy chế", "due_date": "2000-01-01", "priority": 2, "product": "document",
    })
    assert resp.status_code == 400 and 'data-field="due_date"' in resp.content.decode()
    resp = client.post(f"{BASE}/findings/{f.pk}/task/", {
        "title": "Ban hành quy chế", "due_date": DUE.isoformat(), "priority": 3, "product": "document",
    })
    assert resp.status_code == 302
    task = Task.objects.get()
    assert (task.source, task.finding, task.lead_unit, task.priority) == ("inspection", f, net.prov_a_dept, 3)
    body = client.get(f"{BASE}/findings/{f.pk}/").content.decode()
    assert "Ban hành quy chế" in body and 'data-status="not_started"' in body
    # closing while the task is open: the page asks for a reason and the service refuses without it
    page = client.get(f"{BASE}/findings/{f.pk}/close/").content.decode()
    assert 'data-testid="pending-tasks"' in page and "override_reason" in page
    resp = client.post(f"{BASE}/findings/{f.pk}/close/", {"note": "Đã khắc phục"})
    assert resp.status_code == 400 and "chưa hoàn thành" in resp.content.decode()
    finish_task(net, task)
    page = client.get(f"{BASE}/findings/{f.pk}/close/").content.decode()
    assert 'data-testid="pending-tasks"' not in page and 'data-status="done_on_time"' in page
    assert client.post(f"{BASE}/findings/{f.pk}/close/", {"note": "Đã kiểm tra lại"}).status_code == 302
    f.refresh_from_db()
    assert f.status == "closed" and f.close_note == "Đã kiểm tra lại"
    assert AuditEntry.objects.filter(action="program.finding.close", channel="web").exists()


def test_finding_edit_reopen_and_delete(net, login):
    inspection = started(net)
    f = finding(net, inspection)
    client = login(net.a_analyst)
    resp = client.post(f"{BASE}/findings/{f.pk}/edit/", {
        "unit": net.prov_a_sub.pk, "severity": 1, "text": "Sửa lại", "recommendation": "",
    })
    assert resp.status_code == 302
    f.refresh_from_db()
    assert (f.unit, f.severity, f.text) == (net.prov_a_sub, 1, "Sửa lại")
    client.post(f"{BASE}/findings/{f.pk}/close/", {"note": "Xong"})
    assert client.get(f"{BASE}/findings/{f.pk}/edit/").status_code == 409
    resp = client.post(f"{BASE}/findings/{f.pk}/reopen/", {"reason": ""})
    assert resp.status_code == 400
    assert client.post(f"{BASE}/findings/{f.pk}/reopen/", {"reason": "Tái diễn"}).status_code == 302
    assert client.post(f"{BASE}/findings/{f.pk}/delete/").status_code == 302
    assert not Finding.objects.exists()


def test_followup_list_filters_and_shows_only_what_the_user_may_see(net, login):
    inspection = started(net)
    finding(net, inspection, "prov_a_dept", severity=4, text="Phát hiện nghiêm trọng ở Sở")
    low = finding(net, inspection, "prov_a_sub", severity=1, text="Phát hiện nhỏ ở Tiểu ban")
    client = login(net.office_staff)
    body = client.get(f"{BASE}/findings/").content.decode()
    assert "Phát hiện nghiêm trọng ở Sở" in body and "Phát hiện nhỏ ở Tiểu ban" in body
    assert body.index("Phát hiện nghiêm trọng ở Sở") < body.index("Phát hiện nhỏ ở Tiểu ban")
    body = client.get(f"{BASE}/findings/?severity=1").content.decode()
    assert "Phát hiện nghiêm trọng ở Sở" not in body and "Phát hiện nhỏ ở Tiểu ban" in body
    body = client.get(f"{BASE}/findings/?unit={net.prov_a_dept.pk}").content.decode()
    assert "Phát hiện nghiêm trọng ở Sở" in body and "Phát hiện nhỏ ở Tiểu ban" not in body
    body = client.get(f"{BASE}/findings/?year={YEAR - 1}").content.decode()
    assert "Không có phát hiện nào phù hợp" in body
    svc.finding_close(actor=act(net, "a_analyst"), finding=low, note="Xong")
    assert "Phát hiện nhỏ ở Tiểu ban" not in client.get(f"{BASE}/findings/").content.decode()
    assert "Phát hiện nhỏ ở Tiểu ban" in client.get(f"{BASE}/findings/?status=closed").content.decode()
    body = login(net.a_dept).get(f"{BASE}/findings/").content.decode()
    assert "Phát hiện nghiêm trọng ở Sở" in body and "Phát hiện nhỏ ở Tiểu ban" not in body
    assert "Phát hiện nghiêm trọng ở Sở" not in login(net.b_analyst).get(f"{BASE}/findings/").content.decode()


def test_sibling_province_gets_404_and_inspected_unit_gets_403_on_writes(net, login):
    inspection = started(net)
    f = finding(net, inspection)
    b = login(net.b_analyst)
    for url in (f"/inspections/{inspection.pk}/", f"/inspections/{inspection.pk}/edit/", f"/findings/{f.pk}/",
                f"/findings/{f.pk}/close/"):
        assert b.get(f"{BASE}{url}").status_code == 404, url
    assert b.post(f"{BASE}/findings/{f.pk}/close/", {"note": "x"}).status_code == 404
    dept = login(net.a_dept)
    assert dept.get(f"{BASE}/findings/{f.pk}/").status_code == 200
    for url in (f"/inspections/{inspection.pk}/edit/", f"/findings/{f.pk}/close/", f"/findings/{f.pk}/task/"):
        assert dept.get(f"{BASE}{url}").status_code == 403, url
    assert dept.post(f"{BASE}/findings/{f.pk}/close/", {"note": "x"}).status_code == 403
    assert login(net.users["nobody"]).get(f"{BASE}/inspections/new/").status_code == 403
    f.refresh_from_db()
    assert f.status == "open"


def test_pages_render_in_english(net, login):
    inspection = started(net)
    f = finding(net, inspection)
    svc.finding_to_task(actor=act(net, "a_analyst"), finding=f, due_date=DUE)
    client = login(net.a_analyst)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})  # the switch: stored on the account
    with translation.override("vi"):  # the middleware switches to English; leave the thread as it was
        _english_pages_say(client, inspection, f)


def _english_pages_say(client, inspection, f):
    for url, words in (
        (f"{BASE}/inspections/", ["Inspection plan", "Plan an inspection"]),
        (f"{BASE}/inspections/{inspection.pk}/", ["Open findings by severity", "Critical" if f.severity == 4 else "High"]),
        (f"{BASE}/findings/", ["Findings to follow up"]),
        (f"{BASE}/findings/{f.pk}/", ["Remedial tasks", "Not started"]),
        (f"{BASE}/findings/{f.pk}/close/", ["Closing note", "Reason to close while tasks are not done"]),
    ):
        body = client.get(url).content.decode()
        assert 'lang="en"' in body, url
        for word in words:
            assert word in body, (url, word)
