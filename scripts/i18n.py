#!/usr/bin/env python
"""Build the translation catalogues.

Vigil's source strings are Vietnamese (the default language). This script:
1. extracts every msgid from code and templates (Django's makemessages, GNU gettext);
2. makes the Vietnamese catalogue complete (msgstr = msgid: the source *is* Vietnamese);
3. fills the English catalogue from vigil/locale_src/en/*.json ({msgid: English});
4. compiles both to .mo.
It exits 1 and lists the msgids that have no English translation yet.

    .venv/bin/python scripts/i18n.py [--check]
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from babel import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "vigil" / "locale"
SOURCES = ROOT / "vigil" / "locale_src"


def run_makemessages():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="vigil.settings", PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "vi", "-l", "en",
         "--no-obsolete", "--no-location", "--ignore=.venv/*", "--ignore=node_modules/*",
         "--ignore=tests/*", "--ignore=bench/*"],
        cwd=ROOT / "vigil", env=env, check=True, stdout=subprocess.DEVNULL,
    )


CONTEXTS = "_contexts"


class CatalogueError(Exception):
    """The English sources contradict themselves (one msgid, two translations)."""


def english_map() -> dict:
    """{(context or None, msgid): English} merged from every locale_src/en/*.json file.

    A file maps a Vietnamese msgid to its English text; a plural message (ngettext,
    blocktranslate count) maps its Vietnamese singular msgid to ["singular", "plural"]. A
    short label whose meaning depends on where it is shown is written with a context in the
    code (pgettext, `{% translate "…" context "…" %}`) and found here under
    {"_contexts": {"context": {"msgid": "English"}}}. One msgid translated two ways in two
    files is an error: the last file would win silently and one page would read wrong."""
    merged: dict = {}
    origin: dict = {}
    conflicts = []
    for path in sorted((SOURCES / "en").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = [((None, k), v) for k, v in data.items() if k != CONTEXTS]
        for context, messages in (data.get(CONTEXTS) or {}).items():
            entries += [((context, k), v) for k, v in messages.items()]
        for key, value in entries:
            if isinstance(value, list):
                value = tuple(value)
            if key in merged and merged[key] != value:
                conflicts.append(f"{json.dumps(key[1], ensure_ascii=False)}"
                                 f"{f' (context {key[0]})' if key[0] else ''}: "
                                 f"{origin[key]} says {merged[key]!r}, {path.name} says {value!r}")
                continue
            merged[key] = value
            origin[key] = path.name
    if conflicts:
        raise CatalogueError("\n".join(conflicts))
    return merged


def fill(lang: str, mapping: dict | None) -> list[str]:
    """Complete one catalogue: Vietnamese from the source itself (one plural form),
    English from `mapping` (two plural forms: one, other). Returns what English lacks."""
    po_path = LOCALE / lang / "LC_MESSAGES" / "django.po"
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale=lang)
    # makemessages writes an empty "Language:" header, which leaves babel without a locale
    # and the catalogue without a Plural-Forms header: gettext then falls back to the
    # Germanic rule and Vietnamese plural texts come out empty.
    catalog.locale = Locale.parse(lang)
    rule = get_plural(lang)  # CLDR: vi one form for every n; en one / other
    catalog.mime_headers = [("Plural-Forms", f"nplurals={rule.num_plurals}; plural={rule.plural_expr};")]
    missing = []
    for message in catalog:
        if not message.id:
            continue
        message.flags.discard("fuzzy")
        key = (message.context, message.id[0] if isinstance(message.id, tuple) else message.id)
        label = key[1] + (f" (context {key[0]})" if key[0] else "")
        if isinstance(message.id, tuple):  # plural
            if lang == "vi":
                # one form for every n: the general (plural) source text
                message.string = (message.id[1],)
                continue
            value = mapping.get(key)
            if not (isinstance(value, tuple) and len(value) == 2 and all(value)):
                missing.append(f"{label}  (plural: give [\"singular\", \"plural\"])")
                message.string = ("", "")
            else:
                message.string = value
            continue
        if lang == "vi":
            message.string = message.id
            continue
        value = mapping.get(key)
        if not isinstance(value, str) or not value:
            missing.append(label)
            message.string = ""
        else:
            message.string = value
    catalog.fuzzy = False
    with open(po_path, "wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
    return missing


def main():
    try:
        english = english_map()
    except CatalogueError as exc:
        print(f"conflicting English translations in vigil/locale_src/en/:\n{exc}")
        sys.exit(1)
    run_makemessages()
    fill("vi", None)
    missing = fill("en", english)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="vigil.settings", PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-m", "django", "compilemessages", "--ignore=.venv/*"],
        cwd=ROOT / "vigil", env=env, check=True, stdout=subprocess.DEVNULL,
    )
    if missing:
        print(f"{len(missing)} msgids without English translation:")
        for m in missing:
            print("  ", json.dumps(m, ensure_ascii=False))
        sys.exit(1)
    print("catalogues complete")


if __name__ == "__main__":
    main()
