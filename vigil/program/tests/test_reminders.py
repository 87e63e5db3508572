"""Reminders before due dates, overdue notices and escalation, periodic report reminders
and the weekly digest: who is told what, once, and what the task's timeline records."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from vigil.core.models import AuditEntry, Notification
from vigil.program.models import ExtensionRequest, ProgressReport, ReminderLog, Task, TaskEvent
from vigil.program.services import reminders

D = dt.date
DUE = D(2026, 3, 10)
START = D(2026, 1, 5)


def make_task(net, title="Xây dựng phương án ứng phó sự cố", *, lead="prov_a", assigning="office",
              due=DUE, start=START, **fields):
    return Task.objects.create(
        title=title, assigning_unit=net.units[assigning], lead_unit=net.units[lead],
        start_date=start, due_date=due, original_due_date=due, **fields,
    )


def inbox(user, kind=None):
    qs = Notification.objects.filter(recipient=user)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("pk"))


# --------------------------------------------------------------------------- due soon


def test_due_soon_reminder_goes_to_lead_unit_leaders_and_assignee_once(net):
    task = make_task(net, assignee=net.people["a_analyst"])
    first = reminders.run_reminders(today=D(2026, 3, 3))
    again = reminders.run_reminders(today=D(2026, 3, 3))
    assert (first.due_soon, again.due_soon, again.notifications) == (1, 0, 0)
    head_inbox = inbox(net.users["a_head"], reminders.DUE_SOON)
    assert [n.title for n in head_inbox] == [
        "Sắp đến hạn: Xây dựng phương án ứng phó sự cố (hạn 10/03/2026, còn 7 ngày)"
    ]
    assert head_inbox[0].url == f"/program/tasks/{task.pk}/"
    assert "Đơn vị chủ trì: Tỉnh A" in head_inbox[0].body
    assert len(inbox(net.users["a_analyst"], reminders.DUE_SOON)) == 1  # the assignee
    assert inbox(net.users["office_staff"]) == []  # the assigning unit is not bothered yet
    assert list(ReminderLog.objects.values_list("kind", "key")) == [("due_soon", "2026-03-10:7")]
    event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.REMINDED)
    assert event.data["days_left"] == 7 and set(event.data["recipients"]) == {"a_head", "a_analyst"}


def test_each_reminder_step_is_sent_once_as_the_due_date_nears(net):
    make_task(net)
    sent = [reminders.run_reminders(today=D(2026, 3, d)).due_soon for d in range(1, 12)]
    # 1 Mar: 9 days left, nothing; 3 Mar: 7 days; 7 Mar: 3 days; 9 Mar: 1 day; then late.
    assert sent == [0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0]
    assert sorted(ReminderLog.objects.filter(kind="due_soon").values_list("key", flat=True)) == [
        "2026-03-10:1", "2026-03-10:3", "2026-03-10:7",
    ]


def test_a_missed_day_still_sends_the_step_it_skipped_to(net):
    make_task(net)
    assert reminders.run_reminders(today=D(2026, 3, 5)).due_soon == 1  # 5 days left: the 7-day step
    assert ReminderLog.objects.get().key == "2026-03-10:7"


@override_settings(PROGRAM_REMINDER_DAYS=(14, 2))
def test_reminder_days_come_from_the_setting(net):
    make_task(net)
    assert reminders.run_reminders(today=D(2026, 3, 3)).due_soon == 1
    assert ReminderLog.objects.get().key == "2026-03-10:14"


def test_done_and_cancelled_tasks_are_not_reminded(net):
    make_task(net, "Đã nghiệm thu", state=Task.State.ACCEPTED, completed_on=D(2026, 3, 1), progress=100)
    make_task(net, "Chờ nghiệm thu", state=Task.State.SUBMITTED, completed_on=D(2026, 3, 2), progress=100)
    make_task(net, "Đã huỷ", state=Task.State.CANCELLED)
    for day in (D(2026, 3, 3), D(2026, 3, 9), D(2026, 3, 12)):
        run = reminders.run_reminders(today=day)
        assert (run.due_soon, run.overdue, run.escalated, run.notifications) == (0, 0, 0, 0)
    assert not Notification.objects.exists() and not ReminderLog.objects.exists()


def test_parent_tasks_are_not_reminded_their_children_are(net):
    parent = make_task(net, "Nhiệm vụ giao các tỉnh", lead="office")
    child_a = make_task(net, "Nhiệm vụ giao các tỉnh", lead="prov_a", parent=parent)
    child_b = make_task(net, "Nhiệm vụ giao các tỉnh", lead="prov_b", parent=parent)
    run = reminders.run_reminders(today=D(2026, 3, 3))
    assert run.due_soon == 2
    assert set(ReminderLog.objects.values_list("task_id", flat=True)) == {child_a.pk, child_b.pk}
    assert inbox(net.users["office_staff"]) == []
    assert len(inbox(net.users["a_head"])) == 1 and len(inbox(net.users["b_analyst"])) == 1


def test_an_extended_due_date_gets_its_own_reminders(net):
    task = make_task(net)
    reminders.run_reminders(today=D(2026, 3, 3))
    task.due_date = D(2026, 4, 10)
    task.save()
    assert reminders.run_reminders(today=D(2026, 4, 3)).due_soon == 1
    assert ReminderLog.objects.filter(kind="due_soon").count() == 2


# --------------------------------------------------------------------------- overdue


def test_overdue_task_notifies_the_lead_unit_and_escalates_to_assigning_and_parent_units(net):
    task = make_task(net, "Rà soát hệ thống cấp độ", lead="prov_a_dept", assigning="office")
    run = reminders.run_reminders(today=D(2026, 3, 13))
    assert (run.overdue, run.escalated) == (1, 1)
    late = inbox(net.users["a_dept"], reminders.OVERDUE_KIND)
    assert [n.title for n in late] == ["Quá hạn: Rà soát hệ thống cấp độ (hạn 10/03/2026, đã quá 3 ngày)"]
    office = inbox(net.users["office_staff"], reminders.ESCALATED)  # the assigning unit
    parent = inbox(net.users["a_head"], reminders.ESCALATED)  # the lead unit's parent (province A)
    assert len(office) == 1 and len(parent) == 1
    assert office[0].title.startswith("Nhiệm vụ quá hạn của Sở Tài chính tỉnh A: Rà soát hệ thống cấp độ")
    assert inbox(net.users["a_dept"], reminders.ESCALATED) == []
    assert inbox(net.users["b_analyst"]) == []
    escalated = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.ESCALATED)
    assert escalated.data["units"] == ["vp-bcd", "tinh-a"] and escalated.data["days_late"] == 3
    assert TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.REMINDED).count() == 1
    assert AuditEntry.objects.filter(
        action="core.notification.send", object_type="program.task", object_id=str(task.pk)
    ).count() == 2


def test_overdue_and_escalation_are_sent_once(net):
    make_task(net, lead="prov_a_dept")
    reminders.run_reminders(today=D(2026, 3, 11))
    count = Notification.objects.count()
    for day in (D(2026, 3, 11), D(2026, 3, 12), D(2026, 3, 20)):
        run = reminders.run_reminders(today=day)
        assert (run.overdue, run.escalated, run.notifications) == (0, 0, 0)
    assert Notification.objects.count() == count


def test_escalation_to_a_parent_that_assigned_the_task_is_one_notice(net):
    make_task(net, lead="prov_a_dept", assigning="prov_a")
    reminders.run_reminders(today=D(2026, 3, 11))
    assert len(inbox(net.users["a_head"], reminders.ESCALATED)) == 1


def test_tasks_late_for_long_before_the_first_run_are_left_to_the_digest(net):
    make_task(net, due=D(2025, 6, 30), start=D(2025, 1, 1))
    run = reminders.run_reminders(today=D(2026, 3, 3))
    assert (run.overdue, run.escalated) == (0, 0)


def test_a_task_done_after_its_due_date_stops_being_chased(net):
    task = make_task(net, lead="prov_a_dept")
    task.state, task.completed_on, task.progress = Task.State.SUBMITTED, D(2026, 3, 10), 100
    task.save()
    assert reminders.run_reminders(today=D(2026, 3, 11)).notifications == 0


# --------------------------------------------------------------------------- periodic reports


def test_recurring_task_is_reminded_of_each_period_without_a_report(net):
    task = make_task(net, "Báo cáo tình hình hằng tháng", due=D(2026, 12, 31), recurrence="monthly")
    assert reminders.run_reminders(today=D(2026, 3, 20)).period == 0  # 11 days before the end
    run = reminders.run_reminders(today=D(2026, 3, 27))
    assert run.period == 1
    n, = inbox(net.users["a_head"], reminders.PERIOD_REPORT)
    assert n.title == "Đến kỳ báo cáo tháng 03/2026: Báo cáo tình hình hằng tháng (hạn báo cáo 31/03/2026)"
    assert reminders.run_reminders(today=D(2026, 3, 28)).period == 0
    ProgressReport.objects.create(task=task, percent=30, text="Tháng 4", period_start=D(2026, 4, 1))
    assert reminders.run_reminders(today=D(2026, 4, 28)).period == 0  # April is reported
    assert reminders.run_reminders(today=D(2026, 5, 27)).period == 1  # May is not


def test_quarterly_period_reminder_and_the_last_period_left_to_the_due_date(net):
    make_task(net, "Báo cáo quý", due=D(2026, 6, 30), recurrence="quarterly")
    assert reminders.run_reminders(today=D(2026, 3, 28)).period == 1
    n, = inbox(net.users["a_head"], reminders.PERIOD_REPORT)
    assert "quý 1/2026" in n.title
    # The second quarter ends on the due date: the due-date reminders cover it.
    run = reminders.run_reminders(today=D(2026, 6, 27))
    assert (run.period, run.due_soon) == (0, 1)


def test_period_bounds():
    assert reminders.period_bounds("monthly", D(2026, 2, 14)) == (D(2026, 2, 1), D(2026, 2, 28))
    assert reminders.period_bounds("quarterly", D(2026, 11, 3)) == (D(2026, 10, 1), D(2026, 12, 31))
    assert reminders.period_bounds("yearly", D(2026, 5, 5)) == (D(2026, 1, 1), D(2026, 12, 31))
    assert reminders.period_bounds("none", D(2026, 5, 5)) is None


# --------------------------------------------------------------------------- digest


def test_weekly_digest_summarises_each_units_work(net):
    today = D(2026, 3, 9)  # a Monday
    make_task(net, "Sắp đến hạn A", lead="prov_a_dept", due=D(2026, 3, 12), progress=40)
    make_task(net, "Quá hạn A", lead="prov_a_dept", due=D(2026, 2, 27))
    make_task(net, "Còn lâu A", lead="prov_a_dept", due=D(2026, 9, 30))
    make_task(net, "Xong tuần này A", lead="prov_a_dept", due=D(2026, 3, 5), state=Task.State.SUBMITTED,
              completed_on=D(2026, 3, 6), progress=100)
    asked = make_task(net, "Xin gia hạn A", lead="prov_a_dept", assigning="prov_a", due=D(2026, 4, 30))
    ExtensionRequest.objects.create(task=asked, old_due_date=asked.due_date, new_due_date=D(2026, 6, 30), reason="Chờ kinh phí")
    make_task(net, "Việc của B", lead="prov_b", due=D(2026, 3, 11))

    run = reminders.run_digest(today=today)
    dept, = inbox(net.users["a_dept"], reminders.DIGEST)
    assert dept.title == "Tổng hợp tuần 2026-W11 – Sở Tài chính tỉnh A: 1 sắp đến hạn, 1 quá hạn"
    body = dept.body
    assert "Nhiệm vụ đơn vị đang chủ trì thực hiện: 4" in body
    assert "Sắp đến hạn A — hạn 12/03/2026, tiến độ 40%" in body
    assert "Quá hạn A — hạn 27/02/2026, quá 10 ngày" in body
    assert "Xong tuần này A — 06/03/2026 (Hoàn thành quá hạn)" in body
    assert "Còn lâu A" not in body and "Việc của B" not in body
    # Province A assigned the task whose extension is pending: its head decides.
    prov, = inbox(net.users["a_head"], reminders.DIGEST)
    assert "Xin gia hạn A (Sở Tài chính tỉnh A): hạn 30/04/2026 → 30/06/2026" in prov.body
    b, = inbox(net.users["b_analyst"], reminders.DIGEST)
    assert "Việc của B" in b.body and "Sắp đến hạn A" not in b.body
    assert run.units == 3
    assert reminders.run_digest(today=today).notifications == 0  # once a week
    assert reminders.run_digest(today=D(2026, 3, 16)).units == 3  # next week again


def test_digest_lists_are_capped_with_a_count_of_the_rest(net):
    for i in range(reminders.DIGEST_LIST_MAX + 3):
        make_task(net, f"Việc quá hạn {i:02d}", lead="prov_a_dept", due=D(2026, 2, 1) + dt.timedelta(days=i))
    reminders.run_digest(today=D(2026, 3, 9))
    n, = inbox(net.users["a_dept"], reminders.DIGEST)
    assert "Quá hạn (18):" in n.body and "… và 3 nhiệm vụ khác." in n.body
    assert "Việc quá hạn 00" in n.body and "Việc quá hạn 17" not in n.body


def test_digest_in_english_for_an_english_speaker(net):
    user = net.users["a_dept"]
    user.language = "en"
    user.save()
    make_task(net, "Việc sắp đến hạn", lead="prov_a_dept", due=D(2026, 3, 12))
    reminders.run_digest(today=D(2026, 3, 9))
    n, = inbox(user, reminders.DIGEST)
    assert n.title.startswith("Weekly digest 2026-W11 – Province A finance department: 1 due soon, 0 overdue")
    assert "Due in the next 7 days (1):" in n.body and "Việc sắp đến hạn — due 12 Mar 2026" in n.body


def test_digest_and_reminders_use_few_queries_per_task(net, django_assert_max_num_queries):
    for i in range(30):
        make_task(net, f"Việc {i}", lead="prov_a_dept" if i % 2 else "prov_b", due=D(2026, 3, 10))
    # Per reminder: the log row, the notifications, the audit entry, the event (and savepoints).
    with django_assert_max_num_queries(30 * 15 + 20):
        assert reminders.run_reminders(today=D(2026, 3, 3)).due_soon == 30
    with django_assert_max_num_queries(60):
        reminders.run_digest(today=D(2026, 3, 9))


# --------------------------------------------------------------------------- command and jobs


def test_command_runs_reminders_and_digest_for_a_given_day(net, capsys):
    make_task(net, lead="prov_a_dept")
    call_command("program_reminders", "run", "--today", "2026-03-11", "--digest", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["reminders"]["overdue"] == 1 and out["reminders"]["escalated"] == 1
    assert out["digest"]["week"] == "2026-W11" and out["digest"]["units"] >= 1
    call_command("program_reminders", "run", "--today", "2026-03-11")
    assert "0 nhắc hạn, 0 quá hạn, 0 báo cáo cấp trên" in capsys.readouterr().out
    entry = AuditEntry.objects.filter(action="core.notification.send").latest("seq")
    assert entry.channel == "cli" and entry.actor_name.startswith("cli:")


def test_command_refuses_a_bad_date(net):
    with pytest.raises(CommandError, match="--today"):
        call_command("program_reminders", "run", "--today", "11/03/2026")


def test_jobs_act_only_at_the_configured_local_hour(net):
    from vigil.program import jobs as tasks

    hour = timezone.localtime().hour
    with override_settings(PROGRAM_REMINDER_HOUR=(hour + 12) % 24):
        assert tasks.daily_reminders.call_local() is None
        assert tasks.weekly_digest.call_local() is None
    with override_settings(PROGRAM_REMINDER_HOUR=hour):
        result = tasks.daily_reminders.call_local()
    if timezone.localtime().hour == hour:  # not across an hour boundary
        assert result["today"] == timezone.localdate().isoformat()


def test_a_digest_and_a_reminder_read_in_the_language_of_whoever_opens_them(net):
    """Sent in Vietnamese; read by someone who now uses English: the digest's every line,
    the reminder's body and the task timeline's line about it read in English."""
    from django.utils import translation

    task = make_task(net, "Việc sắp đến hạn", lead="prov_a_dept", due=D(2026, 3, 12))
    reminders.run_digest(today=D(2026, 3, 9))
    reminders.run_reminders(today=D(2026, 3, 5))
    digest, = inbox(net.users["a_dept"], reminders.DIGEST)
    reminder, = inbox(net.users["a_dept"], reminders.DUE_SOON)
    event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.REMINDED)
    assert "Đến hạn trong 7 ngày tới (1):" in digest.body and "gửi tới" in event.note
    with translation.override("en"):
        assert digest.display_title.startswith("Weekly digest 2026-W11 – ")
        assert "Due in the next 7 days (1):" in digest.display_body
        assert "Việc sắp đến hạn — due 12 Mar 2026" in digest.display_body
        assert "Lead unit: Province A finance department" in reminder.display_body
        assert event.display_note.startswith("Due soon: Việc sắp đến hạn") and "sent to:" in event.display_note
    with translation.override("vi"):
        assert digest.display_body == digest.body and event.display_note == event.note
