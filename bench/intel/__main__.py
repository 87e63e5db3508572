"""`bench/run intel [options]`: import 1,000,000 domain indicators from a plain list and
100,000 from a STIX 2.1 bundle, on SQLite and on PostgreSQL, then export every domain
as a DNS RPZ zone; write indicators per second and the export time into
docs/performance.md. Each backend runs in its own process on a fresh (SQLite) or emptied
(PostgreSQL `vigil_bench_intel`) database. `--quick`: 20,000 and 5,000. See bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.program.__main__ import REPO, ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vigil_bench_intel"


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/run intel", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smoke run: 20,000 list values, 5,000 STIX indicators")
    ap.add_argument("--count", type=int, default=None, help="domains in the plain list (default 1,000,000)")
    ap.add_argument("--stix-count", type=int, default=None, help="indicators in the STIX bundle (default 100,000)")
    ap.add_argument("--backend", action="append", choices=["sqlite", "postgresql"], default=[],
                    help="backends to measure (repeatable; default both)")
    ap.add_argument("--database-url", default=os.environ.get("VIGIL_BENCH_INTEL_URL", DEFAULT_URL),
                    help=f"PostgreSQL database (created if missing; default {DEFAULT_URL})")
    ap.add_argument("--no-doc", action="store_true", help="don't rewrite docs/performance.md")
    args = ap.parse_args(argv)
    args.count = args.count or (20_000 if args.quick else 1_000_000)
    args.stix_count = args.stix_count or (5_000 if args.quick else 100_000)
    args.backend = args.backend or ["sqlite", "postgresql"]
    return args


def main(argv=None) -> int:
    from . import data, report

    args = parse_args(sys.argv[1:] if argv is None else argv)
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-intel-"))
    print(f"writing {args.count:,} domains and a {args.stix_count:,}-indicator STIX bundle to {work} …", flush=True)
    list_path = data.write_list(work / "domains.txt", args.count)
    stix_path = data.write_stix(work / "bundle.json", args.stix_count)
    results = {}
    failed = False
    for backend in args.backend:
        env = dict(os.environ)
        if backend == "postgresql":
            ensure_database(args.database_url)
            env["VIGIL_BENCH_INTEL_URL"] = args.database_url
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "bench.intel.run", backend, str(list_path), str(stix_path)],
                              cwd=REPO, env=env, capture_output=True, text=True)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            print(f"{backend}: failed (exit {proc.returncode})", file=sys.stderr)
            failed = True
            continue
        results[backend] = json.loads(proc.stdout.strip().splitlines()[-1])
        results[backend]["wall_seconds"] = time.perf_counter() - started
    if not args.no_doc and results:
        print(f"results written to {report.write(results=results, args=args)}")
    print(json.dumps(results, indent=2))
    if failed:
        return 1
    pg = results.get("postgresql", {})
    met = pg.get("list", {}).get("per_second", 0) >= 50_000 and pg.get("rpz", {}).get("seconds", 99) < 10
    return 0 if (met or args.quick or "postgresql" not in results) else 3


if __name__ == "__main__":
    sys.exit(main())
