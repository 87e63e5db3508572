"""Pages: work programmes per unit and year, drafting, tasks, the head's approval and
what an approved programme still allows."""

import pytest
from django.urls import reverse

from vigil.program.models import Task, WorkProgramme
from vigil.program.services import programmes as svc

from .test_meetings_factories import DUE, PAST, TODAY, act, programme

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"program:{name}", args=args)


def with_task(net, p, title="Diễn tập ứng cứu sự cố"):
    return svc.programme_task_create(actor=act(net, "a_analyst"), programme=p, title=title, due_date=DUE)


def test_list_per_unit_and_year(net, login):
    a = programme(net)
    programme(net, who="b_analyst", unit=net.prov_b, title="Chương trình tỉnh B", year=TODAY.year + 1)
    client = login(net.office_staff)
    html = client.get(url("programme_list")).content.decode()
    assert a.title in html and "Chương trình tỉnh B" in html and url("programme_list") in html
    html = client.get(url("programme_list"), {"year": TODAY.year}).content.decode()
    assert a.title in html and "Chương trình tỉnh B" not in html
    html = client.get(url("programme_list"), {"unit": net.prov_b.pk}).content.decode()
    assert a.title not in html and "Chương trình tỉnh B" in html
    html = login(net.b_analyst).get(url("programme_list")).content.decode()
    assert a.title not in html


def test_draft_a_programme_through_the_form(net, login):
    client = login(net.a_analyst)
    assert client.get(url("programme_create")).status_code == 200
    resp = client.post(url("programme_create"), {"unit": net.prov_a.pk, "year": TODAY.year, "title": "CT năm nay"})
    p = WorkProgramme.objects.get()
    assert resp.status_code == 302 and resp["Location"] == url("programme_detail", p.pk)
    resp = client.post(url("programme_create"), {"unit": net.prov_a.pk, "year": TODAY.year, "title": "Bản hai"})
    assert resp.status_code == 400 and 'data-field="year"' in resp.content.decode()
    resp = client.post(url("programme_create"), {})
    assert resp.status_code == 400 and 'data-field="title"' in resp.content.decode()
    assert WorkProgramme.objects.count() == 1


def test_edit_draft_and_refuse_edit_once_approved(net, login):
    p = programme(net)
    client = login(net.a_analyst)
    assert client.post(url("programme_edit", p.pk), {"title": "CT (sửa)", "description": "Mô tả"}).status_code == 302
    p.refresh_from_db()
    assert p.title == "CT (sửa)"
    resp = client.post(url("programme_edit", p.pk), {"title": ""})
    assert resp.status_code == 400 and 'data-field="title"' in resp.content.decode()
    with_task(net, p)
    svc.programme_approve(actor=act(net, "a_head"), programme=p)
    resp = client.get(url("programme_edit", p.pk))
    assert resp.status_code == 409 and 'data-testid="frozen-notice"' in resp.content.decode()


def test_add_task_form_and_its_errors(net, login):
    p = programme(net)
    client = login(net.a_analyst)
    assert client.get(url("programme_task_create", p.pk)).status_code == 200
    resp = client.post(url("programme_task_create", p.pk), {"title": "Rà soát", "due_date": PAST.isoformat(),
                                                            "priority": "2", "product": "document", "recurrence": "none"})
    assert resp.status_code == 400 and 'data-field="due_date"' in resp.content.decode()
    resp = client.post(url("programme_task_create", p.pk), {})
    assert resp.status_code == 400 and 'data-field="title"' in resp.content.decode()
    resp = client.post(url("programme_task_create", p.pk), {
        "title": "Rà soát hệ thống", "due_date": DUE.isoformat(), "priority": "3", "product": "system",
        "recurrence": "quarterly", "lead_units": [net.prov_a_dept.pk],
    })
    assert resp.status_code == 302
    t = Task.objects.get()
    assert t.programme == p and t.lead_unit == net.prov_a_dept and t.recurrence == "quarterly"
    html = client.get(url("programme_detail", p.pk)).content.decode()
    assert "Rà soát hệ thống" in html and 'data-status="not_started"' in html


def test_head_approves_after_confirming_and_the_analyst_cannot(net, login):
    p = programme(net)
    assert login(net.a_analyst).get(url("programme_approve", p.pk)).status_code == 403
    client = login(net.a_head)
    resp = client.post(url("programme_approve", p.pk))
    assert resp.status_code == 400 and "chưa có nhiệm vụ" in resp.content.decode()
    with_task(net, p)
    html = client.get(url("programme_approve", p.pk)).content.decode()
    assert "Diễn tập ứng cứu sự cố" in html and 'data-testid="confirm-approve"' in html
    assert client.post(url("programme_approve", p.pk)).status_code == 302
    p.refresh_from_db()
    assert p.status == "approved" and p.approved_by == net.a_head
    html = client.get(url("programme_detail", p.pk)).content.decode()
    assert 'data-testid="frozen-notice"' in html and 'data-testid="programme-approve"' not in html
    assert "Bổ sung nhiệm vụ phát sinh" in html
    # a follow-up task is still accepted
    resp = login(net.a_analyst).post(url("programme_task_create", p.pk), {
        "title": "Nhiệm vụ phát sinh", "due_date": DUE.isoformat(), "priority": "2", "product": "document",
        "recurrence": "none",
    })
    assert resp.status_code == 302 and p.tasks.count() == 2


def test_sibling_province_gets_404_everywhere(net, login):
    p = programme(net)
    client = login(net.b_analyst)
    for name in ("programme_detail", "programme_edit", "programme_approve", "programme_task_create"):
        assert client.get(url(name, p.pk)).status_code == 404, name
        assert client.post(url(name, p.pk), {"title": "x"}).status_code == 404, name
    p.refresh_from_db()
    assert p.title == "Chương trình công tác an ninh mạng tỉnh A" and not p.tasks.exists()
