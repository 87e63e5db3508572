"""Timed scenarios: the real selectors and pages, called as the real users.

Every call starts from a fresh access scope (as a new request does: the user's
memberships are read again), materialises what a page shows (a page of 50 rows with
their units and computed status, plus the total count), and is timed end to end with
`time.perf_counter`. SQL statements are counted and the slowest one of each scenario is
kept, so that a missed target comes with its EXPLAIN ANALYZE.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db import connection

TARGET_MS = 300.0
PAGE_SIZE = 50


@dataclass
class Scenario:
    """One thing to time. `make_call(i)` returns the i-th call (parameters vary with i)."""

    name: str
    label: str
    via: str  # "selector" | "HTTP"
    target_ms: float | None
    make_call: Callable[[int], Callable[[], object]]
    note: str = ""


@dataclass
class Attempt:
    samples: list[float]
    queries: list[int]
    load_before: float
    load_after: float
    slowest: tuple[float, str, object] = (0.0, "", None)

    @property
    def p95(self) -> float:
        return pct(self.samples, 95)

    @property
    def load(self) -> float:
        return max(self.load_before, self.load_after)


@dataclass
class Result:
    scenario: Scenario
    attempt: Attempt
    attempts: list[Attempt] = field(default_factory=list)
    explain: str | None = None
    error: str | None = None

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def target_ms(self) -> float | None:
        return self.scenario.target_ms

    @property
    def ok(self) -> bool:
        return self.error is None and (self.target_ms is None or self.p95 <= self.target_ms)

    @property
    def p50(self) -> float:
        return pct(self.attempt.samples, 50)

    @property
    def p95(self) -> float:
        return pct(self.attempt.samples, 95)

    @property
    def p99(self) -> float:
        return pct(self.attempt.samples, 99)

    @property
    def max(self) -> float:
        return max(self.attempt.samples) if self.attempt.samples else 0.0

    @property
    def mean(self) -> float:
        return statistics.fmean(self.attempt.samples) if self.attempt.samples else 0.0

    @property
    def queries(self) -> float:
        return statistics.fmean(self.attempt.queries) if self.attempt.queries else 0.0


def pct(samples: list[float], p: int) -> float:
    """The p-th percentile (nearest rank) of the samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, -(-p * len(ordered) // 100))
    return ordered[rank - 1]


class QueryLog:
    """A connection execute wrapper: counts statements and keeps the slowest one."""

    def __init__(self):
        self.count = 0
        self.slowest: tuple[float, str, object] = (0.0, "", None)

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - t) * 1000
            self.count += 1
            if ms > self.slowest[0] and not many:
                self.slowest = (ms, sql, params)


# --------------------------------------------------------------------------- scenarios


def _touch_tasks(rows) -> int:
    """What the list shows of each task: its status, units, dates."""
    for t in rows:
        _ = (t.status, t.title, t.lead_unit.name, t.assigning_unit.name, t.due_date, t.progress)
    return len(rows)


def task_scenarios(net, rng: random.Random) -> list[Scenario]:
    """A province's task list (and its variants) through selectors.tasks.task_list."""
    from vigil.core.access import reset_scope
    from vigil.program.selectors.tasks import task_list

    provinces = list(net.provinces)
    rng.shuffle(provinces)

    def province(i):
        p = provinces[i % len(provinces)]
        return p, net.province_users[p.pk]

    def list_call(i, *, page=1, as_office=False, **filters):
        p, user = province(i)
        if as_office:
            user = net.office_user

        def call():
            reset_scope(user)
            qs = task_list(user, unit=p, relation="any", subtree=True, **filters)
            pg = Paginator(qs, PAGE_SIZE).get_page(page(i) if callable(page) else page)
            return pg.paginator.count, _touch_tasks(list(pg.object_list))

        return call

    def default_call(i):
        _p, user = province(i)

        def call():
            reset_scope(user)
            pg = Paginator(task_list(user), PAGE_SIZE).get_page(1)
            return pg.paginator.count, _touch_tasks(list(pg.object_list))

        return call

    def proposed_call(i):
        p, user = province(i)

        def call():
            reset_scope(user)
            pg = Paginator(_proposed_province_list(user, p), PAGE_SIZE).get_page(1)
            return pg.paginator.count, _touch_tasks(list(pg.object_list))

        return call

    return [
        Scenario(
            "province_list",
            "A province's task list: first page of 50 + total (relation any, subtree)",
            "selector",
            TARGET_MS,
            lambda i: list_call(i),
            note="the province's analyst; `task_list(user, unit=province, relation='any', subtree=True)`",
        ),
        Scenario(
            "province_list_pages",
            "A province's task list, pages 2–40",
            "selector",
            None,
            lambda i: list_call(i, page=lambda i: 2 + (i * 7) % 39),
        ),
        Scenario(
            "province_list_overdue",
            "A province's task list filtered to overdue",
            "selector",
            None,
            lambda i: list_call(i, status="overdue"),
        ),
        Scenario(
            "province_list_by_office",
            "A province's task list read by the office secretary",
            "selector",
            None,
            lambda i: list_call(i, as_office=True),
        ),
        Scenario(
            "province_list_default",
            "The task list a province's analyst opens (`task_list(user)`, no filter)",
            "selector",
            None,
            default_call,
        ),
        Scenario(
            "province_list_proposed",
            "What-if (bench code, not the product): the province's list with literal unit-id lists",
            "selector",
            None,
            proposed_call,
            note="the query shape proposed for `task_list` and for Task's visibility: see the analysis below",
        ),
    ]


def _proposed_province_list(user, province):
    """The same rows as `task_list(user, unit=province, relation='any', subtree=True)` for a
    user whose scope covers the province, filtered by literal id lists instead of joins
    and LIKE on unit paths, and without a second visibility subquery. A proposal measured
    side by side with the real selector; not used by the product."""
    from django.db.models import Q

    from vigil.org.models import Unit
    from vigil.program.models import Task

    ids = list(Unit.objects.filter(path__startswith=province.path).values_list("pk", flat=True))
    supported = list(
        Task.supporting_units.through.objects.filter(unit_id__in=ids)
        .exclude(task__lead_unit_id__in=ids)
        .exclude(task__assigning_unit_id__in=ids)
        .values_list("task_id", flat=True)
        .distinct()
    )
    qs = Task.objects.filter(
        Q(lead_unit_id__in=ids) | Q(assigning_unit_id__in=ids) | Q(pk__in=supported)
    )
    return (
        qs.with_status()
        .select_related("lead_unit", "assigning_unit", "assignee")
        .order_by("due_date", "pk")
    )


def http_task_scenarios(net, clients) -> list[Scenario]:
    """The task list page as a browser asks for it (full page, and the htmx table)."""
    provinces = list(net.provinces)

    def call_for(i, htmx=False):
        p = provinces[(i * 11) % len(provinces)]
        client = clients(net.province_users[p.pk])
        url = f"/program/tasks/?unit={p.pk}&relation=any&subtree=1"
        headers = {"HX-Request": "true"} if htmx else {}
        return lambda: _get(client, url, headers)

    return [
        Scenario(
            "http_province_list",
            "GET /program/tasks/?unit=<province>&relation=any&subtree=1",
            "HTTP",
            TARGET_MS,
            lambda i: call_for(i),
            note="full page, logged in as the province's analyst (Django test client)",
        ),
        Scenario(
            "http_province_list_htmx",
            "… the same, htmx refresh of the table only",
            "HTTP",
            None,
            lambda i: call_for(i, htmx=True),
        ),
    ]


def _get(client, url, headers):
    response = client.get(url, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return len(response.content)


def office_scenarios(net, clients, rng: random.Random) -> list[Scenario]:
    """The office matrix (and a unit's lists), from vigil.program.selectors.office and
    its pages, when they exist."""
    from . import office_hooks

    return office_hooks.scenarios(net, clients, rng)


# --------------------------------------------------------------------------- running


def _clients():
    from django.test import Client

    cache = {}

    def get(user):
        if user.pk not in cache:
            client = Client()
            client.force_login(user)
            cache[user.pk] = client
        return cache[user.pk]

    return get


MIN_ITERATIONS = 10


def _time(scenario: Scenario, *, warmup: int, iterations: int, budget: float) -> Attempt:
    """Warm up, then time `iterations` calls — fewer (but at least MIN_ITERATIONS) when a
    slow scenario would pass `budget` seconds, so that a run always ends in reasonable time."""
    started = time.perf_counter()
    for i in range(warmup):
        scenario.make_call(i)()
        if time.perf_counter() - started > budget / 4:
            break
    samples, queries = [], []
    log = QueryLog()
    load_before = os.getloadavg()[0]
    deadline = time.perf_counter() + budget
    with connection.execute_wrapper(log):
        for i in range(warmup, warmup + iterations):
            call = scenario.make_call(i)
            before = log.count
            t = time.perf_counter()
            call()
            samples.append((time.perf_counter() - t) * 1000)
            queries.append(log.count - before)
            if len(samples) >= MIN_ITERATIONS and time.perf_counter() > deadline:
                break
    return Attempt(samples, queries, load_before, os.getloadavg()[0], log.slowest)


def explain(sql: str, params) -> str:
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    return plan


def run_all(args) -> list[Result]:
    """Time every scenario (those matching --only) and print a line for each."""
    from .generate import load_network

    net = load_network()
    rng = random.Random(7)
    clients = _clients()
    scenarios = (
        office_scenarios(net, clients, rng)
        + task_scenarios(net, rng)
        + http_task_scenarios(net, clients)
    )
    if args.only:
        scenarios = [s for s in scenarios if any(o in s.name for o in args.only)]
    results = []
    print(
        f"Timing {len(scenarios)} scenarios ({args.warmup} warm-up + {args.iterations} timed calls each):"
    )
    for scenario in scenarios:
        results.append(run_one(scenario, args))
    return results


def run_one(scenario: Scenario, args) -> Result:
    """Time a scenario. Those with a target get the full treatment (args.iterations calls,
    measured again when the machine was busy); the others, which only explain the
    picture, get fewer calls and a third of the time budget."""
    attempts = []
    if scenario.target_ms is not None:
        warmup, iterations, budget, tries = (
            args.warmup,
            args.iterations,
            args.budget,
            max(1, args.attempts),
        )
    else:
        warmup, iterations = min(args.warmup, 5), min(args.iterations, args.extra_iterations)
        budget, tries = args.budget / 3, 1
    try:
        for n in range(tries):
            attempt = _time(scenario, warmup=warmup, iterations=iterations, budget=budget)
            attempts.append(attempt)
            # Measure again only when the machine was busy and noise could flip the verdict.
            close = scenario.target_ms is not None and 0.5 <= attempt.p95 / scenario.target_ms <= 2
            if attempt.load <= args.max_load or n == tries - 1 or not close:
                break
            print(
                f"    {scenario.name}: load average {attempt.load:.1f} > {args.max_load:g}, measuring again"
            )
    except Exception as exc:  # noqa: BLE001 - a broken scenario is reported, not fatal
        print(f"  {scenario.name:28} FAILED: {exc!r}")
        empty = Attempt([], [], 0.0, 0.0)
        return Result(scenario, empty, attempts, error=repr(exc))
    best = min(attempts, key=lambda a: a.p95)
    result = Result(scenario, best, attempts)
    verdict = "" if scenario.target_ms is None else ("  OK" if result.ok else "  MISSED")
    print(
        f"  {scenario.name:28} n {len(best.samples):3}  p50 {result.p50:7.1f}  p95 {result.p95:7.1f}  p99 {result.p99:7.1f}  "
        f"max {result.max:7.1f} ms  {result.queries:4.1f} q/call  load {best.load:.1f}{verdict}"
    )
    if (not result.ok or args.explain) and best.slowest[1] and connection.vendor == "postgresql":
        try:
            result.explain = explain(best.slowest[1], best.slowest[2])
        except Exception as exc:  # noqa: BLE001
            result.explain = f"(EXPLAIN failed: {exc!r})"
        print(f"    slowest statement ({best.slowest[0]:.0f} ms):\n      " + best.slowest[1][:2000])
        print("    plan:\n      " + result.explain.replace("\n", "\n      "))
    return result
