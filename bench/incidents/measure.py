"""Timed scenarios of the incident bench: the incident list (a unit's subtree filtered by
state) and the statistics, through the real selectors and pages, as a province's analyst
and as the standing agency's analyst. Timing, query counting and the slowest statement's
plan come from bench.program.measure (the same method as the program bench)."""

from __future__ import annotations

import random

from django.urls import NoReverseMatch, reverse

from bench.program.measure import PAGE_SIZE, Result, Scenario, _clients, _get, run_one

TARGET_MS = 300.0
OPEN_STATES = ["new", "triaged", "assigned", "in_progress", "contained"]


def _touch(rows) -> int:
    for inc in rows:
        _ = (inc.reference, inc.title, inc.state, inc.severity, inc.owner_unit.name,
             inc.lead_unit.name if inc.lead_unit_id else "", inc.received_at)
    return len(rows)


def list_scenarios(net) -> list[Scenario]:
    from vigil.core.access import reset_scope
    from vigil.incidents.selectors.lists import incident_list, page_of

    provinces = list(net.provinces)
    random.Random(7).shuffle(provinces)

    def call(i, *, as_agency: bool, states):
        p = provinces[i % len(provinces)]
        user = net.agency_user if as_agency else net.province_users[p.pk]

        def run():
            reset_scope(user)
            qs = incident_list(user, unit=p, subtree=True, states=states)
            page = page_of(qs, size=PAGE_SIZE)
            return page.count, _touch(page.items)

        return run

    return [
        Scenario("list_province", "Incident list: a province's subtree, open states, first page of 50 + count "
                 "(province analyst)", "selector", TARGET_MS, lambda i: call(i, as_agency=False, states=OPEN_STATES),
                 note="`incident_list(user, unit=province, subtree=True, states=[open states])` + `page_of`"),
        Scenario("list_agency", "Incident list: a province's subtree, open states (standing agency analyst)",
                 "selector", TARGET_MS, lambda i: call(i, as_agency=True, states=OPEN_STATES)),
        Scenario("list_province_closed", "Incident list: a province's subtree, closed (province analyst)",
                 "selector", None, lambda i: call(i, as_agency=False, states=["closed"])),
    ]


def stats_scenarios(net) -> list[Scenario]:
    from vigil.core.access import reset_scope
    from vigil.incidents.selectors.stats import incident_stats

    provinces = list(net.provinces)

    def call(i, *, as_agency: bool, unit: bool = False, fresh: bool = False):
        p = provinces[(i * 7) % len(provinces)]
        user = net.agency_user if as_agency else net.province_users[p.pk]

        def run():
            reset_scope(user)
            s = incident_stats(user, unit=p if unit else None, fresh=fresh)
            return s.total.count

        return run

    return [
        Scenario("stats_agency", "Statistics, 12 months, the whole network (standing agency analyst)", "selector",
                 TARGET_MS, lambda i: call(i, as_agency=True),
                 note="`incident_stats(user)`: every table (unit, class, severity, month) with mean and p90; "
                 "answered from the statistics cache (CACHE_SECONDS, the page states when the figures were computed)"),
        Scenario("stats_agency_fresh", "… the same computed afresh (no cache): one SQL statement over the 12 months",
                 "selector", None, lambda i: call(i, as_agency=True, fresh=True)),
        Scenario("stats_province_fresh", "Statistics, a province's scope, computed afresh (no cache)", "selector",
                 None, lambda i: call(i, as_agency=False, fresh=True)),
        Scenario("stats_province", "Statistics, 12 months, a province's scope (province analyst)", "selector",
                 TARGET_MS, lambda i: call(i, as_agency=False)),
        Scenario("stats_agency_province", "Statistics, 12 months, one province chosen by the agency", "selector",
                 None, lambda i: call(i, as_agency=True, unit=True)),
    ]


def _url(*names) -> str | None:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
        except Exception as exc:  # noqa: BLE001 - a broken URLconf elsewhere: no page scenarios
            print(f"  (pages not timed: the URLconf does not load: {exc!r})")
            return None
    return None


def http_scenarios(net, clients) -> list[Scenario]:
    provinces = list(net.provinces)
    out = []
    stats_url = _url("incidents:stats")
    list_url = _url("incidents:list", "incidents:incident_list", "incidents:index")

    def page(i, url, *, as_agency, query):
        p = provinces[(i * 11) % len(provinces)]
        user = net.agency_user if as_agency else net.province_users[p.pk]
        client = clients(user)
        full = url + "?" + query(p)
        return lambda: _get(client, full, {})

    if list_url:
        states = "&".join(f"state={s}" for s in OPEN_STATES)
        out.append(Scenario(
            "http_list_province", f"GET {list_url}?unit=<province id>&subtree=1&state=<open> (province analyst)",
            "HTTP", TARGET_MS, lambda i: page(i, list_url, as_agency=False,
                                              query=lambda p: f"unit={p.pk}&subtree=1&{states}")))
        out.append(Scenario(
            "http_list_agency", f"GET {list_url}?unit=<province id>&subtree=1&state=<open> (agency analyst)",
            "HTTP", TARGET_MS, lambda i: page(i, list_url, as_agency=True,
                                              query=lambda p: f"unit={p.pk}&subtree=1&{states}")))
    if stats_url:
        out.append(Scenario(
            "http_stats_agency", f"GET {stats_url} (agency analyst, whole network)", "HTTP", TARGET_MS,
            lambda i: page(i, stats_url, as_agency=True, query=lambda p: "")))
        out.append(Scenario(
            "http_stats_province", f"GET {stats_url} (province analyst)", "HTTP", TARGET_MS,
            lambda i: page(i, stats_url, as_agency=False, query=lambda p: "")))
    return out


def run_all(args) -> list[Result]:
    from .generate import load_network

    net = load_network()
    clients = _clients()
    scenarios = list_scenarios(net) + stats_scenarios(net) + http_scenarios(net, clients)
    if args.only:
        scenarios = [s for s in scenarios if any(o in s.name for o in args.only)]
    # What bench.program.measure.run_one reads.
    for name, value in (("attempts", 1), ("max_load", 1e9), ("extra_iterations", max(5, args.iterations // 2))):
        if not hasattr(args, name):
            setattr(args, name, value)
    print(f"Timing {len(scenarios)} scenarios ({args.warmup} warm-up + {args.iterations} timed calls each):")
    return [run_one(s, args) for s in scenarios]
