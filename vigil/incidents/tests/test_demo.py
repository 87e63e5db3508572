"""The incidents demo looks alive: six months of incidents taken along the workflow at
their own past times, so the statistics have real durations; SLA clocks that ran out,
late statutory reports, Hà Nội's webhook with its deliveries, addresses that
`who-owns` finds; the audit chain still verifies; a second load changes nothing."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from vigil.assets import demo as assets_demo
from vigil.core import audit
from vigil.core.actors import system_actor
from vigil.core.models import AuditEntry, Notification, User, WebhookDelivery
from vigil.incidents import demo
from vigil.incidents.models import Incident, SlaBreach, StageReport
from vigil.incidents.reference import load_all as load_incident_reference
from vigil.incidents.selectors.stages import stages_overdue
from vigil.incidents.selectors.stats import incident_stats
from vigil.org import demo as org_demo
from vigil.org.reference import load_all as load_org_reference
from vigil.org.selectors.constituency import who_owns

pytestmark = pytest.mark.django_db


def counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models()
            if m._meta.app_label in ("incidents", "core") and m is not AuditEntry and not m._meta.proxy}


@pytest.fixture
def loaded(no_network, django_capture_on_commit_callbacks):
    load_org_reference()
    load_incident_reference()
    with django_capture_on_commit_callbacks(execute=True):  # as `vigil demo` commits
        org_demo.load(actor=system_actor("cli"))
        assets_demo.load(actor=system_actor("cli"))
        demo.load(actor=system_actor("cli"))


def test_the_demo_looks_alive(loaded):
    # incidents spread over months, with real durations
    incidents = Incident.objects.all()
    assert incidents.count() >= 25
    months = {timezone.localtime(i.received_at).strftime("%Y-%m") for i in incidents}
    assert len(months) >= 3
    assert incidents.values("owner_unit").distinct().count() >= 6
    assert incidents.exclude(severity="").values("severity").distinct().count() >= 3
    assert incidents.filter(state="closed").count() >= 10
    assert incidents.exclude(state__in=("closed", "resolved", "merged")).count() >= 4
    closed = incidents.filter(state="closed").first()
    assert closed.closed_at - closed.received_at > timezone.timedelta(days=1)
    today = timezone.localdate()
    stats = incident_stats(User.objects.get(username="vanphong"), since=today - timezone.timedelta(days=200),
                           until=today, fresh=True).as_dict()
    assert stats["total"]["ack_mean_h"] > 0 and stats["total"]["resolve_mean_h"] > 24
    assert len([m for m in stats["by_month"] if m["count"]]) >= 3

    # sla breaches and late statutory reports
    assert SlaBreach.objects.count() >= 1
    assert SlaBreach.objects.filter(incident__state="closed").exists()  # recorded while it was open
    now = timezone.now()
    late = StageReport.objects.filter(submitted_at__isnull=True, due_at__lt=now).exclude(
        incident__state__in=("closed", "merged"))
    assert late.count() >= 1
    agency = User.objects.get(username="phantich")
    assert sum(group.count for group in stages_overdue(user=agency)) >= 1

    # webhook has deliveries
    deliveries = WebhookDelivery.objects.filter(endpoint__unit__code="ha-noi", endpoint__name=demo.WEBHOOK_NAME)
    assert deliveries.count() >= 2
    test = deliveries.get(kind="core.webhook.test")
    assert test.attempts == 1 and test.status == "failed" and test.last_error  # no receiver: recorded, retried
    assert test.created_at < timezone.now() - timezone.timedelta(days=100)
    # notices and deliveries are dated when their incident's step happened, not at load time
    # (they are written after the transaction commits, which the loader does at its end)
    events = deliveries.exclude(kind="core.webhook.test")
    assert len({timezone.localtime(d.created_at).strftime("%Y-%m") for d in events}) >= 3
    notices = Notification.objects.filter(kind__startswith="incidents.")
    assert len({timezone.localtime(n.created_at).strftime("%Y-%m") for n in notices}) >= 3

    # who owns finds the demo values
    office = User.objects.get(username="vanphong")
    assert [e.unit.code for e in who_owns(user=office, value="dichvucong.hanoi.example").owners] == ["ha-noi"]
    assert [e.unit.code for e in who_owns(user=office, value="203.0.113.163").owners] == ["bo-tai-chinh"]
    # and the demo's incidents carry such values
    assert Incident.objects.filter(observables__value__contains="hanoi.example").exists()

    # audit chain verifies after the demo
    assert audit.verify().ok
    call_command("audit", "verify")  # exits non-zero on a broken chain


def test_loading_twice_changes_nothing(loaded, django_capture_on_commit_callbacks):
    before, audit_before = counts(), AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        org_demo.load(actor=system_actor("cli"))
        assets_demo.load(actor=system_actor("cli"))
        assert demo.load(actor=system_actor("cli")) == []
    assert counts() == before
    assert AuditEntry.objects.count() == audit_before
    assert audit.verify().ok
