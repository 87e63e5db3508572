"""JSON from outside, with its nesting bounded.

`json.loads` of `[[[[…` a few thousand deep raises RecursionError (not a JSONDecodeError),
and a document just under the interpreter's limit breaks whatever walks it next (STIX,
PyMISP, the audit snapshot). Every parser of hostile JSON — the API body, STIX/MISP
uploads and imports, TAXII, the CLI's JSON options — reads through `loads`/`load` here:
too deep is a `JSONTooDeep`, a `json.JSONDecodeError`, so the callers' existing
"not valid JSON" answers (400/422, a line error, a CLI message) cover it."""

import json

from django.utils.translation import gettext as _

MAX_DEPTH = 100


class JSONTooDeep(json.JSONDecodeError):
    """The document nests deeper than MAX_DEPTH arrays/objects."""


def _refuse(doc, max_depth: int):
    text = doc if isinstance(doc, str) else ""
    raise JSONTooDeep(str(_("JSON lồng nhau quá %(n)s cấp") % {"n": max_depth}), text, 0)


def check_depth(data, max_depth: int = MAX_DEPTH, doc="") -> None:
    """Raise JSONTooDeep when `data` nests deeper than `max_depth` (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            _refuse(doc, max_depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def loads(s, *, max_depth: int = MAX_DEPTH, **kwargs):
    """`json.loads` that refuses nesting deeper than `max_depth` with a JSONTooDeep."""
    try:
        data = json.loads(s, **kwargs)
    except RecursionError:
        _refuse(s, max_depth)
    check_depth(data, max_depth, s)
    return data


def load(fp, *, max_depth: int = MAX_DEPTH, **kwargs):
    return loads(fp.read(), max_depth=max_depth, **kwargs)
