"""Task pages: the list with its filters, assigning a task, the task page with the
workflow forms each user may use, editing, extensions, evidence downloads, access."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse

from vigil.core.actors import Actor
from vigil.core.models import AuditEntry
from vigil.program import status as S
from vigil.program.models import ExtensionRequest, Task, TaskEvent
from vigil.program.services import tasks as svc
from vigil.testing import make_user

pytestmark = pytest.mark.django_db

TODAY = S.today()
DUE = TODAY + dt.timedelta(days=30)


@pytest.fixture
def world(net):
    """The test network plus the heads who accept (office) and confirm (province B)."""
    make_user(net, "office_head", net.units["office"], "head", full_name="Trưởng Văn Phòng")
    make_user(net, "b_head", net.units["prov_b"], "head", full_name="Lê Văn B")
    return net


def url(name, **kw):
    return reverse(f"program:{name}", kwargs=kw)


def provinces_task(net, **kw):
    """The office's task for provinces A and B: a parent and one child each."""
    parent = svc.task_create(
        actor=Actor(user=net.users["office_staff"]), title=kw.pop("title", "Rà soát hệ thống thông tin"),
        assigning_unit=net.units["office"], lead_units=[net.units["prov_a"], net.units["prov_b"]],
        due_date=kw.pop("due_date", DUE), **kw,
    )
    children = {c.lead_unit.code: c for c in parent.children.all()}
    return parent, children["tinh-a"], children["tinh-b"]


def pdf(name="bien-ban.pdf", body=b"%PDF-1.4 evidence"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def create_data(net, **over):
    data = {
        "title": "Kiểm tra an toàn hệ thống", "description": "Theo kết luận phiên họp",
        "source": "conclusion", "source_reference": "TB 12/TB-BCĐ",
        "assigning_unit": net.units["office"].pk,
        "lead_units": [net.units["prov_a"].pk, net.units["prov_b"].pk],
        "start_date": TODAY.isoformat(), "due_date": DUE.isoformat(),
        "recurrence": "none", "product": "report", "product_description": "Báo cáo kết quả",
        "priority": "3",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


# --------------------------------------------------------------------------- the whole workflow


def test_office_assigns_a_task_to_two_provinces_creating_one_child_each(world, login):
    client = login(world.users["office_staff"])
    resp = client.post(url("task_create"), create_data(world))
    assert resp.status_code == 302
    parent = Task.objects.get(parent=None)
    assert resp["Location"] == url("task_detail", task_id=parent.pk)
    assert sorted(c.lead_unit.code for c in parent.children.all()) == ["tinh-a", "tinh-b"]
    page = client.get(resp["Location"]).content.decode()
    assert page.count('data-testid="child-row"') == 2
    assert "Tỉnh A" in page and "Tỉnh B" in page
    assert 'data-testid="derived-note"' in page
    assert 'data-status="not_started"' in page


def test_assigning_to_all_units_of_a_kind_creates_a_child_for_every_province(world, login):
    client = login(world.users["office_staff"])
    resp = client.post(url("task_create"), create_data(world, lead_units=None, lead_kind="province"))
    assert resp.status_code == 302
    parent = Task.objects.get(parent=None)
    assert sorted(c.lead_unit.code for c in parent.children.all()) == ["tinh-a", "tinh-b"]


def test_province_reports_with_evidence_and_the_parent_progress_is_derived(world, login):
    parent, task_a, _task_b = provinces_task(world)
    client = login(world.users["a_analyst"])
    page = client.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert 'id="report_form"' in page and 'id="confirm_form"' not in page
    resp = client.post(
        url("task_report", task_id=task_a.pk),
        {"percent": "50", "text": "Đã rà soát 10/20 hệ thống", "files": [pdf(), pdf("anh.png", b"\x89PNG\r\n\x1a\nxx")]},
    )
    assert resp.status_code == 302
    task_a.refresh_from_db()
    parent.refresh_from_db()
    assert task_a.progress == 50 and parent.progress == 25
    page = client.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert "Đã rà soát 10/20 hệ thống" in page and page.count('data-testid="evidence-link"') == 2
    evidence = task_a.reports.get().evidence.order_by("pk").first()
    download = client.get(url("evidence_download", evidence_id=evidence.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 evidence"
    assert "attachment" in download["Content-Disposition"]
    from vigil.core.models import AuditEntry

    logged = AuditEntry.objects.get(action="program.evidence.export", object_id=str(evidence.pk))
    assert logged.actor == world.users["a_analyst"] and logged.after["sha256"] == evidence.sha256
    office_page = login(world.users["office_staff"]).get(url("task_detail", task_id=parent.pk)).content.decode()
    assert 'data-testid="task-progress">25%' in office_page and 'data-status="in_progress"' in office_page


def test_head_confirms_and_the_office_accepts(world, login):
    parent, task_a, task_b = provinces_task(world)
    a_head = login(world.users["a_head"])
    page = a_head.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert 'id="confirm_form"' in page and 'id="accept_form"' not in page
    assert a_head.post(url("task_confirm", task_id=task_a.pk), {"confirm-note": "Xong"}).status_code == 302
    task_a.refresh_from_db()
    assert task_a.state == "submitted" and task_a.completed_on == TODAY
    office = login(world.users["office_head"])
    page = office.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert 'id="accept_form"' in page and 'id="return_form"' in page
    assert office.post(url("task_accept", task_id=task_a.pk), {"accept-note": "Đạt"}).status_code == 302
    task_a.refresh_from_db()
    assert task_a.state == "accepted"
    page = office.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert 'data-status="done_on_time"' in page
    assert [e.kind for e in task_a.events.order_by("at", "pk")] == ["created", "confirmed", "accepted"]
    assert AuditEntry.objects.filter(action="program.task.accept", object_id=str(task_a.pk)).exists()


def test_office_returns_a_confirmed_task_with_a_reason(world, login):
    _parent, _task_a, task_b = provinces_task(world)
    login(world.users["b_head"]).post(url("task_confirm", task_id=task_b.pk), {})
    client = login(world.users["office_head"])
    resp = client.post(url("task_return", task_id=task_b.pk), {"return-reason": "  "})
    assert resp.status_code == 400
    assert 'data-field="return-reason"' in resp.content.decode()
    task_b.refresh_from_db()
    assert task_b.state == "submitted"
    resp = client.post(url("task_return", task_id=task_b.pk), {"return-reason": "Thiếu biên bản kiểm tra"})
    assert resp.status_code == 302
    task_b.refresh_from_db()
    assert task_b.state == "open" and task_b.completed_on is None
    page = client.get(url("task_detail", task_id=task_b.pk)).content.decode()
    assert 'data-kind="returned"' in page and "Thiếu biên bản kiểm tra" in page


def test_approved_extension_moves_the_due_date_and_shows_in_history(world, login):
    _parent, task_a, _task_b = provinces_task(world)
    analyst = login(world.users["a_analyst"])
    new_due = DUE + dt.timedelta(days=15)
    resp = analyst.post(
        url("task_extension_request", task_id=task_a.pk),
        {"new_due_date": new_due.isoformat(), "reason": "Chờ kinh phí"},
    )
    assert resp.status_code == 302
    ext = ExtensionRequest.objects.get()
    office = login(world.users["office_head"])
    page = office.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert 'id="decide_form"' in page and "Chờ kinh phí" in page
    resp = office.post(url("extension_decide", extension_id=ext.pk), {"decide-decision": "approve", "decide-note": "Đồng ý"})
    assert resp.status_code == 302
    task_a.refresh_from_db()
    assert task_a.due_date == new_due and task_a.original_due_date == DUE
    page = office.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert 'data-testid="extension-row" data-status="approved"' in page
    assert new_due.strftime("%d/%m/%Y") in page and DUE.strftime("%d/%m/%Y") in page
    assert 'data-kind="extension_approved"' in page


def test_refused_extension_leaves_the_due_date(world, login):
    _parent, task_a, _task_b = provinces_task(world)
    ext = svc.extension_request(
        actor=Actor(user=world.users["a_analyst"]), task=task_a, new_due_date=DUE + dt.timedelta(days=5),
        reason="Thiếu nhân lực",
    )
    office = login(world.users["office_head"])
    resp = office.post(url("extension_decide", extension_id=ext.pk), {"decide-decision": "refuse", "decide-note": ""})
    assert resp.status_code == 400
    assert 'data-field="decide-note"' in resp.content.decode()
    resp = office.post(url("extension_decide", extension_id=ext.pk), {"decide-decision": "refuse", "decide-note": "Không có căn cứ"})
    assert resp.status_code == 302
    task_a.refresh_from_db()
    ext.refresh_from_db()
    assert task_a.due_date == DUE and ext.status == "refused"
    page = office.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert 'data-status="refused"' in page and "Không có căn cứ" in page


def test_lead_unit_withdraws_its_pending_extension(world, login):
    _parent, task_a, _task_b = provinces_task(world)
    ext = svc.extension_request(
        actor=Actor(user=world.users["a_analyst"]), task=task_a, new_due_date=DUE + dt.timedelta(days=5), reason="x",
    )
    client = login(world.users["a_analyst"])
    assert 'data-testid="extension-withdraw"' in client.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert client.post(url("extension_withdraw", extension_id=ext.pk)).status_code == 302
    ext.refresh_from_db()
    assert ext.status == "withdrawn"


def test_lead_unit_cascades_its_task_to_a_department(world, login):
    _parent, task_a, _task_b = provinces_task(world)
    client = login(world.users["a_analyst"])
    page = client.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert 'id="cascade_form"' in page and "Tỉnh B" not in page.split('id="cascade_form"')[1].split("</form>")[0]
    resp = client.post(url("task_cascade", task_id=task_a.pk), {"lead_units": [world.units["prov_a_dept"].pk]})
    assert resp.status_code == 302
    child = task_a.children.get()
    assert child.lead_unit == world.units["prov_a_dept"] and child.assigning_unit == world.units["prov_a"]
    dept = login(world.users["a_dept"])
    page = dept.get(url("task_detail", task_id=child.pk)).content.decode()
    assert 'id="report_form"' in page


def test_office_cancels_with_a_reason(world, login):
    parent, task_a, _task_b = provinces_task(world)
    client = login(world.users["office_staff"])
    resp = client.post(url("task_cancel", task_id=parent.pk), {"cancel-reason": "Trùng nhiệm vụ khác"})
    assert resp.status_code == 302
    parent.refresh_from_db()
    task_a.refresh_from_db()
    assert parent.state == "cancelled" and task_a.state == "cancelled"
    page = client.get(url("task_detail", task_id=parent.pk)).content.decode()
    assert "Trùng nhiệm vụ khác" in page and 'data-status="cancelled"' in page
    assert 'id="cancel_form"' not in page


# --------------------------------------------------------------------------- access


def test_sibling_province_cannot_read_or_report_on_a_task_of_province_a(world, login):
    _parent, task_a, _task_b = provinces_task(world)
    report = svc.report_create(
        actor=Actor(user=world.users["a_analyst"]), task=task_a, percent=10, text="A", files=[pdf()]
    )
    client = login(world.users["b_analyst"])
    assert client.get(url("task_detail", task_id=task_a.pk)).status_code == 404
    resp = client.post(url("task_report", task_id=task_a.pk), {"percent": "90", "text": "B", "files": [pdf()]})
    assert resp.status_code == 404
    assert client.get(url("evidence_download", evidence_id=report.evidence.get().pk)).status_code == 404
    listing = client.get(url("task_list")).content.decode()
    assert f'data-task="{task_a.pk}"' not in listing
    task_a.refresh_from_db()
    assert task_a.progress == 10


def test_a_responder_cannot_confirm_completion(world, login):
    task = svc.task_create(
        actor=Actor(user=world.users["a_analyst"]), title="Cập nhật phương án", assigning_unit=world.units["prov_a"],
        lead_units=[world.units["prov_a_dept"]], due_date=DUE,
    )
    client = login(world.users["a_dept"])
    page = client.get(url("task_detail", task_id=task.pk)).content.decode()
    assert 'id="report_form"' in page and 'id="confirm_form"' not in page
    assert client.post(url("task_confirm", task_id=task.pk), {}).status_code == 403
    task.refresh_from_db()
    assert task.state == "open"


def test_a_province_cannot_accept_its_own_task(world, login):
    _parent, task_a, _task_b = provinces_task(world)
    client = login(world.users["a_head"])
    client.post(url("task_confirm", task_id=task_a.pk), {})
    page = client.get(url("task_detail", task_id=task_a.pk)).content.decode()
    assert 'id="accept_form"' not in page
    assert client.post(url("task_accept", task_id=task_a.pk), {}).status_code == 403
    task_a.refresh_from_db()
    assert task_a.state == "submitted"


def test_a_viewer_gets_no_new_task_page(world, login):
    client = login(world.users["auditor"])
    assert client.get(url("task_create")).status_code == 403


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "over, field",
    [
        ({"start_date": (DUE + dt.timedelta(days=3)).isoformat()}, "due_date"),
        ({"start_date": (TODAY - dt.timedelta(days=10)).isoformat(), "due_date": (TODAY - dt.timedelta(days=1)).isoformat()}, "due_date"),
        ({"due_date": "31/02/2026"}, "due_date"),
        ({"lead_units": [999999]}, "lead_units"),
        ({"lead_units": None}, "lead_units"),
        ({"assigning_unit": 999999}, "assigning_unit"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_on_a_new_task_is_shown_next_to_the_field(world, login, over, field):
    client = login(world.users["office_staff"])
    resp = client.post(url("task_create"), create_data(world, **over))
    assert resp.status_code == 400
    assert f'data-field="{field}"' in resp.content.decode()
    assert Task.objects.count() == 0


def test_a_province_cannot_pick_a_sibling_as_lead_unit(world, login):
    client = login(world.users["a_analyst"])
    page = client.get(url("task_create")).content.decode()
    assert "Tỉnh B" not in page
    resp = client.post(url("task_create"), create_data(
        world, assigning_unit=world.units["prov_a"].pk, lead_units=[world.units["prov_b"].pk]))
    assert resp.status_code == 400 and 'data-field="lead_units"' in resp.content.decode()
    assert Task.objects.count() == 0


@override_settings(VIGIL_MAX_UPLOAD_BYTES=1024)
def test_a_file_too_large_is_refused_and_nothing_is_reported(world, login):
    _parent, task_a, _task_b = provinces_task(world)
    client = login(world.users["a_analyst"])
    big = pdf("lon.pdf", b"%PDF-" + b"x" * 2048)
    resp = client.post(url("task_report", task_id=task_a.pk), {"percent": "40", "text": "Kèm tệp", "files": [big]})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert 'data-field="files"' in body and "Tệp quá lớn" in body
    assert not task_a.reports.exists()


@pytest.mark.parametrize("data, field", [
    ({"percent": "120", "text": "x"}, "percent"),
    ({"percent": "abc", "text": "x"}, "percent"),
    ({"percent": "20", "text": ""}, "text"),
])
def test_bad_progress_report_names_the_field(world, login, data, field):
    _parent, task_a, _task_b = provinces_task(world)
    resp = login(world.users["a_analyst"]).post(url("task_report", task_id=task_a.pk), data)
    assert resp.status_code == 400 and f'data-field="{field}"' in resp.content.decode()


def test_extension_must_be_later_than_the_current_due_date(world, login):
    _parent, task_a, _task_b = provinces_task(world)
    resp = login(world.users["a_analyst"]).post(
        url("task_extension_request", task_id=task_a.pk), {"new_due_date": DUE.isoformat(), "reason": "x"}
    )
    assert resp.status_code == 400 and 'data-field="new_due_date"' in resp.content.decode()
    assert not ExtensionRequest.objects.exists()


def test_a_recurring_task_asks_for_the_reporting_period(world, login):
    task = svc.task_create(
        actor=Actor(user=world.users["a_analyst"]), title="Báo cáo tháng", assigning_unit=world.units["prov_a"],
        lead_units=[world.units["prov_a_dept"]], due_date=DUE, recurrence="monthly",
    )
    client = login(world.users["a_dept"])
    assert 'name="period_start"' in client.get(url("task_detail", task_id=task.pk)).content.decode()
    resp = client.post(url("task_report", task_id=task.pk), {
        "percent": "30", "text": "Tháng này", "period_start": TODAY.isoformat()})
    assert resp.status_code == 302
    assert task.reports.get().period_start == TODAY.replace(day=1)


# --------------------------------------------------------------------------- editing


def test_edit_form_never_offers_the_due_date_and_says_why(world, login):
    _parent, task_a, _task_b = provinces_task(world)
    client = login(world.users["office_staff"])
    page = client.get(url("task_edit", task_id=task_a.pk)).content.decode()
    assert 'name="due_date"' not in page and 'data-testid="due-date-help"' in page and "gia hạn" in page
    data = {
        "title": "Rà soát lại", "description": "", "source_reference": "", "product": "document",
        "product_description": "", "priority": "4", "recurrence": "none",
        "due_date": (DUE + dt.timedelta(days=99)).isoformat(),
    }
    assert client.post(url("task_edit", task_id=task_a.pk), data).status_code == 302
    task_a.refresh_from_db()
    assert task_a.title == "Rà soát lại" and task_a.priority == 4 and task_a.due_date == DUE
    assert TaskEvent.objects.filter(task=task_a, kind="edited").exists()


def test_lead_unit_may_only_name_the_assignee(world, login):
    _parent, task_a, _task_b = provinces_task(world)
    client = login(world.users["a_analyst"])
    page = client.get(url("task_edit", task_id=task_a.pk)).content.decode()
    assert 'name="assignee"' in page and 'name="title"' not in page
    person = world.people["a_analyst"]
    assert client.post(url("task_edit", task_id=task_a.pk), {"assignee": person.pk}).status_code == 302
    task_a.refresh_from_db()
    assert task_a.assignee == person
    assert login(world.users["b_analyst"]).get(url("task_edit", task_id=task_a.pk)).status_code == 404


# --------------------------------------------------------------------------- the list


def test_list_filters_by_status_relation_unit_and_text(world, login):
    parent, task_a, task_b = provinces_task(world)
    own = svc.task_create(
        actor=Actor(user=world.users["a_analyst"]), title="Diễn tập ứng cứu", assigning_unit=world.units["prov_a"],
        lead_units=[world.units["prov_a_dept"]], due_date=DUE,
    )
    svc.report_create(actor=Actor(user=world.users["a_dept"]), task=own, percent=20, text="x")
    client = login(world.users["office_staff"])

    def rows(**params):
        body = client.get(url("task_list"), params).content.decode()
        return {int(p.split('"')[0]) for p in body.split('data-task="')[1:]}

    assert rows() == {parent.pk, task_a.pk, task_b.pk, own.pk}
    assert rows(status="in_progress") == {own.pk}
    assert rows(q="diễn tập") == {own.pk}
    assert rows(unit=world.units["prov_a"].pk, relation="lead") == {task_a.pk, own.pk}
    assert rows(unit=world.units["prov_a"].pk, relation="lead", subtree="0") == {task_a.pk}
    assert rows(unit=world.units["prov_a"].pk, relation="assigned") == {own.pk}
    assert rows(top_level="on") == {parent.pk, own.pk}
    assert rows(due_to=(TODAY - dt.timedelta(days=1)).isoformat()) == set()
    assert rows(source="conclusion") == set()
    a_rows = login(world.users["a_analyst"]).get(url("task_list")).content.decode()
    assert f'data-task="{task_b.pk}"' not in a_rows and f'data-task="{parent.pk}"' not in a_rows


def test_list_answers_htmx_with_the_table_only_and_paginates(world, login):
    for i in range(55):
        svc.task_create(
            actor=Actor(user=world.users["a_analyst"]), title=f"Việc {i:02d}", assigning_unit=world.units["prov_a"],
            lead_units=[world.units["prov_a_dept"]], due_date=DUE,
        )
    client = login(world.users["a_analyst"])
    resp = client.get(url("task_list"), HTTP_HX_REQUEST="true")
    body = resp.content.decode()
    assert "<html" not in body and body.count('data-testid="task-row"') == 50
    assert 'data-testid="pagination"' in body
    second = client.get(url("task_list"), {"page": 2}).content.decode()
    assert second.count('data-testid="task-row"') == 5 and "<html" in second


def test_bad_filter_dates_are_reported_not_a_server_error(world, login):
    resp = login(world.users["office_staff"]).get(url("task_list"), {"due_from": "hôm qua"})
    assert resp.status_code == 200 and 'data-field="due_from"' in resp.content.decode()


def test_menu_has_the_tasks_entry(world, login):
    page = login(world.users["a_analyst"]).get(url("task_list")).content.decode()
    assert f'href="{url("task_list")}"' in page and "Nhiệm vụ" in page


def test_status_badge_colours_follow_the_status_module():
    for code, colour in S.STATUS_COLOURS.items():
        html = render_to_string("program/_status_badge.html", {"status": code})
        assert f"text-bg-{colour}" in html and f'data-status="{code}"' in html
        assert str(S.STATUS_LABELS[code]) in html
