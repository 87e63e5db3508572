"""Intake: a report is validated, routed to its owning unit, stored with its observables,
evidence, timeline and audit entry in one transaction, and never stored twice for the
same intake key."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.utils import timezone

from vigil.assets.services.systems import address_add, system_create
from vigil.core.actors import Actor, system_actor
from vigil.core.errors import AccessDenied
from vigil.core.models import AuditEntry, Notification
from vigil.incidents import reference as reference_data
from vigil.incidents.models import EvidenceFile, Incident, Observable, TimelineEvent
from vigil.incidents.services import intake, routing
from vigil.org.models import ConstituencyEntry
from vigil.org.services.constituency import parse_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref(net):
    reference_data.load_all()
    return net


def claim(unit, value):
    parsed = parse_value(value)
    return ConstituencyEntry.objects.create(
        unit=unit, kind=parsed.kind, value=parsed.value, range_start=parsed.range_start,
        range_end=parsed.range_end, prefix_len=parsed.prefix_len, match_key=parsed.match_key,
    )


def system(unit, code, *addresses):
    s = system_create(actor=system_actor(), owner_unit=unit, code=code, name=f"Hệ thống {code}")
    for a in addresses:
        address_add(actor=system_actor(), system=s, value=a)
    return s


def report(user, **kw):
    kw.setdefault("title", "Máy chủ bị nhiễm mã độc")
    return intake.incident_report(actor=Actor(user=user, channel="web"), **kw)


# --------------------------------------------------------------------------- routing


def test_affected_system_decides_the_owner_unit(ref):
    s = system(ref.units["prov_a_dept"], "cong-tt")
    claim(ref.units["prov_b"], "10.0.0.0/8")
    incident = report(ref.users["a_analyst"], systems=[s.pk], observables=["10.1.2.3"])
    assert incident.owner_unit == ref.units["prov_a_dept"]
    assert list(incident.systems.all()) == [s]


def test_address_of_a_registered_system_beats_the_constituency_of_its_own_tree(ref):
    system(ref.units["ministry"], "mail", "203.0.113.10")
    claim(ref.units["national"], "203.0.113.0/24")  # the ministry's parent answers for the block
    incident = report(ref.users["a_analyst"], observables=["203.0.113.10"])
    assert incident.owner_unit == ref.units["ministry"]
    system(ref.units["ministry"], "web", "198.51.100.10")  # nobody claims it
    assert routing.find_owner_unit(values=["198.51.100.10"]).unit == ref.units["ministry"]


def test_a_system_on_another_units_addresses_does_not_take_its_reports(ref):
    """Issue 11: registering a system on an address of another unit's block routed that
    unit's reports to the system's owner."""
    claim(ref.units["prov_b"], "203.0.113.0/24")
    system(ref.units["ministry"], "mail", "203.0.113.10")
    incident = report(ref.users["a_analyst"], observables=["203.0.113.10"])
    assert incident.owner_unit == ref.units["prov_b"]
    assert incident.timeline.get(kind="reported").data["routed_by"] == routing.CONSTITUENCY


def test_pending_and_refused_claims_do_not_route(ref):
    claim(ref.units["prov_a_dept"], "198.51.100.0/24")
    for status in (ConstituencyEntry.Status.PENDING, ConstituencyEntry.Status.REFUSED):
        entry = claim(ref.units["prov_b"], "198.51.100.7/32")
        ConstituencyEntry.objects.filter(pk=entry.pk).update(status=status)
        route = routing.find_owner_unit(values=["198.51.100.7"])
        assert (route.unit, route.how) == (ref.units["prov_a_dept"], routing.CONSTITUENCY)
        entry.delete()


def test_constituency_longest_prefix_wins(ref):
    claim(ref.units["prov_a"], "198.51.0.0/16")
    claim(ref.units["prov_a_dept"], "198.51.100.0/24")
    incident = report(ref.users["b_analyst"], observables=["198.51.100.7"])
    assert incident.owner_unit == ref.units["prov_a_dept"]
    event = incident.timeline.get(kind="reported")
    assert event.data["routed_by"] == routing.CONSTITUENCY


def test_constituency_longest_domain_suffix_from_a_defanged_url_in_the_text(ref):
    claim(ref.units["prov_a"], "tinh-a.gov.vn")
    claim(ref.units["prov_a_dept"], "sotc.tinh-a.gov.vn")
    incident = report(ref.users["b_analyst"], description="Trang hxxps://portal.sotc.tinh-a[.]gov[.]vn/ bị thay đổi giao diện")
    assert incident.owner_unit == ref.units["prov_a_dept"]
    assert not incident.observables.exists()  # text addresses route, they are not stored as indicators


def test_reporter_unit_when_nothing_matches(ref):
    incident = report(ref.users["a_dept"], observables=["192.0.2.55"])
    assert incident.owner_unit == ref.units["prov_a_dept"]
    assert incident.reporter_unit == ref.units["prov_a_dept"]



def test_standing_agency_when_no_reporter_unit(ref):
    route = routing.find_owner_unit(values=["192.0.2.1"], reporter_unit=None)
    assert route.unit == ref.units["agency"] and route.how == routing.AGENCY


# --------------------------------------------------------------------------- storing


def test_report_is_stored_with_everything_in_one_go(ref):
    upload = ContentFile(b"%PDF-1.4 evidence", name="log.pdf")
    incident = report(
        ref.users["a_analyst"], description="Phát hiện kết nối lạ", observables_text="hxxp://evil[.]example/x\n1.2.3[.]4\n",
        observables=[("md5", "D41D8CD98F00B204E9800998ECF8427E")], attachments=[upload], tlp="amber",
        reporter_email="nguoibao@example.org",
    )
    assert incident.state == Incident.State.NEW
    assert incident.reference.startswith(f"SC-{timezone.localtime().year}-") and len(incident.reference) == 14
    assert set(incident.observables.values_list("kind", "value")) == {
        ("url", "http://evil.example/x"), ("ipv4", "1.2.3.4"), ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
    }
    ev = incident.evidence.get()
    assert ev.name == "log.pdf" and ev.content_type == "application/pdf" and len(ev.sha256) == 64
    assert ev.file.read() == b"%PDF-1.4 evidence"
    assert incident.timeline.filter(kind="reported").count() == 1
    assert AuditEntry.objects.filter(action="incidents.incident.report", object_id=str(incident.pk)).count() == 1
    assert incident.reported_by == ref.users["a_analyst"] and incident.created_by == ref.users["a_analyst"]


def test_after_commit_handlers_are_notified_and_the_reporter_gets_a_receipt(ref, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(ref.users["a_dept"], reporter_email="nguoibao@example.org")
    notified = set(Notification.objects.filter(kind="incidents.incident.reported").values_list("recipient__username", flat=True))
    assert "a_dept" in notified  # the owning unit's responder (holds change)
    assert "agency_analyst" in notified  # the standing agency
    assert "b_analyst" not in notified
    receipt = [m for m in mail.outbox if m.to == ["nguoibao@example.org"]]
    assert receipt and incident.reference in receipt[0].subject and incident.reference in receipt[0].body


def test_the_new_report_notice_is_dated_by_the_report_not_by_the_job(ref):
    """The job may run later than the report (a queue that was down, the demo's history):
    the handlers' notice still reads the time the report came in."""
    incident = report(ref.users["a_dept"])
    received = timezone.now() - dt.timedelta(days=40)
    Incident.objects.filter(pk=incident.pk).update(received_at=received)
    intake.after_report(Actor(user=ref.users["a_dept"]), incident.pk)
    dates = set(Notification.objects.filter(kind="incidents.incident.reported").values_list("created_at", flat=True))
    assert dates == {received}


def test_receipt_failure_is_logged_not_raised(ref, monkeypatch, django_capture_on_commit_callbacks):
    def boom(*a, **k):
        raise OSError("smtp down")

    monkeypatch.setattr(intake, "send_mail", boom)
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(ref.users["a_dept"], reporter_email="x@example.org")
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_same_intake_key_twice_gives_one_incident(ref):
    first = report(ref.users["a_analyst"], intake_key="api:1:abc", observables_text="evil.example")
    second = report(ref.users["a_analyst"], intake_key="api:1:abc", observables_text="evil.example")
    assert second.pk == first.pk and second.replayed and not first.replayed
    assert Incident.objects.count() == 1


def test_same_intake_key_with_other_content_is_refused_not_answered_silently(ref):
    first = report(ref.users["a_analyst"], intake_key="api:1:abc", observables_text="evil.example")
    assert len(first.intake_fingerprint) == 64
    for change in ({"title": "khác"}, {"observables_text": "other.example"}, {"tlp": "red"},
                   {"attachments": [ContentFile(b"log", name="a.txt")]}):
        with pytest.raises(intake.KeyReused) as exc:
            report(ref.users["a_analyst"], intake_key="api:1:abc", **{"observables_text": "evil.example", **change})
        assert exc.value.status == 422 and exc.value.field == "intake_key"
    assert Incident.objects.count() == 1 and Incident.objects.get().title == first.title


def test_same_intake_key_with_the_same_attachment_is_a_replay(ref):
    first = report(ref.users["a_analyst"], intake_key="mail:att@x", attachments=[ContentFile(b"log 1", name="a.txt")])
    again = report(ref.users["a_analyst"], intake_key="mail:att@x", attachments=[ContentFile(b"log 1", name="a.txt")])
    assert again.pk == first.pk and again.replayed
    with pytest.raises(intake.KeyReused):
        report(ref.users["a_analyst"], intake_key="mail:att@x", attachments=[ContentFile(b"log 2", name="a.txt")])


def test_intake_key_race_returns_the_winner(ref, monkeypatch):
    winner = report(ref.users["a_analyst"], intake_key="mail:race@x")
    calls = {"n": 0}
    real = intake._replay

    def late_replay(key, fingerprint):  # the first look misses (the other request had not committed yet)
        calls["n"] += 1
        return None if calls["n"] == 1 else real(key, fingerprint)

    monkeypatch.setattr(intake, "_replay", late_replay)
    again = report(ref.users["a_analyst"], intake_key="mail:race@x")
    assert again.pk == winner.pk and Incident.objects.count() == 1
    calls["n"] = 0  # the loser of the race with other content is refused too
    with pytest.raises(intake.KeyReused):
        report(ref.users["a_analyst"], intake_key="mail:race@x", title="Nội dung khác")


def test_reference_collision_is_retried(ref, monkeypatch):
    first = report(ref.users["a_analyst"])
    numbers = iter([first.reference, "SC-2026-ZZZZZZ"])
    monkeypatch.setattr(intake, "new_reference", lambda at=None: next(numbers))
    second = report(ref.users["a_analyst"])
    assert second.reference == "SC-2026-ZZZZZZ"


def test_files_are_removed_when_the_transaction_fails(ref, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(intake, "timeline_add", lambda **k: (_ for _ in ()).throw(IntegrityError("boom")))
    with pytest.raises(IntegrityError):
        report(ref.users["a_analyst"], attachments=[ContentFile(b"%PDF-1.4", name="a.pdf")])
    assert not Incident.objects.exists() and not EvidenceFile.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


# --------------------------------------------------------------------------- validation and access


def test_validation_errors_name_every_bad_field(ref):
    with pytest.raises(ValidationError) as exc:
        report(
            ref.users["a_analyst"], title="  ", reporter_email="not-an-address", tlp="purple",
            detected_at=timezone.now() + dt.timedelta(days=2), observables_text="1.2.3.4\nkhông phải dấu hiệu",
            attachments=[ContentFile(b"MZ\x90\x00", name="virus.exe")],
        )
    fields = exc.value.message_dict
    assert {"title", "reporter_email", "tlp", "detected_at", "observables", "attachments"} <= set(fields)
    assert "Dòng 2" in fields["observables"][0]
    assert not Incident.objects.exists()


def test_reporter_unit_must_be_one_of_the_users_units(ref):
    with pytest.raises(ValidationError) as exc:
        report(ref.users["a_analyst"], reporter_unit=ref.units["prov_b"])
    assert "reporter_unit" in exc.value.message_dict


def test_systems_must_be_visible_to_the_reporter(ref):
    hidden = system(ref.units["prov_b_dept"], "kho-b")
    with pytest.raises(ValidationError) as exc:
        report(ref.users["a_analyst"], systems=[hidden.pk])
    assert "systems" in exc.value.message_dict


def test_a_non_member_cannot_report(ref):
    with pytest.raises(AccessDenied):
        report(ref.users["nobody"])


def test_reporter_tracks_the_report_even_when_routed_elsewhere(ref):
    claim(ref.units["prov_b"], "100.64.0.0/10")
    incident = report(ref.users["a_analyst"], observables=["100.64.1.1"])
    assert incident.owner_unit == ref.units["prov_b"]
    assert intake.incident_track(user=ref.users["a_analyst"], reference=incident.reference.lower()).pk == incident.pk
    from vigil.core.errors import NotFound

    with pytest.raises(NotFound):
        intake.incident_track(user=ref.users["a_head"], reference=incident.reference)


def test_refused_attachment_can_be_noted_instead_of_refusing_the_report(ref):
    incident = report(ref.users["a_analyst"], attachments=[ContentFile(b"MZ", name="x.exe")], skip_bad_attachments=True)
    event = TimelineEvent.objects.get(incident=incident, kind="attachment_refused")
    assert "x.exe" in event.text
    assert not incident.evidence.exists()


def test_observable_parser_accepts_forced_kinds_and_defanged_values():
    assert intake.parse_observable_lines("file: báo cáo.docx\n# ghi chú\n\nuser[at]mail(.)example\n") == [
        ("file", "báo cáo.docx"), ("email", "user@mail.example"),
    ]


def test_addresses_in_text_skip_file_names():
    found = intake.addresses_in_text("Tệp invoice.pdf từ 203.0.113.5 qua hxxp://bad[.]example/a và evil.example.")
    assert "203.0.113.5" in found and "http://bad.example/a" in found and "evil.example" in found
    assert not any("invoice" in f for f in found)
    assert Observable.objects.count() == 0


def test_a_stored_report_is_acknowledged_even_when_the_job_queue_is_down(ref, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    """Notifying the handlers is a job queued after the commit; a broken queue must not turn
    a stored report into an error for the reporter (the SLA check still escalates it)."""
    from vigil.incidents import jobs as tasks

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "incident_reported", down)
    with django_capture_on_commit_callbacks(execute=True):
        incident = intake.incident_report(actor=Actor(user=ref.users["a_analyst"]), title="Máy chủ bị dò quét")
    assert Incident.objects.filter(pk=incident.pk, state=Incident.State.NEW).exists()
    assert not Notification.objects.filter(kind="incidents.incident.reported").exists()
