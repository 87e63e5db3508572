"""The one parser of dates and times that arrive as text: API queries and bodies read by
hand, command-line options, export parameters, import files.

A date is ISO 8601 (`YYYY-MM-DD`). Pages and import files also accept the Vietnamese
`dd/mm/yyyy` (`day_first=True`): people type it; the API and the command line do not
(a client that writes 01/06/2025 may mean either day). A bad value is a DomainError
naming the field (an API parameter, a form field or a command-line option such as
`--on`), so each interface reports it in its own way: a 400 problem, a form error, exit
status 2.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .samples import sample

DAY_FIRST = "%d/%m/%Y"


def parse_date(value, field: str, *, required: bool = False, day_first: bool = False,
               label: str = "") -> dt.date | None:
    """A date from a date, a datetime (its date), ISO text (or `dd/mm/yyyy` with
    `day_first`); None when empty and not `required`. Services name the field for people
    with `label` ("hạn hoàn thành"): the message then reads as a sentence about it."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value if value is not None else "").strip()
    if label:
        if not text and not required:
            return None
        parsed = None
        if text:
            try:
                parsed = dt.date.fromisoformat(text)
            except ValueError:
                if day_first:
                    try:
                        parsed = dt.datetime.strptime(text, DAY_FIRST).date()
                    except ValueError:
                        pass
        if parsed is None:
            raise DomainError(_("Hãy nhập %(label)s dạng YYYY-MM-DD.") % {"label": label}, field=field)
        return parsed
    if not text:
        if required:
            raise DomainError(_("%(field)s: hãy nhập ngày (YYYY-MM-DD).") % {"field": field}, field=field)
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    if day_first:
        try:
            return dt.datetime.strptime(text, DAY_FIRST).date()
        except ValueError:
            pass
    if day_first:
        message = _("%(field)s: ngày không hợp lệ (YYYY-MM-DD hoặc dd/mm/yyyy): %(v)s")
    else:
        message = _("%(field)s: ngày không hợp lệ (YYYY-MM-DD): %(v)s")
    raise DomainError(message % {"field": field, "v": sample(text)}, field=field)


def parse_datetime(value, field: str, *, required: bool = False) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO 8601 text (`2025-06-01T08:30`, with or
    without an offset or `Z`; a naive one is local time); None when empty and not
    `required`."""
    if isinstance(value, dt.datetime):
        found = value
    else:
        text = str(value if value is not None else "").strip()
        if not text:
            if required:
                raise DomainError(_("%(field)s: hãy nhập thời điểm (YYYY-MM-DDTHH:MM).") % {"field": field},
                                  field=field)
            return None
        try:
            found = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
        except ValueError:
            raise DomainError(_("%(field)s: thời điểm không hợp lệ (YYYY-MM-DDTHH:MM): %(v)s")
                              % {"field": field, "v": sample(text)}, field=field) from None
    if timezone.is_naive(found):
        found = timezone.make_aware(found)
    return found
