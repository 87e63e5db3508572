"""CLI: `vigil decisions list|show|apply|completeness --as USER`."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from vigil.core.models import TLP, AuditEntry
from vigil.org.models import Membership
from vigil.org.services.decisions import decision_add_item, decision_create

from .people_factories import SYSTEM, complete_body, person, role

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("decisions", *args, stdout=out)
    return out.getvalue()


def draft(net, **kw):
    d = decision_create(
        actor=SYSTEM, unit=net.prov_a_sub, number=kw.pop("number", "20/QĐ"), date=date(2025, 5, 1),
        issuer="UBND tỉnh A", title="Kiện toàn Tiểu ban", **kw,
    )
    p = person(net.prov_a_dept, "Ninh Văn Phúc")
    decision_add_item(actor=SYSTEM, decision=d, action="appoint", person=p, role=role("member"))
    return d, p


def test_list_and_apply(net):
    d, p = draft(net)
    assert "20/QĐ" in run("list", "--as", "office_staff")
    assert "20/QĐ" not in run("list", "--as", "b_analyst")
    out = run("apply", str(d.pk), "--as", "a_head")
    assert "20/QĐ" in out and "01/05/2025" in out
    assert Membership.objects.get(person=p).decision == d
    assert AuditEntry.objects.get(action="apply", object_id=str(d.pk)).channel == "cli"
    assert json.loads(run("list", "--status", "applied", "--json", "--as", "a_head"))[0]["id"] == d.pk


def test_apply_refusals_exit_non_zero(net):
    d, _p = draft(net)
    with pytest.raises(CommandError) as exc:
        run("apply", str(d.pk), "--as", "b_analyst")
    assert exc.value.returncode == 3 and "quyết định" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("apply", str(d.pk), "--as", "a_analyst")
    assert "quyền" in str(exc.value)
    run("apply", str(d.pk), "--as", "a_head")
    with pytest.raises(CommandError) as exc:
        run("apply", str(d.pk), "--as", "a_head")
    assert "status" in str(exc.value) and "đã được áp dụng" in str(exc.value)


def test_show_red_decision_is_audited(net):
    d, _p = draft(net, number="21/QĐ", tlp=TLP.RED, recipients=["auditor"])
    out = run("show", str(d.pk), "--as", "auditor")
    assert "21/QĐ" in out and "Ninh Văn Phúc" in out
    assert AuditEntry.objects.filter(action="view", object_id=str(d.pk), channel="cli").count() == 1
    with pytest.raises(CommandError):
        run("show", str(d.pk), "--as", "office_staff")


def test_completeness(net):
    complete_body(net.prov_a_sub, effective=date(2025, 3, 1))
    out = run("completeness", "--on", "2025-06-01", "--as", "office_staff")
    assert "tinh-a-tb" in out and "bcd-qg" in out and "Chưa có trưởng ban" in out
    out = run("completeness", "--on", "2025-06-01", "--incomplete", "--as", "office_staff")
    assert "tinh-a-tb" not in out
    data = json.loads(run("completeness", "--on", "2025-02-01", "--json", "--as", "a_analyst"))
    assert data["on"] == "2025-02-01" and [u["unit_code"] for u in data["units"]] == ["tinh-a-tb"]
    assert "no_decision" in data["units"][0]["missing"]
    with pytest.raises(CommandError) as exc:
        run("completeness", "--on", "01/06/2025", "--as", "a_analyst")
    assert "YYYY-MM-DD" in str(exc.value)
