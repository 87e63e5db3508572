"""CLI: `vigil program-office matrix|late|ontime|bodies|mine|calendar --as USER [--json]`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from vigil.program.status import today

from .test_office_fixtures import build_work

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # their data is dated from the real today


@pytest.fixture
def live_work(net):
    """The shared tasks around the real today (pages, API and CLI compute status for today)."""
    return build_work(net, today())


def run(*args):
    out = StringIO()
    call_command("program_office", *args, stdout=out)
    return out.getvalue()


def test_matrix_as_text_and_json(net, live_work):
    text = run("matrix", "--under", "bcd-qg", "--as", "office_staff")
    assert "P: Rà soát hệ thống" in text and "Q: Diễn tập" in text
    line = next(line for line in text.splitlines() if line.startswith("tinh-b "))
    assert "‼ 40%" in line  # P overdue for Tỉnh B
    line = next(line for line in text.splitlines() if line.startswith("tinh-a "))
    assert "✓ 100%" in line
    data = json.loads(run("matrix", "--under", "bcd-qg", "--json", "--as", "office_staff"))
    p = [c["id"] for c in data["columns"]].index(live_work["P"].pk)
    rows = {r["unit"]["code"]: r["cells"] for r in data["rows"]}
    assert rows["tinh-b"][p]["status"] == "overdue" and rows["bo-x"][p]["status"] == "in_progress"
    assert rows["vp-bcd"][p] is None


def test_late_and_on_time_rates(net, live_work):
    text = run("late", "--under", "bcd-qg", "--rollup", "--as", "office_staff")
    assert text.splitlines()[0].startswith("tinh-b") and "3 nhiệm vụ quá hạn." in text
    data = json.loads(run("late", "--under", "bcd-qg", "--json", "--as", "office_staff"))
    assert {r["unit"]["code"]: r["overdue"] for r in data["rows"]}["tinh-b"] == 1
    text = run("ontime", "--under", "bcd-qg", "--kind", "province", "--as", "office_staff")
    assert f"năm {today().year}" in text and "tinh-a" in text and "tinh-b" in text
    data = json.loads(run("ontime", "--under", "bcd-qg", "--rollup", "--json", "--as", "office_staff"))
    assert data["total"]["due"] >= 1 and len(data["quarters"]) == 4


def test_bodies_mine_and_calendar(net, live_work):
    text = run("bodies", "--as", "office_staff")
    assert "tinh-a-tb" in text and "tinh-a" in text
    text = run("mine", "--relation", "assigned", "--as", "a_analyst")
    assert "MARKER-A-TASK sở" in text and "A: tiểu ban" in text
    data = json.loads(run("mine", "--unit", "tinh-a", "--relation", "overdue", "--subtree", "--json", "--as", "a_analyst"))
    assert [t["title"] for t in data["items"]] == ["MARKER-A-TASK sở"] and data["summary"]["overdue"] == 1
    p_b = live_work["P_b"]
    text = run("calendar", "--unit", "tinh-b", "--year", str(p_b.due_date.year), "--month", str(p_b.due_date.month),
               "--as", "office_staff")
    assert f"{p_b.due_date:%d/%m/%Y}" in text and f"#{p_b.pk}" in text


def test_sibling_province_reads_nothing_of_the_other_from_the_shell(net, live_work):
    assert "tinh-a" not in run("matrix", "--under", "bcd-qg", "--as", "b_analyst")
    assert "MARKER-A-TASK" not in run("mine", "--relation", "any", "--subtree", "--status", "all", "--as", "b_analyst")
    with pytest.raises(CommandError) as exc:
        run("mine", "--unit", "tinh-a", "--as", "b_analyst")
    assert exc.value.returncode == 1 and "unit" in str(exc.value)


def test_bad_input_is_a_clear_error(net, live_work):
    with pytest.raises(CommandError) as exc:
        run("matrix", "--source", "rumour", "--as", "office_staff")
    assert exc.value.returncode == 1 and str(exc.value).startswith("source:")
    with pytest.raises(CommandError) as exc:
        run("bodies", "--on", "yesterday", "--as", "office_staff")
    assert "--on" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("late")
    assert exc.value.returncode == 2
