"""An open-model HTTP load generator (asyncio, the standard library only).

Request i is due at start + i / rate, whether or not earlier ones have answered (an
open model: a slow server does not slow the arrivals down, so its queueing shows in the
latencies instead of hiding — no "coordinated omission"). Requests go over a pool of
keep-alive HTTP/1.1 connections, opened as needed up to `max_connections`; a request
that finds none free waits for one, and that wait counts in its latency, which is
measured from the moment it was due. Every response is recorded. The run stops by itself:
no request is started after `duration` seconds, and the ones in flight get `timeout`
seconds more.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Outcome:
    index: int
    key: str
    due: float
    sent: float = 0.0
    done: float = 0.0
    status: int = 0  # 0: no answer (connection error or timeout)
    error: str = ""
    body: bytes = b""

    @property
    def latency_ms(self) -> float:
        return (self.done - self.due) * 1000

    @property
    def service_ms(self) -> float:
        return (self.done - self.sent) * 1000

    def json(self) -> dict:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}


@dataclass
class LoadRun:
    target_rps: float
    duration: float
    outcomes: list[Outcome] = field(default_factory=list)
    started: float = 0.0
    last_sent: float = 0.0
    finished: float = 0.0
    connections_opened: int = 0
    late_starts: int = 0  # requests started more than 100 ms after they were due

    @property
    def answered(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status]

    @property
    def achieved_rps(self) -> float:
        """Requests answered per second over the sending window."""
        ok = [o for o in self.outcomes if o.status]
        if not ok:
            return 0.0
        window = max(o.done for o in ok) - self.started
        return len(ok) / window if window > 0 else 0.0

    def by_status(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return dict(sorted(out.items()))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-int(p * len(ordered)) // 100))
    return ordered[min(rank, len(ordered)) - 1]


class _Pool:
    def __init__(self, host: str, port: int, max_connections: int):
        self.host, self.port, self.max = host, port, max_connections
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.open = 0
        self.opened = 0
        self.freed = asyncio.Condition()

    async def get(self):
        async with self.freed:
            while True:
                if self.idle:
                    return self.idle.pop()
                if self.open < self.max:
                    self.open += 1
                    break
                await self.freed.wait()
        try:
            conn = await asyncio.open_connection(self.host, self.port)
        except Exception:
            async with self.freed:
                self.open -= 1
                self.freed.notify()
            raise
        self.opened += 1
        return conn

    async def put(self, conn, *, reuse: bool):
        async with self.freed:
            if reuse:
                self.idle.append(conn)
            else:
                self.open -= 1
                try:
                    conn[1].close()
                except Exception:  # noqa: BLE001
                    pass
            self.freed.notify()

    def close(self):
        for _r, w in self.idle:
            w.close()
        self.idle = []


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        return status, headers, body
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return status, headers, body


async def _run(*, host: str, port: int, path: str, headers: dict[str, str], make_body: Callable[[int], bytes],
               key_of: Callable[[int], str], rate: float, duration: float, max_connections: int,
               timeout: float) -> LoadRun:
    loop = asyncio.get_running_loop()
    pool = _Pool(host, port, max_connections)
    run = LoadRun(target_rps=rate, duration=duration)
    total = int(rate * duration)
    base = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    async def one(o: Outcome):
        try:
            conn = await asyncio.wait_for(pool.get(), timeout)
        except Exception as exc:  # noqa: BLE001
            o.done, o.error = loop.time(), f"connect: {exc!r}"[:200]
            return
        reader, writer = conn
        body = make_body(o.index)
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{base}Idempotency-Key: {o.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        o.sent = loop.time()
        if o.sent - o.due > 0.1:
            run.late_starts += 1
        reuse = False
        try:
            writer.write(request)
            await writer.drain()
            status, resp_headers, resp_body = await asyncio.wait_for(_read_response(reader), timeout)
            o.status, o.body = status, resp_body[:4000]
            reuse = resp_headers.get("connection", "").lower() != "close"
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, never raised
            o.error = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            o.done = loop.time()
            await pool.put(conn, reuse=reuse)

    start = loop.time() + 0.05
    run.started = start
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        o = Outcome(index=i, key=key_of(i), due=due)
        run.outcomes.append(o)
        tasks.append(asyncio.create_task(one(o)))
    run.last_sent = loop.time()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout + 5)
        for t in tasks:
            if not t.done():
                t.cancel()
    for o in run.outcomes:
        if not o.done:
            o.done, o.error = loop.time(), o.error or "timeout"
    run.finished = loop.time()
    run.connections_opened = pool.opened
    pool.close()
    return run


def run_load(**kwargs) -> LoadRun:
    """Run one load (see `_run` for the arguments) and return every outcome. The event
    loop gets a thread of its own: the caller's thread may already run one (Playwright's)."""
    result: dict = {}

    def main():
        try:
            result["run"] = asyncio.run(_run(**kwargs))
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=main, name="vigil-loadgen")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["run"]


def summary(run: LoadRun) -> dict:
    answered = run.answered
    lat = [o.latency_ms for o in answered]
    return {
        "target_rps": run.target_rps, "duration_s": run.duration, "sent": len(run.outcomes),
        "achieved_rps": round(run.achieved_rps, 1), "statuses": run.by_status(),
        "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1), "max_ms": round(max(lat), 1) if lat else 0.0,
        "late_starts": run.late_starts, "connections": run.connections_opened,
        "errors": sum(1 for o in run.outcomes if not o.status),
        "drain_s": round(run.finished - run.last_sent, 1), "wall_s": time.time(),
    }
