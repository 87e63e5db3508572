"""Statutory reporting stages: scheduling by type / class / sector / severity, repeated
updates, submission with mandatory fields, and who is late."""

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.incidents.models import (
    Incident,
    IncidentClass,
    IncidentType,
    ReportingStage,
    StageReport,
)
from vigil.incidents.selectors import stages as stage_sel
from vigil.incidents.services import stages

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 8, 0))
FIELDS = [
    {"name": "summary", "label": "Tóm tắt", "label_en": "Summary", "type": "textarea"},
    {"name": "affected", "label": "Số máy bị ảnh hưởng", "label_en": "Machines affected", "type": "number"},
    {"name": "status", "label": "Tình trạng", "label_en": "Status", "type": "choice",
     "choices": [{"value": "ongoing", "label": "Đang diễn ra", "label_en": "Ongoing"},
                 {"value": "contained", "label": "Đã ngăn chặn", "label_en": "Contained"}]},
    {"name": "detected", "label": "Thời điểm phát hiện", "label_en": "Detected", "type": "datetime"},
]
GOOD = {"summary": "Mã độc", "affected": "3", "status": "ongoing", "detected": "2026-03-02T07:00"}


def taxonomy():
    klass = IncidentClass.objects.create(code="malicious-code", name="Mã độc", name_en="Malicious code")
    other = IncidentClass.objects.create(code="fraud", name="Gian lận", name_en="Fraud")
    infected = IncidentType.objects.create(klass=klass, code="malicious-code:infected-system",
                                           name="Hệ thống nhiễm mã độc", name_en="Infected system")
    phishing = IncidentType.objects.create(klass=other, code="fraud:phishing", name="Lừa đảo", name_en="Phishing")
    return klass, infected, phishing


def make_stages(klass, infected):
    return {
        "initial": ReportingStage.objects.create(code="initial", name="Thông báo ban đầu", name_en="Initial",
                                                 due_hours=24, fields=FIELDS, sort_order=1),
        "update": ReportingStage.objects.create(code="update", name="Cập nhật", name_en="Update",
                                                due_hours=48, repeat_hours=24, fields=FIELDS[:1], sort_order=2),
        "final": ReportingStage.objects.create(code="final", name="Báo cáo kết thúc", name_en="Final",
                                               due_hours=24 * 15, fields=FIELDS[:1], sort_order=3),
        "malware": ReportingStage.objects.create(code="malware", name="Báo cáo mã độc", name_en="Malware report",
                                                 klass=klass, due_hours=72, sort_order=4),
        "banking": ReportingStage.objects.create(code="banking", name="Báo cáo ngân hàng", name_en="Banking",
                                                 sector="banking", due_hours=12, sort_order=5),
        "critical": ReportingStage.objects.create(code="critical", name="Báo cáo khẩn", name_en="Urgent",
                                                  incident_type=infected, min_severity="critical", due_hours=2,
                                                  sort_order=6),
    }


def make_incident(owner, itype, *, severity="high", sector="", ref="VG-0100", **extra):
    extra.setdefault("detected_at", T0)
    extra.setdefault("received_at", T0)
    return Incident.objects.create(reference=ref, title=f"Sự cố {ref}", owner_unit=owner, incident_type=itype,
                                   severity=severity, sector=sector, state=Incident.State.TRIAGED, **extra)


@pytest.fixture
def world(net):
    klass, infected, phishing = taxonomy()
    return {"net": net, "stages": make_stages(klass, infected), "infected": infected, "phishing": phishing}


def codes(incident):
    return sorted(StageReport.objects.filter(incident=incident).values_list("stage__code", flat=True))


def test_stages_follow_type_class_sector_and_severity(world):
    net = world["net"]
    inc = make_incident(net.prov_a, world["infected"])
    created = stages.stages_schedule(inc)
    assert codes(inc) == ["final", "initial", "malware", "update"]
    assert len(created) == 4
    initial = StageReport.objects.get(incident=inc, stage__code="initial")
    assert initial.due_at == T0 + dt.timedelta(hours=24) and initial.sequence == 1

    banking = make_incident(net.prov_a, world["phishing"], sector="banking", severity="critical", ref="VG-0101")
    stages.stages_schedule(banking)
    assert codes(banking) == ["banking", "final", "initial", "update"]

    urgent = make_incident(net.prov_a, world["infected"], severity="critical", ref="VG-0102")
    stages.stages_schedule(urgent)
    assert "critical" in codes(urgent)


def test_scheduling_twice_creates_nothing_new(world):
    inc = make_incident(world["net"].prov_a, world["infected"])
    stages.stages_schedule(inc)
    assert stages.stages_schedule(inc) == []
    assert StageReport.objects.filter(incident=inc).count() == 4


def test_nothing_is_scheduled_without_type_or_severity(world):
    inc = make_incident(world["net"].prov_a, None)
    assert stages.stages_schedule(inc) == []


def test_submit_names_the_missing_field(world):
    net = world["net"]
    inc = make_incident(net.prov_a, world["infected"])
    stages.stages_schedule(inc)
    report = StageReport.objects.get(incident=inc, stage__code="initial")
    actor = Actor(user=net.a_analyst)
    with pytest.raises(DomainError) as exc:
        stages.stage_report_submit(actor=actor, stage_report=report, data={**GOOD, "summary": " "})
    assert exc.value.field == "data.summary"
    with pytest.raises(DomainError) as exc:
        stages.stage_report_submit(actor=actor, stage_report=report, data={**GOOD, "affected": "nhiều"})
    assert exc.value.field == "data.affected"
    with pytest.raises(DomainError) as exc:
        stages.stage_report_submit(actor=actor, stage_report=report, data={**GOOD, "status": "over"})
    assert exc.value.field == "data.status"
    with pytest.raises(DomainError) as exc:
        stages.stage_report_submit(actor=actor, stage_report=report, data={**GOOD, "detected": "hôm qua"})
    assert exc.value.field == "data.detected"
    report.refresh_from_db()
    assert report.submitted_at is None


def test_a_submitted_report_is_frozen(world):
    net = world["net"]
    inc = make_incident(net.prov_a, world["infected"])
    stages.stages_schedule(inc)
    report = StageReport.objects.get(incident=inc, stage__code="initial")
    actor = Actor(user=net.a_analyst)
    stages.stage_report_submit(actor=actor, stage_report=report, data=GOOD)
    report.refresh_from_db()
    assert report.submitted_by == net.a_analyst and report.data["affected"] == 3
    with pytest.raises(Conflict):
        stages.stage_report_submit(actor=actor, stage_report=report, data=GOOD)


def test_only_the_reporting_unit_may_submit(world):
    net = world["net"]
    inc = make_incident(net.prov_a, world["infected"])
    stages.stages_schedule(inc)
    report = StageReport.objects.get(incident=inc, stage__code="initial")
    with pytest.raises(AccessDenied):
        stages.stage_report_submit(actor=Actor(user=net.b_analyst), stage_report=report, data=GOOD)


def test_repeating_stage_creates_the_next_update_until_the_final_report(world):
    net = world["net"]
    inc = make_incident(net.prov_a, world["infected"])
    stages.stages_schedule(inc)
    actor = Actor(user=net.a_analyst)
    first = StageReport.objects.get(incident=inc, stage__code="update", sequence=1)
    stages.stage_report_submit(actor=actor, stage_report=first, data={"summary": "Đang xử lý"})
    second = StageReport.objects.get(incident=inc, stage__code="update", sequence=2)
    assert second.due_at == first.due_at + dt.timedelta(hours=24)
    final = StageReport.objects.get(incident=inc, stage__code="final")
    stages.stage_report_submit(actor=actor, stage_report=final, data={"summary": "Đã xong"})
    # The pending update is owed no more, and submitting more creates nothing.
    assert not StageReport.objects.filter(incident=inc, stage__code="update", submitted_at__isnull=True).exists()


def test_who_is_late_groups_by_reporting_unit(world):
    net = world["net"]
    a = make_incident(net.prov_a, world["infected"])
    b = make_incident(net.prov_b, world["phishing"], ref="VG-0200")
    stages.stages_schedule(a)
    stages.stages_schedule(b)
    now = T0 + dt.timedelta(days=3, hours=1)
    late = stage_sel.stages_overdue(user=net.agency_analyst, now=now)
    by_unit = {g.unit.code: g for g in late}
    assert set(by_unit) == {"tinh-a", "tinh-b"}
    assert by_unit["tinh-a"].count == 3  # initial, update, malware
    assert by_unit["tinh-b"].count == 2
    assert by_unit["tinh-a"].days_late == 2
    # A province sees only its own.
    mine = stage_sel.stages_overdue(user=net.b_analyst, now=now)
    assert [g.unit.code for g in mine] == ["tinh-b"]


def test_due_for_my_units_lists_late_and_upcoming(world):
    net = world["net"]
    a = make_incident(net.prov_a, world["infected"])
    stages.stages_schedule(a)
    rows = list(stage_sel.stages_due(user=net.a_analyst, now=T0 + dt.timedelta(hours=30)))
    assert [r.stage.code for r in rows] == ["initial", "update", "malware", "final"]
    assert list(stage_sel.stages_due(user=net.b_analyst, now=T0)) == []


def test_choices_may_be_plain_values_or_labelled():
    assert stages.choice_pairs({"choices": ["a", "b"]}) == [("a", "a"), ("b", "b")]
    spec = FIELDS[2]
    assert stages.choice_pairs(spec) == [("ongoing", "Đang diễn ra"), ("contained", "Đã ngăn chặn")]
    assert stages.choice_pairs(spec, english=True)[0] == ("ongoing", "Ongoing")


def test_reference_stages_file_loads_into_valid_forms():
    """Every stage of incidents/reference/reporting_stages.toml gives a form whose fields
    have known types and, for choices, values."""
    import tomllib
    from pathlib import Path

    from vigil.incidents.forms.stages import StageReportForm

    path = Path(stages.__file__).resolve().parent.parent / "reference" / "reporting_stages.toml"
    if not path.exists():
        pytest.skip("no reference file")
    for row in tomllib.loads(path.read_text(encoding="utf-8")).get("stage", []):
        stage = ReportingStage(code=row["code"], name=row["name"], due_hours=1, fields=row.get("fields", []))
        form = StageReportForm(stage=stage)
        assert set(form.fields) == {f["name"] for f in row.get("fields", [])}
        for f in stages.stage_fields(stage):
            assert f["type"] in stages.FIELD_TYPES
            if f["type"] == "choice":
                assert stages.choice_pairs(f)
