"""`vigil units list|show|tree` and `vigil load-reference` from the shell's point of view."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.org.reference import unit_rows

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_list_is_limited_to_the_scope(net):
    out = run("units", "list", "--as", "a_analyst")
    assert "tinh-a-sotc" in out and "tinh-b" not in out and "4 đơn vị." in out


def test_list_filters_by_kind_and_subtree(net):
    out = run("units", "list", "--kind", "province", "--as", "office_staff")
    assert "tinh-a " in out and "tinh-b " in out and "bo-x" not in out
    data = json.loads(run("units", "list", "--subtree", "tinh-a", "--as", "office_staff", "--json"))
    assert [u["code"] for u in data] == ["tinh-a", "tinh-a-tb", "tinh-a-sotc"]
    assert data[1]["parent_id"] == data[0]["id"] and data[1]["kind"] == "provincial_subcommittee"


def test_list_search_ignores_diacritics(net):
    data = json.loads(run("units", "list", "--q", "van phong", "--as", "office_staff", "--json"))
    assert [u["code"] for u in data] == ["vp-bcd"]


def test_subtree_outside_scope_is_a_clear_error(net):
    with pytest.raises(CommandError, match="tinh-b"):
        run("units", "list", "--subtree", "tinh-b", "--as", "a_analyst")


def test_show(net):
    out = run("units", "show", "tinh-a", "--as", "a_analyst")
    assert "Tỉnh A (tinh-a)" in out and "tinh-a-sotc" in out and "Ban Chỉ đạo quốc gia" in out
    data = json.loads(run("units", "show", "tinh-a", "--as", "a_analyst", "--json"))
    assert [a["code"] for a in data["ancestors"]] == ["bcd-qg"]
    assert [c["code"] for c in data["children"]] == ["tinh-a-tb", "tinh-a-sotc"]


def test_show_of_a_sibling_is_not_found(net):
    with pytest.raises(CommandError, match="Không tìm thấy đơn vị tinh-b"):
        run("units", "show", "tinh-b", "--as", "a_analyst")


def test_tree(net):
    out = run("units", "tree", "--as", "office_staff")
    lines = out.splitlines()
    assert lines[0].startswith("Ban Chỉ đạo quốc gia [bcd-qg]")
    assert any("└─ " in line or "├─ " in line for line in lines)
    assert "9/9 đơn vị." in out
    out = run("units", "tree", "--as", "b_analyst")
    assert "tinh-a" not in out and "tinh-b-sotc" in out


def test_as_is_required_and_checked(net, monkeypatch):
    monkeypatch.delenv("VIGIL_USER", raising=False)
    with pytest.raises(CommandError, match="--as"):
        run("units", "list")
    with pytest.raises(CommandError, match="ghost"):
        run("units", "list", "--as", "ghost")
    net.b_analyst.is_active = False
    net.b_analyst.save()
    with pytest.raises(CommandError, match="vô hiệu hoá"):
        run("units", "list", "--as", "b_analyst")


def test_vigil_user_environment_variable(net, monkeypatch):
    monkeypatch.setenv("VIGIL_USER", "a_analyst")
    assert "tinh-a-sotc" in run("units", "list")


def test_load_reference_prints_counts(no_network):
    out = run("load_reference")
    assert "Loại đơn vị: 12 tạo mới, 0 cập nhật, 0 không đổi" in out
    assert f"Đơn vị: {len(unit_rows())} tạo mới, 0 cập nhật, 0 không đổi" in out
    again = run("load_reference")
    assert "Đơn vị: 0 tạo mới, 0 cập nhật" in again


def test_vigil_front_runs_the_org_group(net, capsys):
    from vigil.cli import main

    main(["vigil", "org", "who-owns", "192.0.2.1", "--as", "office_staff"])
    captured = capsys.readouterr()
    assert "Không có khai báo nào bạn được xem bao trùm 192.0.2.1/32" in captured.out
    assert "deprecated" not in captured.err


def test_old_top_level_name_is_a_deprecated_alias(net, capsys):
    """`vigil who-owns` (before the groups) still works for one release, with a note."""
    from vigil.cli import main

    main(["vigil", "who-owns", "192.0.2.1", "--as", "office_staff"])
    captured = capsys.readouterr()
    assert "Không có khai báo nào bạn được xem bao trùm 192.0.2.1/32" in captured.out
    assert "vigil who-owns: deprecated, use `vigil org who-owns`" in captured.err


def test_group_help_lists_what_the_app_declares(capsys):
    from vigil.cli import help_text, main

    main(["vigil", "org", "--help"])
    out = capsys.readouterr().out
    for sub in ("units", "people", "decisions", "who-owns"):
        assert f"org {sub} " in out
    assert "org who-owns" in help_text() and "program tasks" in help_text()


def test_unknown_subcommand_is_a_usage_error(capsys):
    from vigil.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["vigil", "org", "nothing-here"])
    assert exc.value.code == 2 and "units" in capsys.readouterr().err
