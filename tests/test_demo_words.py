"""Every word in the reader's language, and no raw code (issue 13's "must hold"): the demo,
served by `vigil serve` on the data the README's first command makes, is crawled as each of
its logins, following the links of every page (one page per route), in English and in
Vietnamese. On every page:

- no raw code shows: a dotted key (`stages.scheduled`, `intel.import.batch`, `core.user:6`)
  in the text of the page;
- no label renders empty: a link or button with neither text nor a name for screen readers,
  an empty form label, option or heading;
- in English, no Vietnamese: a word with Vietnamese letters, or two such words side by side,
  that no one typed. What people typed stays as typed (an incident's title, a unit's name
  where it has no English one, a comment), so the demo database's typed text is read first:
  every text column of every Vigil table, except what the platform writes itself (a
  notification or a timeline line kept as a message, shown in the reader's language) and
  the Vietnamese name of anything that has an English one (`name` beside `name_en`).

Codes inside <code>, <pre>, <kbd> and <samp> are shown on purpose (a token's prefix, a value
to copy) and are not read."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from lxml import html as lxml_html

from bench.screens.crawl import Browser, crawl
from tests.demo_site import logins, serving

VIETNAMESE_LETTER = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE
)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# A key as code writes it: lower-case words of two letters or more joined by dots ("e.g."
# is not one), maybe followed by ":<id>"; names of hosts and files are typed data.
DOTTED = re.compile(r"(?<![\w./@-])([a-z][a-z_]+(?:\.[a-z][a-z_]+)+)(:\d+)?(?![\w/@-])")
FILE_OR_HOST_END = re.compile(
    r"\.(vn|com|org|net|gov|edu|info|io|example|local|test|txt|csv|json|xml|pdf|docx|xlsx|zip|eml|"
    r"stix|png|jpg|exe|dll|js|html|php|sh|ps1|bin|gz|rar|doc|xls)$"
)
SILENT_TAGS = {"code", "pre", "kbd", "samp", "script", "style", "template", "noscript", "textarea"}
# Every finding is also written here (git-ignored), for people to read.
REPORT = Path(__file__).resolve().parents[1] / "test-artifacts"
# The language switch names each language in itself.
OWN_NAMES = {"Tiếng Việt"}


# --------------------------------------------------------------------------- typed text


def _typed_columns():
    """{table: ([typed columns], rule)}: the text columns of every Vigil model, without
    codes (fields with choices), JSON, and the Vietnamese `name` of models with `name_en`."""
    out = {}
    for model in apps.get_models():
        if not model.__module__.startswith("vigil.") or model._meta.proxy:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        columns = []
        for f in model._meta.concrete_fields:
            if not isinstance(f, (models.CharField, models.TextField)) or f.choices:
                continue
            columns.append((f.column, f"{f.name}_en" if f"{f.name}_en" in names else None))
        if columns:
            out[model._meta.db_table] = (model, columns)
    return out


def typed_words(db: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """Words and pairs of neighbouring words of every text people typed into the demo."""
    words: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    system_written = {  # (table's model, column) -> JSON column whose key marks a platform's text
        ("Notification", "title"): ("texts", "title"), ("Notification", "body"): ("texts", "body"),
        ("TimelineEvent", "text"): ("data", "message"), ("TaskEvent", "note"): ("data", "message"),
    }
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in con.execute("select name from sqlite_master where type='table'")}
        for table, (model, columns) in _typed_columns().items():
            if table not in tables or model.__name__ == "AuditEntry":
                continue
            for column, english in columns:
                marker = system_written.get((model.__name__, column))
                select = [column, english or "''", marker[0] if marker else "'{}'"]
                for value, value_en, stored in con.execute(f'select {", ".join(select)} from "{table}"'):
                    if not value or (english and value_en):
                        continue
                    if marker and (json.loads(stored or "{}") or {}).get(marker[1]):
                        continue
                    found = [w.lower() for w in WORD.findall(value)]
                    words.update(found)
                    pairs.update(zip(found, found[1:], strict=False))
    finally:
        con.close()
    return words, pairs


# --------------------------------------------------------------------------- reading a page


def visible_texts(doc):
    """Every non-blank text node of the page outside code blocks and scripts, stripped."""
    for element in doc.iter():
        if not isinstance(element.tag, str) or element.tag in SILENT_TAGS:
            continue
        if any(a.tag in SILENT_TAGS for a in element.iterancestors()):
            continue
        if element.text and element.text.strip():
            yield element.text.strip()
        for child in element:
            if child.tail and child.tail.strip() and isinstance(child.tag, str) and child.tag not in ("script", "style"):
                yield child.tail.strip()


def raw_codes(doc) -> list[str]:
    found = []
    for text in visible_texts(doc):
        for match in DOTTED.finditer(text):
            key, id_part = match.group(1), match.group(2)
            if id_part or not FILE_OR_HOST_END.search(key):
                found.append(match.group(0))
    return found


def empty_labels(doc) -> list[str]:
    found = []
    for element in doc.xpath("//a[@href] | //button | //label | //h1 | //h2 | //h3 | //h4 | //h5 | //dt | //option"):
        if element.text_content().strip():
            continue
        if element.get("aria-label") or element.get("title") or element.get("aria-labelledby"):
            continue
        if element.tag == "option" and not element.get("value"):
            continue  # the empty choice of an optional select
        if element.xpath(".//img[@alt!=''] | .//*[@aria-label] | .//svg[@role='img']"):
            continue
        if element.get("aria-hidden") == "true" or element.get("hidden") is not None:
            continue
        found.append(lxml_html.tostring(element, encoding="unicode")[:160])
    return found


# Pieces of one text node that need not belong together: "Name — position", "a, b", "x · y".
SEPARATORS = re.compile(r"\s[—–·|/]\s|[,;:()\[\]]")


def vietnamese_left(doc, words: set[str], pairs: set[tuple[str, str]]) -> list[str]:
    found = []
    for text in visible_texts(doc):
        if text in OWN_NAMES or not VIETNAMESE_LETTER.search(text):
            continue
        for piece in SEPARATORS.split(text):
            tokens = [w.lower() for w in WORD.findall(piece)]
            if piece.rstrip().endswith("…") and tokens:
                tokens = tokens[:-1]  # a shortened text ends within a word
            marked = [bool(VIETNAMESE_LETTER.search(w)) for w in tokens]
            untyped = [w for w, m in zip(tokens, marked, strict=True) if m and w not in words]
            untyped_pairs = [
                (a, b) for (a, b), ma, mb in zip(zip(tokens, tokens[1:], strict=False), marked, marked[1:], strict=False)
                if ma and mb and (a, b) not in pairs
            ]
            if untyped or untyped_pairs:
                found.append(text[:120])
                break
    return found


# --------------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def demo(demo_data):
    env, printed = demo_data
    accounts = logins(printed)
    assert len(accounts) >= 7
    words, pairs = typed_words(Path(env["VIGIL_DATA_DIR"]) / "vigil.sqlite3")
    assert len(words) > 500, "the demo's typed text was not read"
    with serving(dict(env)) as base:
        yield base, accounts, words, pairs


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_every_demo_page_speaks_the_readers_language_without_raw_codes(demo, lang):
    base, accounts, words, pairs = demo
    problems: list[str] = []
    crawled = 0
    for username, password in accounts:
        client = Browser(base)
        client.sign_in(username, password, lang)
        errors: list = []
        pages = crawl(client, errors=errors)
        problems += [f"{username} {lang} {path}: answered {status}" for path, status in errors]
        crawled += len(pages)
        assert len(pages) >= 10, f"{username}: only {len(pages)} pages reached"
        for path, text, _seconds in pages:
            doc = lxml_html.fromstring(text)
            assert doc.get("lang") == lang, f"{username} {path}: page in {doc.get('lang')}"
            problems += [f"{username} {lang} {path}: raw code {c!r}" for c in raw_codes(doc)]
            problems += [f"{username} {lang} {path}: empty {e}" for e in empty_labels(doc)]
            if lang == "en":
                problems += [f"{username} en {path}: Vietnamese {t!r}" for t in vietnamese_left(doc, words, pairs)]
    assert crawled >= 7 * 10
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / f"demo-words-{lang}.txt").write_text("\n".join(sorted(set(problems))) + "\n", encoding="utf-8")
    assert not problems, "\n".join(sorted(set(problems))[:80]) + f"\n({len(set(problems))} in all)"


def test_the_readers_catch_what_they_are_for():
    """The checks themselves: each finds the defect it looks for, and passes typed text."""
    words = {"tấn", "công", "mạng"}
    pairs = {("tấn", "công"), ("công", "mạng")}
    page = lxml_html.fromstring(
        "<html lang='en'><body><h1>Tấn công mạng</h1><p>Waiting for stages.scheduled</p>"
        "<p>Owner: core.user:6</p><p>portal.hanoi.gov.vn</p><code>intel.import.batch</code>"
        "<a href='/x'></a><a href='/y' aria-label='Close'></a><button><svg role='img'></svg></button>"
        "<label></label><select><option value=''></option><option value='a'></option></select>"
        "<p>Đã đóng</p><p>Tiếng Việt</p><p>Mạng — tấn công</p><p>Công mạng, tấn công</p><p>Tấn công mạ…</p>"
        "</body></html>"
    )
    assert raw_codes(page) == ["stages.scheduled", "core.user:6"]
    assert [e[:13] for e in empty_labels(page)] == ['<a href="/x">', "<label></labe", '<option value']
    assert vietnamese_left(page, words, pairs) == ["Đã đóng"]


def test_the_page_time_benchmark_runs_on_the_served_demo(demo):
    """`bench/run screens` still runs (no timing asserted: the benchmark measures)."""
    import argparse

    from bench.screens import __main__ as screens
    from bench.screens.report import render

    base, accounts, _words, _pairs = demo
    rows = screens.measure(base, accounts[:1], repeat=2, limit=5)
    assert len(rows) == 5 and all(len(r["ms"]) == 2 and min(r["ms"]) > 0 for r in rows)
    assert rows[0]["path"] == "/" and rows[0]["route"] == "core:dashboard"
    summary = screens.summarise(rows)
    assert summary["loads"] == 10 and summary["p50"] <= summary["p95"] <= summary["max"]
    text = render(summary=summary, args=argparse.Namespace(repeat=2), logins=1)
    assert f"| {accounts[0][0]} | 10 |" in text and "## Issue 13" in text
