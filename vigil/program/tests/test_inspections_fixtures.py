"""Helpers shared by the inspection tests (no tests here): province A inspects its
finance department and its subcommittee; the finding and task steps go through the
same services as the pages, the API and the CLI."""

import datetime as dt

from vigil.core.actors import Actor
from vigil.program import status as S
from vigil.program.services import inspections as svc

TODAY = S.today()
YEAR = TODAY.year
START = dt.date(YEAR, 1, 1) if TODAY.month > 1 else TODAY
END = START + dt.timedelta(days=20)
DUE = TODAY + dt.timedelta(days=30)


def act(net, name: str, channel: str = "web") -> Actor:
    return Actor(user=net.users[name], channel=channel)


def plan(net, who: str = "a_analyst", *, title: str = "Kiểm tra công tác bảo đảm ATTT năm nay", targets=None, **kw):
    """Province A's inspection of its department and its subcommittee (status: planned)."""
    targets = [net.units["prov_a_dept"], net.units["prov_a_sub"]] if targets is None else targets
    return svc.inspection_create(
        actor=act(net, who), inspecting_unit=kw.pop("unit", net.units["prov_a"]), title=title, year=kw.pop("year", YEAR),
        planned_start=kw.pop("planned_start", START), planned_end=kw.pop("planned_end", END), targets=targets, **kw,
    )


def started(net, who: str = "a_analyst", **kw):
    inspection = plan(net, who, **kw)
    return svc.inspection_transition(actor=act(net, who), inspection=inspection, status="in_progress")


def finding(net, inspection, unit_name: str = "prov_a_dept", who: str = "a_analyst", **kw):
    kw.setdefault("text", "Chưa có quy chế bảo đảm an toàn thông tin")
    kw.setdefault("recommendation", "Ban hành quy chế bảo đảm an toàn thông tin")
    kw.setdefault("severity", 3)
    return svc.finding_create(actor=act(net, who), inspection=inspection, unit=net.units[unit_name], **kw)


def finish_task(net, task):
    """The department reports 100% and province A's head confirms completion."""
    from vigil.program.services import tasks as task_svc

    task_svc.report_create(actor=act(net, "a_dept"), task=task, percent=100, text="Đã ban hành quy chế")
    return task_svc.task_confirm_completion(actor=act(net, "a_head"), task=task, note="Đã xong")
