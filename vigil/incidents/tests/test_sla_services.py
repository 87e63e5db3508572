"""SLA clocks: due times from the targets, breaches found by the scheduled check, the
escalation to the parent unit then to the standing agency, and idempotency."""

import datetime as dt

from django.utils import timezone

from vigil.core.models import Notification
from vigil.incidents.models import Incident, SlaBreach, SlaTarget, TimelineEvent
from vigil.incidents.services import sla

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 8, 0))


def make_targets():
    SlaTarget.objects.create(severity="critical", acknowledge_minutes=15, respond_minutes=60, resolve_minutes=1440)
    SlaTarget.objects.create(severity="high", acknowledge_minutes=60, respond_minutes=240, resolve_minutes=4320)


def make_incident(owner, *, severity="high", ref="VG-0001", lead=None, state=Incident.State.ASSIGNED, **extra):
    inc = Incident(reference=ref, title=f"Sự cố {ref}", owner_unit=owner, lead_unit=lead, severity=severity,
                   state=state, received_at=T0, detected_at=T0 - dt.timedelta(hours=1), **extra)
    sla.apply_targets(inc)
    inc.save()
    return inc


def test_apply_targets_sets_the_three_due_times_from_received_at(db):
    make_targets()
    inc = Incident(severity="critical", received_at=T0)
    sla.apply_targets(inc)
    assert inc.acknowledge_due == T0 + dt.timedelta(minutes=15)
    assert inc.respond_due == T0 + dt.timedelta(hours=1)
    assert inc.resolve_due == T0 + dt.timedelta(days=1)


def test_apply_targets_clears_the_due_times_without_a_target(db):
    make_targets()
    inc = Incident(severity="low", received_at=T0, acknowledge_due=T0)
    sla.apply_targets(inc)
    assert (inc.acknowledge_due, inc.respond_due, inc.resolve_due) == (None, None, None)
    inc.severity = ""
    sla.apply_targets(inc)
    assert inc.acknowledge_due is None


def test_nothing_is_breached_before_the_due_time(net):
    make_targets()
    make_incident(net.prov_a_dept)
    run = sla.sla_check(now=T0 + dt.timedelta(minutes=59))
    assert run.level1 == 0 and not SlaBreach.objects.exists()


def test_missed_acknowledge_escalates_to_the_parent_unit_then_the_agency(net):
    make_targets()
    inc = make_incident(net.prov_a_dept)
    # 61 minutes: acknowledge (60) missed -> level 1 to the parent (province A).
    run = sla.sla_check(now=T0 + dt.timedelta(minutes=61))
    assert run.level1 == 1 and run.level2 == 0
    breach = SlaBreach.objects.get()
    assert (breach.clock, breach.level, breach.escalated_to) == ("acknowledge", 1, net.prov_a)
    inc.refresh_from_db()
    assert inc.escalation_level == 1
    parents = set(Notification.objects.filter(kind=sla.BREACHED).values_list("recipient__username", flat=True))
    assert {"a_head", "a_analyst"} <= parents
    assert "agency_analyst" not in parents and "b_analyst" not in parents
    assert TimelineEvent.objects.filter(incident=inc, kind="sla.breach").count() == 1
    # Still unacknowledged after the grace period (the clock's duration again): level 2.
    run = sla.sla_check(now=T0 + dt.timedelta(minutes=121))
    assert run.level2 == 1
    top = SlaBreach.objects.get(level=2, clock="acknowledge")
    assert top.escalated_to == net.agency
    inc.refresh_from_db()
    assert inc.escalation_level == 2
    agency = set(Notification.objects.filter(kind=sla.ESCALATED).values_list("recipient__username", flat=True))
    assert agency == {"agency_analyst"}


def test_running_the_check_twice_sends_nothing_new(net):
    make_targets()
    make_incident(net.prov_a_dept)
    later = T0 + dt.timedelta(minutes=130)
    first = sla.sla_check(now=later)
    count = Notification.objects.count()
    second = sla.sla_check(now=later)
    assert first.level1 == 1 and first.level2 == 1
    assert second.level1 == 0 and second.level2 == 0 and second.notifications == 0
    assert Notification.objects.count() == count
    assert SlaBreach.objects.count() == 2


def test_a_met_clock_is_not_breached(net):
    make_targets()
    make_incident(net.prov_a_dept, acknowledged_at=T0 + dt.timedelta(minutes=5))
    run = sla.sla_check(now=T0 + dt.timedelta(minutes=70))
    assert run.level1 == 0


def test_each_clock_breaches_separately(net):
    make_targets()
    make_incident(net.prov_a_dept, acknowledged_at=T0 + dt.timedelta(minutes=5))
    sla.sla_check(now=T0 + dt.timedelta(minutes=241))
    assert list(SlaBreach.objects.values_list("clock", "level")) == [("respond", 1)]


def test_closed_and_resolved_incidents_are_not_escalated(net):
    make_targets()
    make_incident(net.prov_a_dept, state=Incident.State.CLOSED, ref="VG-0002")
    make_incident(net.prov_a_dept, state=Incident.State.RESOLVED, ref="VG-0003")
    assert sla.sla_check(now=T0 + dt.timedelta(days=5)).level1 == 0


def test_the_lead_unit_is_the_responsible_unit(net):
    make_targets()
    make_incident(net.prov_b_dept, lead=net.prov_a_dept)
    sla.sla_check(now=T0 + dt.timedelta(minutes=61))
    assert SlaBreach.objects.get().escalated_to == net.prov_a


def test_escalation_delay_setting(net, settings):
    settings.INCIDENT_SLA_ESCALATE_AFTER_MINUTES = 5
    make_targets()
    make_incident(net.prov_a_dept)
    run = sla.sla_check(now=T0 + dt.timedelta(minutes=66))
    assert (run.level1, run.level2) == (1, 1)


def test_a_root_unit_escalates_straight_to_the_agency(net):
    make_targets()
    make_incident(net.national)
    sla.sla_check(now=T0 + dt.timedelta(minutes=61))
    assert SlaBreach.objects.get().escalated_to == net.agency
