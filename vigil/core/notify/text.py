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
from django.utils.functional import Promise


def render_value(value) -> str:
    """One parameter as text in the active language. Dates in the language's short format
    (vigil/formats: 05/03/2026 and 14:00 05/03/2026 in Vietnamese, 5 Mar 2026 and
    5 Mar 2026, 14:00 in English), the same the pages use; times in Vietnam's."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
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


class Message(Promise):
    """A text of a template and its parameters, rendered in the language active when it is
    turned into a string, and kept as both (`keep`) so that a notification reads in the
    language of whoever opens it, not of the moment it was sent."""

    __slots__ = ("template", "params")

    def __init__(self, template, params: dict):
        self.template = template
        self.params = params

    def __str__(self) -> str:
        return _render(self.template, self.params)

    def __repr__(self) -> str:
        return f"Message({self.template!r})"


class Lines(Promise):
    """Texts one per line (a digest): each part a Message, a lazy text or a literal."""

    __slots__ = ("parts",)

    def __init__(self, parts):
        self.parts = list(parts)

    def __str__(self) -> str:
        return "\n".join(render(p) for p in self.parts)


def message(template, **params) -> Message:
    """A lazy text: `template % params`, both rendered in the language active when it is
    turned into a string."""
    return Message(template, params)


def lines(*parts) -> Lines:
    return Lines(parts)


def keep(text) -> dict | None:
    """What to store of a notification text so that any language can render it again
    (`core.texts`); None for text a person wrote (kept as written) or a callable."""
    from ..texts import literal, stored

    if isinstance(text, Message):
        return stored(text.template, **text.params)
    if isinstance(text, Lines):
        return {"lines": [keep(p) or literal(render(p)) for p in text.parts]}
    if isinstance(text, Promise):
        return stored(text)
    return None


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
