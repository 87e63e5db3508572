"""Texts of notifications, written in each recipient's own language.

`notify()` renders a title and a body once per recipient language (User.language) under
`translation.override`. Callers pass lazy texts so that happens at the right moment:

    message(_("Nhiệm vụ %(title)s đến hạn ngày %(due)s"), title=task.title, due=task.due_date)

`message` keeps the (lazy) template and its parameters; parameters are rendered in the
active language too: dates in the locale's short format, units (anything with
`display_name`) by their name in that language, lazy strings translated. A callable
(no arguments) returning a string is also accepted, for longer bodies such as a digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise, lazy
from django.utils.translation import get_language

# Dates as officials write them: 05/03/2026 in Vietnamese; 5 Mar 2026 in English (no
# day/month ambiguity for readers of either).
DATE_FORMATS = {"vi": "d/m/Y", "en": "j M Y"}
DATETIME_FORMATS = {"vi": "H:i d/m/Y", "en": "j M Y, H:i"}


def render_value(value) -> str:
    """One parameter as text in the active language."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_format(value, DATETIME_FORMATS.get(get_language(), "j M Y, H:i"))
    if isinstance(value, dt.date):
        return date_format(value, DATE_FORMATS.get(get_language(), "j M Y"))
    if isinstance(value, Promise):
        return str(value)
    if hasattr(value, "display_name") and not isinstance(value, str):
        return str(value.display_name)
    if callable(value):
        return str(value())
    return str(value)


def _render(template, params: dict) -> str:
    text = str(template)
    if not params:
        return text
    return text % {k: render_value(v) for k, v in params.items()}


_lazy_render = lazy(_render, str)


def message(template, **params) -> Promise:
    """A lazy text: `template % params`, both rendered in the language active when it is
    turned into a string."""
    return _lazy_render(template, params)


def render(text: str | Promise | Callable[[], str] | None) -> str:
    """Turn a text argument of `notify()` into a string in the active language."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, Promise):
        return str(text)
    if callable(text):
        return str(text())
    return str(text)
