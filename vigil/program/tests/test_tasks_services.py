"""Task services: assignment and the cascade, the workflow, extensions, evidence, access."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.core.models import AuditEntry
from vigil.program import status as S
from vigil.program.models import EvidenceFile, ExtensionRequest, ProgressReport, Task, TaskEvent
from vigil.program.selectors.tasks import task_get, task_list
from vigil.program.services import tasks as svc

TODAY = S.today()
DUE = TODAY + dt.timedelta(days=30)


def act(net, name):
    return Actor(user=net.users[name])


def provinces_task(net, **kw):
    return svc.task_create(
        actor=act(net, "office_staff"), title="Rà soát hệ thống", assigning_unit=net.units["national"],
        lead_units=[net.units["prov_a"], net.units["prov_b"]], due_date=DUE, **kw,
    )


def test_assigning_to_two_provinces_creates_a_parent_and_one_child_each(net):
    parent = provinces_task(net)
    children = list(parent.children.order_by("lead_unit__path"))
    assert [c.lead_unit for c in children] == [net.units["prov_a"], net.units["prov_b"]]
    assert parent.lead_unit == net.units["national"] and parent.parent is None
    assert all(c.assigning_unit == net.units["national"] and c.due_date == DUE for c in children)
    assert AuditEntry.objects.filter(action="program.task.create").count() == 3
    assert TaskEvent.objects.filter(kind="created").count() == 3


def test_a_refused_lead_unit_leaves_nothing_half_created(net):
    # province B is outside province A's reach: unknown to it, so refused by name
    with pytest.raises(DomainError) as exc:
        svc.task_create(
            actor=act(net, "a_head"), title="x", assigning_unit=net.units["prov_a"],
            lead_units=[net.units["prov_a_dept"], net.units["prov_b"]], due_date=DUE,
        )
    assert exc.value.field == "lead_units"
    # the national unit is visible to A (an ancestor) but A may not assign to it
    with pytest.raises(AccessDenied) as exc:
        svc.task_create(
            actor=act(net, "a_head"), title="x", assigning_unit=net.units["prov_a"],
            lead_units=[net.units["prov_a_dept"], net.units["national"]], due_date=DUE,
        )
    assert exc.value.field == "lead_units"
    assert Task.objects.count() == 0


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"due_date": TODAY - dt.timedelta(days=1)}, "due_date"),
        ({"start_date": DUE + dt.timedelta(days=2)}, "due_date"),
        ({"due_date": "31/12/2026"}, "due_date"),
        ({"lead_units": [999999]}, "lead_units"),
        ({"lead_units": []}, "lead_units"),
        ({"title": "  "}, "title"),
        ({"priority": 9}, "priority"),
        ({"source": "rumour"}, "source"),
    ],
)
def test_bad_input_names_the_field(net, kwargs, field):
    args = dict(actor=act(net, "office_staff"), title="Nhiệm vụ", assigning_unit=net.units["national"],
                lead_units=[net.units["prov_a"]], due_date=DUE)
    args.update(kwargs)
    with pytest.raises(DomainError) as exc:
        svc.task_create(**args)
    assert exc.value.field == field
    assert Task.objects.count() == 0


def test_parent_progress_and_state_derive_from_children(net):
    parent = provinces_task(net)
    a, b = parent.children.order_by("lead_unit__path")
    svc.report_create(actor=act(net, "a_analyst"), task=a, percent=60, text="Đã rà soát 60%")
    parent.refresh_from_db()
    assert parent.progress == 30 and parent.state == "open"
    svc.task_confirm_completion(actor=act(net, "a_head"), task=a)
    parent.refresh_from_db()
    assert parent.progress == 50 and parent.state == "open"
    svc.task_cancel(actor=act(net, "office_staff"), task=b, reason="Tỉnh B không có hệ thống")
    parent.refresh_from_db()
    # the cancelled child no longer counts: the only live child is done
    assert parent.state == "submitted" and parent.progress == 100
    assert parent.completed_on == TODAY


def test_parent_tasks_are_not_reported_on_directly(net):
    parent = provinces_task(net)
    with pytest.raises(Conflict):
        svc.report_create(actor=act(net, "office_staff"), task=parent, percent=10, text="x")


def test_workflow_confirm_accept_and_return(net):
    task = svc.task_create(actor=act(net, "office_staff"), title="Báo cáo", assigning_unit=net.units["national"],
                           lead_units=[net.units["prov_a"]], due_date=DUE)
    with pytest.raises(Conflict):  # cannot accept what was not confirmed
        svc.task_accept(actor=Actor(user=net.users["admin"]), task=task)
    with pytest.raises(AccessDenied):  # an analyst is not the head
        svc.task_confirm_completion(actor=act(net, "a_analyst"), task=task)
    svc.task_confirm_completion(actor=act(net, "a_head"), task=task)
    task.refresh_from_db()
    assert task.state == "submitted" and S.compute_status(task) == S.DONE_ON_TIME
    with pytest.raises(AccessDenied):  # the province cannot accept its own work
        svc.task_accept(actor=act(net, "a_head"), task=task)
    with pytest.raises(DomainError) as exc:
        svc.task_return(actor=Actor(user=net.users["admin"]), task=task, reason=" ")
    assert exc.value.field == "reason"
    svc.task_return(actor=Actor(user=net.users["admin"]), task=task, reason="Thiếu minh chứng")
    task.refresh_from_db()
    assert task.state == "open" and task.completed_on is None
    assert TaskEvent.objects.filter(task=task, kind="returned", note="Thiếu minh chứng").exists()
    svc.task_confirm_completion(actor=act(net, "a_head"), task=task)
    svc.task_accept(actor=Actor(user=net.users["admin"]), task=task)
    task.refresh_from_db()
    assert task.state == "accepted" and task.accepted_on == TODAY
    with pytest.raises(Conflict):
        svc.task_return(actor=Actor(user=net.users["admin"]), task=task, reason="again")


def test_done_after_the_due_date_counts_as_late(net):
    task = svc.task_create(actor=act(net, "office_staff"), title="Muộn", assigning_unit=net.units["national"],
                           lead_units=[net.units["prov_a"]], due_date=DUE)
    Task.objects.filter(pk=task.pk).update(due_date=TODAY - dt.timedelta(days=3), start_date=TODAY - dt.timedelta(days=30))
    assert task_get(net.users["office_staff"], task.pk).status == S.OVERDUE
    svc.task_confirm_completion(actor=act(net, "a_head"), task=task)
    assert task_get(net.users["office_staff"], task.pk).status == S.DONE_LATE


def test_extension_approved_moves_the_deadline_with_history(net):
    task = svc.task_create(actor=act(net, "office_staff"), title="Gia hạn", assigning_unit=net.units["national"],
                           lead_units=[net.units["prov_a"]], due_date=DUE)
    with pytest.raises(DomainError) as exc:
        svc.extension_request(actor=act(net, "a_analyst"), task=task, new_due_date=DUE, reason="x")
    assert exc.value.field == "new_due_date"
    new = DUE + dt.timedelta(days=15)
    ext = svc.extension_request(actor=act(net, "a_analyst"), task=task, new_due_date=new, reason="Chờ kinh phí")
    with pytest.raises(Conflict):
        svc.extension_request(actor=act(net, "a_analyst"), task=task, new_due_date=new, reason="again")
    with pytest.raises(AccessDenied):
        svc.extension_decide(actor=act(net, "a_head"), extension=ext, approve=True)
    svc.extension_decide(actor=Actor(user=net.users["admin"]), extension=ext, approve=True, note="Đồng ý")
    task.refresh_from_db()
    assert task.due_date == new and task.original_due_date == DUE
    assert AuditEntry.objects.filter(action="program.task.extend", object_id=str(task.pk)).exists()
    with pytest.raises(Conflict):
        svc.extension_decide(actor=Actor(user=net.users["admin"]), extension=ext, approve=False, note="x")


def test_refused_extension_needs_a_reason_and_leaves_the_deadline(net):
    task = svc.task_create(actor=act(net, "office_staff"), title="Gia hạn", assigning_unit=net.units["national"],
                           lead_units=[net.units["prov_a"]], due_date=DUE)
    ext = svc.extension_request(actor=act(net, "a_analyst"), task=task, new_due_date=DUE + dt.timedelta(days=5), reason="r")
    with pytest.raises(DomainError) as exc:
        svc.extension_decide(actor=Actor(user=net.users["admin"]), extension=ext, approve=False)
    assert exc.value.field == "note"
    svc.extension_decide(actor=Actor(user=net.users["admin"]), extension=ext, approve=False, note="Không có căn cứ")
    task.refresh_from_db()
    assert task.due_date == DUE
    assert ExtensionRequest.objects.get(pk=ext.pk).status == "refused"


def test_due_date_never_changes_through_an_edit(net):
    task = svc.task_create(actor=act(net, "office_staff"), title="A", assigning_unit=net.units["national"],
                           lead_units=[net.units["prov_a"]], due_date=DUE)
    with pytest.raises(DomainError) as exc:
        svc.task_update(actor=act(net, "office_staff"), task=task, due_date=DUE + dt.timedelta(days=1))
    assert exc.value.field == "due_date"
    svc.task_update(actor=act(net, "office_staff"), task=task, title="B", priority=4)
    task.refresh_from_db()
    assert task.title == "B" and task.priority == 4 and task.due_date == DUE


def test_province_cascades_to_its_department_and_rolls_up_twice(net):
    parent = provinces_task(net)
    a = parent.children.get(lead_unit=net.units["prov_a"])
    with pytest.raises(DomainError):  # not a sub-unit of province A
        svc.task_cascade(actor=act(net, "a_head"), task=a, lead_units=[net.units["prov_b_dept"]])
    [dept_task] = svc.task_cascade(actor=act(net, "a_head"), task=a, lead_units=[net.units["prov_a_dept"]])
    assert dept_task.assigning_unit == net.units["prov_a"] and dept_task.parent == a
    svc.report_create(actor=act(net, "a_dept"), task=dept_task, percent=80, text="Gần xong")
    a.refresh_from_db()
    parent.refresh_from_db()
    assert a.progress == 80 and parent.progress == 40


def test_sibling_province_neither_sees_nor_reports_on_another_provinces_task(net):
    parent = provinces_task(net)
    a = parent.children.get(lead_unit=net.units["prov_a"])
    b_user = net.users["b_analyst"]
    assert a.pk not in set(task_list(b_user).values_list("pk", flat=True))
    with pytest.raises(AccessDenied):
        svc.report_create(actor=Actor(user=b_user), task=a, percent=10, text="x")
    assert not ProgressReport.objects.exists()


def test_supporting_unit_sees_the_task_but_cannot_report(net):
    task = svc.task_create(actor=act(net, "office_staff"), title="Phối hợp", assigning_unit=net.units["national"],
                           lead_units=[net.units["prov_a"]], supporting_units=[net.units["prov_b"]], due_date=DUE)
    b_user = net.users["b_analyst"]
    assert list(task_list(b_user, unit=net.units["prov_b"], relation="supporting")) == [task]
    with pytest.raises(AccessDenied):
        svc.report_create(actor=Actor(user=b_user), task=task, percent=10, text="x")


@override_settings(VIGIL_MAX_UPLOAD_BYTES=1024)
def test_evidence_too_large_or_of_the_wrong_type_writes_nothing(net, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    task = svc.task_create(actor=act(net, "office_staff"), title="Minh chứng", assigning_unit=net.units["national"],
                           lead_units=[net.units["prov_a"]], due_date=DUE)
    ok = SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.7 ok", content_type="application/pdf")
    big = SimpleUploadedFile("lon.pdf", b"%PDF-" + b"x" * 2000, content_type="application/pdf")
    with pytest.raises(DomainError) as exc:
        svc.report_create(actor=act(net, "a_analyst"), task=task, percent=50, text="x", files=[ok, big])
    assert exc.value.field == "files"
    fake = SimpleUploadedFile("gia.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError):
        svc.report_create(actor=act(net, "a_analyst"), task=task, percent=50, text="x", files=[fake])
    assert not ProgressReport.objects.exists() and not EvidenceFile.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    task.refresh_from_db()
    assert task.progress == 0
    ok.seek(0)
    report = svc.report_create(actor=act(net, "a_analyst"), task=task, percent=50, text="x", files=[ok])
    [evidence] = report.evidence.all()
    assert evidence.size == len(b"%PDF-1.7 ok") and len(evidence.sha256) == 64
    assert evidence.content_type == "application/pdf"


def test_recurring_task_reports_name_their_period(net):
    task = svc.task_create(actor=act(net, "office_staff"), title="Báo cáo quý", assigning_unit=net.units["national"],
                           lead_units=[net.units["prov_a"]], due_date=DUE, recurrence="quarterly")
    report = svc.report_create(actor=act(net, "a_analyst"), task=task, percent=20, text="Quý này",
                               period_start=dt.date(2026, 8, 17))
    assert report.period_start == dt.date(2026, 7, 1)


def test_status_in_sql_matches_status_in_python(net):
    parent = provinces_task(net)
    a, b = parent.children.order_by("lead_unit__path")
    svc.report_create(actor=act(net, "a_analyst"), task=a, percent=10, text="x")
    Task.objects.filter(pk=b.pk).update(due_date=TODAY - dt.timedelta(days=1), start_date=TODAY - dt.timedelta(days=9))
    rows = {t.pk: t.status for t in task_list(net.users["office_staff"])}
    for t in Task.objects.all():
        assert rows[t.pk] == S.compute_status(t)
    assert rows[a.pk] == S.IN_PROGRESS and rows[b.pk] == S.OVERDUE
    for status in dict(S.STATUS_CHOICES):
        got = set(task_list(net.users["office_staff"], status=status).values_list("pk", flat=True))
        assert got == {pk for pk, s in rows.items() if s == status}


def test_workflow_tells_the_lead_unit_and_the_assigner(net):
    from vigil.core.models import Notification

    task = svc.task_create(actor=act(net, "office_staff"), title="Thông báo", assigning_unit=net.units["national"],
                           lead_units=[net.units["prov_a"]], due_date=DUE)
    assigned = Notification.objects.filter(kind="program.task.assigned", recipient=net.users["a_head"])
    assert assigned.count() == 1 and "Thông báo" in assigned.get().title
    svc.task_confirm_completion(actor=act(net, "a_head"), task=task)
    # the national committee has no leader account here: whoever assigned it is told
    confirmed = Notification.objects.filter(kind="program.task.confirmed")
    assert list(confirmed.values_list("recipient__username", flat=True)) == ["office_staff"]
    svc.task_return(actor=Actor(user=net.users["admin"]), task=task, reason="Thiếu minh chứng")
    returned = Notification.objects.get(kind="program.task.decided", recipient=net.users["a_head"])
    assert "Thiếu minh chứng" in returned.body


@pytest.mark.parametrize("relation", ["any", "lead", "assigned", "supporting"])
def test_unit_filtered_list_is_exactly_what_the_access_layer_allows(net, relation):
    from vigil.core.access import visible_to

    def related(task, unit, subtree):
        units = {"lead": [task.lead_unit], "assigned": [task.assigning_unit],
                 "supporting": list(task.supporting_units.all())}
        pool = [u for key, us in units.items() if relation in ("any", key) for u in us]
        return any(u.path.startswith(unit.path) if subtree else u.pk == unit.pk for u in pool)

    provinces_task(net, supporting_units=[net.units["ministry"]])
    svc.task_create(actor=act(net, "a_head"), title="Sở", assigning_unit=net.units["prov_a"],
                    lead_units=[net.units["prov_a_dept"]], supporting_units=[net.units["prov_a_sub"]], due_date=DUE)
    for username in ("a_analyst", "a_dept", "b_analyst", "office_staff", "nobody"):
        user = net.users[username]
        for unit in net.units.values():
            for subtree in (True, False):
                got = set(task_list(user, unit=unit, relation=relation, subtree=subtree).values_list("pk", flat=True))
                want = {t.pk for t in visible_to(user, Task) if related(t, unit, subtree)}
                assert got == want, (username, unit.code, subtree)


def test_the_unfiltered_list_is_exactly_what_the_access_layer_allows(net):
    from vigil.core.access import visible_to

    provinces_task(net, supporting_units=[net.units["ministry"]])
    svc.task_create(actor=act(net, "a_head"), title="Sở", assigning_unit=net.units["prov_a"],
                    lead_units=[net.units["prov_a_dept"]], supporting_units=[net.units["prov_a_sub"]], due_date=DUE)
    for user in net.users.values():
        got = set(task_list(user).values_list("pk", flat=True))
        assert got == set(visible_to(user, Task).values_list("pk", flat=True)), user.username


def test_cancelling_a_parent_cancels_open_children_and_keeps_accepted_ones(net):
    parent = provinces_task(net)
    a, b = parent.children.order_by("lead_unit__path")
    svc.task_confirm_completion(actor=act(net, "a_head"), task=a)
    svc.task_accept(actor=Actor(user=net.users["admin"]), task=a)
    svc.task_cancel(actor=act(net, "office_staff"), task=parent, reason="Ban Chỉ đạo dừng nhiệm vụ")
    states = dict(Task.objects.values_list("pk", "state"))
    assert states[a.pk] == "accepted" and states[b.pk] == "cancelled" and states[parent.pk] == "cancelled"
    assert TaskEvent.objects.filter(task=b, kind="cancelled", note="Ban Chỉ đạo dừng nhiệm vụ").exists()
