"""Incident reference data: the ENISA taxonomy, the severity matrix, SLA targets,
reporting stages and checklist templates load idempotently from the TOML files."""

import pytest
from django.core.management import call_command

from vigil.incidents import reference as reference_data
from vigil.incidents.models import (
    ChecklistTemplate,
    IncidentClass,
    IncidentType,
    ReportingStage,
    SeverityRule,
    SlaTarget,
)

pytestmark = pytest.mark.django_db


def test_taxonomy_has_eleven_classes_and_thirty_nine_types():
    reference_data.load_all()
    assert IncidentClass.objects.count() == 11
    assert IncidentType.objects.count() == 39
    mal = IncidentClass.objects.get(code="malicious-code")
    assert mal.name == "Mã độc" and mal.name_en == "Malicious Code"
    assert IncidentType.objects.get(code="fraud:phishing").klass.code == "fraud"


def test_harmful_speech_is_loaded_inactive_but_spam_and_cse_stay_active():
    reference_data.load_all()
    assert IncidentType.objects.get(code="abusive-content:harmful-speech").is_active is False
    assert IncidentType.objects.get(code="abusive-content:spam").is_active is True
    assert IncidentType.objects.get(code="abusive-content:violence").is_active is True
    assert IncidentType.objects.filter(is_active=False).count() == 1


def test_second_load_changes_nothing():
    first = reference_data.load_all()
    assert first["types"].created == 39 and first["severity"].created == 16
    second = reference_data.load_all()
    assert all(c.changed == 0 for c in second.values()), {k: vars(v) for k, v in second.items()}


def test_matrix_sla_stages_and_checklists_are_loaded():
    reference_data.load_all()
    assert SeverityRule.objects.count() == 16
    assert SeverityRule.objects.get(impact=4, urgency=4).severity == "critical"
    assert SeverityRule.objects.get(impact=1, urgency=1).severity == "low"
    crit = SlaTarget.objects.get(severity="critical")
    assert (crit.acknowledge_minutes, crit.respond_minutes, crit.resolve_minutes) == (15, 60, 1440)
    assert SlaTarget.objects.get(severity="low").resolve_minutes == 43200
    banking = ReportingStage.objects.get(code="initial", sector="banking")
    assert banking.due_hours == 2
    assert ReportingStage.objects.get(code="initial", sector="").due_hours == 24
    update = ReportingStage.objects.get(code="update")
    assert update.repeat_hours == 72
    assert ReportingStage.objects.get(code="final").due_hours == 720
    assert all({"name", "label", "label_en", "type"} <= set(f) for s in ReportingStage.objects.all() for f in s.fields)
    assert ChecklistTemplate.objects.get(code="phishing-takedown").klass.code == "fraud"
    assert ChecklistTemplate.objects.filter(klass__code="malicious-code").exists()


def test_administrators_sla_changes_survive_a_reload():
    reference_data.load_all()
    SlaTarget.objects.filter(severity="high").update(acknowledge_minutes=30)
    reference_data.load_all()
    assert SlaTarget.objects.get(severity="high").acknowledge_minutes == 30


def test_edited_name_is_restored_by_reload():
    reference_data.load_all()
    IncidentType.objects.filter(code="fraud:phishing").update(name="x")
    counts = reference_data.load_all()
    assert counts["types"].updated == 1
    assert IncidentType.objects.get(code="fraud:phishing").name == "Lừa đảo trực tuyến (phishing)"


def test_load_reference_command_loads_incident_data_and_prints_counts(capsys):
    call_command("load_reference")
    out = capsys.readouterr().out
    assert "Loại sự cố: 39 tạo mới" in out
    call_command("load_reference")
    out = capsys.readouterr().out
    assert "Loại sự cố: 0 tạo mới, 0 cập nhật, 39 không đổi" in out
