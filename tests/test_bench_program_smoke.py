"""The benchmark of issue 3 (bench/program) still runs: its generator builds a tiny history
on the test database, consistent with the models and the status rule, and every timed
scenario answers once through the real selectors and pages. No timing is asserted here:
`bench/run program` measures, on PostgreSQL, with the full data set."""

import argparse

import pytest
from django.db.models import Count

from bench.program import generate as gen
from bench.program import measure, report

# 3 provinces x 2 communes, 2 years: 4 national tasks a year (2 handed on to the communes),
# 1 provincial task a year.
TINY = gen.Config(
    years=2,
    communes_per_province=2,
    national_per_year=4,
    cascaded_per_year=2,
    provincial_per_year=1,
    provinces=3,
    seed=11,
)
# Per year: 4 national parents + 4 x 3 province children + 2 x 3 x 2 commune grandchildren
# + 3 provincial parents + 3 x 2 commune children.
TASKS_PER_YEAR = 4 + 12 + 12 + 3 + 6


def _quiet(*_args):
    pass


@pytest.fixture
def tiny_history(db):
    return gen.generate(TINY, log=_quiet)


def test_generator_writes_the_planned_tasks_with_consistent_references(tiny_history):
    from vigil.org.models import Unit
    from vigil.program.models import ProgressReport, Task, TaskEvent

    net, counts = tiny_history
    assert counts.tasks == Task.objects.count() == TASKS_PER_YEAR * TINY.years
    assert counts.reports == ProgressReport.objects.count()
    assert counts.events == TaskEvent.objects.count()
    assert counts.units == Unit.objects.filter(kind__code="commune").count() == 3 * 2
    assert gen.verify() == dict.fromkeys(gen.verify(), 0)
    # Communes' paths are materialised under their province, as unit_create would write them.
    for province in net.provinces:
        for commune in net.communes[province.pk]:
            assert commune.path == f"{province.path}{commune.pk:08d}."
            assert commune.depth == province.depth + 1


def test_generated_statuses_match_the_sql_status_rule(tiny_history):
    from vigil.program.models import Task

    _net, counts = tiny_history
    by_sql = dict(
        Task.objects.with_status().values_list("status").annotate(n=Count("pk")).order_by()
    )
    assert by_sql == counts.statuses


def test_parents_carry_the_roll_up_of_their_children(tiny_history):
    from vigil.program.models import Task

    for parent in Task.objects.filter(children__isnull=False).distinct():
        live = [c for c in parent.children.all() if c.state != "cancelled"]
        if live:
            assert parent.progress == round(sum(c.progress for c in live) / len(live))
            assert (parent.state in ("submitted", "accepted")) == all(
                c.state in ("submitted", "accepted") for c in live
            )


def test_province_children_are_assigned_by_the_committee_and_commune_ones_by_the_province(
    tiny_history,
):
    from vigil.program.models import Task

    net, _counts = tiny_history
    for province in net.provinces:
        led = Task.objects.filter(lead_unit=province, parent__isnull=False)
        assert led.count() == TINY.national_per_year * TINY.years
        assert set(led.values_list("assigning_unit_id", flat=True)) == {net.national.pk}
        for commune in net.communes[province.pk]:
            tasks = Task.objects.filter(lead_unit=commune)
            assert tasks.count() == (TINY.cascaded_per_year + TINY.provincial_per_year) * TINY.years
            assert set(tasks.values_list("assigning_unit_id", flat=True)) == {province.pk}


def test_every_scenario_answers_once(tiny_history):
    args = argparse.Namespace(
        warmup=0,
        iterations=1,
        extra_iterations=1,
        attempts=1,
        max_load=1e9,
        budget=60.0,
        explain=False,
        only=[],
    )
    results = measure.run_all(args)
    assert [r.error for r in results if r.error] == []
    names = {r.name for r in results}
    assert {"province_list", "http_province_list", "office_matrix", "http_office_matrix"} <= names
    assert all(len(r.attempt.samples) == 1 and r.queries > 0 for r in results)

    # The document section renders from these results.
    _net, counts = tiny_history
    meta = {
        "config": TINY.as_dict(),
        "generated_at": "now",
        "generated_for_day": "today",
        "generation_seconds": 1.0,
        "vacuum_seconds": 0.0,
        "statuses": counts.statuses,
    }
    args.scale = 1.0
    text = report.render(meta=meta, results=results, counts={"tasks": counts.tasks}, args=args)
    assert (
        "| Office matrix: units × national tasks of a year, 20 columns | selector | 300 | 1 |"
        in text
    )


def test_a_province_list_scenario_reads_only_what_the_province_may_see(tiny_history):
    from vigil.program.selectors.tasks import task_list

    net, _counts = tiny_history
    province = net.provinces[0]
    user = net.province_users[province.pk]
    seen = task_list(user, unit=province, relation="any", subtree=True)
    assert seen.exists()
    for task in seen:
        paths = [
            task.lead_unit.path,
            task.assigning_unit.path,
            *(u.path for u in task.supporting_units.all()),
        ]
        assert any(p.startswith(province.path) for p in paths)


def test_the_proposed_list_query_returns_the_same_rows_as_task_list(tiny_history):
    """The what-if scenario is compared with the real selector: it must mean the same."""
    from vigil.program.selectors.tasks import task_list

    net, _counts = tiny_history
    for province in net.provinces:
        user = net.province_users[province.pk]
        real = list(
            task_list(user, unit=province, relation="any", subtree=True).values_list(
                "pk", flat=True
            )
        )
        proposed = list(
            measure._proposed_province_list(user, province).values_list("pk", flat=True)
        )
        assert proposed == real
