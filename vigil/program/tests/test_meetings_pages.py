"""Pages: the meeting list and its filters, recording and editing a meeting, the
meeting page's sections and their forms (attendees, sites, documents, the notice and
conclusions), tasks from a conclusion, and what a sibling province gets."""

import datetime as dt
import hashlib

import pytest
from django.test import override_settings
from django.urls import reverse

from vigil.core.models import AuditEntry
from vigil.org.models import Person
from vigil.program.models import Meeting, MeetingAttendee, MeetingDocument, MeetingSite, Task
from vigil.program.services import meetings as svc

from .test_meetings_factories import (
    DUE,
    FUTURE,
    PAST,
    act,
    concluded,
    national_meeting,
    pdf_upload,
    province_meeting,
)

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"program:{name}", args=args)


def test_menu_links_to_meetings(net, login):
    html = login(net.a_analyst).get(url("meeting_list")).content.decode()
    assert url("meeting_list") in html and "Phiên họp" in html


def test_list_filters_by_body_unit_year_and_status(net, login):
    national_meeting(net, title="Họp BCĐ toàn quốc")
    m = province_meeting(net, title="Họp tiểu ban A")
    svc.meeting_set_status(actor=act(net, "a_analyst"), meeting=m, status="held")
    client = login(net.office_staff)
    html = client.get(url("meeting_list")).content.decode()
    assert "Họp BCĐ toàn quốc" in html and "Họp tiểu ban A" in html
    html = client.get(url("meeting_list"), {"body_unit": net.prov_a_sub.pk}).content.decode()
    assert "Họp BCĐ toàn quốc" not in html and "Họp tiểu ban A" in html
    html = client.get(url("meeting_list"), {"status": "held"}).content.decode()
    assert "Họp BCĐ toàn quốc" not in html and "Họp tiểu ban A" in html
    html = client.get(url("meeting_list"), {"year": PAST.year - 5}).content.decode()
    assert 'data-testid="empty"' in html
    # province B sees neither
    html = login(net.b_analyst).get(url("meeting_list")).content.decode()
    assert "Họp tiểu ban A" not in html and "Họp BCĐ toàn quốc" not in html


def test_office_records_a_meeting_through_the_form(net, login):
    client = login(net.office_staff)
    assert client.get(url("meeting_create"), {"unit": net.national.pk}).status_code == 200
    resp = client.post(url("meeting_create"), {
        "body_unit": net.national.pk, "title": "Phiên họp thứ hai", "kind": "regular",
        "held_on": PAST.isoformat(), "start_time": "14:00", "location": "Hà Nội", "is_online": "on",
    })
    m = Meeting.objects.get(title="Phiên họp thứ hai")
    assert resp.status_code == 302 and resp["Location"] == url("meeting_detail", m.pk)
    assert m.is_online and m.start_time.hour == 14 and m.created_by == net.office_staff


def test_meeting_form_errors_name_the_field(net, login):
    client = login(net.a_analyst)
    resp = client.post(url("meeting_create"), {"body_unit": net.prov_a_sub.pk, "title": "", "held_on": "hôm qua"})
    html = resp.content.decode()
    assert resp.status_code == 400
    assert 'data-field="title"' in html and 'data-field="held_on"' in html
    resp = client.post(url("meeting_create"), {})
    assert resp.status_code == 400 and 'data-field="body_unit"' in resp.content.decode()
    assert not Meeting.objects.exists()


def test_user_without_add_anywhere_cannot_open_the_create_form(net, login):
    assert login(net.auditor).get(url("meeting_create")).status_code == 403


def test_edit_meeting_and_its_errors(net, login):
    m = province_meeting(net)
    client = login(net.a_analyst)
    assert client.get(url("meeting_edit", m.pk)).status_code == 200
    data = {"title": "Họp tiểu ban (đã sửa)", "kind": "thematic", "held_on": FUTURE.isoformat(), "minutes": "Đã họp"}
    resp = client.post(url("meeting_edit", m.pk), data)
    assert resp.status_code == 302
    m.refresh_from_db()
    assert m.title == "Họp tiểu ban (đã sửa)" and m.kind == "thematic" and m.minutes == "Đã họp"
    resp = client.post(url("meeting_edit", m.pk), {**data, "kind": "tiệc"})
    assert resp.status_code == 400 and 'data-field="kind"' in resp.content.decode()


def test_detail_shows_every_section_and_the_status_of_conclusion_tasks(net, login):
    m = national_meeting(net)
    svc.sites_add_all(actor=act(net, "office_staff"), meeting=m)
    c = svc.conclusion_add(actor=act(net, "office_staff"), meeting=m, text="Các tỉnh rà soát hệ thống")
    svc.conclusion_task_create(actor=act(net, "office_staff"), conclusion=c, all_of_kind="province", due_date=DUE)
    resp = login(net.office_staff).get(url("meeting_detail", m.pk), {"tab": "conclusions"})
    html = resp.content.decode()
    assert resp.status_code == 200
    for section in ("info", "attendees", "sites", "documents", "conclusions"):
        assert f'data-testid="section-{section}"' in html
    assert "Các tỉnh rà soát hệ thống" in html and 'data-status="not_started"' in html
    assert "Chưa thực hiện" in html and "Tỉnh A" in html and "Tỉnh B" in html
    # a connected province reads the page, without the forms
    html = login(net.b_analyst).get(url("meeting_detail", m.pk)).content.decode()
    assert "Các tỉnh rà soát hệ thống" in html and 'data-testid="conclusion-form"' not in html


def test_sibling_province_gets_404_for_province_a_meeting_and_its_forms(net, login):
    m = province_meeting(net)
    c = svc.conclusion_add(actor=act(net, "a_analyst"), meeting=m, text="Kết luận A")
    client = login(net.b_analyst)
    assert client.get(url("meeting_detail", m.pk)).status_code == 404
    assert client.get(url("meeting_edit", m.pk)).status_code == 404
    assert client.post(url("meeting_conclusion_add", m.pk), {"c-text": "x"}).status_code == 404
    assert client.post(url("meeting_conclusion_remove", m.pk, c.pk)).status_code == 404
    assert client.get(url("meeting_conclusion_task_create", m.pk, c.pk)).status_code == 404
    assert m.conclusions.count() == 1


def test_province_viewer_of_a_connected_meeting_gets_403_on_writes(net, login):
    m = national_meeting(net)
    svc.sites_add_all(actor=act(net, "office_staff"), meeting=m)
    client = login(net.b_analyst)
    assert client.get(url("meeting_edit", m.pk)).status_code == 403
    assert client.post(url("meeting_conclusion_add", m.pk), {"c-text": "x"}).status_code == 403
    assert not m.conclusions.exists()


def test_status_buttons_move_the_meeting_and_explain_refusals(net, login):
    m = province_meeting(net)
    client = login(net.a_analyst)
    resp = client.post(url("meeting_status", m.pk), {"status": "concluded"})
    assert resp.status_code == 400 and 'data-testid="page-error"' in resp.content.decode()
    assert client.post(url("meeting_status", m.pk), {"status": "held"}).status_code == 302
    resp = client.post(url("meeting_status", m.pk), {"status": "concluded"})
    assert resp.status_code == 400 and "số thông báo" in resp.content.decode()
    assert client.get(url("meeting_status", m.pk)).status_code == 405
    m.refresh_from_db()
    assert m.status == "held"


def test_notice_form_saves_number_and_date_and_refuses_duplicates(net, login):
    first = province_meeting(net)
    svc.meeting_update(actor=act(net, "a_analyst"), meeting=first, notice_number="03/TB")
    m = province_meeting(net, title="Họp lần hai")
    client = login(net.a_analyst)
    resp = client.post(url("meeting_notice", m.pk), {"notice-notice_number": "03/TB", "notice-notice_date": PAST.isoformat()})
    assert resp.status_code == 400 and 'data-field="notice-notice_number"' in resp.content.decode()
    resp = client.post(url("meeting_notice", m.pk), {"notice-notice_number": "04/TB", "notice-notice_date": PAST.isoformat()})
    assert resp.status_code == 302
    m.refresh_from_db()
    assert (m.notice_number, m.notice_date) == ("04/TB", PAST)


def test_attendee_forms(net, login):
    from vigil.core.actors import system_actor
    from vigil.org.models import Role
    from vigil.org.services.memberships import membership_add

    m = province_meeting(net)
    people = []
    for name in ("Nguyễn Thành Viên", "Trần Thành Viên"):
        p = Person.objects.create(full_name=name, home_unit=net.prov_a)
        membership_add(actor=system_actor(), person=p, unit=net.prov_a_sub, role=Role.objects.get(code="member"),
                       since=PAST - dt.timedelta(days=100))
        people.append(p)
    client = login(net.a_analyst)
    html = client.get(url("meeting_detail", m.pk), {"tab": "attendees"}).content.decode()
    assert "Nguyễn Thành Viên" in html and 'data-testid="add-members"' in html
    resp = client.post(url("meeting_attendee_add", m.pk), {"att-person": people[0].pk, "att-presence": "delegated"})
    assert resp.status_code == 400 and 'data-field="att-delegate_name"' in resp.content.decode()
    resp = client.post(url("meeting_attendee_add", m.pk), {
        "att-person": people[0].pk, "att-presence": "delegated", "att-delegate_name": "Phó phòng Lê Văn Thay",
    })
    assert resp.status_code == 302
    assert client.post(url("meeting_attendees_add_members", m.pk)).status_code == 302
    assert MeetingAttendee.objects.filter(meeting=m).count() == 2
    a = MeetingAttendee.objects.get(person=people[1])
    assert client.get(url("meeting_attendee_edit", m.pk, a.pk)).status_code == 200
    assert client.post(url("meeting_attendee_edit", m.pk, a.pk), {"presence": "absent"}).status_code == 302
    a.refresh_from_db()
    assert a.presence == "absent"
    assert client.post(url("meeting_attendee_remove", m.pk, a.pk)).status_code == 302
    assert not MeetingAttendee.objects.filter(pk=a.pk).exists()


def test_site_forms(net, login):
    m = national_meeting(net)
    client = login(net.office_staff)
    assert client.post(url("meeting_site_add", m.pk), {"site-unit": net.prov_a.pk, "site-attended": "on",
                                                       "site-participants": "12"}).status_code == 302
    resp = client.post(url("meeting_site_add", m.pk), {"site-unit": net.prov_a.pk})
    assert resp.status_code == 400 and 'data-field="site-unit"' in resp.content.decode()
    assert client.post(url("meeting_sites_add_provinces", m.pk)).status_code == 302
    assert set(MeetingSite.objects.values_list("unit__code", flat=True)) == {"tinh-a", "tinh-b"}
    s = MeetingSite.objects.get(unit=net.prov_b)
    assert client.post(url("meeting_site_edit", m.pk, s.pk), {"participants": "-1"}).status_code == 400
    assert client.post(url("meeting_site_edit", m.pk, s.pk), {"participants": "5", "note": "Chậm 10 phút"}).status_code == 302
    s.refresh_from_db()
    assert s.attended is False and s.participants == 5
    assert client.post(url("meeting_site_remove", m.pk, s.pk)).status_code == 302
    html = client.get(url("meeting_detail", m.pk), {"tab": "sites"}).content.decode()
    assert "1/1" in html


def test_document_upload_download_and_refusals(net, login):
    m = province_meeting(net)
    client = login(net.a_analyst)
    upload = pdf_upload("tai-lieu.pdf")
    content = upload.read()
    upload.seek(0)
    resp = client.post(url("meeting_document_add", m.pk), {"doc-file": upload, "doc-kind": "material", "doc-title": "Tài liệu họp"})
    assert resp.status_code == 302
    doc = MeetingDocument.objects.get()
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    resp = client.get(url("meeting_document_download", m.pk, doc.pk))
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == content
    assert "attachment" in resp["Content-Disposition"]
    assert AuditEntry.objects.filter(action="program.meeting_document.export").count() == 1
    assert login(net.b_analyst).get(url("meeting_document_download", m.pk, doc.pk)).status_code == 404
    client = login(net.a_analyst)
    with override_settings(VIGIL_MAX_UPLOAD_BYTES=100):
        resp = client.post(url("meeting_document_add", m.pk), {"doc-file": pdf_upload(size=500), "doc-kind": "material"})
    assert resp.status_code == 400 and 'data-field="doc-file"' in resp.content.decode()
    assert MeetingDocument.objects.count() == 1
    resp = client.post(url("meeting_document_add", m.pk), {"doc-kind": "material"})
    assert resp.status_code == 400 and 'data-field="doc-file"' in resp.content.decode()
    assert client.post(url("meeting_document_remove", m.pk, doc.pk)).status_code == 302
    assert not MeetingDocument.objects.exists()


def test_conclusion_forms_and_frozen_notice(net, login):
    m = province_meeting(net)
    client = login(net.a_analyst)
    resp = client.post(url("meeting_conclusion_add", m.pk), {"c-text": ""})
    assert resp.status_code == 400 and 'data-field="c-text"' in resp.content.decode()
    assert client.post(url("meeting_conclusion_add", m.pk), {"c-text": "Rà soát hệ thống"}).status_code == 302
    c = m.conclusions.get()
    assert client.post(url("meeting_conclusion_edit", m.pk, c.pk), {"number": "2", "text": "Rà soát, đã sửa"}).status_code == 302
    c.refresh_from_db()
    assert (c.number, c.text) == (2, "Rà soát, đã sửa")
    svc.meeting_conclude(actor=act(net, "a_analyst"), meeting=m, notice_number="11/TB", notice_date=PAST)
    html = client.get(url("meeting_detail", m.pk), {"tab": "conclusions"}).content.decode()
    assert 'data-testid="frozen-notice"' in html and 'data-testid="conclusion-form"' not in html
    resp = client.post(url("meeting_conclusion_edit", m.pk, c.pk), {"number": "2", "text": "Sửa lại"})
    assert resp.status_code == 400 and "không thể sửa" in resp.content.decode()
    resp = client.post(url("meeting_conclusion_remove", m.pk, c.pk))
    assert resp.status_code == 400
    c.refresh_from_db()
    assert c.text == "Rà soát, đã sửa"


def test_conclusion_task_form_for_all_provinces(net, login):
    m = concluded(net, national_meeting(net), texts=("Các tỉnh, thành phố báo cáo kết quả rà soát",))
    c = m.conclusions.get()
    client = login(net.office_staff)
    html = client.get(url("meeting_conclusion_task_create", m.pk, c.pk)).content.decode()
    assert "Các tỉnh, thành phố báo cáo kết quả rà soát" in html and 'name="all_of_kind"' in html
    resp = client.post(url("meeting_conclusion_task_create", m.pk, c.pk), {"title": "Báo cáo rà soát", "due_date": DUE.isoformat()})
    assert resp.status_code == 400 and 'data-field="lead_units"' in resp.content.decode()
    resp = client.post(url("meeting_conclusion_task_create", m.pk, c.pk), {
        "title": "Báo cáo rà soát", "all_of_kind": "province", "due_date": PAST.isoformat(), "priority": "2",
        "product": "report", "recurrence": "none",
    })
    assert resp.status_code == 400 and 'data-field="due_date"' in resp.content.decode()
    assert not Task.objects.exists()
    resp = client.post(url("meeting_conclusion_task_create", m.pk, c.pk), {
        "title": "Báo cáo rà soát", "all_of_kind": "province", "due_date": DUE.isoformat(), "priority": "3",
        "product": "report", "recurrence": "none", "supporting_units": [net.agency.pk],
    })
    assert resp.status_code == 302
    parent = Task.objects.get(parent__isnull=True)
    assert parent.conclusion == c and parent.children.count() == 2 and parent.priority == 3
    assert list(parent.supporting_units.all()) == [net.agency]
