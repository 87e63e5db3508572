"""Triage: severity from the impact x urgency matrix, SLA due times from the severity's
target, NEW -> TRIAGED; merging a duplicate; likely duplicates; who may do it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.models import AuditEntry
from vigil.incidents import reference as reference_data
from vigil.incidents.models import Incident
from vigil.incidents.selectors.incidents import incident_by_reference
from vigil.incidents.services import intake, triage

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref(net):
    reference_data.load_all()
    return net


def new(net, user="a_analyst", **kw):
    kw.setdefault("title", "Tấn công dò mật khẩu")
    return intake.incident_report(actor=Actor(user=net.users[user]), **kw)


def act(net, name):
    return Actor(user=net.users[name])


@pytest.mark.parametrize(("impact", "urgency", "severity"), [
    (4, 4, "critical"), (4, 2, "high"), (3, 3, "high"), (2, 2, "medium"), (1, 4, "medium"), (1, 1, "low"),
])
def test_severity_comes_from_the_matrix(ref, impact, urgency, severity):
    incident = new(ref)
    done = triage.incident_triage(actor=act(ref, "a_analyst"), incident=incident,
                                  incident_type="intrusion-attempts:brute-force", impact=impact, urgency=urgency)
    assert done.severity == severity


def test_triage_sets_sla_due_times_and_acknowledges(ref):
    incident = new(ref)
    done = triage.incident_triage(actor=act(ref, "a_analyst"), incident=incident,
                                  incident_type="malicious-code:infected-system", impact=4, urgency=4,
                                  tlp="red", pap="green", sector="banking")
    assert done.state == Incident.State.TRIAGED
    assert done.acknowledge_due == incident.received_at + dt.timedelta(minutes=15)
    assert done.respond_due == incident.received_at + dt.timedelta(minutes=60)
    assert done.resolve_due == incident.received_at + dt.timedelta(minutes=1440)
    assert done.acknowledged_at is not None and done.tlp == "red" and done.pap == "green" and done.sector == "banking"
    event = done.timeline.get(kind="triaged")
    assert event.data["before"]["severity"] is None and event.data["after"]["severity"] == "critical"
    assert AuditEntry.objects.filter(action="incidents.incident.triage", object_id=str(done.pk)).exists()
    # Triage schedules the statutory reports: critical banking incident, the sector's 2-hour
    # initial notification replaces the general 24-hour one.
    due = {r.stage.code: (r.stage.sector, r.due_at - done.detected_at) for r in done.stage_reports.all()}
    assert due["initial"] == ("banking", dt.timedelta(hours=2))
    assert {"urgent-notice", "update", "final"} <= set(due)


def test_retriage_keeps_the_state_and_the_first_acknowledgement(ref):
    incident = new(ref)
    first = triage.incident_triage(actor=act(ref, "a_analyst"), incident=incident,
                                   incident_type="fraud:phishing", impact=1, urgency=1)
    Incident.objects.filter(pk=incident.pk).update(state=Incident.State.IN_PROGRESS)
    again = triage.incident_triage(actor=act(ref, "a_analyst"), incident=first, incident_type="fraud:phishing",
                                   impact=3, urgency=4)
    assert again.state == Incident.State.IN_PROGRESS and again.severity == "critical"
    assert again.acknowledged_at == first.acknowledged_at
    assert again.timeline.filter(kind="retriaged").exists()


def test_harmful_speech_is_out_of_scope(ref):
    with pytest.raises(ValidationError) as exc:
        triage.incident_triage(actor=act(ref, "a_analyst"), incident=new(ref),
                               incident_type="abusive-content:harmful-speech", impact=2, urgency=2)
    assert "incident_type" in exc.value.message_dict


def test_bad_values_name_their_fields(ref):
    with pytest.raises(ValidationError) as exc:
        triage.incident_triage(actor=act(ref, "a_analyst"), incident=new(ref), incident_type="nope:nope",
                               impact=7, urgency=0, tlp="purple")
    assert {"incident_type", "impact", "urgency", "tlp"} <= set(exc.value.message_dict)


def test_sibling_province_cannot_triage_province_a_incident(ref):
    incident = new(ref)
    with pytest.raises(AccessDenied):
        triage.incident_triage(actor=act(ref, "b_analyst"), incident=incident,
                               incident_type="fraud:phishing", impact=1, urgency=1)


def test_moving_to_a_unit_outside_ones_scope_is_refused(ref):
    incident = new(ref)
    with pytest.raises(ValidationError) as exc:
        triage.incident_triage(actor=act(ref, "a_analyst"), incident=incident, incident_type="fraud:phishing",
                               impact=1, urgency=1, owner_unit=ref.units["ministry"])
    assert "owner_unit" in exc.value.message_dict
    moved = triage.incident_triage(actor=act(ref, "agency_analyst"), incident=incident, incident_type="fraud:phishing",
                                   impact=1, urgency=1, owner_unit=ref.units["ministry"])
    assert moved.owner_unit == ref.units["ministry"]


def test_merge_moves_observables_and_evidence_and_leads_the_reference_on(ref):
    from django.core.files.base import ContentFile

    keep = new(ref, observables=["203.0.113.9"])
    dup = new(ref, observables=["203.0.113.9", "evil.example"],
              attachments=[ContentFile(b"%PDF-1.4 x", name="a.pdf")])
    triage.incident_merge(actor=act(ref, "a_analyst"), duplicate=dup, into=keep, reason="Cùng một vụ")
    dup.refresh_from_db()
    assert dup.state == Incident.State.MERGED and dup.merged_into == keep
    assert set(keep.observables.values_list("value", flat=True)) == {"203.0.113.9", "evil.example"}
    assert keep.evidence.get().sha256 == dup.evidence.get().sha256
    assert keep.timeline.filter(kind="merged_from").exists() and dup.timeline.filter(kind="merged").exists()
    assert incident_by_reference(user=ref.users["a_analyst"], reference=dup.reference).pk == keep.pk


def test_merge_needs_change_on_both_and_a_reason(ref):
    a = new(ref)
    b = new(ref, user="b_analyst")
    with pytest.raises(AccessDenied):
        triage.incident_merge(actor=act(ref, "a_analyst"), duplicate=a, into=b, reason="x")
    with pytest.raises(DomainError) as exc:
        triage.incident_merge(actor=act(ref, "a_analyst"), duplicate=a, into=a, reason="x")
    assert exc.value.field == "into"
    with pytest.raises(DomainError) as exc:
        triage.incident_merge(actor=act(ref, "a_analyst"), duplicate=a, into=new(ref), reason=" ")
    assert exc.value.field == "reason"


def test_duplicates_share_observables_or_title_in_the_same_unit(ref):
    base = new(ref, title="Website bị deface", observables=["198.51.100.20"])
    same_value = new(ref, title="Khác", observables=["198.51.100.20"])
    same_title = new(ref, title="website bị DEFACE")
    other = new(ref, title="Không liên quan", observables=["192.0.2.200"])
    found = triage.duplicates_for(user=ref.users["a_analyst"], incident=base)
    ids = [c.incident.pk for c in found]
    assert ids[0] == same_value.pk and same_title.pk in ids and other.pk not in ids
    assert found[0].shared_values == ["198.51.100.20"]
    Incident.objects.filter(pk=same_value.pk).update(received_at=base.received_at - dt.timedelta(days=40))
    assert same_value.pk not in [c.incident.pk for c in triage.duplicates_for(user=ref.users["a_analyst"], incident=base)]
    assert triage.duplicates_for(user=ref.users["b_analyst"], incident=base) == []


def test_taxonomy_lists_classes_with_their_types(ref):
    classes = triage.taxonomy(user=ref.users["b_analyst"])
    assert len(classes) == 11 and sum(len(c.type_list) for c in classes) == 39
    assert sum(len(c.type_list) for c in triage.taxonomy(user=ref.users["b_analyst"], active_only=True)) == 38


def test_an_untriaged_report_runs_on_the_provisional_targets_and_escalates(ref, settings):
    """Clocks run from receipt: a report nobody triages still breaches and escalates."""
    from vigil.incidents.models import SlaBreach
    from vigil.incidents.services import sla

    settings.INCIDENT_INTAKE_SEVERITY = "medium"
    incident = new(ref)
    assert incident.severity == "" and incident.state == Incident.State.NEW
    assert incident.acknowledge_due == incident.received_at + dt.timedelta(hours=4)
    sla.sla_check(now=incident.received_at + dt.timedelta(hours=5))
    assert SlaBreach.objects.filter(incident=incident, clock="acknowledge", level=1).exists()
    triaged = triage.incident_triage(actor=act(ref, "a_analyst"), incident=incident,
                                     incident_type="fraud:phishing", impact=4, urgency=4)
    assert triaged.acknowledge_due == incident.received_at + dt.timedelta(minutes=15)  # the real severity's
