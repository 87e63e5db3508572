"""Inspection services: the plan and its targets, the status workflow, findings, the
recommendation that becomes a task, follow-up and closing, access and the audit log."""

import datetime as dt

import pytest

from vigil.core.errors import AccessDenied, Conflict, DomainError, NotFound
from vigil.core.models import AuditEntry
from vigil.program.models import Finding, Inspection, InspectionTarget, Task
from vigil.program.selectors import inspections as sel
from vigil.program.services import inspections as svc
from vigil.program.services import tasks as task_svc

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


# --------------------------------------------------------------------------- plan and targets


def test_province_plans_an_inspection_of_its_units(net):
    inspection = plan(net, lead_inspector=net.people["a_analyst"], scope="Quy chế, nhân sự, hệ thống")
    assert inspection.status == "planned" and inspection.inspecting_unit == net.units["prov_a"]
    assert {t.unit.code for t in inspection.target_rows.all()} == {"tinh-a-sotc", "tinh-a-tb"}
    entry = AuditEntry.objects.get(action="program.inspection.create", object_id=str(inspection.pk))
    assert sorted(entry.after["targets"]) == sorted([net.units["prov_a_dept"].pk, net.units["prov_a_sub"].pk])


def test_office_inspects_provinces_across_the_network(net):
    inspection = plan(net, "office_staff", unit=net.units["office"], targets=[net.units["prov_a"], net.units["prov_b"]])
    assert inspection.target_rows.count() == 2


def test_a_province_cannot_inspect_a_unit_outside_its_subtree(net):
    with pytest.raises(DomainError) as exc:
        plan(net, targets=[net.units["prov_b_dept"]])
    assert exc.value.field == "targets"
    # the office may reach province B, but a province's inspection still may not
    with pytest.raises(DomainError) as exc:
        plan(net, "office_staff", targets=[net.units["prov_b_dept"]])
    assert exc.value.field == "targets" and "phạm vi" in exc.value.message
    assert Inspection.objects.count() == 0 and InspectionTarget.objects.count() == 0


def test_a_unit_cannot_inspect_itself(net):
    inspection = plan(net)
    with pytest.raises(DomainError) as exc:
        svc.target_add(actor=act(net, "a_analyst"), inspection=inspection, unit=net.units["prov_a"])
    assert exc.value.field == "unit"


def test_planning_needs_add_on_the_inspecting_unit(net):
    with pytest.raises(AccessDenied) as exc:
        plan(net, "b_analyst")
    assert exc.value.field == "inspecting_unit"
    # the department's responder may add in the department only, not for the province
    with pytest.raises(AccessDenied):
        plan(net, "a_dept", targets=[])
    with pytest.raises(AccessDenied):
        plan(net, "nobody", targets=[])
    assert Inspection.objects.count() == 0


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"title": "  "}, "title"),
        ({"year": 1850}, "year"),
        ({"year": "abc"}, "year"),
        ({"planned_end": START - dt.timedelta(days=1)}, "planned_end"),
        ({"planned_start": "01/03/2026"}, "planned_start"),
        ({"planned_start": dt.date(YEAR + 1, 2, 1), "planned_end": dt.date(YEAR + 1, 2, 5)}, "planned_start"),
        ({"targets": [999999]}, "targets"),
        ({"lead_inspector": 999999}, "lead_inspector"),
    ],
)
def test_bad_plan_input_names_the_field(net, kwargs, field):
    with pytest.raises(DomainError) as exc:
        plan(net, **kwargs)
    assert exc.value.field == field
    assert Inspection.objects.count() == 0


def test_targets_are_added_visited_and_removed(net):
    inspection = plan(net, targets=[net.units["prov_a_sub"]])
    actor = act(net, "a_analyst")
    target = svc.target_add(actor=actor, inspection=inspection, unit=net.units["prov_a_dept"], note="Ưu tiên")
    with pytest.raises(Conflict) as exc:
        svc.target_add(actor=actor, inspection=inspection, unit=net.units["prov_a_dept"])
    assert exc.value.field == "unit"
    svc.target_update(actor=actor, target=target, visited_on=START + dt.timedelta(days=2), note="Đã làm việc")
    target.refresh_from_db()
    assert target.visited_on == START + dt.timedelta(days=2) and target.note == "Đã làm việc"
    svc.target_remove(actor=actor, target=target)
    assert list(inspection.target_rows.values_list("unit__code", flat=True)) == ["tinh-a-tb"]
    actions = set(AuditEntry.objects.filter(object_id=str(inspection.pk)).values_list("action", flat=True))
    assert {"program.inspection.target_add", "program.inspection.target_update", "program.inspection.target_remove"} <= actions


def test_a_target_with_findings_cannot_be_removed(net):
    inspection = started(net)
    finding(net, inspection)
    target = inspection.target_rows.get(unit=net.units["prov_a_dept"])
    with pytest.raises(Conflict) as exc:
        svc.target_remove(actor=act(net, "a_analyst"), target=target)
    assert exc.value.field == "unit"


# --------------------------------------------------------------------------- status workflow


def test_status_moves_only_along_the_workflow(net):
    inspection = plan(net)
    actor = act(net, "a_analyst")
    for illegal in ("reported", "closed", "planned"):
        with pytest.raises(Conflict) as exc:
            svc.inspection_transition(actor=actor, inspection=inspection, status=illegal)
        assert exc.value.field == "status"
    with pytest.raises(DomainError) as exc:
        svc.inspection_transition(actor=actor, inspection=inspection, status="finished")
    assert exc.value.field == "status"
    svc.inspection_transition(actor=actor, inspection=inspection, status="in_progress")
    with pytest.raises(Conflict) as exc:
        svc.inspection_transition(actor=actor, inspection=inspection, status="planned")
    assert exc.value.field == "status"
    # reported needs the conclusion written
    with pytest.raises(DomainError) as exc:
        svc.inspection_transition(actor=actor, inspection=inspection, status="reported")
    assert exc.value.field == "summary"
    svc.inspection_update(actor=actor, inspection=inspection, summary="Cơ bản tuân thủ; còn 2 tồn tại.")
    svc.inspection_transition(actor=actor, inspection=inspection, status="reported")
    # back to in_progress only with a reason
    with pytest.raises(DomainError) as exc:
        svc.inspection_transition(actor=actor, inspection=inspection, status="in_progress")
    assert exc.value.field == "reason"
    svc.inspection_transition(actor=actor, inspection=inspection, status="in_progress", reason="Bổ sung hồ sơ")
    inspection.refresh_from_db()
    assert inspection.status == "in_progress"
    entries = list(AuditEntry.objects.filter(action="program.inspection.status", object_id=str(inspection.pk)).order_by("seq"))
    assert [e.after["status"] for e in entries] == ["in_progress", "reported", "in_progress"]
    assert entries[-1].after["reason"] == "Bổ sung hồ sơ" and entries[-1].after["from"] == "reported"


def test_an_inspection_without_targets_cannot_start(net):
    inspection = plan(net, targets=[])
    with pytest.raises(DomainError) as exc:
        svc.inspection_transition(actor=act(net, "a_analyst"), inspection=inspection, status="in_progress")
    assert exc.value.field == "targets"


# --------------------------------------------------------------------------- findings


def test_findings_are_numbered_per_inspection(net):
    inspection = started(net)
    first = finding(net, inspection)
    second = finding(net, inspection, "prov_a_sub", severity=1)
    assert (first.number, second.number) == (1, 2)
    with pytest.raises(Conflict) as exc:
        finding(net, inspection, number=2)
    assert exc.value.field == "number"
    assert finding(net, inspection, number=7).number == 7
    assert AuditEntry.objects.filter(action="program.finding.create").count() == 3


def test_a_finding_for_a_unit_not_inspected_is_refused(net):
    inspection = started(net, targets=[net.units["prov_a_dept"]])
    with pytest.raises(DomainError) as exc:
        finding(net, inspection, "prov_a_sub")
    assert exc.value.field == "unit" and "không phải là đơn vị được kiểm tra" in exc.value.message
    with pytest.raises(DomainError) as exc:
        finding(net, inspection, "prov_b_dept")
    assert exc.value.field == "unit"
    assert Finding.objects.count() == 0


def test_no_findings_before_the_inspection_starts(net):
    inspection = plan(net)
    with pytest.raises(Conflict) as exc:
        finding(net, inspection)
    assert exc.value.field == "status"


@pytest.mark.parametrize("kwargs, field", [({"text": ""}, "text"), ({"severity": 9}, "severity"), ({"severity": "x"}, "severity")])
def test_bad_finding_input_names_the_field(net, kwargs, field):
    inspection = started(net)
    with pytest.raises(DomainError) as exc:
        finding(net, inspection, **kwargs)
    assert exc.value.field == field


def test_finding_is_edited_and_deleted_while_open(net):
    inspection = started(net)
    f = finding(net, inspection)
    actor = act(net, "a_analyst")
    svc.finding_update(actor=actor, finding=f, severity=4, unit=net.units["prov_a_sub"], text="Khác")
    f.refresh_from_db()
    assert (f.severity, f.unit, f.text) == (4, net.units["prov_a_sub"], "Khác")
    svc.finding_delete(actor=actor, finding=f)
    assert not Finding.objects.exists()
    assert AuditEntry.objects.filter(action__in=["program.finding.update", "program.finding.delete"]).count() == 2


# --------------------------------------------------------------------------- recommendation → task


def test_a_recommendation_becomes_a_task_for_the_inspected_unit(net):
    inspection = started(net)
    f = finding(net, inspection)
    task = svc.finding_to_task(actor=act(net, "a_analyst"), finding=f, due_date=DUE)
    assert task.source == "inspection" and task.finding == f
    assert task.assigning_unit == net.units["prov_a"] and task.lead_unit == net.units["prov_a_dept"]
    assert task.due_date == DUE and "Ban hành quy chế" in task.title
    assert AuditEntry.objects.filter(action="program.finding.task", object_id=str(f.pk)).exists()
    # the finding page shows it with its computed status
    shown = sel.finding_get(net.users["a_analyst"], f.pk).task_list
    assert [(t.pk, t.status, t.status_label) for t in shown] == [(task.pk, "not_started", "Chưa thực hiện")]
    # and the inspected department sees the task it must carry out
    assert [t.pk for t in sel.finding_get(net.users["a_dept"], f.pk).task_list] == [task.pk]


def test_a_task_from_a_finding_needs_a_recommendation_and_a_future_due_date(net):
    inspection = started(net)
    f = finding(net, inspection, recommendation="")
    with pytest.raises(DomainError) as exc:
        svc.finding_to_task(actor=act(net, "a_analyst"), finding=f, due_date=DUE)
    assert exc.value.field == "recommendation"
    g = finding(net, inspection)
    with pytest.raises(DomainError) as exc:
        svc.finding_to_task(actor=act(net, "a_analyst"), finding=g, due_date=dt.date(2000, 1, 1))
    assert exc.value.field == "due_date"
    assert not Task.objects.exists() and not AuditEntry.objects.filter(action="program.finding.task").exists()


def test_a_finding_with_tasks_keeps_its_unit(net):
    inspection = started(net)
    f = finding(net, inspection)
    svc.finding_to_task(actor=act(net, "a_analyst"), finding=f, due_date=DUE)
    with pytest.raises(Conflict) as exc:
        svc.finding_update(actor=act(net, "a_analyst"), finding=f, unit=net.units["prov_a_sub"])
    assert exc.value.field == "unit"
    with pytest.raises(Conflict):
        svc.finding_delete(actor=act(net, "a_analyst"), finding=f)


# --------------------------------------------------------------------------- follow-up and closing


def test_closing_a_finding_with_open_tasks_is_refused(net):
    inspection = started(net)
    f = finding(net, inspection)
    svc.finding_to_task(actor=act(net, "a_analyst"), finding=f, due_date=DUE)
    with pytest.raises(Conflict) as exc:
        svc.finding_close(actor=act(net, "a_analyst"), finding=f, note="Đã khắc phục")
    assert exc.value.field == "tasks" and "1 nhiệm vụ chưa hoàn thành" in exc.value.message
    f.refresh_from_db()
    assert f.status == "open"


def test_closing_needs_a_note(net):
    inspection = started(net)
    f = finding(net, inspection)
    with pytest.raises(DomainError) as exc:
        svc.finding_close(actor=act(net, "a_analyst"), finding=f, note="  ")
    assert exc.value.field == "close_note"


def test_a_finding_closes_once_its_tasks_are_done(net):
    inspection = started(net)
    f = finding(net, inspection)
    done = svc.finding_to_task(actor=act(net, "a_analyst"), finding=f, due_date=DUE)
    dropped = svc.finding_to_task(actor=act(net, "a_analyst"), finding=f, due_date=DUE, title="Việc thừa")
    finish_task(net, done)
    task_svc.task_cancel(actor=act(net, "a_head"), task=dropped, reason="Trùng việc")
    closed = svc.finding_close(actor=act(net, "a_analyst"), finding=f, note="Đã kiểm tra lại tại chỗ")
    assert closed.status == "closed" and closed.closed_by == net.users["a_analyst"] and closed.closed_at
    entry = AuditEntry.objects.get(action="program.finding.close", object_id=str(f.pk))
    assert entry.before["status"] == "open" and entry.after["status"] == "closed"
    with pytest.raises(Conflict) as exc:
        svc.finding_update(actor=act(net, "a_analyst"), finding=f, text="sửa")
    assert exc.value.field == "status"


def test_an_override_reason_closes_a_finding_with_open_tasks(net):
    inspection = started(net)
    f = finding(net, inspection)
    task = svc.finding_to_task(actor=act(net, "a_analyst"), finding=f, due_date=DUE)
    closed = svc.finding_close(
        actor=act(net, "a_analyst"), finding=f, note="Chuyển theo dõi sang kế hoạch năm sau",
        override_reason="Đơn vị đã sáp nhập",
    )
    assert closed.status == "closed" and "Đơn vị đã sáp nhập" in closed.close_note
    entry = AuditEntry.objects.get(action="program.finding.close", object_id=str(f.pk))
    assert entry.after["override_reason"] == "Đơn vị đã sáp nhập" and entry.after["pending_tasks"] == [task.pk]


def test_the_inspection_closes_only_when_every_finding_is_closed(net):
    inspection = started(net)
    actor = act(net, "a_analyst")
    first = finding(net, inspection)
    second = finding(net, inspection, "prov_a_sub")
    svc.inspection_update(actor=actor, inspection=inspection, summary="Kết luận")
    svc.inspection_transition(actor=actor, inspection=inspection, status="reported")
    svc.finding_close(actor=actor, finding=first, note="Xong")
    with pytest.raises(Conflict) as exc:
        svc.inspection_transition(actor=actor, inspection=inspection, status="closed")
    assert exc.value.field == "status" and str(second.number) in exc.value.message
    svc.finding_close(actor=actor, finding=second, note="Xong")
    closed = svc.inspection_transition(actor=actor, inspection=inspection, status="closed")
    assert closed.status == "closed" and closed.closed_at
    # closed is final: nothing changes any more
    for call in (
        lambda: svc.inspection_update(actor=actor, inspection=inspection, title="Khác"),
        lambda: svc.inspection_transition(actor=actor, inspection=inspection, status="in_progress", reason="x"),
        lambda: finding(net, inspection),
        lambda: svc.finding_reopen(actor=actor, finding=first, reason="x"),
    ):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.field == "status"


def test_a_closed_finding_can_be_reopened_with_a_reason(net):
    inspection = started(net)
    f = finding(net, inspection)
    actor = act(net, "a_analyst")
    svc.finding_close(actor=actor, finding=f, note="Xong")
    with pytest.raises(DomainError) as exc:
        svc.finding_reopen(actor=actor, finding=f, reason="")
    assert exc.value.field == "reason"
    reopened = svc.finding_reopen(actor=actor, finding=f, reason="Tái diễn")
    assert reopened.status == "open" and reopened.closed_at is None


# --------------------------------------------------------------------------- access


def test_sibling_province_cannot_see_or_change_an_inspection(net):
    inspection = started(net)
    f = finding(net, inspection)
    b = net.users["b_analyst"]
    with pytest.raises(NotFound):
        sel.inspection_get(b, inspection.pk)
    with pytest.raises(NotFound):
        sel.finding_get(b, f.pk)
    assert not sel.inspection_list(b).exists() and not sel.open_findings(b).exists()
    actor = act(net, "b_analyst")
    for call in (
        lambda: svc.inspection_update(actor=actor, inspection=inspection, title="B"),
        lambda: svc.inspection_transition(actor=actor, inspection=inspection, status="reported"),
        lambda: svc.target_add(actor=actor, inspection=inspection, unit=net.units["prov_b_dept"]),
        lambda: svc.finding_create(actor=actor, inspection=inspection, unit=net.units["prov_a_dept"], text="x"),
        lambda: svc.finding_close(actor=actor, finding=f, note="x"),
        lambda: svc.finding_to_task(actor=actor, finding=f, due_date=DUE),
    ):
        with pytest.raises(AccessDenied):
            call()
    assert Finding.objects.count() == 1 and not Task.objects.exists()


def test_inspected_unit_sees_its_own_findings_only_and_changes_nothing(net):
    inspection = started(net)
    own = finding(net, inspection, "prov_a_dept")
    other = finding(net, inspection, "prov_a_sub")
    dept = net.users["a_dept"]
    assert sel.inspection_get(dept, inspection.pk) == inspection
    assert [f.pk for f in sel.inspection_findings(dept, inspection)] == [own.pk]
    assert [t.unit.code for t in sel.inspection_targets(dept, inspection)] == ["tinh-a-sotc"]
    with pytest.raises(NotFound):
        sel.finding_get(dept, other.pk)
    row = sel.inspection_list(dept).get()
    assert (row.finding_count, row.open_finding_count, row.target_count) == (1, 1, 1)
    with pytest.raises(AccessDenied):
        svc.finding_close(actor=act(net, "a_dept"), finding=own, note="Chúng tôi đã sửa")
    assert sel.inspection_permissions(dept, inspection)["can_change"] is False


def test_the_office_sees_and_counts_everything(net):
    inspection = started(net)
    finding(net, inspection, "prov_a_dept", severity=4)
    finding(net, inspection, "prov_a_sub", severity=1)
    row = sel.inspection_list(net.users["office_staff"]).get()
    assert (row.finding_count, row.open_finding_count, row.target_count) == (2, 2, 2)
    counts = {r["severity"]: r["count"] for r in sel.open_by_severity(net.users["office_staff"], inspection)}
    assert counts == {4: 1, 3: 0, 2: 0, 1: 1}


def test_open_findings_filter_by_severity_subtree_and_year(net):
    this_year = started(net)
    high = finding(net, this_year, "prov_a_dept", severity=4)
    low = finding(net, this_year, "prov_a_sub", severity=1)
    office = net.users["office_staff"]
    office_plan = started(
        net, "office_staff", unit=net.units["office"], targets=[net.units["prov_b"]],
        year=YEAR - 1, planned_start=dt.date(YEAR - 1, 3, 1), planned_end=dt.date(YEAR - 1, 3, 9),
    )
    elsewhere = finding(net, office_plan, "prov_b", who="office_staff", severity=2)
    assert [f.pk for f in sel.open_findings(office)] == [high.pk, elsewhere.pk, low.pk]
    assert [f.pk for f in sel.open_findings(office, severity=4)] == [high.pk]
    assert [f.pk for f in sel.open_findings(office, min_severity=2)] == [high.pk, elsewhere.pk]
    assert [f.pk for f in sel.open_findings(office, unit=net.units["prov_b"])] == [elsewhere.pk]
    assert [f.pk for f in sel.open_findings(office, year=YEAR)] == [high.pk, low.pk]
    assert [f.pk for f in sel.open_findings(office, inspecting_unit=net.units["office"])] == [elsewhere.pk]
    svc.finding_close(actor=act(net, "a_analyst"), finding=low, note="Xong")
    assert low.pk not in [f.pk for f in sel.open_findings(office)]
    assert [f.pk for f in sel.open_findings(net.users["a_analyst"])] == [high.pk]
    assert sel.inspection_years(office) == [YEAR, YEAR - 1]


def test_every_write_is_audited(net):
    before = AuditEntry.objects.count()
    inspection = started(net)
    actor = act(net, "a_analyst")
    svc.inspection_update(actor=actor, inspection=inspection, scope="Phạm vi mới")
    f = finding(net, inspection)
    svc.finding_update(actor=actor, finding=f, severity=2)
    svc.finding_close(actor=actor, finding=f, note="Xong")
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)[before:])
    assert actions == [
        "program.inspection.create", "program.inspection.status", "program.inspection.update",
        "program.finding.create", "program.finding.update", "program.finding.close",
    ]
    assert END > START


def test_a_task_handed_on_by_the_inspected_unit_counts_once_for_follow_up(net):
    office_plan = started(net, "office_staff", unit=net.units["office"], targets=[net.units["prov_a"]])
    f = finding(net, office_plan, "prov_a", who="office_staff")
    parent = svc.finding_to_task(actor=act(net, "office_staff"), finding=f, due_date=DUE)
    [child] = task_svc.task_cascade(actor=act(net, "a_analyst"), task=parent, lead_units=[net.units["prov_a_dept"]])
    assert child.finding == f  # the hand-on keeps the link to the finding
    shown = sel.finding_get(net.users["office_staff"], f.pk).task_list
    assert [t.pk for t in shown] == [parent.pk]
    assert [t.pk for t in svc.finding_pending_tasks(f)] == [parent.pk]
    finish_task(net, child)  # the department reports and province A's head confirms
    assert svc.finding_pending_tasks(f) == []
    assert svc.finding_close(actor=act(net, "office_staff"), finding=f, note="Tỉnh đã hoàn thành").status == "closed"
    # the department works on the child task, but the finding is about province A: not its to see
    with pytest.raises(NotFound):
        sel.finding_get(net.users["a_dept"], f.pk)


def test_filtering_by_inspected_unit_reveals_no_hidden_target(net):
    inspection = started(net)
    dept = net.users["a_dept"]
    assert list(sel.inspection_list(dept, target_unit=net.units["prov_a_dept"])) == [inspection]
    # the subcommittee is a target too, but the department may not see that row
    assert list(sel.inspection_list(dept, target_unit=net.units["prov_a_sub"])) == []
    assert list(sel.inspection_list(net.users["a_analyst"], target_unit=net.units["prov_a_sub"])) == [inspection]
