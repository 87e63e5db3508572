"""`bench/run program [options]`: build (or reuse) the benchmark database, time the
scenarios, and write the results into docs/performance.md. See bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vigil_bench"
META_KEY = "program"


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="bench/run program", description=__doc__)
    ap.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="communes per province = 97 x scale (1.0: the issue's 3,298 communes, ~670k tasks)",
    )
    ap.add_argument("--years", type=int, default=10, help="years of history (default 10)")
    ap.add_argument(
        "--database-url",
        default=os.environ.get("VIGIL_BENCH_DATABASE_URL", DEFAULT_URL),
        help=f"PostgreSQL database to use; created if missing (default {DEFAULT_URL})",
    )
    ap.add_argument(
        "--rebuild", action="store_true", help="drop the database and generate the data again"
    )
    ap.add_argument(
        "--drop", action="store_true", help="drop the database when done (default: keep it)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the database when done (the default)")
    ap.add_argument("--generate-only", action="store_true", help="build the data, measure nothing")
    ap.add_argument(
        "--iterations",
        type=int,
        default=200,
        help="timed calls per scenario with a target (default 200)",
    )
    ap.add_argument(
        "--extra-iterations",
        type=int,
        default=50,
        help="timed calls per scenario without a target, which only explain the picture (default 50)",
    )
    ap.add_argument("--warmup", type=int, default=20, help="untimed calls first (default 20)")
    ap.add_argument(
        "--budget",
        type=float,
        default=45.0,
        help="seconds of timed calls per scenario with a target before a slow one stops "
        "early (never under 10 calls; a third of it for the others; default 45)",
    )
    ap.add_argument(
        "--only", action="append", default=[], help="run only scenarios whose name contains this"
    )
    ap.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE every scenario's slowest query"
    )
    ap.add_argument("--no-doc", action="store_true", help="don't rewrite docs/performance.md")
    ap.add_argument(
        "--max-load",
        type=float,
        default=2.5,
        help="measure a scenario again when the 1-minute load average exceeded this (default 2.5)",
    )
    ap.add_argument(
        "--attempts",
        type=int,
        default=2,
        help="at most this many measurements of a noisy scenario; the quietest is kept (default 2)",
    )
    return ap.parse_args(argv)


def _admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit("the database URL must name a database")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return admin, name


def ensure_database(url: str, *, drop: bool = False) -> bool:
    """Create the benchmark database if missing (after dropping it with `drop`).
    Returns whether it was created now."""
    import psycopg
    from psycopg import sql

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if drop:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "vigil.settings"
    os.environ["VIGIL_DATABASE_URL"] = url
    data_dir = os.environ.setdefault("VIGIL_DATA_DIR", tempfile.mkdtemp(prefix="vigil-bench-"))
    os.makedirs(os.path.join(data_dir, "static"), exist_ok=True)  # whitenoise wants it to exist
    os.environ["VIGIL_LOG_LEVEL"] = "WARNING"
    os.environ["VIGIL_DEBUG"] = "0"
    # The Django test client's requests come from "testserver".
    os.environ["VIGIL_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


# --------------------------------------------------------------------------- meta


def read_meta() -> dict | None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (key varchar(64) PRIMARY KEY, value text NOT NULL)"
        )
        cur.execute("SELECT value FROM bench_meta WHERE key = %s", [META_KEY])
        row = cur.fetchone()
    return json.loads(row[0]) if row else None


def write_meta(meta: dict) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM bench_meta WHERE key = %s", [META_KEY])
        cur.execute(
            "INSERT INTO bench_meta (key, value) VALUES (%s, %s)",
            [META_KEY, json.dumps(meta, default=str)],
        )


def table_counts() -> dict[str, int]:
    from django.db import connection

    tables = {
        "units": "org_unit",
        "tasks": "program_task",
        "progress reports": "program_progressreport",
        "task events": "program_taskevent",
        "supporting-unit links": "program_task_supporting_units",
        "meetings": "program_meeting",
        "conclusions": "program_conclusion",
        "work programmes": "program_workprogramme",
    }
    out = {}
    with connection.cursor() as cur:
        for label, table in tables.items():
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            out[label] = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        out["database size"] = cur.fetchone()[0]
    return out


# --------------------------------------------------------------------------- build


def build(args, url: str) -> dict:
    """Reuse the data set when it was built with the same configuration; otherwise
    (or with --rebuild) drop the database and generate it again."""
    created = ensure_database(url, drop=args.rebuild)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from . import generate as gen

    cfg = gen.Config.for_scale(args.scale, years=args.years)
    call_command("migrate", verbosity=0, interactive=False)
    meta = None if created else read_meta()
    if (
        meta
        and meta.get("complete")
        and meta.get("config") == json.loads(json.dumps(cfg.as_dict()))
    ):
        print(
            f"Reusing the data set generated on {meta['generated_at']} "
            f"({meta['counts']['tasks']:,} tasks); --rebuild to generate it again."
        )
        return meta
    if not created:
        print("The database holds no complete data set of this configuration: rebuilding it.")
        connection.close()
        ensure_database(url, drop=True)
        call_command("migrate", verbosity=0, interactive=False)
    read_meta()  # creates the table
    print(f"Generating: {cfg.as_dict()}")
    t0 = time.perf_counter()
    _net, counts = gen.generate(cfg, fast=True)
    t_gen = time.perf_counter() - t0
    broken = gen.verify()
    if any(broken.values()):
        raise SystemExit(f"generated data has broken references: {broken}")
    print("  references verified; VACUUM ANALYZE …")
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        for table in (
            "org_unit",
            "program_task",
            "program_task_supporting_units",
            "program_progressreport",
            "program_taskevent",
            "program_meeting",
            "program_conclusion",
            "program_workprogramme",
            "org_membership",
            "org_person",
        ):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    t_vac = time.perf_counter() - t1
    meta = {
        "complete": True,
        "config": cfg.as_dict(),
        "generated_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "generated_for_day": str(__import__("vigil.program.status", fromlist=["today"]).today()),
        "generation_seconds": round(t_gen, 1),
        "vacuum_seconds": round(t_vac, 1),
        "counts": {
            "tasks": counts.tasks,
            "reports": counts.reports,
            "events": counts.events,
            "supports": counts.supports,
            "communes": counts.units,
        },
        "statuses": counts.statuses,
    }
    write_meta(meta)
    print(f"Generated in {t_gen:.0f}s (+ {t_vac:.0f}s VACUUM ANALYZE): {meta['counts']}")
    print(f"  statuses: {counts.statuses}")
    return meta


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    url = args.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the benchmark runs on PostgreSQL: --database-url postgres://…")
    started = time.perf_counter()
    meta = build(args, url)
    status = 0
    if not args.generate_only:
        from . import measure, report

        results = measure.run_all(args)
        if args.only and not args.no_doc:
            print("A partial run (--only): docs/performance.md left as it is.")
        elif not args.no_doc:
            path = report.write(meta=meta, results=results, counts=table_counts(), args=args)
            print(f"Results written to {path.relative_to(REPO)}")
        status = 0 if all(r.ok for r in results if r.target_ms) else 1
    if args.drop:
        from django.db import connection

        connection.close()
        drop_database(url)
        print("Database dropped.")
    print(f"Done in {time.perf_counter() - started:.0f}s.")
    return status


if __name__ == "__main__":
    sys.exit(main())
