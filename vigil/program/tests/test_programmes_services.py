"""Work programme services: one programme per unit and year, its tasks, the head's
approval that freezes it (follow-up tasks aside), access."""

import datetime as dt

import pytest

from vigil.core.errors import AccessDenied, Conflict, DomainError, NotFound
from vigil.core.models import AuditEntry
from vigil.program.models import Task, WorkProgramme
from vigil.program.selectors import programmes as sel
from vigil.program.services import programmes as svc

from .test_meetings_factories import DUE, TODAY, act, programme

pytestmark = pytest.mark.django_db


def test_analyst_drafts_the_provincial_programme_with_an_audit_entry(net):
    p = programme(net, description="Các nhiệm vụ trọng tâm")
    assert p.status == "draft" and p.unit == net.units["prov_a"] and p.year == TODAY.year
    assert AuditEntry.objects.get(action="program.programme.create").after["title"] == p.title


def test_one_programme_per_unit_and_year(net):
    programme(net)
    with pytest.raises(Conflict) as exc:
        programme(net, title="Bản thứ hai")
    assert exc.value.field == "year"
    programme(net, year=TODAY.year + 1)  # next year is fine
    programme(net, who="b_analyst", unit=net.units["prov_b"])  # and so is another unit
    assert WorkProgramme.objects.count() == 3


@pytest.mark.parametrize(
    "kwargs, field",
    [({"title": " "}, "title"), ({"year": 1999}, "year"), ({"year": "năm nay"}, "year"), ({"unit": None}, "unit")],
)
def test_bad_programme_input_names_the_field(net, kwargs, field):
    year = kwargs.pop("year", TODAY.year)
    unit = kwargs.pop("unit", net.units["prov_a"])
    with pytest.raises(DomainError) as exc:
        svc.programme_create(actor=act(net, "a_analyst"), unit=unit, year=year, title=kwargs.get("title", "CT"))
    assert exc.value.field == field
    assert not WorkProgramme.objects.exists()


def test_sibling_province_cannot_draft_read_change_or_approve_province_a_programme(net):
    p = programme(net)
    with pytest.raises(AccessDenied):
        svc.programme_create(actor=act(net, "b_analyst"), unit=net.units["prov_a"], year=TODAY.year + 1, title="CT")
    with pytest.raises(NotFound):
        sel.programme_get(user=net.users["b_analyst"], programme_id=p.pk)
    assert not sel.programme_list(user=net.users["b_analyst"]).exists()
    with pytest.raises(AccessDenied):
        svc.programme_update(actor=act(net, "b_analyst"), programme=p, title="Đổi")
    with pytest.raises(AccessDenied):
        svc.programme_approve(actor=act(net, "b_analyst"), programme=p)
    with pytest.raises(AccessDenied):
        svc.programme_task_create(actor=act(net, "b_analyst"), programme=p, title="NV", due_date=DUE)
    p.refresh_from_db()
    assert p.title == "Chương trình công tác an ninh mạng tỉnh A" and p.status == "draft"
    assert not Task.objects.exists()


def test_tasks_are_added_with_the_programme_as_source(net):
    p = programme(net)
    t = svc.programme_task_create(actor=act(net, "a_analyst"), programme=p, title="Diễn tập ứng cứu sự cố",
                                  due_date=DUE, product="drill")
    assert t.programme == p and t.source == "programme" and t.lead_unit == net.units["prov_a"]
    assert t.assigning_unit == net.units["prov_a"]
    t2 = svc.programme_task_create(actor=act(net, "a_analyst"), programme=p, title="Rà soát hệ thống",
                                   lead_units=[net.units["prov_a_dept"]], due_date=DUE)
    assert t2.lead_unit == net.units["prov_a_dept"]
    tasks = sel.programme_tasks(user=net.users["a_analyst"], programme=p)
    assert [x.title for x in tasks] == ["Diễn tập ứng cứu sự cố", "Rà soát hệ thống"]
    assert all(x.status == "not_started" for x in tasks)
    with pytest.raises(DomainError) as exc:
        svc.programme_task_create(actor=act(net, "a_analyst"), programme=p, title="", due_date=DUE)
    assert exc.value.field == "title"


def test_only_the_head_approves_and_only_a_programme_with_tasks(net):
    p = programme(net)
    with pytest.raises(DomainError) as exc:
        svc.programme_approve(actor=act(net, "a_head"), programme=p)
    assert exc.value.field == "tasks"
    svc.programme_task_create(actor=act(net, "a_analyst"), programme=p, title="Diễn tập", due_date=DUE)
    with pytest.raises(AccessDenied):
        svc.programme_approve(actor=act(net, "a_analyst"), programme=p)
    with pytest.raises(AccessDenied):
        svc.programme_approve(actor=act(net, "office_staff"), programme=p)  # the office has no `approve`
    p = svc.programme_approve(actor=act(net, "a_head"), programme=p)
    assert p.status == "approved" and p.approved_by == net.users["a_head"] and p.approved_at
    entry = AuditEntry.objects.get(action="program.programme.approve")
    assert entry.before["status"] == "draft" and entry.after["status"] == "approved"
    with pytest.raises(Conflict):
        svc.programme_approve(actor=act(net, "a_head"), programme=p)


def test_an_approved_programme_is_frozen_but_takes_follow_up_tasks(net):
    p = programme(net)
    svc.programme_task_create(actor=act(net, "a_analyst"), programme=p, title="Diễn tập", due_date=DUE)
    p = svc.programme_approve(actor=act(net, "a_head"), programme=p)
    with pytest.raises(Conflict) as exc:
        svc.programme_update(actor=act(net, "a_head"), programme=p, title="Sửa sau phê duyệt")
    assert exc.value.field == "status"
    follow_up = svc.programme_task_create(actor=act(net, "a_analyst"), programme=p, title="Nhiệm vụ phát sinh",
                                          due_date=DUE)
    assert follow_up.programme == p
    perms = sel.programme_permissions(user=net.users["a_head"], programme=p)
    assert perms == {"can_change": False, "can_approve": False, "can_add_tasks": True, "is_approved": True}


def test_programme_for_next_year_starts_its_tasks_on_new_year(net):
    p = programme(net, year=TODAY.year + 1)
    due = dt.date(TODAY.year + 1, 6, 30)
    t = svc.programme_task_create(actor=act(net, "a_analyst"), programme=p, title="Kế hoạch năm sau", due_date=due)
    assert t.start_date == dt.date(TODAY.year + 1, 1, 1)


def test_the_office_sees_every_programme_and_the_list_filters(net):
    a = programme(net)
    b = programme(net, who="b_analyst", unit=net.units["prov_b"], year=TODAY.year + 1)
    office = net.users["office_staff"]
    assert set(sel.programme_list(user=office)) == {a, b}
    assert list(sel.programme_list(user=office, year=TODAY.year)) == [a]
    assert list(sel.programme_list(user=office, unit=net.units["prov_b"])) == [b]
    with pytest.raises(DomainError) as exc:
        list(sel.programme_list(user=office, status="archived"))
    assert exc.value.field == "status"
