"""The screens suite's section of docs/performance.md (between its markers)."""

from __future__ import annotations

import subprocess

from bench.program.report import DOC, HEADER, machine

BEGIN = "<!-- bench:screens:begin (written by `bench/run screens`; edits inside are overwritten) -->"
END = "<!-- bench:screens:end -->"
TITLE = "## Issue 13 — the demo's pages as its users open them"


def _ms(value: float) -> str:
    return f"{value:.0f}"


def render(*, summary: dict, args, logins: int) -> str:
    from . import TARGET_MS_TEXT

    now = subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip()
    info = machine()
    lines = [
        TITLE, "",
        f"Run {now} by `bench/run screens --repeat {args.repeat}`. The demo the README's first command makes "
        "(SQLite), served by `vigil serve` on loopback; every demo login in Vietnamese reaches every page it can "
        "from its home page (one page per route: the menu's pages and the objects they list) and opens each "
        f"{args.repeat} more times; each timing is a whole page, request to last byte. Target: {TARGET_MS_TEXT}.",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "",
        "| logins | pages | timed loads | p50 ms | p95 ms | p99 ms | max ms | pages with p95 over 300 ms | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {logins} | {summary['pages']} | {summary['loads']} | {_ms(summary['p50'])} | {_ms(summary['p95'])} | "
        f"{_ms(summary['p99'])} | {_ms(summary['max'])} | {summary['over_target']} | "
        f"{'met' if summary['p95'] <= 300 else 'NOT met'} |",
        "",
        "By login:",
        "",
        "| login | loads | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    for login, (n, p50, p95, top) in summary["by_login"].items():
        lines.append(f"| {login} | {n} | {_ms(p50)} | {_ms(p95)} | {_ms(top)} |")
    lines += ["", "The slowest pages (median of their loads):", "", "| login | page | median ms | max ms |",
              "|---|---|---|---|"]
    for login, path, median, top in summary["slowest"]:
        lines.append(f"| {login} | `{path}` | {_ms(median)} | {_ms(top)} |")
    return "\n".join(lines)


def write(*, summary: dict, args, logins: int):
    section = f"{BEGIN}\n{render(summary=summary, args=args, logins=logins)}\n{END}"
    text = DOC.read_text() if DOC.exists() else HEADER
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text)
    return DOC
