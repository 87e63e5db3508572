"""The program demo dataset: loads after the org demo, twice without change; the national
meeting, its notice, conclusions and tasks for every province (most done, two late, one
overdue) and Hà Nội's approved programme are there; the demo pages render."""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from vigil.core.actors import system_actor
from vigil.core.appconfig import ordered
from vigil.core.models import AuditEntry, User
from vigil.org import demo as org_demo
from vigil.org.reference import load_all
from vigil.program import demo
from vigil.program.models import Meeting, Task, WorkProgramme
from vigil.program.selectors import meetings as meeting_sel
from vigil.program.selectors import programmes as programme_sel

pytestmark = pytest.mark.django_db


def counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label == "program"}


@pytest.fixture
def loaded(no_network):
    load_all()
    org_demo.load(actor=system_actor("cli"))
    return demo.load(actor=system_actor("cli"))


def test_the_demo_command_loads_the_program_demo():
    loaders = [app.demo for app in ordered("demo")]
    assert loaders.index("vigil.program.demo:load") > loaders.index("vigil.org.demo:load")


def test_loading_twice_changes_nothing(loaded):
    before, audit_before = counts(), AuditEntry.objects.count()
    assert demo.load(actor=system_actor("cli")) == []
    assert counts() == before and AuditEntry.objects.count() == audit_before
    assert before["program.Meeting"] == 2 and before["program.Conclusion"] == 4


def test_national_meeting_conclusions_and_province_tasks(loaded):
    office = User.objects.get(username="vanphong")
    m = Meeting.objects.get(notice_number=demo.NOTICE_NUMBER)
    assert m.status == "concluded" and m.is_online and m.chair.full_name == "Nguyễn Văn Khải"
    assert m.sites.count() == 34 and m.sites.filter(attended=False).count() == 2
    assert m.attendees.filter(presence="delegated").exclude(delegate_name="").count() == 1
    assert m.attendees.filter(presence="absent").count() == 1
    assert m.documents.count() == 3
    rows = meeting_sel.conclusions_with_tasks(user=office, meeting=m)
    assert [len(c.task_rows) for c in rows] == [0, 1, 1, 1]
    review = rows[1].task_rows[0]
    by_status = {b["status"]: b["count"] for b in review.breakdown}
    assert by_status == {"done_on_time": 31, "done_late": 2, "overdue": 1}
    overdue = [c for c in review.children_list if c.status == "overdue"]
    assert [c.lead_unit.code for c in overdue] == ["da-nang"] and overdue[0].progress == 60
    drill = {b["status"]: b["count"] for b in rows[2].task_rows[0].breakdown}
    assert drill == {"in_progress": 5, "not_started": 29}
    assert rows[3].task_rows[0].lead_unit.code == "cqtt" and rows[3].task_rows[0].status == "in_progress"
    # the Hà Nội focal point sees the meeting (Hà Nội was a connected site) and only its own tasks
    hanoi = User.objects.get(username="hanoi")
    mine = meeting_sel.conclusions_with_tasks(user=hanoi, meeting=meeting_sel.meeting_get(user=hanoi, meeting_id=m.pk))
    assert [t.lead_unit.code for c in mine for t in c.task_rows] == ["ha-noi", "ha-noi"]


def test_hanoi_programme_is_approved_with_tasks_in_every_state(loaded):
    p = WorkProgramme.objects.get(unit__code="ha-noi")
    assert p.status == "approved" and p.tasks.count() == 4
    statuses = sorted(t.status for t in programme_sel.programme_tasks(user=User.objects.get(username="hanoi"), programme=p))
    assert statuses == ["done_on_time", "in_progress", "not_started", "not_started"]
    assert not Task.objects.filter(programme=p, lead_unit__code="ha-noi-tb").exclude(assigning_unit__code="ha-noi").exists()


def test_demo_pages_render_for_demo_logins(loaded):
    m = Meeting.objects.get(notice_number=demo.NOTICE_NUMBER)
    p = WorkProgramme.objects.get(unit__code="ha-noi")
    urls = [
        reverse("program:meeting_list"), reverse("program:meeting_detail", args=[m.pk]),
        reverse("program:programme_list"), reverse("program:programme_detail", args=[p.pk]),
    ]
    for username in ("vanphong", "hanoi", "hcm", "botaichinh"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in urls:
            status = client.get(url).status_code
            assert status in (200, 404), (username, url, status)
    client = Client()
    client.force_login(User.objects.get(username="vanphong"))
    html = client.get(reverse("program:meeting_detail", args=[m.pk]), {"tab": "conclusions"}).content.decode()
    assert "Quá hạn: 1" in html and "Hoàn thành đúng hạn: 31" in html


def test_office_inspection_has_findings_and_a_follow_up_task(loaded):
    from vigil.program.models import Finding, Inspection, Task

    inspection = Inspection.objects.get(inspecting_unit__code="vp-bcd")
    assert inspection.status == "in_progress" and inspection.target_rows.count() == 2
    findings = Finding.objects.filter(inspection=inspection).order_by("number")
    assert [f.unit.code for f in findings] == ["ha-noi", "ho-chi-minh"]
    task = Task.objects.get(finding=findings[0])
    assert task.source == "inspection" and task.lead_unit.code == "ha-noi"
