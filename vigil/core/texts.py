"""System-written texts stored as a message and its parameters, rendered in the reader's
language when read (issue 13: timeline lines written once in Vietnamese stayed Vietnamese
for English readers).

    entry = stored(_("Đã nộp báo cáo “%(s)s” (lần %(n)s)."), s=report.stage, n=2)
    ...                                   # kept in a JSON field next to the source text
    render_stored(entry)                  # "Submitted “Initial notification” (no. 2)." in English

The message is kept by its msgid: Vigil's source strings are Vietnamese and the Vietnamese
catalogue maps each msgid to itself, so a lazy text rendered in Vietnamese *is* its msgid.
Parameters are kept so that any language can render them again: lazy texts by msgid,
objects with two names (units, incident types, report stages) with both names, dates and
times as ISO 8601, numbers and free text (a reason someone typed) as they are. A plural
message names its plural form and count (`plural=`, `count=`).
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise

from .notify.text import render_value


def _msgid(text) -> str:
    with translation.override("vi"):
        return str(text)


def _keep(value):
    from .notify.text import Lines, Message, keep

    if isinstance(value, (Message, Lines)):
        return {"m": keep(value)}
    if isinstance(value, Promise):
        return {"t": _msgid(value)}
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if hasattr(value, "name") and hasattr(value, "name_en") and not isinstance(value, str):
        return {"vi": value.name, "en": value.name_en or value.name}
    if isinstance(value, bool) or value is None:
        return str(value or "")
    if isinstance(value, (int, float)):
        return value
    if hasattr(value, "display_name") and not isinstance(value, str):  # a name in one language only
        return str(value.display_name)
    return str(value)


def literal(text: str) -> dict:
    """A text kept as it is (a line someone typed, a title): rendered the same in any language."""
    return {"s": str(text)}


def stored(template, **params) -> dict:
    """A message to keep: {"id": msgid, "params": {...}}. A plural message is given as
    `ngettext_lazy(singular, plural, "n")` with its count among the parameters under that
    name, which must be `n`; it is kept with "plural" and "n"."""
    forms = getattr(template, "_kw", None) or {}  # Django's lazy ngettext keeps its two forms here
    if "singular" in forms and "plural" in forms:
        count = forms["number"] if isinstance(forms.get("number"), int) else params.get("n", 0)
        return {"id": _msgid_of(forms["singular"]), "plural": _msgid_of(forms["plural"]), "n": int(count or 0),
                "params": {k: _keep(v) for k, v in params.items()}}
    return {"id": _msgid(template), "params": {k: _keep(v) for k, v in params.items()}}


def _msgid_of(text) -> str:
    return _msgid(text) if isinstance(text, Promise) else str(text)


def _back(value):
    if isinstance(value, dict):
        if "m" in value:
            return render_stored(value["m"])
        if "t" in value:
            return translation.gettext(value["t"])
        if "dt" in value:
            return render_value(parse_datetime(value["dt"]))
        if "d" in value:
            return render_value(parse_date(value["d"]))
        if "vi" in value:
            return value.get("en") if translation.get_language() == "en" else value["vi"]
    return value


def render_stored(entry: dict) -> str:
    """The kept message in the active language ("" when `entry` is not one)."""
    if isinstance(entry, dict) and isinstance(entry.get("s"), str):
        return entry["s"]
    if isinstance(entry, dict) and isinstance(entry.get("lines"), list):
        return "\n".join(render_stored(part) for part in entry["lines"])
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return ""
    if "plural" in entry:
        template = translation.ngettext(entry["id"], entry["plural"], int(entry.get("n") or 0))
    else:
        template = translation.gettext(entry["id"])
    params = {k: _back(v) for k, v in (entry.get("params") or {}).items()}
    try:
        return template % params if params or "%(" in template else template
    except (KeyError, ValueError, TypeError):
        return ""
