"""The benchmark of issue 4 (bench/incidents) still runs: its generator builds a tiny
history on the test database consistent with the models, every timed scenario answers
once, the report renders, and the load generator keeps its open-model schedule and
records every response against a small local HTTP server. No timing is asserted here:
`bench/run incidents` measures, on PostgreSQL."""

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.incidents import generate as gen
from bench.incidents import loadgen, measure, report

TINY = gen.Config(count=300, months=3, provinces=3, seed=5)


def _quiet(*_args):
    pass


@pytest.fixture
def tiny(db):
    return gen.generate(TINY, log=_quiet)


def test_generator_writes_consistent_incidents_with_timelines(tiny):
    from vigil.incidents.models import Incident, IncidentUnit, TimelineEvent

    net, counts = tiny
    assert counts.incidents == Incident.objects.count() == TINY.count
    assert counts.events == TimelineEvent.objects.count() >= 3 * TINY.count
    assert counts.units == IncidentUnit.objects.count()
    assert gen.verify() == dict.fromkeys(gen.verify(), 0)
    assert sum(counts.states.values()) == TINY.count
    for inc in Incident.objects.all()[:100]:
        assert inc.detected_at <= inc.received_at
        if inc.acknowledged_at:
            assert inc.acknowledged_at >= inc.received_at
        if inc.state == "closed":
            assert inc.resolved_at and inc.closed_at and inc.closed_at >= inc.resolved_at
        assert 3 <= inc.timeline.count() <= 7
    owners = {u.pk for u, _p in net.owners}
    assert set(Incident.objects.values_list("owner_unit_id", flat=True)) <= owners


def test_every_scenario_answers_once_and_the_report_renders(tiny):
    from django.core.cache import cache

    cache.clear()
    args = argparse.Namespace(warmup=0, iterations=1, extra_iterations=1, attempts=1, max_load=1e9, budget=60.0,
                              explain=False, only=[], quick=True)
    results = measure.run_all(args)
    assert [r.error for r in results if r.error] == []
    names = {r.name for r in results}
    assert {"list_province", "list_agency", "stats_agency", "stats_province"} <= names
    _net, counts = tiny
    meta = {"config": TINY.as_dict(), "generated_at": "now", "generation_seconds": 1.0, "vacuum_seconds": 0.0,
            "states": counts.states}
    text = report.render(meta=meta, results=results, loads=[], counts={"incidents": counts.incidents}, args=args)
    assert "## Issue 4" in text and "Statistics, 12 months, the whole network" in text


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        key = self.headers["Idempotency-Key"]
        self.seen.append((key, json.loads(body)))
        out = json.dumps({"reference": f"REF-{key}"}).encode()
        self.send_response(201 if not key.endswith("-3") else 422)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *_args):
        pass


def test_load_generator_sends_at_the_rate_and_records_every_answer():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        from bench.incidents.loadtest import body_maker

        run = loadgen.run_load(
            host="127.0.0.1", port=server.server_address[1], path="/api/v1/incidents/reports",
            headers={"Authorization": "Bearer x"}, make_body=body_maker("t"), key_of=lambda i: f"k-{i}",
            rate=50, duration=1.0, max_connections=8, timeout=5,
        )
    finally:
        server.shutdown()
    assert len(run.outcomes) == 50
    assert run.by_status() == {201: 49, 422: 1}
    assert {o.json()["reference"] for o in run.outcomes if o.status == 201} == {
        f"REF-k-{i}" for i in range(50) if i != 3
    }
    # Open model: request i was due i/rate seconds after the start.
    assert run.outcomes[10].due - run.outcomes[0].due == pytest.approx(10 / 50)
    summary = loadgen.summary(run)
    assert summary["sent"] == 50 and summary["errors"] == 0 and summary["p99_ms"] >= summary["p50_ms"]
    titles = {body["title"] for _k, body in _Handler.seen}
    assert len(titles) == 50 and all(body["observables"] for _k, body in _Handler.seen)


def test_percentile_is_nearest_rank():
    assert loadgen.percentile([5, 1, 3, 2, 4], 50) == 3
    assert loadgen.percentile(list(range(1, 101)), 95) == 95
    assert loadgen.percentile([], 99) == 0.0
