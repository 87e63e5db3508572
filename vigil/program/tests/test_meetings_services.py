"""Meeting services: recording a meeting, its workflow, attendees, connected sites,
documents, the conclusion notice and its conclusions, tasks from a conclusion, access."""

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from vigil.core.actors import system_actor
from vigil.core.errors import AccessDenied, Conflict, DomainError, NotFound
from vigil.core.models import AuditEntry
from vigil.org.models import Person, Role
from vigil.org.services.memberships import membership_add
from vigil.program.models import (
    Conclusion,
    Meeting,
    MeetingAttendee,
    MeetingDocument,
    MeetingSite,
    Task,
)
from vigil.program.selectors import meetings as sel
from vigil.program.services import meetings as svc

from .test_meetings_factories import (
    DUE,
    FUTURE,
    PAST,
    TODAY,
    act,
    concluded,
    national_meeting,
    pdf_upload,
    province_meeting,
)

pytestmark = pytest.mark.django_db


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT) / "program" / "meetings"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --------------------------------------------------------------------------- meetings


def test_office_records_a_national_meeting_with_an_audit_entry(net):
    chair = Person.objects.create(full_name="Nguyễn Văn Chủ Trì", home_unit=net.units["national"])
    m = national_meeting(net, chair=chair, location="Hà Nội", start_time="08:30", agenda="1. Đánh giá")
    assert m.status == Meeting.Status.PLANNED and m.chair == chair and m.start_time == dt.time(8, 30)
    assert m.created_by == net.users["office_staff"]
    entry = AuditEntry.objects.get(action="program.meeting.create", object_id=str(m.pk))
    assert entry.after["title"] == "Phiên họp thứ nhất Ban Chỉ đạo" and entry.actor == net.users["office_staff"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": "  "}, "title"),
        ({"held_on": None}, "held_on"),
        ({"held_on": "31/12/2026"}, "held_on"),
        ({"kind": "party"}, "kind"),
        ({"start_time": "8h"}, "start_time"),
        ({"title": "x" * 301}, "title"),
        ({"chair": 999999}, "chair"),
    ],
)
def test_bad_meeting_input_is_refused_naming_the_field(net, changes, field):
    data = {"title": "Họp", "held_on": PAST, **changes}
    with pytest.raises(DomainError) as exc:
        svc.meeting_create(actor=act(net, "a_analyst"), body_unit=net.units["prov_a_sub"], **data)
    assert exc.value.field == field
    assert not Meeting.objects.exists()


def test_a_body_unit_is_required(net):
    with pytest.raises(DomainError) as exc:
        svc.meeting_create(actor=act(net, "a_analyst"), body_unit=None, title="Họp", held_on=PAST)
    assert exc.value.field == "body_unit"


def test_sibling_province_cannot_record_read_or_change_province_a_meetings(net):
    m = province_meeting(net)
    with pytest.raises(AccessDenied):
        svc.meeting_create(actor=act(net, "b_analyst"), body_unit=net.units["prov_a_sub"], title="Họp", held_on=PAST)
    with pytest.raises(NotFound):
        sel.meeting_get(user=net.users["b_analyst"], meeting_id=m.pk)
    assert not sel.meeting_list(user=net.users["b_analyst"]).exists()
    with pytest.raises(AccessDenied):
        svc.meeting_update(actor=act(net, "b_analyst"), meeting=m, title="Đổi tên")
    with pytest.raises(AccessDenied):
        svc.conclusion_add(actor=act(net, "b_analyst"), meeting=m, text="Kết luận lạ")
    m.refresh_from_db()
    assert m.title == "Họp Tiểu ban tỉnh A quý I" and not m.conclusions.exists()


def test_viewer_and_department_responder_cannot_change_the_subcommittee_meeting(net):
    m = province_meeting(net)
    # a_dept is a responder in the department only: it sees nothing of the subcommittee
    with pytest.raises(NotFound):
        sel.meeting_get(user=net.users["a_dept"], meeting_id=m.pk)
    with pytest.raises(AccessDenied):
        svc.meeting_update(actor=act(net, "a_dept"), meeting=m, title="x")
    # the national office sees and changes every meeting of the network
    assert sel.meeting_get(user=net.users["office_staff"], meeting_id=m.pk) == m
    svc.meeting_update(actor=act(net, "office_staff"), meeting=m, location="Phòng họp số 2")


def test_update_records_before_and_after(net):
    m = province_meeting(net)
    svc.meeting_update(actor=act(net, "a_analyst"), meeting=m, minutes="Biên bản họp", location="UBND tỉnh")
    entry = AuditEntry.objects.get(action="program.meeting.update", object_id=str(m.pk))
    assert entry.before["minutes"] == "" and entry.after["minutes"] == "Biên bản họp"
    with pytest.raises(DomainError) as exc:
        svc.meeting_update(actor=act(net, "a_analyst"), meeting=m, body_unit=net.units["prov_b"])
    assert exc.value.field == "body_unit"


def test_notice_number_is_unique_per_body_unit(net):
    first = province_meeting(net)
    svc.meeting_update(actor=act(net, "a_analyst"), meeting=first, notice_number="05/TB-TB", notice_date=PAST)
    second = province_meeting(net, title="Họp bất thường")
    with pytest.raises(Conflict) as exc:
        svc.meeting_update(actor=act(net, "a_analyst"), meeting=second, notice_number="05/TB-TB")
    assert exc.value.field == "notice_number"
    second.refresh_from_db()
    assert second.notice_number == ""
    # the same number under another body is fine
    other = national_meeting(net)
    svc.meeting_update(actor=act(net, "office_staff"), meeting=other, notice_number="05/TB-TB")


def test_notice_date_cannot_precede_the_meeting_or_lie_in_the_future(net):
    m = province_meeting(net)
    with pytest.raises(DomainError) as exc:
        svc.meeting_update(actor=act(net, "a_analyst"), meeting=m, notice_date=PAST - dt.timedelta(days=1))
    assert exc.value.field == "notice_date"
    with pytest.raises(DomainError) as exc:
        svc.meeting_update(actor=act(net, "a_analyst"), meeting=m, notice_date=FUTURE)
    assert exc.value.field == "notice_date"


def test_status_moves_forward_one_step_at_a_time(net):
    m = province_meeting(net)
    a = act(net, "a_analyst")
    with pytest.raises(Conflict) as exc:
        svc.meeting_set_status(actor=a, meeting=m, status="concluded")
    assert exc.value.field == "status"
    svc.meeting_set_status(actor=a, meeting=m, status="held")
    with pytest.raises(DomainError) as exc:
        svc.meeting_set_status(actor=a, meeting=m, status="concluded")
    assert exc.value.field == "notice_number"
    svc.meeting_update(actor=a, meeting=m, notice_number="07/TB", notice_date=TODAY)
    with pytest.raises(DomainError) as exc:
        svc.meeting_set_status(actor=a, meeting=m, status="concluded")
    assert exc.value.field == "conclusions"
    svc.conclusion_add(actor=a, meeting=m, text="Các sở rà soát hệ thống thông tin")
    m = svc.meeting_set_status(actor=a, meeting=m, status="concluded")
    assert m.status == "concluded"
    with pytest.raises(Conflict):
        svc.meeting_set_status(actor=a, meeting=m, status="held")
    assert AuditEntry.objects.filter(action="program.meeting.status", object_id=str(m.pk)).count() == 2


def test_a_future_meeting_cannot_be_marked_held(net):
    m = province_meeting(net, held_on=FUTURE)
    with pytest.raises(DomainError) as exc:
        svc.meeting_set_status(actor=act(net, "a_analyst"), meeting=m, status="held")
    assert exc.value.field == "held_on"


def test_conclude_in_one_step_is_all_or_nothing(net):
    m = province_meeting(net)
    with pytest.raises(DomainError) as exc:  # no conclusion yet
        svc.meeting_conclude(actor=act(net, "a_analyst"), meeting=m, notice_number="09/TB", notice_date=PAST)
    assert exc.value.field == "conclusions"
    m.refresh_from_db()
    assert m.status == "planned" and m.notice_number == ""
    m = concluded(net, m, who="a_analyst", number="09/TB")
    assert m.status == "concluded" and m.notice_number == "09/TB"


def test_concluded_meeting_freezes_notice_and_conclusions_but_not_tasks(net):
    m = concluded(net, national_meeting(net))
    c = m.conclusions.get()
    office = act(net, "office_staff")
    with pytest.raises(Conflict) as exc:
        svc.meeting_update(actor=office, meeting=m, notice_number="99/TB")
    assert exc.value.field == "notice_number"
    for call in (
        lambda: svc.conclusion_add(actor=office, meeting=m, text="Mục mới"),
        lambda: svc.conclusion_update(actor=office, conclusion=c, text="Sửa"),
        lambda: svc.conclusion_delete(actor=office, conclusion=c),
    ):
        with pytest.raises(Conflict):
            call()
    svc.meeting_update(actor=office, meeting=m, minutes="Biên bản hoàn chỉnh")  # the minutes still change
    task = svc.conclusion_task_create(actor=office, conclusion=c, lead_units=[net.units["prov_a"]], due_date=DUE)
    assert task.conclusion == c and task.source == "conclusion"


# --------------------------------------------------------------------------- attendees


def body_member(net, name, role="member"):
    p = Person.objects.create(full_name=name, home_unit=net.units["prov_a"])
    membership_add(actor=system_actor(), person=p, unit=net.units["prov_a_sub"], role=Role.objects.get(code=role),
                   since=dt.date(2024, 1, 1))
    return p


def test_delegated_attendee_needs_the_delegate_name(net):
    m = province_meeting(net)
    p = body_member(net, "Trần Văn Uỷ Viên")
    with pytest.raises(DomainError) as exc:
        svc.attendee_add(actor=act(net, "a_analyst"), meeting=m, person=p, presence="delegated")
    assert exc.value.field == "delegate_name"
    assert not MeetingAttendee.objects.exists()
    a = svc.attendee_add(actor=act(net, "a_analyst"), meeting=m, person=p, presence="delegated",
                         delegate_name="Lê Thị Thay")
    assert a.delegate_name == "Lê Thị Thay"
    a = svc.attendee_update(actor=act(net, "a_analyst"), attendee=a, presence="present", delegate_name="Lê Thị Thay")
    assert a.delegate_name == ""  # only a delegation keeps the delegate's name
    with pytest.raises(DomainError) as exc:
        svc.attendee_update(actor=act(net, "a_analyst"), attendee=a, presence="delegated")
    assert exc.value.field == "delegate_name"


def test_attendee_is_listed_once_and_presence_is_checked(net):
    m = province_meeting(net)
    p = body_member(net, "Đinh Văn Một")
    svc.attendee_add(actor=act(net, "a_analyst"), meeting=m, person=p)
    with pytest.raises(Conflict) as exc:
        svc.attendee_add(actor=act(net, "a_analyst"), meeting=m, person=p, presence="absent")
    assert exc.value.field == "person"
    with pytest.raises(DomainError) as exc:
        svc.attendee_add(actor=act(net, "a_analyst"), meeting=m, person=body_member(net, "B"), presence="maybe")
    assert exc.value.field == "presence"


def test_body_members_are_offered_and_added_in_one_step(net):
    m = province_meeting(net)
    head = body_member(net, "Nguyễn Trưởng Ban", "head")
    member = body_member(net, "Phạm Uỷ Viên")
    svc.attendee_add(actor=act(net, "a_analyst"), meeting=m, person=member, presence="absent")
    offered = [x.person for x in sel.body_members(user=net.users["a_analyst"], meeting=m, not_listed=True)]
    assert offered == [head]
    added = svc.attendees_add_members(actor=act(net, "a_analyst"), meeting=m)
    assert [a.person for a in added] == [head] and added[0].presence == "present"
    assert sel.attendance_summary(meeting=m) == {"present": 1, "absent": 1, "delegated": 0}
    assert svc.attendees_add_members(actor=act(net, "a_analyst"), meeting=m) == []


def test_sibling_province_cannot_touch_attendees(net):
    m = province_meeting(net)
    a = svc.attendee_add(actor=act(net, "a_analyst"), meeting=m, person=body_member(net, "Hà Văn Hai"))
    with pytest.raises(AccessDenied):
        svc.attendee_remove(actor=act(net, "b_analyst"), attendee=a)
    with pytest.raises(AccessDenied):
        svc.attendee_update(actor=act(net, "b_analyst"), attendee=a, presence="absent")
    assert MeetingAttendee.objects.get().presence == "present"


# --------------------------------------------------------------------------- sites


def test_sites_belong_to_online_meetings_only(net):
    m = province_meeting(net)
    with pytest.raises(DomainError) as exc:
        svc.site_add(actor=act(net, "a_analyst"), meeting=m, unit=net.units["prov_a_dept"])
    assert exc.value.field == "is_online"


def test_all_provinces_are_added_once_and_their_units_see_the_meeting(net):
    m = national_meeting(net)
    assert not sel.meeting_list(user=net.users["b_analyst"]).exists()
    added = svc.sites_add_all(actor=act(net, "office_staff"), meeting=m, kind="province")
    assert {s.unit for s in added} == {net.units["prov_a"], net.units["prov_b"]}
    assert svc.sites_add_all(actor=act(net, "office_staff"), meeting=m) == []
    # a connected province now sees the meeting, but may not change it
    assert sel.meeting_get(user=net.users["b_analyst"], meeting_id=m.pk) == m
    with pytest.raises(AccessDenied):
        svc.meeting_update(actor=act(net, "b_analyst"), meeting=m, title="x")
    with pytest.raises(Conflict) as exc:
        svc.site_add(actor=act(net, "office_staff"), meeting=m, unit=net.units["prov_b"])
    assert exc.value.field == "unit"
    site_b = m.sites.get(unit=net.units["prov_b"])
    site_b = svc.site_update(actor=act(net, "office_staff"), site=site_b, attended=False, participants=0, note="Mất kết nối")
    assert site_b.attended is False
    svc.site_remove(actor=act(net, "office_staff"), site=site_b)
    with pytest.raises(NotFound):
        sel.meeting_get(user=net.users["b_analyst"], meeting_id=m.pk)
    assert AuditEntry.objects.filter(action__startswith="program.meeting_site.").count() == 4


def test_site_participants_must_be_a_count(net):
    m = national_meeting(net)
    with pytest.raises(DomainError) as exc:
        svc.site_add(actor=act(net, "office_staff"), meeting=m, unit=net.units["prov_a"], participants=-3)
    assert exc.value.field == "participants"
    with pytest.raises(NotFound) as exc:
        svc.site_add(actor=act(net, "office_staff"), meeting=m, unit=999999)
    assert exc.value.field == "unit"
    assert not MeetingSite.objects.exists()


def test_online_flag_cannot_be_dropped_while_sites_remain(net):
    m = national_meeting(net)
    svc.site_add(actor=act(net, "office_staff"), meeting=m, unit=net.units["prov_a"])
    with pytest.raises(Conflict) as exc:
        svc.meeting_update(actor=act(net, "office_staff"), meeting=m, is_online=False)
    assert exc.value.field == "is_online"


# --------------------------------------------------------------------------- documents


def test_document_upload_keeps_hash_size_and_sniffed_type(net):
    m = province_meeting(net)
    upload = pdf_upload()
    content = upload.read()
    doc = svc.document_add(actor=act(net, "a_analyst"), meeting=m, upload=upload, kind="notice")
    assert doc.sha256 == hashlib.sha256(content).hexdigest() and doc.size == len(content)
    assert doc.content_type == "application/pdf" and doc.title == "thong-bao.pdf"
    assert doc.file.name.startswith("program/meetings/") and os.path.exists(doc.file.path)
    assert AuditEntry.objects.get(action="program.meeting_document.upload").after["sha256"] == doc.sha256
    handle = svc.document_open(actor=act(net, "a_analyst"), document=doc)
    assert handle.read() == content
    handle.close()
    assert AuditEntry.objects.filter(action="program.meeting_document.export").count() == 1


def test_document_too_large_is_refused_and_nothing_is_stored(net):
    m = province_meeting(net)
    before = stored_files()
    with override_settings(VIGIL_MAX_UPLOAD_BYTES=100):
        with pytest.raises(DomainError) as exc:
            svc.document_add(actor=act(net, "a_analyst"), meeting=m, upload=pdf_upload(size=500))
    assert exc.value.field == "file" and exc.value.code == "too-large"
    assert not MeetingDocument.objects.exists() and stored_files() == before
    assert not AuditEntry.objects.filter(action="program.meeting_document.upload").exists()


def test_document_of_the_wrong_type_is_refused(net):
    from django.core.files.uploadedfile import SimpleUploadedFile

    m = province_meeting(net)
    fake = SimpleUploadedFile("bien-ban.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError) as exc:
        svc.document_add(actor=act(net, "a_analyst"), meeting=m, upload=fake)
    assert exc.value.field == "file"
    with pytest.raises(DomainError) as exc:
        svc.document_add(actor=act(net, "a_analyst"), meeting=m, upload=pdf_upload(), kind="secret")
    assert exc.value.field == "kind"
    assert not MeetingDocument.objects.exists()


def test_sibling_province_cannot_upload_and_removal_deletes_the_file(net, django_capture_on_commit_callbacks):
    m = province_meeting(net)
    before = stored_files()
    with pytest.raises(AccessDenied):
        svc.document_add(actor=act(net, "b_analyst"), meeting=m, upload=pdf_upload())
    assert stored_files() == before
    doc = svc.document_add(actor=act(net, "a_analyst"), meeting=m, upload=pdf_upload())
    path = doc.file.path
    with django_capture_on_commit_callbacks(execute=True):
        svc.document_remove(actor=act(net, "a_analyst"), document=doc)
    assert not os.path.exists(path) and not MeetingDocument.objects.exists()


# --------------------------------------------------------------------------- conclusions and tasks


def test_conclusions_are_numbered_in_order_and_numbers_are_unique(net):
    m = province_meeting(net)
    a = act(net, "a_analyst")
    c1 = svc.conclusion_add(actor=a, meeting=m, text="Thứ nhất")
    c2 = svc.conclusion_add(actor=a, meeting=m, text="Thứ hai")
    assert (c1.number, c2.number) == (1, 2)
    with pytest.raises(Conflict) as exc:
        svc.conclusion_add(actor=a, meeting=m, text="Trùng", number=2)
    assert exc.value.field == "number"
    with pytest.raises(Conflict) as exc:
        svc.conclusion_update(actor=a, conclusion=c2, number=1)
    assert exc.value.field == "number"
    with pytest.raises(DomainError) as exc:
        svc.conclusion_add(actor=a, meeting=m, text="   ")
    assert exc.value.field == "text"
    c2 = svc.conclusion_update(actor=a, conclusion=c2, text="Thứ hai, đã sửa", number=5)
    assert (c2.number, c2.text) == (5, "Thứ hai, đã sửa")
    svc.conclusion_delete(actor=a, conclusion=c1)
    assert list(m.conclusions.values_list("number", flat=True)) == [5]
    assert AuditEntry.objects.filter(action__startswith="program.conclusion.").count() == 4


def test_a_conclusion_becomes_a_task_for_all_provinces(net):
    m = national_meeting(net)
    c = svc.conclusion_add(actor=act(net, "office_staff"), meeting=m, text="Các tỉnh rà soát hệ thống thông tin cấp độ 3")
    svc.meeting_update(actor=act(net, "office_staff"), meeting=m, notice_number="12/TB-BCĐ", notice_date=PAST)
    parent = svc.conclusion_task_create(
        actor=act(net, "office_staff"), conclusion=c, all_of_kind="province", due_date=DUE, priority=3,
    )
    assert parent.title == c.text and parent.assigning_unit == net.units["national"]
    assert parent.source == "conclusion" and "12/TB-BCĐ" in parent.source_reference
    assert {t.lead_unit for t in parent.children.all()} == {net.units["prov_a"], net.units["prov_b"]}
    tasks = sel.conclusion_tasks(user=net.users["office_staff"], conclusion=c)
    assert [t.pk for t in tasks] == [parent.pk]
    assert tasks[0].status == "not_started" and tasks[0].status_colour == "secondary"
    assert [b["count"] for b in tasks[0].breakdown] == [2]
    # province B sees only its own child task
    mine = sel.conclusion_tasks(user=net.users["b_analyst"], conclusion=c)
    assert [t.lead_unit for t in mine] == [net.units["prov_b"]]


def test_conclusion_task_input_errors_name_the_field_and_create_nothing(net):
    m = national_meeting(net)
    c = svc.conclusion_add(actor=act(net, "office_staff"), meeting=m, text="Kết luận")
    office = act(net, "office_staff")
    cases = [
        ({"lead_units": [], "due_date": DUE}, "lead_units"),
        ({"lead_units": [net.units["prov_a"]], "due_date": PAST}, "due_date"),
        ({"lead_units": [999999], "due_date": DUE}, "lead_units"),
        ({"lead_units": [net.units["prov_a"]], "due_date": DUE, "start_date": DUE + dt.timedelta(days=1)}, "due_date"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as exc:
            svc.conclusion_task_create(actor=office, conclusion=c, **kwargs)
        assert exc.value.field == field, kwargs
    with pytest.raises(DomainError) as exc:
        svc.conclusion_task_create(actor=office, conclusion=c, all_of_kind="no_such_kind", due_date=DUE)
    assert exc.value.field == "all_of_kind"
    assert not Task.objects.exists()


def test_a_conclusion_with_tasks_cannot_be_deleted(net):
    m = province_meeting(net, who="a_head")
    c = svc.conclusion_add(actor=act(net, "a_head"), meeting=m, text="Sở Tài chính rà soát")
    svc.conclusion_task_create(actor=act(net, "a_head"), conclusion=c, lead_units=[net.units["prov_a_dept"]],
                               due_date=DUE, title="Rà soát hệ thống kế toán")
    with pytest.raises(Conflict) as exc:
        svc.conclusion_delete(actor=act(net, "a_head"), conclusion=c)
    assert exc.value.field == "tasks"
    assert Conclusion.objects.filter(pk=c.pk).exists()


def test_sibling_province_cannot_turn_a_conclusion_into_tasks(net):
    m = province_meeting(net)
    c = svc.conclusion_add(actor=act(net, "a_analyst"), meeting=m, text="Kết luận")
    with pytest.raises(AccessDenied):
        svc.conclusion_task_create(actor=act(net, "b_analyst"), conclusion=c, lead_units=[net.units["prov_b"]],
                                   due_date=DUE)
    assert not Task.objects.exists()


def test_long_conclusion_text_is_shortened_for_the_title(net):
    m = province_meeting(net)
    c = svc.conclusion_add(actor=act(net, "a_analyst"), meeting=m, text="Rà soát " * 60)
    title = svc.default_task_title(c)
    assert len(title) <= 300 and title.endswith("…") and title.startswith("Rà soát Rà soát")


def test_every_audit_action_name_fits_the_audit_log():
    """SQLite does not enforce a column's length; PostgreSQL does."""
    import re

    from vigil.program.services import programmes

    limit = AuditEntry._meta.get_field("action").max_length
    names = set()
    # The meeting services are a package: read every module of it.
    for path in (*Path(svc.__file__).parent.glob("*.py"), Path(programmes.__file__)):
        names |= set(re.findall(r'action="(program\.[a-z_.]+)"', path.read_text()))
    assert len(names) >= 15 and all(len(n) <= limit for n in names), sorted(names)
