"""The pre-meeting report's data: the right tasks in the right sections, for the user
asking, with statuses computed for the report's end date and no N+1 queries."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from vigil.core.errors import DomainError, NotFound
from vigil.program import status as st
from vigil.program.documents import exports
from vigil.program.documents.premeeting import premeeting_report, report_meeting
from vigil.program.models import (
    Conclusion,
    EvidenceFile,
    ExtensionRequest,
    Meeting,
    ProgressReport,
    Task,
)

TODAY = st.today()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@dataclass
class World:
    net: object
    previous: Meeting
    target: Meeting
    old: Meeting
    c_provinces: Conclusion
    c_ministry: Conclusion
    c_office: Conclusion
    parent: Task
    child_a: Task
    child_b: Task
    ministry_task: Task
    not_started: Task
    in_progress: Task
    old_done: Task
    cancelled: Task
    a_own: Task
    b_own: Task
    extension: ExtensionRequest


def task(title, assigning, lead, *, start=-50, due, state="open", completed=None, progress=0, **kw) -> Task:
    return Task.objects.create(
        title=title, assigning_unit=assigning, lead_unit=lead, start_date=days(start), due_date=days(due),
        original_due_date=days(due), state=state, completed_on=days(completed) if completed is not None else None,
        progress=progress, **kw,
    )


def build_world(net) -> World:
    """The national committee's previous meeting 60 days ago (three conclusions), the
    next one in ten days, and tasks on time, late, overdue, not started, in progress,
    done before the period, cancelled; plus each province's own work."""
    u = net.units
    old = Meeting.objects.create(
        body_unit=u["national"], title="Phiên họp năm trước", held_on=days(-200), status="concluded",
    )
    Conclusion.objects.create(meeting=old, number=1, text="Kết luận cũ không thuộc kỳ")
    previous = Meeting.objects.create(
        body_unit=u["national"], title="Phiên họp thứ nhất", held_on=days(-60), status="concluded",
        notice_number="12/TB-BCĐ", notice_date=days(-58),
    )
    target = Meeting.objects.create(body_unit=u["national"], title="Phiên họp thứ hai", held_on=days(10))
    c1 = Conclusion.objects.create(meeting=previous, number=1, text="Các tỉnh rà soát hệ thống thông tin quan trọng")
    c2 = Conclusion.objects.create(meeting=previous, number=2, text="Bộ X xây dựng quy chế phối hợp")
    c3 = Conclusion.objects.create(meeting=previous, number=3, text="Văn phòng tổng hợp ý kiến thành viên")
    parent = task("Rà soát hệ thống thông tin", u["national"], u["national"], due=-10, source="conclusion",
                  conclusion=c1, progress=70)
    child_a = task("Rà soát hệ thống thông tin (tỉnh A)", u["national"], u["prov_a"], due=-10, progress=40,
                   parent=parent, conclusion=c1, source="conclusion", assignee=net.people["a_analyst"])
    child_b = task("Rà soát hệ thống thông tin (tỉnh B)", u["national"], u["prov_b"], due=-10, state="submitted",
                   completed=-12, progress=100, parent=parent, conclusion=c1, source="conclusion")
    ministry_task = task(
        "Xây dựng quy chế phối hợp", u["national"], u["ministry"], due=-20, state="accepted", completed=-5,
        progress=100, conclusion=c2, source="conclusion", product="document",
        product_description="Quy chế phối hợp ứng cứu sự cố",
    )
    first = ProgressReport.objects.create(task=ministry_task, percent=60, text="Đã có dự thảo quy chế")
    first.reported_at = first.reported_at - dt.timedelta(days=20)
    first.save()
    last = ProgressReport.objects.create(task=ministry_task, percent=100, text="Đã ban hành Quy chế số 5/QC-BX")
    for name in ("quy-che.pdf", "quyet-dinh.pdf"):
        ev = EvidenceFile(report=last, name=name, sha256="0" * 64, size=4)
        ev.file.save(name, ContentFile(b"%PDF"), save=True)
    ev = EvidenceFile(report=first, name="du-thao.pdf", sha256="0" * 64, size=4)
    ev.file.save("du-thao.pdf", ContentFile(b"%PDF"), save=True)
    not_started = task("Xây dựng kế hoạch diễn tập", u["national"], u["agency"], start=-5, due=30)
    in_progress = task("Tổng hợp báo cáo quý", u["national"], u["office"], due=20, progress=50)
    old_done = task("Nhiệm vụ đã xong từ kỳ trước", u["national"], u["ministry"], start=-150, due=-120,
                    state="accepted", completed=-100, progress=100)
    cancelled = task("Nhiệm vụ đã huỷ", u["national"], u["prov_a"], due=-1, state="cancelled")
    a_own = task("Việc riêng của tỉnh A", u["prov_a"], u["prov_a_dept"], due=-3, progress=10)
    b_own = task("Việc riêng của tỉnh B", u["prov_b"], u["prov_b_dept"], due=-4, state="submitted", completed=-6,
                 progress=100)
    extension = ExtensionRequest.objects.create(
        task=child_a, old_due_date=child_a.due_date, new_due_date=days(20), reason="Cần thêm thời gian rà soát",
    )
    return World(net, previous, target, old, c1, c2, c3, parent, child_a, child_b, ministry_task, not_started,
                 in_progress, old_done, cancelled, a_own, b_own, extension)


@pytest.fixture
def world(net):
    return build_world(net)


def gather(user, *, lang="vi", **params):
    with translation.override(lang):
        return premeeting_report(user=user, language=lang, **params)


def ids(rows):
    return {r.id for r in rows}


# --------------------------------------------------------------------------- period


def test_meeting_report_runs_from_the_previous_meeting_to_today(world):
    report = gather(world.net.users["office_staff"], meeting=world.target)
    assert report.previous_meeting == world.previous
    assert (report.since, report.until) == (days(-60), TODAY)
    assert report.body_unit == world.net.units["national"]


def test_unit_report_without_start_begins_at_the_last_meeting_held(world):
    report = gather(world.net.users["office_staff"], unit=world.net.units["national"])
    assert report.previous_meeting == world.previous and report.since == days(-60)


def test_unit_without_meetings_needs_a_start_date(world):
    with pytest.raises(DomainError) as exc:
        gather(world.net.users["office_staff"], unit=world.net.units["ministry"])
    assert exc.value.field == "since"


def test_period_ending_in_the_future_or_starting_after_its_end_is_refused(world):
    user = world.net.users["office_staff"]
    with pytest.raises(DomainError) as exc:
        gather(user, unit=world.net.units["national"], since=days(-10), until=days(1))
    assert exc.value.field == "until"
    with pytest.raises(DomainError) as exc:
        gather(user, unit=world.net.units["national"], since=days(-1), until=days(-5))
    assert exc.value.field == "since"


def test_first_meeting_of_a_body_needs_a_start_date(world):
    with pytest.raises(DomainError) as exc:
        gather(world.net.users["office_staff"], meeting=world.old)
    assert exc.value.field == "since"


# --------------------------------------------------------------------------- sections


def test_section_one_lists_the_previous_meetings_conclusions_with_their_tasks(world):
    report = gather(world.net.users["office_staff"], meeting=world.target)
    assert [m.id for m in report.meetings] == [world.previous.pk]
    conclusions = report.meetings[0].conclusions
    assert [(c.number, c.text) for c in conclusions] == [
        (1, world.c_provinces.text), (2, world.c_ministry.text), (3, world.c_office.text),
    ]
    # The task assigned to both provinces shows once, with its units' statuses beneath it.
    (parent,) = conclusions[0].tasks
    assert parent.id == world.parent.pk
    assert parent.children == {st.OVERDUE: 1, st.DONE_ON_TIME: 1}
    assert parent.children_total == 2
    assert [t.id for t in conclusions[1].tasks] == [world.ministry_task.pk]
    assert conclusions[1].tasks[0].status == st.DONE_LATE
    assert conclusions[2].tasks == []


def test_section_two_lists_work_done_in_the_period_by_lead_unit_with_products(world):
    report = gather(world.net.users["office_staff"], meeting=world.target)
    groups = {g.unit_id: g for g in report.done}
    u = world.net.units
    assert set(groups) == {u["prov_b"].pk, u["ministry"].pk}
    assert ids(groups[u["prov_b"].pk].tasks) == {world.child_b.pk}
    (ministry,) = groups[u["ministry"].pk].tasks
    assert ministry.status == st.DONE_LATE and ministry.days_late == 15
    assert ministry.product_description == "Quy chế phối hợp ứng cứu sự cố"
    assert ministry.latest_report == "Đã ban hành Quy chế số 5/QC-BX"
    assert ministry.evidence_count == 3
    assert groups[u["prov_b"].pk].tasks[0].status == st.DONE_ON_TIME
    # Done before the period began, or cancelled: not in the section.
    all_done = {t.id for g in report.done for t in g.tasks}
    assert world.old_done.pk not in all_done and world.cancelled.pk not in all_done


def test_section_three_lists_overdue_work_and_the_late_units_of_shared_tasks(world):
    report = gather(world.net.users["office_staff"], meeting=world.target)
    (overdue,) = report.overdue
    assert overdue.id == world.child_a.pk
    assert (overdue.days_late, overdue.progress, overdue.lead_unit) == (10, 40, "Tỉnh A")
    assert overdue.assignee == "Phạm Thị A"
    (late,) = report.late_parents
    assert late.task.id == world.parent.pk and late.unit_count == 2
    assert [c.lead_unit for c in late.late] == ["Tỉnh A"]


def test_section_four_counts_tasks_followed_in_the_period(world):
    report = gather(world.net.users["office_staff"], meeting=world.target)
    s = report.summary
    # child_a, child_b, ministry_task, not_started, in_progress (the parent is counted
    # through its children; done before the period and cancelled are left out).
    assert s.total == 5
    assert s.counts == {st.OVERDUE: 1, st.DONE_ON_TIME: 1, st.DONE_LATE: 1, st.NOT_STARTED: 1, st.IN_PROGRESS: 1}
    assert (s.pct_on_time, s.pct_late, s.late) == (20.0, 40.0, 2)
    assert [(u.unit, u.count) for u in s.overdue_by_unit] == [("Tỉnh A", 1)]
    assert s.pending_extensions == 1
    assert [e.task_id for e in report.extensions] == [world.child_a.pk]


def test_subtree_takes_in_every_task_of_the_units_below(world):
    office = world.net.users["office_staff"]
    own = gather(office, meeting=world.target)
    everything = gather(office, meeting=world.target, subtree=True)
    assert world.a_own.pk not in ids(own.overdue)
    assert world.a_own.pk in ids(everything.overdue)
    assert world.b_own.pk in {t.id for g in everything.done for t in g.tasks}


def test_a_provinces_report_holds_its_own_work(world):
    report = gather(world.net.users["a_analyst"], unit=world.net.units["prov_a"], since=days(-60))
    assert ids(report.overdue) == {world.child_a.pk, world.a_own.pk}
    assert report.done == []


def test_sibling_province_report_holds_nothing_of_the_other_province(world):
    b = world.net.users["b_analyst"]
    report = gather(b, unit=world.net.units["prov_b"], since=days(-60))
    assert {t.id for g in report.done for t in g.tasks} == {world.child_b.pk, world.b_own.pk}
    assert report.overdue == [] and report.extensions == []
    # Even the national committee's report, as province B sees it, holds only B's part.
    national = gather(b, unit=world.net.units["national"], since=days(-60))
    shown = national.task_ids()
    assert shown == {world.child_b.pk}
    assert national.meetings == []  # B was not a connected site of the national meeting
    assert national.summary.total == 1 and national.summary.pending_extensions == 0


def test_sibling_province_cannot_report_on_a_meeting_it_cannot_see(world):
    with pytest.raises(NotFound) as exc:
        report_meeting(user=world.net.users["b_analyst"], meeting_id=world.target.pk)
    assert exc.value.field == "meeting"


def test_report_in_english_uses_english_labels_and_unit_names(world):
    report = gather(world.net.users["office_staff"], meeting=world.target, lang="en")
    assert report.overdue[0].lead_unit == "Province A"
    assert report.overdue[0].status_label == "Overdue"
    with translation.override("en"):
        assert report.summary_line.startswith("Implementation of conclusions and tasks from")


def test_statuses_are_computed_for_the_end_of_the_period(world):
    # Ten days before the shared task's deadline nothing of it was overdue yet.
    report = gather(world.net.users["office_staff"], unit=world.net.units["national"], since=days(-60),
                    until=days(-15))
    assert world.child_a.pk not in ids(report.overdue)
    # Due at -20 and done only at -5: on day -15 it was overdue, not yet done.
    assert world.ministry_task.pk in ids(report.overdue)
    assert report.done == []


def test_gathering_takes_the_same_number_of_queries_whatever_the_number_of_tasks(world):
    office = world.net.users["office_staff"]
    u = world.net.units

    def count():
        with CaptureQueriesContext(connection) as ctx:
            report = gather(office, meeting=world.target)
        return len(ctx.captured_queries), report

    count()  # the user's access scope is loaded once, on the first call
    before, _ = count()
    for i in range(6):
        t = task(f"Thêm {i}", u["national"], u["ministry"], due=-2 - i, progress=5)
        ProgressReport.objects.create(task=t, percent=5, text=f"Báo cáo {i}")
        task(f"Xong {i}", u["national"], u["agency"], due=-1, state="accepted", completed=-3)
        task(f"Con {i}", u["national"], u["prov_b"], due=-1, parent=world.parent)
    after, report = count()
    assert len(report.overdue) > 6
    assert after == before


def test_export_rejects_an_unknown_format_and_language(world):
    from vigil.core.actors import Actor

    with pytest.raises(DomainError) as exc:
        exports.premeeting_export(actor=Actor(user=world.net.users["office_staff"]), fmt="pdf", language="vi",
                                  meeting=world.target)
    assert exc.value.field == "format"
    with pytest.raises(DomainError) as exc:
        exports.report_language("fr")
    assert exc.value.field == "lang"


def test_report_built_on_the_task_services_shows_which_province_is_late(net):
    """The office turns a conclusion into a task for both provinces; both report, A
    confirms completion, B does not: forty days on, the report names B as late."""
    from vigil.core.actors import Actor
    from vigil.program.services.tasks import report_create, task_confirm_completion, task_create

    u = net.units
    previous = Meeting.objects.create(body_unit=u["national"], title="Phiên họp tháng này", held_on=days(-1),
                                      status="concluded")
    target = Meeting.objects.create(body_unit=u["national"], title="Phiên họp sau", held_on=days(45))
    conclusion = Conclusion.objects.create(meeting=previous, number=1, text="Các tỉnh báo cáo rà soát")
    parent = task_create(
        actor=Actor(user=net.users["office_staff"]), title="Báo cáo rà soát", assigning_unit=u["national"],
        lead_units=[u["prov_a"], u["prov_b"]], due_date=days(30), source="conclusion", conclusion=conclusion,
    )
    child_a, child_b = sorted(parent.children.all(), key=lambda t: t.lead_unit.path)
    report_create(actor=Actor(user=net.users["a_analyst"]), task=child_a, percent=100, text="Đã rà soát xong")
    task_confirm_completion(actor=Actor(user=net.users["a_head"]), task=child_a)
    report_create(actor=Actor(user=net.users["b_analyst"]), task=child_b, percent=30, text="Đang rà soát")

    with translation.override("vi"):
        report = premeeting_report(user=net.users["office_staff"], meeting=target, today=days(40))
    assert (report.since, report.until) == (days(-1), days(40))
    assert [t.id for t in report.overdue] == [child_b.pk]
    assert (report.overdue[0].lead_unit, report.overdue[0].days_late, report.overdue[0].progress) == ("Tỉnh B", 10, 30)
    (late,) = report.late_parents
    assert late.task.id == parent.pk and [c.lead_unit for c in late.late] == ["Tỉnh B"] and late.unit_count == 2
    (group,) = report.done
    assert group.unit == "Tỉnh A" and group.tasks[0].latest_report == "Đã rà soát xong"
    assert report.meetings[0].conclusions[0].tasks[0].children == {st.DONE_ON_TIME: 1, st.OVERDUE: 1}
