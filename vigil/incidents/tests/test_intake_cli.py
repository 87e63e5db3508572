"""`vigil incident-intake`: report, triage, merge and the taxonomy from the shell."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.incidents import reference as reference_data
from vigil.incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref(net):
    reference_data.load_all()
    return net


def run(capsys, *args):
    call_command("incident_intake", *args)
    return capsys.readouterr().out


def test_report_triage_merge_from_the_shell(ref, capsys):
    out = run(capsys, "report", "--title", "Dò quét cổng", "--observable", "203.0.113.3", "--as", "a_analyst", "--json")
    first = json.loads(out)
    assert first["state"] == "new" and first["reference"].startswith("SC-")
    out = run(capsys, "triage", str(first["id"]), "--type", "information-gathering:scanner", "--impact", "1",
              "--urgency", "2", "--as", "a_analyst", "--json")
    assert json.loads(out)["severity"] == "low"
    second = json.loads(run(capsys, "report", "--title", "Dò quét cổng (lần 2)", "--as", "a_analyst", "--json"))
    out = run(capsys, "merge", str(second["id"]), first["reference"], "--reason", "Trùng", "--as", "a_analyst")
    assert first["reference"] in out
    assert Incident.objects.get(pk=second["id"]).merged_into_id == first["id"]


def test_idempotency_key_from_the_shell(ref, capsys):
    a = json.loads(run(capsys, "report", "--title", "x", "--idempotency-key", "k", "--as", "a_analyst", "--json"))
    b = json.loads(run(capsys, "report", "--title", "x", "--idempotency-key", "k", "--as", "a_analyst", "--json"))
    assert a["id"] == b["id"] and b["replayed"] is True
    with pytest.raises(CommandError) as exc:  # the same key with another report: refused, not replayed
        call_command("incident_intake", "report", "--title", "y", "--idempotency-key", "k", "--as", "a_analyst")
    assert exc.value.returncode == 1 and "khoá mới" in str(exc.value)
    assert Incident.objects.count() == 1


def test_taxonomy_lists_types_and_marks_inactive(ref, capsys):
    out = run(capsys, "taxonomy", "--as", "b_analyst")
    assert "malicious-code:infected-system" in out and "abusive-content:harmful-speech" in out
    assert "không dùng" in out


def test_errors_are_one_line_with_exit_status_1(ref, capsys):
    with pytest.raises(CommandError) as exc:
        call_command("incident_intake", "report", "--title", " ", "--as", "a_analyst")
    assert exc.value.returncode == 1 and "title" in str(exc.value)
    incident = json.loads(run(capsys, "report", "--title", "y", "--as", "a_analyst", "--json"))
    with pytest.raises(CommandError) as exc:
        call_command("incident_intake", "triage", str(incident["id"]), "--type", "fraud:phishing", "--impact", "1",
                     "--urgency", "1", "--as", "b_analyst")
    assert exc.value.returncode == 3  # not found (or not visible)
