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


def english_map() -> dict:
    merged = {}
    for path in sorted((SOURCES / "en").glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def fill(lang: str, mapping: dict | None) -> list[str]:
    po_path = LOCALE / lang / "LC_MESSAGES" / "django.po"
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale=lang)
    catalog.plural_forms  # noqa: B018 - babel fills the header for the locale
    missing = []
    for message in catalog:
        if not message.id:
            continue
        message.flags.discard("fuzzy")
        if isinstance(message.id, tuple):  # plural
            singular = message.id[0]
            if lang == "vi":
                message.string = (singular,)
            else:
                text = mapping.get(singular)
                plural = mapping.get(message.id[1], text)
                if text is None:
                    missing.append(singular)
                    message.string = ("", "")
                else:
                    message.string = (text, plural)
            continue
        if lang == "vi":
            message.string = message.id
        else:
            text = mapping.get(message.id)
            if text is None:
                missing.append(message.id)
                message.string = ""
            else:
                message.string = text
    catalog.fuzzy = False
    with open(po_path, "wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
    return missing


def main():
    run_makemessages()
    fill("vi", None)
    missing = fill("en", english_map())
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
