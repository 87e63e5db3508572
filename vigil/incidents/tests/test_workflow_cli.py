"""`vigil incidents …`: the workflow from the shell, with --as and --json."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.incidents.models import IncidentUnit

from .test_workflow_services import make_incident


def run(*args):
    out = StringIO()
    call_command("incidents", *args, stdout=out)
    return out.getvalue()


def test_list_and_show_as_json(net):
    inc = make_incident(net, tlp="amber")
    data = json.loads(run("list", "--as", "a_analyst", "--json"))
    assert [i["reference"] for i in data["items"]] == [inc.reference]
    assert json.loads(run("list", "--as", "b_analyst", "--json"))["items"] == []
    shown = json.loads(run("show", inc.reference, "--as", "a_analyst", "--json"))
    assert shown["id"] == inc.pk
    with pytest.raises(CommandError):
        run("show", str(inc.pk), "--as", "b_analyst")


def test_full_workflow_from_the_shell(net):
    inc = make_incident(net)
    run("assign", str(inc.pk), "--lead", "tinh-a-sotc", "--support", "tinh-a-tb", "--as", "a_analyst")
    with pytest.raises(CommandError) as exc:
        run("answer", str(inc.pk), "--unit", "tinh-a-sotc", "--decline", "--as", "a_dept")
    assert "reason" in str(exc.value)
    run("answer", str(inc.pk), "--unit", "tinh-a-sotc", "--accept", "--as", "a_dept")
    assert IncidentUnit.objects.get(incident=inc, role="lead").answer == "accepted"
    run("transition", str(inc.pk), "--to", "in_progress", "--as", "a_dept")
    run("comment", str(inc.pk), "--body", "Đang xử lý @a_head", "--as", "a_dept")
    out = run("observable-add", str(inc.pk), "--value", "hxxp://evil[.]com", "--as", "a_dept", "--json")
    assert json.loads(out)["value"] == "http://evil.com"
    out = run("task-add", str(inc.pk), "--unit", "tinh-a-sotc", "--title", "Cô lập", "--item", "Ngắt mạng",
              "--as", "a_analyst", "--json")
    assert [item["text"] for item in json.loads(out)["items"]] == ["Ngắt mạng"]
    run("transition", str(inc.pk), "--to", "resolved", "--resolution", "Đã gỡ", "--as", "a_dept")
    data = json.loads(run("close", str(inc.pk), "--root-cause", "Lỗ hổng", "--lessons", "Vá kịp thời",
                          "--as", "a_analyst", "--json"))
    assert data["state"] == "closed"
    run("reopen", str(inc.pk), "--reason", "Tái nhiễm", "--as", "a_analyst")
    kinds = [e["kind"] for e in json.loads(run("timeline", str(inc.pk), "--as", "a_analyst", "--json"))]
    assert kinds.count("state_changed") >= 2 and "closed" in kinds and "reopened" in kinds


def test_illegal_transition_is_a_clear_error(net):
    inc = make_incident(net)
    with pytest.raises(CommandError) as exc:
        run("transition", str(inc.pk), "--to", "resolved", "--as", "a_analyst")
    assert "Đã phân loại" in str(exc.value)


def test_missing_identity(net):
    with pytest.raises(CommandError):
        run("list")
