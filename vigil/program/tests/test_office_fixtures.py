"""Shared data for the tests of the office's views: tasks written with the ORM (the views
only read), on the standard test network, with dates around a fixed day so every
computed status is known.

    national parent P (conclusion of a national meeting, 3 children):
        Tỉnh A  done on time · Tỉnh B  overdue · Bộ X  in progress
    national parent Q (directive, 2 children):
        Tỉnh A  not started · Tỉnh B  done late
    Tỉnh A's own parent (programme) with children led by its department (overdue) and its
        subcommittee (in progress), and a task it supports (led by the ministry)
    Tỉnh B's own parent with one child led by its department: "B-SECRET"
"""

from __future__ import annotations

import datetime as dt

from vigil.program.models import Conclusion, Meeting, Task

DAY = dt.date(2026, 6, 15)  # "today" of the selector tests


def make_task(title, *, assigning, lead, due, start=None, parent=None, state="open", progress=0,
              completed_on=None, source="other", conclusion=None, priority=2, supporting=()):
    """A task row as the services would leave it (ORM only: these tests read)."""
    start = start or min(due, DAY) - dt.timedelta(days=60)
    task = Task.objects.create(
        title=title, assigning_unit=assigning, lead_unit=lead, start_date=start, due_date=due,
        original_due_date=due, parent=parent, state=state, progress=progress, completed_on=completed_on,
        source=source, conclusion=conclusion, priority=priority,
    )
    if supporting:
        task.supporting_units.set(supporting)
    return task


def build_work(net, day: dt.date = DAY) -> dict:
    u = net.units
    meeting = Meeting.objects.create(body_unit=u["national"], title="Phiên họp thứ nhất", held_on=day - dt.timedelta(days=90))
    conclusion = Conclusion.objects.create(meeting=meeting, number=1, text="Giao các tỉnh")
    t = {}
    p = t["P"] = make_task("P: Rà soát hệ thống", assigning=u["national"], lead=u["national"],
                           due=day + dt.timedelta(days=30), source="conclusion", conclusion=conclusion, progress=53)
    t["P_a"] = make_task(p.title, assigning=u["national"], lead=u["prov_a"], due=p.due_date, parent=p,
                         state="accepted", progress=100, completed_on=day - dt.timedelta(days=5),
                         source="conclusion", conclusion=conclusion)
    t["P_b"] = make_task(p.title, assigning=u["national"], lead=u["prov_b"], due=day - dt.timedelta(days=10),
                         parent=p, progress=40, source="conclusion", conclusion=conclusion)
    t["P_m"] = make_task(p.title, assigning=u["national"], lead=u["ministry"], due=p.due_date, parent=p,
                         progress=20, source="conclusion", conclusion=conclusion)
    q = t["Q"] = make_task("Q: Diễn tập", assigning=u["national"], lead=u["national"],
                           due=day + dt.timedelta(days=60), source="directive", progress=50)
    t["Q_a"] = make_task(q.title, assigning=u["national"], lead=u["prov_a"], due=q.due_date, parent=q,
                         source="directive")
    t["Q_b"] = make_task(q.title, assigning=u["national"], lead=u["prov_b"], due=day - dt.timedelta(days=3),
                         parent=q, state="submitted", progress=100, completed_on=day - dt.timedelta(days=1),
                         source="directive")
    a = t["A"] = make_task("A: Chương trình tỉnh A", assigning=u["prov_a"], lead=u["prov_a"],
                           due=day + dt.timedelta(days=20), source="programme")
    t["A_dept"] = make_task("MARKER-A-TASK sở", assigning=u["prov_a"], lead=u["prov_a_dept"],
                            due=day - dt.timedelta(days=40), parent=a, progress=10, source="programme")
    t["A_sub"] = make_task("A: tiểu ban", assigning=u["prov_a"], lead=u["prov_a_sub"],
                           due=day + dt.timedelta(days=20), parent=a, progress=30, source="programme")
    t["M_supported_by_a"] = make_task("Bộ X chủ trì, tỉnh A phối hợp", assigning=u["ministry"], lead=u["ministry"],
                                      due=day + dt.timedelta(days=10), supporting=[u["prov_a"]])
    b = t["B"] = make_task("B: Chương trình tỉnh B", assigning=u["prov_b"], lead=u["prov_b"],
                           due=day + dt.timedelta(days=20), source="programme")
    t["B_dept"] = make_task("B-SECRET sở tỉnh B", assigning=u["prov_b"], lead=u["prov_b_dept"],
                            due=day - dt.timedelta(days=2), parent=b, source="programme")
    t["meeting"] = meeting
    t["conclusion"] = conclusion
    return t
