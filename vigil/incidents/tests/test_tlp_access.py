"""TLP on incidents for every position in the network (issue 11, item 1).

CLEAR/GREEN: every member. AMBER: whoever's scope holds a handling unit (owner, lead,
live supporting requests) and the units it is shared with. AMBER+STRICT: direct members
of a handling unit. RED: direct members of a handling unit, named recipients, the author.
Oversight roles (office, standing agency, auditor) and parent units never bypass
AMBER+STRICT or RED; declined and withdrawn requests do not count. The rows hanging off
an incident follow it; `visible_to` and `can` agree; notifications, webhooks and audit
entries name an incident by reference to whoever may not read it."""

import pytest
from django.utils import timezone

from vigil.core import audit
from vigil.core.access import can, visible_to
from vigil.core.actors import Actor, system_actor
from vigil.core.models import TLP, Notification
from vigil.core.notify import notify
from vigil.core.selectors import audit_entries, audit_entry_get
from vigil.incidents.models import (
    Comment,
    EvidenceFile,
    Incident,
    IncidentUnit,
    Observable,
    StageReport,
)
from vigil.incidents.selectors.lists import incident_list
from vigil.incidents.services.workflow import ASSIGNED
from vigil.testing import make_user

pytestmark = pytest.mark.django_db

OVERSIGHT_AND_PARENTS = ("office_staff", "agency_analyst", "auditor", "national_viewer", "a_head", "a_analyst")


@pytest.fixture
def world(net):
    """Incidents of province A's subcommittee under every label (province A is its parent)."""
    make_user(net, "sub_member", net.prov_a_sub, "responder")
    make_user(net, "sub_head", net.prov_a_sub, "head")
    incidents = {}
    for n, tlp in enumerate(TLP.values):
        incident = Incident.objects.create(
            owner_unit=net.prov_a_sub, tlp=tlp, reference=f"SC-TLP-{n}", title=f"SECRET-{tlp} title",
            state="triaged", created_by=net.users["sub_member"],
        )
        Comment.objects.create(incident=incident, author=net.users["sub_member"], body=f"SECRET-{tlp} comment")
        incidents[tlp] = incident
    return net, incidents


def _sees(user, obj) -> bool:
    listed = visible_to(user, type(obj)).filter(pk=obj.pk).exists()
    assert listed == can(user, "view", obj), (user.username, obj, "q and allows disagree")
    return listed


@pytest.mark.parametrize("username", OVERSIGHT_AND_PARENTS)
@pytest.mark.parametrize("tlp", [TLP.AMBER_STRICT, TLP.RED])
def test_oversight_and_parent_units_never_read_strict_or_red_incidents(world, username, tlp):
    net, incidents = world
    user = net.users[username]
    incident = incidents[tlp]
    assert not _sees(user, incident)
    assert not _sees(user, incident.comments.get())
    assert not can(user, "change", incident)
    assert not incident_list(user, unit=net.prov_a_sub).filter(pk=incident.pk).exists()
    assert not incident_list(user).filter(pk=incident.pk).exists()


@pytest.mark.parametrize("username", ["office_staff", "agency_analyst", "national_viewer", "a_head", "auditor"])
def test_oversight_and_parent_units_read_amber(world, username):
    net, incidents = world
    assert _sees(net.users[username], incidents[TLP.AMBER])
    assert _sees(net.users[username], incidents[TLP.AMBER].comments.get())


@pytest.mark.parametrize("tlp", [TLP.AMBER_STRICT, TLP.RED])
def test_direct_members_of_the_owning_unit_read_strict_and_red(world, tlp):
    net, incidents = world
    assert _sees(net.users["sub_head"], incidents[tlp])
    assert can(net.users["sub_head"], "change", incidents[tlp])
    assert incident_list(net.users["sub_head"], unit=net.prov_a_sub).filter(pk=incidents[tlp].pk).exists()


def test_only_live_handling_requests_count(world):
    """A unit asked to help reads an AMBER+STRICT incident while its request is live;
    declined or withdrawn, it does not (and its parent never does)."""
    net, incidents = world
    incident = incidents[TLP.AMBER_STRICT]
    b = net.users["b_analyst"]
    row = IncidentUnit.objects.create(incident=incident, unit=net.prov_b, role="support")
    assert _sees(b, incident) and _sees(b, incident.comments.get())
    assert incident_list(b, mine=True, relation="assigned").filter(pk=incident.pk).exists()
    row.answer = IncidentUnit.Answer.DECLINED
    row.save()
    assert not _sees(b, incident) and not _sees(b, incident.comments.get())
    assert not incident_list(b, mine=True, relation="assigned").filter(pk=incident.pk).exists()
    row.answer, row.active = IncidentUnit.Answer.ACCEPTED, False
    row.save()
    assert not _sees(b, incident)
    # A lead unit's own members read it; members of the lead's parent do not.
    incident.lead_unit = net.prov_a_dept
    incident.save()
    assert _sees(net.users["a_dept"], incident)
    assert not _sees(net.users["a_head"], incident)


def test_red_reaches_named_recipients_and_the_author(world):
    net, incidents = world
    incident = incidents[TLP.RED]
    office = net.users["office_staff"]
    assert _sees(net.users["sub_member"], incident)  # the author (and a member of the owner)
    assert not _sees(office, incident)
    incident.recipients.add(office)
    assert _sees(office, incident) and _sees(office, incident.comments.get())
    assert not can(office, "change", incident)  # reading is not handling


def test_amber_shared_with_a_unit_reaches_its_members_only_under_amber(world):
    net, incidents = world
    for tlp in (TLP.AMBER, TLP.AMBER_STRICT):
        incidents[tlp].shared_with.add(net.prov_b)
    assert _sees(net.users["b_analyst"], incidents[TLP.AMBER])
    assert not _sees(net.users["b_analyst"], incidents[TLP.AMBER_STRICT])


def test_every_row_hanging_off_a_strict_incident_follows_it(world):
    from django.core.files.base import ContentFile

    net, incidents = world
    incident = incidents[TLP.AMBER_STRICT]
    rows = [
        Observable.objects.create(incident=incident, kind="domain", value="secret-strict.example"),
        StageReport.objects.create(incident=incident, stage=_stage(), due_at=timezone.now()),
    ]
    evidence = EvidenceFile(incident=incident, name="s.txt", size=1, sha256="0" * 64, content_type="text/plain")
    evidence.file.save("s.txt", ContentFile(b"s"), save=True)
    rows.append(evidence)
    for row in rows:
        assert _sees(net.users["sub_member"], row)
        for username in ("office_staff", "agency_analyst", "auditor", "a_head"):
            assert not _sees(net.users[username], row), (username, row)


def _stage():
    from vigil.incidents.models import ReportingStage

    stage, _ = ReportingStage.objects.get_or_create(
        code="initial", sector="", defaults={"name": "Báo cáo ban đầu", "due_hours": 24, "fields": []})
    return stage


def test_notifications_name_the_incident_by_reference_for_readers_who_may_not_see_it(world, mailoutbox):
    net, incidents = world
    incident = incidents[TLP.RED]
    office, member = net.users["office_staff"], net.users["sub_member"]
    office.email, member.email = "office@example.org", "member@example.org"
    office.save()
    member.save()
    notify(recipients=[office, member], kind=ASSIGNED, title=f"Giao {incident.title}", body=incident.title,
           url=f"/incidents/{incident.pk}/", unit=net.prov_a_sub, actor=system_actor("job"), subject=incident)
    seen = Notification.objects.get(recipient=member)
    hidden = Notification.objects.get(recipient=office)
    assert "SECRET-red" in seen.title
    assert "SECRET" not in hidden.title + hidden.body and f"#{incident.pk}" in hidden.title
    bodies = {m.to[0]: m.subject + m.body for m in mailoutbox}
    assert "SECRET" not in bodies.get("office@example.org", "")
    # the notification's own audit entry does not carry the title either, for the auditor
    entry = audit_entries(user=net.users["auditor"]).filter(action="core.notification.send").first()
    assert entry is not None and "SECRET" not in f"{entry.object_repr}{entry.after}"


def test_webhooks_name_a_red_incident_by_reference(world, django_capture_on_commit_callbacks):
    from vigil.core.models import WebhookDelivery, WebhookEndpoint

    net, incidents = world
    WebhookEndpoint.objects.create(unit=net.prov_a, name="parent hook", url="http://127.0.0.1:9/hook",
                                   secret="whsec_x", include_descendants=True)
    with django_capture_on_commit_callbacks(execute=True):
        for tlp in (TLP.AMBER, TLP.RED):
            incident = incidents[tlp]
            notify(recipients=[], kind=ASSIGNED, title=incident.title, body=incident.title,
                   url=f"/incidents/{incident.pk}/", unit=net.prov_a_sub, subject=incident, key=tlp)
    payloads = [str(d.payload) for d in WebhookDelivery.objects.all()]
    assert any("SECRET-amber" in p for p in payloads)
    assert payloads and not any("SECRET-red" in p for p in payloads)


def test_audit_entries_name_strict_and_red_incidents_by_reference(world):
    net, incidents = world
    actor = Actor(user=net.users["sub_head"])
    for tlp in (TLP.AMBER, TLP.AMBER_STRICT, TLP.RED):
        audit.record(actor=actor, action="incidents.incident.update", obj=incidents[tlp],
                     after=audit.snapshot(incidents[tlp]))
    auditor = net.users["auditor"]
    entries = list(audit_entries(user=auditor).filter(action="incidents.incident.update"))
    text = " ".join(f"{e.object_repr} {e.before} {e.after}" for e in entries)
    assert "SECRET-amber" in text  # AMBER reaches the auditor's scope
    assert "SECRET-red" not in text and "SECRET-amber+strict" not in text
    red_entry = next(e for e in entries if e.object_id == str(incidents[TLP.RED].pk))
    assert red_entry.object_repr.endswith(f"#{incidents[TLP.RED].pk}") and red_entry.after is None
    again = audit_entry_get(user=auditor, entry_id=red_entry.pk)
    assert "SECRET" not in f"{again.object_repr}{again.after}"
    # a superuser (who may read the incident) sees the entry as written
    admin_text = " ".join(e.object_repr for e in audit_entries(user=net.users["admin"]))
    assert "SECRET-red" in admin_text


def test_oversight_and_parent_units_cannot_change_strict_shared_objects(net):
    """The same rule on the other TLP objects (decisions, intelligence sources): an
    oversight role or a parent unit holding `change` does not change an AMBER+STRICT
    object it may not read; the owning unit's own members do."""
    from datetime import date

    from vigil.intel.models import Source
    from vigil.org.models import MembershipDecision

    decision = MembershipDecision.objects.create(
        owner_unit=net.prov_a_dept, number="09/QĐ", date=date(2025, 1, 5), effective_date=date(2025, 1, 10),
        issuer="UBND", title="strict", tlp=TLP.AMBER_STRICT, created_by=net.users["a_dept"])
    source = Source.objects.create(owner_unit=net.prov_a, name="strict source", tlp=TLP.AMBER_STRICT,
                                   created_by=net.users["a_analyst"])
    for obj, owners, others in (
        (decision, ["a_dept"], ["office_staff", "agency_analyst", "a_head", "a_analyst"]),
        (source, ["a_analyst", "a_head"], ["office_staff", "agency_analyst"]),
    ):
        model = type(obj)
        for username in owners:
            user = net.users[username]
            assert can(user, "change", obj)
            assert visible_to(user, model, "change").filter(pk=obj.pk).exists()
        for username in others:
            user = net.users[username]
            assert not can(user, "change", obj), (username, obj)
            assert not visible_to(user, model, "change").filter(pk=obj.pk).exists(), (username, obj)


def test_statistics_never_count_strict_or_red_for_oversight_even_from_a_warm_cache(world):
    """Counts are information too: the office's figures leave out what it may not read,
    even right after the figures were computed (and cached) for a reader who may."""
    from vigil.incidents.selectors.stats import incident_stats, warm_network_stats

    net, _incidents = world
    assert incident_stats(net.users["admin"]).total.count == 5
    warm_network_stats()
    for username in ("office_staff", "agency_analyst"):
        assert incident_stats(net.users[username]).total.count == 3  # CLEAR, GREEN, AMBER
    assert incident_stats(net.users["a_head"], unit=net.prov_a_sub).total.count == 3
    assert incident_stats(net.users["sub_head"], unit=net.prov_a_sub).total.count == 5
