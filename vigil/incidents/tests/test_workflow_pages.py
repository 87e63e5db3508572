"""Incident pages: the detail page with its sections and forms, each workflow step posted
from it, the htmx checklist tick, defanged observables, evidence download, access."""

from django.core.files.uploadedfile import SimpleUploadedFile

from vigil.core.models import AuditEntry
from vigil.incidents.models import IncidentTask, IncidentUnit, Observable
from vigil.incidents.services import tasks as task_svc

from .test_workflow_services import S, actor, assign, make_incident


def test_detail_shows_sections_and_partials(net, login):
    inc = make_incident(net)
    page = login(net.users["a_analyst"]).get(f"/incidents/{inc.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for marker in ('data-testid="incident-header"', 'data-testid="timeline"', 'data-testid="comments"',
                   'data-testid="tasks"', 'data-testid="observables"', 'data-testid="evidence"',
                   'data-testid="related"', 'data-testid="assign-form"'):
        assert marker in html, marker


def test_outsider_gets_404(net, login):
    inc = make_incident(net, tlp="amber")
    client = login(net.users["b_analyst"])
    assert client.get(f"/incidents/{inc.pk}/").status_code == 404
    assert client.post(f"/incidents/{inc.pk}/comments/", {"comment-body": "x"}).status_code == 404


def test_red_incident_view_is_audited(net, login):
    inc = make_incident(net, tlp="red")
    assert login(net.users["a_analyst"]).get(f"/incidents/{inc.pk}/").status_code == 200
    assert AuditEntry.objects.filter(action="view", object_id=str(inc.pk)).exists()


def test_assign_and_answer_from_page(net, login):
    inc = make_incident(net)
    client = login(net.users["a_analyst"])
    r = client.post(f"/incidents/{inc.pk}/assign/", {"assign-lead_unit": net.units["prov_a_dept"].pk,
                                                     "assign-note": "Gấp"})
    assert r.status_code == 302
    row = IncidentUnit.objects.get(incident=inc, role="lead")
    dept = login(net.users["a_dept"])
    page = dept.get(f"/incidents/{inc.pk}/").content.decode()
    assert 'data-testid="answer-form"' in page
    r = dept.post(f"/incidents/{inc.pk}/units/{row.pk}/answer/", {"decision": "decline", "reason": ""})
    assert r.status_code == 400
    r = dept.post(f"/incidents/{inc.pk}/units/{row.pk}/answer/", {"decision": "accept"})
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.answer == "accepted"


def test_illegal_transition_shows_error(net, login):
    inc = make_incident(net, state=S.IN_PROGRESS)
    client = login(net.users["a_analyst"])
    r = client.post(f"/incidents/{inc.pk}/transition/", {"transition-to_state": "resolved"})
    assert r.status_code == 400 and "Kết quả xử lý" in r.content.decode()
    r = client.post(f"/incidents/{inc.pk}/transition/", {"transition-to_state": "resolved",
                                                         "transition-resolution": "Đã gỡ"})
    assert r.status_code == 302
    r = client.post(f"/incidents/{inc.pk}/close/", {"close-root_cause": "Lỗ hổng", "close-lessons_learned": ""})
    assert r.status_code == 400
    r = client.post(f"/incidents/{inc.pk}/close/", {"close-root_cause": "Lỗ hổng", "close-lessons_learned": "Vá"})
    assert r.status_code == 302
    r = client.post(f"/incidents/{inc.pk}/reopen/", {"reopen-reason": "Tái diễn"})
    assert r.status_code == 302
    inc.refresh_from_db()
    assert inc.state == S.IN_PROGRESS


def test_observable_shown_defanged(net, login):
    inc = make_incident(net)
    client = login(net.users["a_analyst"])
    r = client.post(f"/incidents/{inc.pk}/observables/", {"observable-value": "hxxp://evil[.]com",
                                                          "observable-is_ioc": "on"})
    assert r.status_code == 302
    assert Observable.objects.get(incident=inc).value == "http://evil.com"
    html = client.get(f"/incidents/{inc.pk}/").content.decode()
    assert "hxxp://evil[.]com" in html and "http://evil.com" not in html
    r = client.post(f"/incidents/{inc.pk}/observables/", {"observable-value": "999.1.1.1",
                                                          "observable-kind": "ipv4"})
    assert r.status_code == 400 and 'data-field="observable-value"' in r.content.decode()


def test_checklist_tick_with_htmx(net, login):
    inc = make_incident(net)
    task = task_svc.task_create(actor=actor(net, "a_analyst"), incident=inc, unit=net.units["prov_a"], title="T",
                                items=["Bước một"])
    item = task.items.get()
    client = login(net.users["a_analyst"])
    r = client.post(f"/incidents/{inc.pk}/tasks/{task.pk}/items/{item.pk}/toggle/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "☑" in r.content.decode()
    item.refresh_from_db()
    assert item.done
    r = client.post(f"/incidents/{inc.pk}/tasks/{task.pk}/complete/")
    assert r.status_code == 302
    assert IncidentTask.objects.get(pk=task.pk).status == "done"


def test_task_comment_and_related_forms(net, login):
    inc = make_incident(net)
    other = make_incident(net)
    assign(net, inc)
    client = login(net.users["a_analyst"])
    r = client.post(f"/incidents/{inc.pk}/tasks/", {"task-unit": net.units["prov_a_dept"].pk, "task-title": "Cô lập",
                                                    "task-items": "Ngắt mạng\nSao lưu"})
    assert r.status_code == 302
    assert IncidentTask.objects.get(incident=inc).items.count() == 2
    assert client.post(f"/incidents/{inc.pk}/comments/", {"comment-body": "@a_head nhờ xem"}).status_code == 302
    assert client.post(f"/incidents/{inc.pk}/related/", {"related-reference": other.reference}).status_code == 302
    assert client.post(f"/incidents/{inc.pk}/related/", {"related-reference": "KHONG-CO"}).status_code == 400
    assert client.post(f"/incidents/{inc.pk}/related/{other.reference}/unlink/").status_code == 302


def test_evidence_upload_and_download(net, login, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    inc = make_incident(net)
    client = login(net.users["a_analyst"])
    r = client.post(f"/incidents/{inc.pk}/evidence/", {"evidence-file": SimpleUploadedFile("a.txt", b"hello")})
    assert r.status_code == 302
    ev = inc.evidence.get()
    r = client.get(f"/incidents/{inc.pk}/evidence/{ev.pk}/")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    assert b"".join(r.streaming_content) == b"hello"
    assert AuditEntry.objects.filter(action="incidents.evidence.download").exists()
    r = client.post(f"/incidents/{inc.pk}/evidence/", {"evidence-file": SimpleUploadedFile("a.exe", b"MZ")})
    assert r.status_code == 400
    assert login(net.users["b_analyst"]).get(f"/incidents/{inc.pk}/evidence/{ev.pk}/").status_code == 404
