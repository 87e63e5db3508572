"""Write the incident bench's results into docs/performance.md, between its own markers
(the program bench's section is left alone)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.program.report import DOC, HEADER, _fmt, machine

BEGIN = "<!-- bench:incidents:begin (written by `bench/run incidents`; edits inside are overwritten) -->"
END = "<!-- bench:incidents:end -->"
SECTION_TITLE = "## Issue 4 — incidents: list, statistics and intake under load"


def render(*, meta: dict, results: list, loads: list, counts: dict, args) -> str:
    from .loadtest import PATH
    from .measure import TARGET_MS

    now = subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip()
    cfg = meta["config"]
    command = "bench/run incidents" + (" --quick" if getattr(args, "quick", False) else "")
    lines = [
        SECTION_TITLE, "",
        "> Benchmark under `bench/`: create 1,000,000 incidents with timelines on PostgreSQL; the incident",
        "> list filtered by unit subtree and status, and the statistics page, each answer in under",
        f"> {TARGET_MS:.0f} ms at the 95th percentile; intake of reports through the API at a sustained rate",
        "> you measure and publish, with zero lost under a concurrent load of at least 200 requests per",
        "> second for a minute.", "",
        f"Measured on **{now}** with `{command}`."
        + (" **A quick (smoke) run: not the issue's volume.**" if getattr(args, "quick", False) else ""), "",
        "### Machine", "",
        *(f"- {k}: {v}" for k, v in machine().items()),
        "- Shared: other engineers' test runs use the same cores and PostgreSQL server. The load",
        "  generator, the server and PostgreSQL all run on this one machine.", "",
        "### Data", "",
        f"Generated on {meta['generated_at']} in {meta['generation_seconds']:.0f} s (COPY, foreign-key triggers "
        f"off, references verified afterwards) plus {meta['vacuum_seconds']:.0f} s of VACUUM ANALYZE: "
        f"{cfg['count']:,} incidents over {cfg['months']} months across the reference units (the 34 provinces "
        "and their provincial units, the ministries), 3–6 timeline events each, lead and supporting units.", "",
        "| table | rows |", "|---|---:|",
        *(f"| {k} | {v:,} |" if isinstance(v, int) else f"| {k} | {v} |" for k, v in counts.items()), "",
        "States: " + ", ".join(f"{k} {v:,}" for k, v in meta.get("states", {}).items()) + ".", "",
    ]
    if results:
        lines += [
            "### List and statistics", "",
            f"{args.warmup} warm-up calls, then up to {args.iterations} timed calls per scenario (the provinces in "
            "turn), through the real selectors and pages as the real users; each call starts from a fresh access "
            "scope. Times in milliseconds.", "",
            "| scenario | via | target | n | p50 | p95 | p99 | max | SQL/call | verdict |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in results:
            target = f"{r.target_ms:.0f}" if r.target_ms else "—"
            if r.error:
                lines.append(f"| {r.scenario.label} | {r.scenario.via} | {target} | | | | | | | error: `{r.error}` |")
                continue
            verdict = "—" if r.target_ms is None else ("**met**" if r.ok else "**missed**")
            lines.append(
                f"| {r.scenario.label} | {r.scenario.via} | {target} | {len(r.attempt.samples)} | {_fmt(r.p50)} | "
                f"{_fmt(r.p95)} | {_fmt(r.p99)} | {_fmt(r.max)} | {r.queries:.1f} | {verdict} |"
            )
        notes = [r for r in results if r.scenario.note]
        if notes:
            lines += ["", *(f"- *{r.scenario.label}*: {r.scenario.note}." for r in notes)]
        for r in results:
            if r.explain:
                ms, sql, _p = r.attempt.slowest
                lines += ["", f"<details><summary>{r.scenario.label} — slowest statement {ms:.0f} ms</summary>", "",
                          "```sql", sql.strip()[:4000], "```", "", "```", r.explain.strip(), "```", "", "</details>"]
        lines.append("")
    if loads:
        lines += [
            "### Intake under load", "",
            f"`POST {PATH}` on the real server (`vigil serve`: waitress, {loads[0].server_threads} threads; jobs on "
            "Redis run by the worker beside it, as in production) against this database, driven by "
            "`bench/incidents/loadgen.py`: an open-model asyncio generator (requests due at a constant rate "
            "whatever the answers; latency measured from the moment a request was due), one `Idempotency-Key` "
            "per report. Admission control (`VIGIL_INTAKE_MAX_CONCURRENT` reports at once) answers the excess "
            "at once with 503 and `Retry-After`: nothing stored, send again. Afterwards every 201/200 answer's "
            "report is looked up by its intake key and tracking number (lost = acknowledged but absent), every "
            "refused key is checked absent, and then the clients retry everything not acknowledged, with the "
            "same keys, at the accepted rate, until the database holds every report exactly once.", "",
            "| offered rps | seconds | sent | 201 | 503 refused | no answer | other | accepted rps | 201 p50 ms | "
            "201 p95 ms | lost | refused but stored | duplicates | retry rounds | retry s | stored in the end |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in loads:
            s = r.summary
            lines.append(
                f"| {r.target_rps:g} | {r.duration:g} | {s['sent']:,} | {r.created:,} | {r.refused:,} | "
                f"{r.unanswered:,} | {r.errors:,} | {r.accepted_rps:.1f} | {r.accepted_p50_ms:.0f} | "
                f"{r.accepted_p95_ms:.0f} | {r.lost} | {r.refused_stored} | {r.duplicates} | {r.drain_rounds} | "
                f"{r.drain_seconds:.0f} | {r.stored_in_the_end:,} of {r.keys:,} |"
            )
        best = max(loads, key=lambda r: r.accepted_rps)
        lines += [
            "",
            f"**Sustained intake rate on this machine: {best.accepted_rps:.0f} reports/second** (stored and "
            f"acknowledged while {best.target_rps:g}/s were offered). "
            + ("Zero lost: every acknowledged report is in the database, no refusal stored anything, and after the "
               "retries every report is stored exactly once." if all(r.sustained for r in loads)
               else "**Loss or errors: see the table and the samples below.**"),
        ]
        samples = [line for r in loads for line in r.error_samples]
        if samples:
            lines += ["", "Samples of failures:", "", *(f"- `{x[:300]}`" for x in samples[:10])]
        lines.append("")
    lines += [
        "### Reproduce", "", "```sh",
        "bench/run incidents            # builds the incidents in vigil_bench once (reused), times, load-tests",
        "bench/run incidents --quick    # 20,000 incidents, 10 calls per scenario, 10 s of load",
        "bench/run incidents --no-load --only stats --explain", "```",
    ]
    return "\n".join(lines)


def write(*, meta: dict, results: list, loads: list, counts: dict, args) -> Path:
    section = f"{BEGIN}\n{render(meta=meta, results=results, loads=loads, counts=counts, args=args)}\n{END}"
    text = DOC.read_text() if DOC.exists() else HEADER
    opening = BEGIN.split(" (")[0]
    if opening in text and END in text:
        start = text.index(opening)
        end = text.index(END) + len(END)
        text = text[:start] + section + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
    return DOC
