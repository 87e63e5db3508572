"""The intake load test: the real server (`vigil serve`, waitress) on a free local port
against the benchmark database, background jobs on Redis run by the worker beside it (as
in production: a report is answered once it is stored; its notifications follow), and POST /api/v1/incidents/reports driven at a constant rate
by `loadgen` with an Idempotency-Key per request. Afterwards every request that got 201
(or 200, a replay) is looked up in the database by its intake key and its tracking
number: one missing is a lost report. Rates are stepped (200, 300, 400 … requests per
second) while the previous step held: the highest step sustained with no error, no loss
and at least 95 % of its target rate is the published sustained rate."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from . import loadgen

REPO = Path(__file__).resolve().parents[2]
PATH = "/api/v1/incidents/reports"
OBSERVABLES = ["203.0.113.{n}", "malware-{n}.example", "hxxp://phish-{n}[.]example/login"]


@dataclass
class StepResult:
    target_rps: float
    duration: float
    summary: dict
    created: int = 0  # 201
    replayed: int = 0  # 200
    errors: int = 0  # anything else, or no answer
    found: int = 0  # 201/200 answers whose report is in the database
    lost: int = 0
    duplicates: int = 0
    error_samples: list = field(default_factory=list)
    server_threads: int = 0
    refused: int = 0  # 503 from admission control: nothing stored, send again
    refused_stored: int = 0  # must stay 0: a refusal writes nothing
    unanswered: int = 0  # no answer in time: stored or not, the retry decides
    accepted_rps: float = 0.0  # 201 answers per second of the load
    accepted_p50_ms: float = 0.0
    accepted_p95_ms: float = 0.0
    drain_rounds: int = 0
    drain_seconds: float = 0.0
    keys: int = 0  # distinct reports the clients had to deliver
    stored_in_the_end: int = 0  # of them, stored (exactly once) after the clients' retries

    @property
    def achieved_rps(self) -> float:
        return self.summary["achieved_rps"]

    @property
    def sustained(self) -> bool:
        """Every answer was a stored report (201/200) or an explicit refusal (503), nothing
        acknowledged was lost, nothing was stored twice, and after the clients' retries
        every report is in the database."""
        return (not self.errors and not self.lost and not self.duplicates and not self.refused_stored
                and self.stored_in_the_end == self.keys)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, threads: int, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)
    # As in production: jobs on Redis, run by the worker `vigil serve` starts beside the
    # server, so a report is answered once stored and its notifications follow.
    env.pop("VIGIL_HUEY_IMMEDIATE", None)
    env.update({
        "VIGIL_DATABASE_URL": url, "VIGIL_REDIS_URL": os.environ.get("VIGIL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "VIGIL_LOG_LEVEL": "WARNING",
        "VIGIL_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "vigil.settings",
        "VIGIL_ALLOWED_HOSTS": "127.0.0.1,localhost",
    })
    env.setdefault("VIGIL_DATA_DIR", tempfile.mkdtemp(prefix="vigil-bench-serve-"))
    os.makedirs(os.path.join(env["VIGIL_DATA_DIR"], "static"), exist_ok=True)
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil", "serve", "--host", "127.0.0.1", "--port", str(port), "--threads",
         str(threads)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped at start (see {log_path})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"the server did not answer /health within 60 s (see {log_path})")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def bench_token(user) -> str:
    from vigil.core.actors import Actor
    from vigil.core.services.auth import token_create

    _token, secret = token_create(actor=Actor(user=user, channel="cli"), user=user, name=f"bench-{uuid.uuid4().hex[:6]}",
                                  scope="write")
    return secret


def body_maker(run_id: str):
    def make(i: int) -> bytes:
        n = i % 250 + 1
        return json.dumps({
            "title": f"Báo cáo sự cố tải thử {run_id} #{i}",
            "description": "Máy chủ có dấu hiệu kết nối tới địa chỉ lạ; báo cáo do bộ đo tải gửi.",
            "detected_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "observables": [o.format(n=n) for o in OBSERVABLES[: 1 + i % 3]],
            "tlp": "amber",
        }, ensure_ascii=False).encode()

    return make


def verify(run: loadgen.LoadRun, *, user_id: int) -> tuple[int, int, int, list[str]]:
    """(found, lost, duplicates, samples of what went wrong): every 201/200 answer's report
    looked up by its intake key and its tracking number."""
    from django.db import connection

    accepted = [o for o in run.outcomes if o.status in (200, 201)]
    keys = [f"api:{user_id}:{o.key}" for o in accepted]
    refs = {o.key: o.json().get("reference") for o in accepted}
    found_keys: dict[str, str] = {}
    with connection.cursor() as cur:
        for start in range(0, len(keys), 5000):
            chunk = keys[start:start + 5000]
            cur.execute("SELECT intake_key, reference FROM incidents_incident WHERE intake_key = ANY(%s)", [chunk])
            found_keys.update(dict(cur.fetchall()))
        all_keys = [f"api:{user_id}:{o.key}" for o in run.outcomes]
        dup = 0
        for start in range(0, len(all_keys), 5000):
            cur.execute("SELECT count(*) - count(DISTINCT intake_key) FROM incidents_incident "
                        "WHERE intake_key = ANY(%s)", [all_keys[start:start + 5000]])
            dup += cur.fetchone()[0]
    lost, samples = 0, []
    for o in accepted:
        ref = found_keys.get(f"api:{user_id}:{o.key}")
        if ref is None or (refs.get(o.key) and refs[o.key] != ref):
            lost += 1
            if len(samples) < 5:
                samples.append(f"{o.key}: answered {o.status} {refs.get(o.key)}, stored {ref}")
    return len(accepted) - lost, lost, dup, samples


def run_step(*, url: str, rate: int, duration: float, threads: int, connections: int, user, token: str,
             log_dir: Path) -> StepResult:
    port = free_port()
    proc = start_server(url, port, threads, log_dir / f"serve-{rate}.log")
    run_id = uuid.uuid4().hex[:8]
    try:
        # A short warm-up (connections, the server's first queries), not recorded.
        loadgen.run_load(host="127.0.0.1", port=port, path=PATH, headers={"Authorization": f"Bearer {token}"},
                         make_body=body_maker(run_id + "w"), key_of=lambda i: f"bench-{run_id}-w{i}",
                         rate=min(rate, 50), duration=2, max_connections=connections, timeout=30)
        run = loadgen.run_load(host="127.0.0.1", port=port, path=PATH,
                               headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
                               make_body=body_maker(run_id), key_of=lambda i: f"bench-{run_id}-{i}",
                               rate=rate, duration=duration, max_connections=connections, timeout=30)
        summary = loadgen.summary(run)
        statuses = summary["statuses"]
        result = StepResult(target_rps=rate, duration=duration, summary=summary, server_threads=threads,
                            created=statuses.get(201, 0), replayed=statuses.get(200, 0),
                            refused=statuses.get(503, 0), unanswered=statuses.get(0, 0))
        result.errors = sum(n for s, n in statuses.items() if s not in (0, 200, 201, 503))
        result.found, result.lost, result.duplicates, samples = verify(run, user_id=user.pk)
        accepted = [o for o in run.outcomes if o.status == 201]
        result.accepted_rps = len(accepted) / duration
        lat = sorted(o.latency_ms for o in accepted)
        result.accepted_p50_ms = loadgen.percentile(lat, 50)
        result.accepted_p95_ms = loadgen.percentile(lat, 95)
        refused_keys = [f"api:{user.pk}:{o.key}" for o in run.outcomes if o.status == 503]
        result.refused_stored = stored_count(refused_keys)
        bad = [o for o in run.outcomes if o.status not in (200, 201, 503)][:5]
        result.error_samples = samples + [f"{o.status or 'no answer'} {o.error} {o.body[:200]!r}" for o in bad]
        # The clients' retries: every report not acknowledged is sent again with its key,
        # at the rate the server accepted, until all are stored (or a 20-round limit).
        make = body_maker(run_id)
        index = {o.key: o.index for o in run.outcomes}
        pending = [o.key for o in run.outcomes if o.status not in (200, 201)]
        retry_rate = max(5.0, result.accepted_rps * 0.8)
        started = time.monotonic()
        while pending and result.drain_rounds < 20:
            result.drain_rounds += 1
            keys = list(pending)
            again = loadgen.run_load(host="127.0.0.1", port=port, path=PATH,
                                     headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
                                     make_body=lambda i, keys=keys: make(index[keys[i]]),
                                     key_of=lambda i, keys=keys: keys[i], rate=retry_rate,
                                     duration=max(len(keys) / retry_rate, 1 / retry_rate), max_connections=connections,
                                     timeout=30)
            pending = [o.key for o in again.outcomes if o.status not in (200, 201)]
            pending += keys[len(again.outcomes):]  # rounding: never sent in this round
        result.drain_seconds = time.monotonic() - started
        all_keys = [f"api:{user.pk}:{o.key}" for o in run.outcomes]
        result.keys = len(all_keys)
        result.stored_in_the_end = stored_count(all_keys, distinct=True)
        result.duplicates = max(result.duplicates, stored_count(all_keys) - result.stored_in_the_end)
    finally:
        stop_server(proc)
    return result


def stored_count(keys: list[str], *, distinct: bool = False) -> int:
    """How many incidents carry these intake keys (distinct keys with `distinct`)."""
    from django.db import connection

    total = 0
    what = "count(DISTINCT intake_key)" if distinct else "count(*)"
    with connection.cursor() as cur:
        for start in range(0, len(keys), 5000):
            cur.execute(f"SELECT {what} FROM incidents_incident WHERE intake_key = ANY(%s)",  # noqa: S608
                        [keys[start:start + 5000]])
            total += cur.fetchone()[0]
    return total


def run_steps(args, url: str) -> list[StepResult]:
    from .generate import load_network

    net = load_network()
    user = net.reporter
    token = bench_token(user)
    log_dir = Path(tempfile.mkdtemp(prefix="vigil-bench-load-"))
    results = []
    print(f"Intake load test: POST {PATH}, {args.duration:g} s per rate, rates {args.rate} (logs in {log_dir})")
    for rate in args.rate:
        r = run_step(url=url, rate=rate, duration=args.duration, threads=args.threads,
                     connections=args.connections, user=user, token=token, log_dir=log_dir)
        s = r.summary
        print(f"  {rate:4d} rps offered for {args.duration:g} s: {s['sent']} sent, statuses {s['statuses']}, "
              f"accepted {r.accepted_rps:.1f}/s (p50 {r.accepted_p50_ms:.0f} ms, p95 {r.accepted_p95_ms:.0f} ms), "
              f"lost {r.lost}, refused-but-stored {r.refused_stored}, duplicates {r.duplicates}; retries: "
              f"{r.drain_rounds} rounds, {r.drain_seconds:.0f} s, {r.stored_in_the_end}/{r.keys} stored in the end")
        for line in r.error_samples:
            print(f"    {line}")
        results.append(r)
        if not r.sustained:
            break
    return results


def max_sustained(results: list[StepResult]) -> StepResult | None:
    ok = [r for r in results if r.sustained]
    return max(ok, key=lambda r: r.target_rps) if ok else None
