"""CLI: `vigil people list|show --as USER`."""

import json

import pytest
from django.core.management import CommandError, call_command

from .people_factories import member, person

pytestmark = pytest.mark.django_db


def run(*args, **kw):
    from io import StringIO

    out = StringIO()
    call_command("people", *args, stdout=out, **kw)
    return out.getvalue()


def test_list_through_the_access_layer(net):
    p = person(net.prov_a_dept, "Tạ Minh Châu")
    member(p, net.prov_a_sub, "member")
    out = run("list", "--as", "a_analyst")
    assert "Tạ Minh Châu" in out and "member@tinh-a-tb" in out
    assert "Tạ Minh Châu" not in run("list", "--as", "b_analyst")


def test_list_by_unit_and_subtree(net):
    person(net.prov_a_dept, "Tạ Minh Châu")
    person(net.prov_a, "Hồ Thị Lan")
    only_dept = run("list", "--unit", "tinh-a-sotc", "--as", "office_staff")
    assert "Tạ Minh Châu" in only_dept and "Hồ Thị Lan" not in only_dept
    subtree = run("list", "--subtree", "tinh-a", "--as", "office_staff")
    assert "Tạ Minh Châu" in subtree and "Hồ Thị Lan" in subtree
    data = json.loads(run("list", "--unit", "tinh-a-sotc", "--json", "--as", "office_staff"))
    assert {p["full_name"] for p in data} >= {"Tạ Minh Châu"}


def test_show_and_env_user(net, monkeypatch):
    p = person(net.prov_a_dept, "Tạ Minh Châu", position="Chuyên viên")
    member(p, net.prov_a_sub, "secretary")
    monkeypatch.setenv("VIGIL_USER", "a_head")
    out = run("show", str(p.pk))
    assert "Tạ Minh Châu" in out and "Chuyên viên" in out and "Thư ký" in out


def test_errors_are_clear_and_non_zero(net, monkeypatch):
    monkeypatch.delenv("VIGIL_USER", raising=False)
    p = person(net.prov_a_dept)
    with pytest.raises(CommandError) as exc:
        run("list")
    assert "--as" in str(exc.value) and exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        run("show", str(p.pk), "--as", "b_analyst")
    assert "Không tìm thấy cán bộ" in str(exc.value) and exc.value.returncode == 3
    with pytest.raises(CommandError) as exc:
        run("list", "--subtree", "khong-co", "--as", "a_head")
    assert "subtree" in str(exc.value)
    with pytest.raises(CommandError):
        run("list", "--as", "khong-ai")
