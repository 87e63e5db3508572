"""Write the intelligence bench's results into docs/performance.md between its markers."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path

from bench.program.report import DOC, HEADER

BEGIN = "<!-- bench:intel:begin (written by `bench/run intel`; edits inside are overwritten) -->"
END = "<!-- bench:intel:end -->"
TITLE = "## Issue 5 — threat intelligence: import and blocklist export"
TARGET_RATE = 50_000
TARGET_RPZ_S = 10.0


def _machine() -> list[str]:
    import os
    import re

    cpu = platform.processor() or "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        m = re.search(r"^Model name:\s*(.+)$", out, re.M)
        cpu = m.group(1).strip() if m else cpu
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with open("/proc/meminfo") as fh:
            kb = int(re.search(r"MemTotal:\s+(\d+)", fh.read()).group(1))
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        mem = "unknown"
    try:
        pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
                            capture_output=True, text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        pg = "unknown"
    import sqlite3

    return [f"- CPU: {cpu}", f"- cores: {os.cpu_count()}", f"- memory: {mem}", f"- PostgreSQL: {pg}",
            f"- SQLite: {sqlite3.sqlite_version}", f"- Python {platform.python_version()}, {platform.system()} {platform.release()}"]


def render(*, results: dict, args) -> str:
    now = subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip()
    command = "bench/run intel" + (" --quick" if args.quick else "")
    lines = [
        TITLE, "",
        "> Benchmark under `bench/`: import 1,000,000 domain indicators from a plain list and from a STIX",
        "> bundle of 100,000 indicators, on SQLite and on PostgreSQL; publish indicators per second; target",
        "> at least 50,000 per second for the plain list on PostgreSQL. Export the full set as RPZ in under",
        "> 10 seconds.", "",
        f"Measured on **{now}** with `{command}`" + (" — **a quick (smoke) run, not the issue's volume**." if args.quick else "."),
        f"Input: {args.count:,} synthetic domains (plain list, one a line) and a STIX 2.1 bundle of "
        f"{args.stix_count:,} `indicator` objects (one `domain-name` pattern each, TLP:GREEN marking). Each backend "
        "runs in its own process on an empty intelligence schema; every value goes through the real import service "
        "(normalisation, warninglists, decay, claims, audit, checkpoints).", "",
        "### Machine", "", *_machine(),
        "- Shared: the same 2 cores run PostgreSQL and the importer; other work may have run beside it.", "",
        "| measurement | " + " | ".join(results) + " |",
        "|---|" + "---:|" * len(results),
    ]

    def row(label, fn):
        cells = []
        for r in results.values():
            try:
                cells.append(fn(r))
            except (KeyError, TypeError):
                cells.append("—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("plain list: values", lambda r: f"{r['list']['records']:,}")
    row("plain list: seconds", lambda r: f"{r['list']['seconds']:.1f}")
    row("**plain list: indicators / s**", lambda r: f"**{r['list']['per_second']:,.0f}**")
    row("same list again as a feed run (every value seen again): seconds",
        lambda r: f"{r['list_again']['seconds']:.1f}")
    row("same list again: indicators / s", lambda r: f"{r['list_again']['per_second']:,.0f}")
    row("same file imported again (recognised, nothing written): seconds", lambda r: f"{r['same_file']['seconds']:.2f}")
    row("STIX bundle: indicators", lambda r: f"{r['stix']['records']:,}")
    row("STIX bundle: seconds", lambda r: f"{r['stix']['seconds']:.1f}")
    row("**STIX bundle: indicators / s**", lambda r: f"**{r['stix']['per_second']:,.0f}**")
    row("indicators in the table afterwards", lambda r: f"{r['indicators']:,}")
    row("RPZ export of every active domain: lines", lambda r: f"{r['rpz']['lines']:,}")
    row("RPZ export: bytes", lambda r: f"{r['rpz']['bytes']:,}")
    row("**RPZ export: seconds**", lambda r: f"**{r['rpz']['seconds']:.1f}**")
    row("ETag of the export (a resolver's conditional GET): seconds", lambda r: f"{r['etag_seconds']:.2f}")
    for key, label in (
        ("list_first_page_network", "indicator list, first page, network-wide user: p95 ms"),
        ("list_first_page_province", "indicator list, first page, province analyst: p95 ms"),
        ("list_search_exact_province", "indicator list, exact value search, province analyst: p95 ms"),
        ("list_ten_pages_province", "indicator list, ten pages deep (keyset), province analyst: p95 ms"),
        ("taxii_page_100_province", "TAXII page of 100 indicators (GREEN collection), province analyst: p95 ms"),
    ):
        row(label, lambda r, key=key: f"{r['reads'][key]:.0f}")
    pg = results.get("postgresql")
    if pg:
        rate = pg.get("list", {}).get("per_second", 0)
        rpz = pg.get("rpz", {}).get("seconds")
        lines += ["", f"Target, plain list on PostgreSQL ≥ {TARGET_RATE:,}/s: **{'met' if rate >= TARGET_RATE else 'missed'}** "
                  f"({rate:,.0f}/s). RPZ export < {TARGET_RPZ_S:.0f} s: "
                  f"**{'met' if rpz is not None and rpz < TARGET_RPZ_S else 'missed'}**"
                  + (f" ({rpz:.1f} s)." if rpz is not None else ".")]
    return "\n".join(lines) + "\n"


def write(*, results: dict, args) -> Path:
    section = f"{BEGIN}\n{render(results=results, args=args)}{END}"
    text = DOC.read_text() if DOC.exists() else HEADER
    opening = BEGIN.split(" (")[0]
    if opening in text and END in text:
        start = text.index(opening)
        text = text[:start] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
    return DOC
