"""CLI: `vigil programmes list|show|approve --as USER`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from vigil.core.models import AuditEntry
from vigil.program.services import programmes as svc

from .test_meetings_factories import DUE, TODAY, act, programme

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("programmes", *args, stdout=out)
    return out.getvalue()


def test_list_show_and_approve(net):
    p = programme(net)
    svc.programme_task_create(actor=act(net, "a_analyst"), programme=p, title="Diễn tập ứng cứu", due_date=DUE)
    out = run("list", "--as", "office_staff")
    assert p.title in out and str(TODAY.year) in out
    assert p.title not in run("list", "--as", "b_analyst")
    rows = json.loads(run("list", "--unit", "tinh-a", "--json", "--as", "a_head"))
    assert rows[0]["task_count"] == 1 and rows[0]["status"] == "draft"
    assert "Diễn tập ứng cứu" in run("show", str(p.pk), "--as", "a_analyst")
    with pytest.raises(CommandError) as exc:
        run("approve", str(p.pk), "--as", "a_analyst")
    assert exc.value.returncode == 3
    assert p.title in run("approve", str(p.pk), "--as", "a_head")
    data = json.loads(run("show", str(p.pk), "--json", "--as", "a_head"))
    assert data["status"] == "approved" and data["approved_by"] == "a_head" and data["tasks"][0]["status"] == "not_started"
    assert AuditEntry.objects.get(action="program.programme.approve").channel == "cli"
    with pytest.raises(CommandError) as exc:
        run("approve", str(p.pk), "--as", "a_head")
    assert "status" in str(exc.value)


def test_sibling_province_cannot_see_or_approve(net):
    p = programme(net)
    with pytest.raises(CommandError) as exc:
        run("approve", str(p.pk), "--as", "b_analyst")
    assert exc.value.returncode == 3
    p.refresh_from_db()
    assert p.status == "draft"
