"""`bench/run screens [--repeat 5] [--data-dir DIR]`: the demo's pages as its users open
them (issue 13: pages stay as fast as they were, p95 under 300 ms on the demo).

Builds the demo the README's first command makes (`vigil demo --no-serve`: SQLite, the
reference data and six months of demo work) in a fresh data folder (or reuses DIR), serves
it with `vigil serve` on a loopback port, and for every demo login, in Vietnamese: signs in,
reaches every page it can from the home page (one page per route: the menu's pages, then the
objects they list, as tests/test_demo_words.py reads them), then opens each of those pages
`--repeat` more times. Every timing is a whole page, from the request to the last byte,
through the real server. The percentiles go to docs/performance.md with the machine."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET_MS = 300


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/run screens", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="timed loads of every page after the first (default 5)")
    ap.add_argument("--data-dir", help="a data folder made by `vigil demo --no-serve` (default: build one)")
    ap.add_argument("--logins", type=int, default=0, help="only the first N demo logins (0: all)")
    ap.add_argument("--no-write", action="store_true", help="print the report instead of writing docs/performance.md")
    return ap.parse_args(argv)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def measure(base: str, accounts: list[tuple[str, str]], repeat: int, limit: int = 400) -> list[dict]:
    """One row per (login, page): its timed loads in milliseconds."""
    from .crawl import Browser, crawl, route_of

    rows = []
    for username, password in accounts:
        client = Browser(base)
        client.sign_in(username, password, "vi")
        for path, _html, _first in crawl(client, limit=limit):
            samples = []
            for _ in range(repeat):
                status, _type, _body, seconds = client.get(path)
                if status == 200:
                    samples.append(seconds * 1000)
            if samples:
                rows.append({"login": username, "path": path, "route": route_of(path), "ms": samples})
    return rows


def summarise(rows: list[dict]) -> dict:
    every = [ms for row in rows for ms in row["ms"]]
    by_login = {}
    for row in rows:
        by_login.setdefault(row["login"], []).extend(row["ms"])
    slowest = sorted(rows, key=lambda r: statistics.median(r["ms"]), reverse=True)[:12]
    return {
        "pages": len(rows), "loads": len(every),
        "p50": percentile(every, 50), "p95": percentile(every, 95), "p99": percentile(every, 99),
        "max": max(every, default=0.0),
        "by_login": {k: (len(v), percentile(v, 50), percentile(v, 95), max(v)) for k, v in by_login.items()},
        "slowest": [(r["login"], r["path"], statistics.median(r["ms"]), max(r["ms"])) for r in slowest],
        "over_target": sum(1 for r in rows if percentile(r["ms"], 95) > TARGET_MS),
    }


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, str(REPO))
    from tests.demo_site import build, logins, serving

    folder = args.data_dir or tempfile.mkdtemp(prefix="vigil-bench-screens-")
    print(f"the demo in {folder} (built unless it is there) ...", flush=True)
    env, printed = build(folder)
    accounts = logins(printed)
    if args.logins:
        accounts = accounts[: args.logins]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    os.environ["VIGIL_DATA_DIR"] = folder
    import django

    django.setup()
    with serving(env) as base:
        print(f"timing the pages of {len(accounts)} logins on {base} ...", flush=True)
        rows = measure(base, accounts, args.repeat)
    from .report import render, write

    summary = summarise(rows)
    if args.no_write:
        print(render(summary=summary, args=args, logins=len(accounts)))
    else:
        print(f"written to {write(summary=summary, args=args, logins=len(accounts))}")
    print(f"p50 {summary['p50']:.0f} ms, p95 {summary['p95']:.0f} ms, max {summary['max']:.0f} ms "
          f"over {summary['loads']} loads of {summary['pages']} pages")
    return 0 if summary["p95"] <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
