"""The home page is each person's work queue (issue 13): what is due from their units, late,
waiting for them or breached, each item linking to where it is acted on; the network's
situation for whoever oversees it; nothing they may not see; no panel with nothing in it."""

import datetime as dt
import re

import pytest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vigil.core.actors import Actor
from vigil.core.dashboard import panels
from vigil.core.models import TLP
from vigil.incidents.models import (
    Incident,
    IncidentClass,
    IncidentType,
    IncidentUnit,
    ReportingStage,
    SlaTarget,
)
from vigil.incidents.services import sla as sla_svc
from vigil.incidents.services import stages as stage_svc
from vigil.incidents.services import workflow as wf
from vigil.org.services.decisions import decision_create
from vigil.program.services.tasks import task_create
from vigil.program.status import as_of, today
from vigil.testing import USERNAMES

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def act(net, name):
    return Actor(user=net.users[name], channel="web")


def late_task(net, title, lead, *, days_late=3, by="office_staff", assigning="office"):
    """A task assigned through the service weeks ago, now `days_late` days past its due date."""
    day = today()
    with as_of(day - dt.timedelta(days=30)):
        return task_create(actor=act(net, by), title=title, assigning_unit=net.units[assigning],
                           lead_units=[net.units[lead]], due_date=day - dt.timedelta(days=days_late))


def due_task(net, title, lead, *, in_days=3, by="office_staff", assigning="office"):
    return task_create(actor=act(net, by), title=title, assigning_unit=net.units[assigning],
                       lead_units=[net.units[lead]], due_date=today() + dt.timedelta(days=in_days))


def home(client, user, lang="vi"):
    """The home page of `user`, read in `lang` (a signed-in user's pages follow their stored
    language)."""
    if user.language != lang:
        user.language = lang
        user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def section(page, testid):
    """The HTML of the panel `testid` ('' when the page has none)."""
    m = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', page, re.S)
    return m.group(0) if m else ""


# --------------------------------------------------------------------------- program


def test_a_province_analyst_sees_its_late_and_due_tasks_with_links(client, net):
    late = late_task(net, "HOME-LATE-A rà soát", "prov_a")
    due = due_task(net, "HOME-DUE-A diễn tập", "prov_a")
    far = due_task(net, "HOME-FAR-A", "prov_a", in_days=30)
    page = home(client, net.a_analyst)
    panel = section(page, "home-my-tasks")
    assert "HOME-LATE-A" in panel and "HOME-DUE-A" in panel
    assert "HOME-FAR-A" not in panel  # due in a month: not on the queue yet
    assert f'href="/program/tasks/{late.pk}/"' in panel and f'href="/program/tasks/{due.pk}/"' in panel
    assert f'data-task="{far.pk}"' not in panel
    assert re.search(rf'data-task="{late.pk}" data-late="1"', panel)
    assert re.search(rf'data-task="{due.pk}" data-late="0"', panel)
    assert panel.index("HOME-LATE-A") < panel.index("HOME-DUE-A")  # late first
    assert "1 nhiệm vụ trễ hạn" in panel and "Trễ 3 ngày" in panel and "Còn 3 ngày" in panel


def test_with_nothing_late_or_due_soon_the_next_open_tasks_show_with_their_count(client, net):
    """A province whose tasks are all weeks away still sees what comes, nearest first, and
    the count opens a list of the same tasks; done and other units' tasks stay out."""
    far = due_task(net, "HOME-NEXT-A", "prov_a", in_days=30)
    farther = due_task(net, "HOME-LATER-A", "prov_a", in_days=60)
    due_task(net, "HOME-NEXT-B", "prov_b", in_days=20)
    page = home(client, net.a_analyst)
    panel = section(page, "home-my-tasks")
    assert 'data-testid="home-my-tasks-calm"' in panel and "Không có nhiệm vụ trễ hạn" in panel
    assert panel.index(f'data-task="{far.pk}"') < panel.index(f'data-task="{farther.pk}"')
    assert "HOME-NEXT-B" not in panel and "2 nhiệm vụ đang mở" in panel and "Còn 30 ngày" in panel
    mine = home_panel(net.a_analyst, "program.my_tasks")
    assert (mine["late_count"], mine["due_count"], mine["open_count"]) == (0, 0, 2)
    client.force_login(net.a_analyst)
    assert client.get(mine["open_url"]).context["page"].paginator.count == 2
    english = section(home(client, net.a_analyst, "en"), "home-my-tasks")
    assert "2 open tasks" in english and "Nothing is late or due within the next 7 days" in english
    late = late_task(net, "HOME-LATE-NOW", "prov_a")
    panel = section(home(client, net.a_analyst), "home-my-tasks")
    assert f'data-task="{late.pk}"' in panel and 'data-testid="home-my-tasks-calm"' not in panel


def test_another_provinces_work_is_not_on_the_page(client, net):
    late_task(net, "HOME-LATE-B bí mật", "prov_b")
    due_task(net, "HOME-DUE-B bí mật", "prov_b")
    late_task(net, "HOME-LATE-A", "prov_a")
    page = home(client, net.a_analyst)
    assert "HOME-LATE-B" not in page and "HOME-DUE-B" not in page
    assert "HOME-LATE-A" in page
    page_b = home(client, net.b_analyst)
    assert "HOME-LATE-B" in section(page_b, "home-my-tasks") and "HOME-LATE-A" not in page_b


def test_the_assigning_unit_sees_the_tasks_it_gave_that_are_late(client, net):
    late = late_task(net, "HOME-GIVEN-LATE", "prov_a_dept", by="a_head", assigning="prov_a")
    due_task(net, "HOME-GIVEN-ONTIME", "prov_a_dept", by="a_head", assigning="prov_a")
    panel = section(home(client, net.a_head), "home-assigned-late")
    assert "HOME-GIVEN-LATE" in panel and f'href="/program/tasks/{late.pk}/"' in panel
    assert "HOME-GIVEN-ONTIME" not in panel
    # The department leads it: it is on its own queue, not as "assigned".
    dept = home(client, net.a_dept)
    assert "HOME-GIVEN-LATE" in section(dept, "home-my-tasks")
    assert section(dept, "home-assigned-late") == ""
    assert "HOME-GIVEN-LATE" not in home(client, net.b_analyst)


# --------------------------------------------------------------------------- the network at a glance


def test_the_office_sees_the_networks_situation(client, net):
    late_task(net, "L1", "prov_a")
    late_task(net, "L2", "prov_a_dept")  # in province A's subtree: counted with it
    late_task(net, "L3", "prov_b")
    Incident.objects.create(reference="VG-H-1", title="Mở nghiêm trọng", owner_unit=net.prov_a, tlp=TLP.GREEN,
                            state=Incident.State.TRIAGED, severity="critical")
    Incident.objects.create(reference="VG-H-2", title="Đã đóng", owner_unit=net.prov_b, tlp=TLP.GREEN,
                            state=Incident.State.CLOSED, severity="critical")
    Incident.objects.create(reference="VG-H-3", title="Mới", owner_unit=net.prov_b, tlp=TLP.GREEN)
    for lang in ("vi", "en"):
        page = home(client, net.office_staff, lang)
        band = re.search(r'data-testid="dashboard-network".*?</section>\s*</div>\s*</div>\s*</section>', page, re.S)
        assert band, "the office has the network band"
        late = section(page, "home-network-late")
        rows = re.findall(r'data-testid="home-late-province" data-unit="(\d+)">.*?rounded-pill">(\d+)<', late, re.S)
        assert rows == [(str(net.prov_a.pk), "2"), (str(net.prov_b.pk), "1")]
        assert f"?status=overdue&amp;unit={net.prov_a.pk}" in late
        incidents = section(page, "home-network-incidents")
        counts = dict(re.findall(r'data-severity="(\w*)" data-count="(\d+)"', incidents))
        assert counts["critical"] == "1" and counts[""] == "1"  # the closed one is not open
        assert 'data-testid="home-network-completeness"' in page
    assert "3 nhiệm vụ trễ hạn" in home(client, net.office_staff, "vi")
    assert "3 late tasks" in home(client, net.office_staff, "en")


def test_only_the_networks_overseers_see_the_network(client, net):
    late_task(net, "L1", "prov_a")
    assert 'data-testid="dashboard-network"' in home(client, net.agency_analyst)
    for name in ("a_head", "a_analyst", "b_analyst", "national_viewer", "auditor"):
        page = home(client, net.users[name])
        assert 'data-testid="dashboard-network"' not in page, name
        assert 'data-testid="home-network-late"' not in page, name


# --------------------------------------------------------------------------- incidents


def _incident(net, ref, owner="prov_a", **fields):
    return Incident.objects.create(reference=ref, title=f"Sự cố {ref}", owner_unit=net.units[owner],
                                   tlp=TLP.AMBER, state=Incident.State.TRIAGED, **fields)


def test_an_incident_waiting_for_my_unit_to_accept(client, net):
    mine = _incident(net, "VG-W-A")
    wf.incident_assign(actor=act(net, "a_analyst"), incident=mine, lead_unit=net.prov_a_dept,
                       supporting_units=[net.prov_a_sub], note="Xử lý gấp")
    other = _incident(net, "VG-W-B", owner="prov_b")
    wf.incident_assign(actor=act(net, "b_analyst"), incident=other, lead_unit=net.prov_b_dept, note="Gấp")
    panel = section(home(client, net.a_dept), "home-incidents-waiting")
    assert "VG-W-A" in panel and f'href="/incidents/{mine.pk}/"' in panel
    assert "VG-W-B" not in panel
    # Once accepted it leaves the queue.
    row = IncidentUnit.objects.get(incident=mine, unit=net.prov_a_dept, active=True)
    wf.incident_unit_answer(actor=act(net, "a_dept"), incident_unit=row, accept=True)
    assert section(home(client, net.a_dept), "home-incidents-waiting") == ""
    assert "VG-W-A" not in home(client, net.b_analyst)


def test_sla_clocks_breached_and_about_to_breach(client, net):
    SlaTarget.objects.create(severity="high", acknowledge_minutes=60, respond_minutes=240, resolve_minutes=4320)
    now = timezone.now()
    breached = _incident(net, "VG-S-LATE", severity="high", received_at=now - dt.timedelta(hours=2))
    soon = _incident(net, "VG-S-SOON", severity="high", received_at=now - dt.timedelta(minutes=30))
    quiet = _incident(net, "VG-S-DONE", severity="high", received_at=now - dt.timedelta(hours=2),
                      acknowledged_at=now - dt.timedelta(hours=1), first_response_at=now - dt.timedelta(hours=1))
    hidden = _incident(net, "VG-S-B", owner="prov_b", severity="high", received_at=now - dt.timedelta(hours=2))
    for inc in (breached, soon, quiet, hidden):
        sla_svc.apply_targets(inc)
        inc.save()
    panel = section(home(client, net.a_analyst), "home-sla")
    assert re.search(rf'data-incident="{breached.pk}" data-breached="1"', panel)
    assert re.search(rf'data-incident="{soon.pk}" data-breached="0"', panel)
    assert f'data-incident="{quiet.pk}"' not in panel  # its next clock (resolve) is days away
    assert "VG-S-B" not in panel
    assert panel.index("VG-S-LATE") < panel.index("VG-S-SOON")
    assert "Quá hạn 1 giờ" in panel
    assert "Còn 29 phút" in panel or "Còn 30 phút" in panel
    en = section(home(client, net.a_analyst, "en"), "home-sla")
    assert "1 incident past its deadline" in en


def test_statutory_reports_due_and_overdue(client, net):
    klass = IncidentClass.objects.create(code="malicious-code", name="Mã độc", name_en="Malicious code")
    itype = IncidentType.objects.create(klass=klass, code="malicious-code:infected-system",
                                        name="Hệ thống nhiễm mã độc", name_en="Infected system")
    ReportingStage.objects.create(code="initial", name="Thông báo ban đầu", name_en="Initial notice", due_hours=24)
    now = timezone.now()
    late = _incident(net, "VG-R-LATE", severity="high", incident_type=itype, lead_unit=net.prov_a,
                     detected_at=now - dt.timedelta(hours=30))
    due = _incident(net, "VG-R-DUE", severity="high", incident_type=itype, lead_unit=net.prov_a,
                    detected_at=now - dt.timedelta(hours=2))
    other = _incident(net, "VG-R-B", owner="prov_b", severity="high", incident_type=itype, lead_unit=net.prov_b,
                      detected_at=now - dt.timedelta(hours=30))
    for inc in (late, due, other):
        stage_svc.stages_schedule(inc, actor=act(net, "a_analyst"))
    panel = section(home(client, net.a_analyst), "home-stage-reports")
    assert "VG-R-LATE" in panel and "VG-R-DUE" in panel and "VG-R-B" not in panel
    assert re.search(r'data-late="1"', panel) and re.search(r'data-late="0"', panel)
    assert f'href="/incidents/{late.pk}/stage-reports/' in panel
    assert "Initial notice" in section(home(client, net.a_analyst, "en"), "home-stage-reports")


# --------------------------------------------------------------------------- org and core


def test_decisions_to_apply_and_unread_notifications(client, net):
    draft = decision_create(actor=act(net, "a_head"), unit=net.prov_a_sub, number="HOME-QD-1",
                            date=today(), issuer="UBND tỉnh A", title="Kiện toàn tiểu ban")
    red = decision_create(actor=act(net, "a_head"), unit=net.prov_a, number="HOME-QD-RED",
                          date=today(), issuer="UBND tỉnh A", title="TIÊU ĐỀ MẬT", tlp=TLP.RED)
    late_task(net, "HOME-NOTICE", "prov_a")  # the assignment notifies province A's members
    page = home(client, net.a_head)
    decisions = section(page, "home-decisions")
    assert "HOME-QD-1" in decisions and f'href="/org/decisions/{draft.pk}/"' in decisions
    # A TLP:RED decision is named by kind and id only, never by its title.
    assert f'data-decision="{red.pk}"' in decisions and "TIÊU ĐỀ MẬT" not in decisions
    notices = section(page, "home-notifications")
    assert 'data-testid="home-notification"' in notices and "HOME-NOTICE" in notices
    assert "HOME-QD-1" not in home(client, net.b_analyst)


def test_an_empty_panel_is_hidden(client, net):
    page = home(client, net.b_analyst)  # province B has nothing due, late or waiting
    for testid in ("home-my-tasks", "home-assigned-late", "home-incidents-waiting", "home-sla",
                   "home-stage-reports", "home-decisions", "home-notifications", "dashboard-network"):
        assert f'data-testid="{testid}"' not in page, testid
    assert 'data-testid="dashboard-nothing-to-do"' in page
    late_task(net, "HOME-NOW", "prov_b")
    page = home(client, net.b_analyst)
    assert 'data-testid="home-my-tasks"' in page and 'data-testid="dashboard-nothing-to-do"' not in page


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", USERNAMES)
def test_the_home_page_answers_every_user_in_both_languages(client, net, name, lang):
    late_task(net, "HOME-ALL-A", "prov_a")
    due_task(net, "HOME-ALL-B", "prov_b")
    page = home(client, net.users[name], lang)
    assert f'<html lang="{lang}"' in page
    assert ("Tổng quan" if lang == "vi" else "Dashboard") in page


def test_each_panel_runs_a_fixed_number_of_queries(client, net):
    """Ten more late tasks, requests and notifications do not add a query."""
    from django.db import connection

    def count():
        client.force_login(net.office_staff)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    late_task(net, "Q0", "prov_a")
    before = count()
    for i in range(10):
        late_task(net, f"Q{i + 1}", "prov_a" if i % 2 else "prov_b")
        due_task(net, f"D{i + 1}", "office")
    assert count() <= before
    assert {p.key for p in panels()} >= {"program.my_tasks", "incidents.waiting", "org.decisions",
                                         "core.notifications", "program.network_late"}


def home_panel(user, key):
    return next(p for p in panels() if p.key == key).context(user)


def test_each_task_count_opens_a_list_of_the_same_tasks_for_a_member_of_several_units(net, client):
    """A person in two units: the home page counts the tasks both units lead (and assigned);
    the count's link lists exactly those (`mine`), not every task the person may see."""
    from vigil.org.models import Person
    from vigil.org.tests.people_factories import member

    user = net.users["a_head"]
    member(Person.objects.get(user=user), net.units["prov_a_dept"], "analyst")
    late_task(net, "Trễ của tỉnh A", "prov_a")
    late_task(net, "Trễ của sở A", "prov_a_dept")
    late_task(net, "Trễ của tỉnh B", "prov_b")  # the office sees it; a_head's units do not lead it
    due_task(net, "Sắp đến hạn của sở A", "prov_a_dept")
    late_task(net, "Tỉnh A giao sở A", "prov_a_dept", by="a_head", assigning="prov_a")
    client.force_login(user)
    for panel in (home_panel(user, "program.my_tasks"), home_panel(user, "program.assigned_late")):
        for count_key, url_key in (("late_count", "late_url"), ("due_count", "due_url"), ("count", "url")):
            if count_key not in panel:
                continue
            assert "mine=1" in panel[url_key]
            listed = client.get(panel[url_key]).context["page"].paginator.count
            assert listed == panel[count_key], (url_key, panel[url_key])
    mine = home_panel(user, "program.my_tasks")
    assert (mine["late_count"], mine["due_count"]) == (3, 1)
