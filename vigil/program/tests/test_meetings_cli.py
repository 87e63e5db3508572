"""CLI: `vigil meetings list|show|create|conclusion|conclude --as USER`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from vigil.core.models import AuditEntry
from vigil.program.models import Meeting
from vigil.program.services import meetings as svc

from .test_meetings_factories import DUE, PAST, act, national_meeting, province_meeting

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("meetings", *args, stdout=out)
    return out.getvalue()


def test_create_add_conclusions_and_conclude(net):
    data = json.loads(run("create", "--body", "tinh-a-tb", "--title", "Họp tiểu ban quý II", "--date", PAST.isoformat(),
                          "--time", "09:00", "--location", "UBND tỉnh A", "--as", "a_analyst", "--json"))
    assert data["status"] == "planned" and data["start_time"] == "09:00:00" and data["body_unit_code"] == "tinh-a-tb"
    mid = str(data["id"])
    assert "mục 1" in run("conclusion", mid, "--text", "Các sở rà soát hệ thống", "--as", "a_analyst")
    out = run("conclude", mid, "--notice-number", "21/TB-TB", "--notice-date", PAST.isoformat(), "--as", "a_analyst")
    assert "21/TB-TB" in out and PAST.strftime("%d/%m/%Y") in out
    assert Meeting.objects.get().status == "concluded"
    assert AuditEntry.objects.filter(action="program.meeting.create", channel="cli").exists()


def test_list_and_show_respect_access(net):
    m = national_meeting(net, title="Họp BCĐ toàn quốc")
    c = svc.conclusion_add(actor=act(net, "office_staff"), meeting=m, text="Các tỉnh rà soát")
    svc.conclusion_task_create(actor=act(net, "office_staff"), conclusion=c, all_of_kind="province", due_date=DUE)
    province_meeting(net, title="Họp tiểu ban A")
    out = run("list", "--as", "office_staff")
    assert "Họp BCĐ toàn quốc" in out and "Họp tiểu ban A" in out
    assert "Họp tiểu ban A" not in run("list", "--as", "b_analyst")
    rows = json.loads(run("list", "--body", "tinh-a-tb", "--json", "--as", "office_staff"))
    assert [r["title"] for r in rows] == ["Họp tiểu ban A"]
    out = run("show", str(m.pk), "--as", "office_staff")
    assert "Các tỉnh rà soát" in out and "Chưa thực hiện: 2" in out
    data = json.loads(run("show", str(m.pk), "--json", "--as", "office_staff"))
    assert data["conclusions"][0]["tasks"][0]["children_by_status"] == {"not_started": 2}


def test_refusals_exit_non_zero_naming_the_field(net):
    m = province_meeting(net)
    with pytest.raises(CommandError) as exc:
        run("show", str(m.pk), "--as", "b_analyst")
    assert exc.value.returncode == 3 and "phiên họp" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("conclude", str(m.pk), "--notice-number", "1/TB", "--notice-date", PAST.isoformat(), "--as", "a_analyst")
    assert "conclusions" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("create", "--body", "tinh-a-tb", "--title", "", "--date", PAST.isoformat(), "--as", "a_analyst")
    assert str(exc.value).startswith("title:")
    with pytest.raises(CommandError) as exc:
        run("create", "--body", "tinh-a-tb", "--title", "Họp", "--date", "31/12", "--as", "a_analyst")
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        run("list")
    assert exc.value.returncode == 2
