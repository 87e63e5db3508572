"""Periods of due dates: a year, the current work (`CURRENT`) or every year."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _

from vigil.core.errors import DomainError

# The matrix's "current work" period: the tasks due this year, and every task still open
# whatever its due date (in January last year's work still open; work already assigned
# for next year, which a year filter set to this year would hide).
CURRENT = "current"


def current_period_q(today: dt.date) -> Q:
    this_year = Q(due_date__gte=dt.date(today.year, 1, 1), due_date__lte=dt.date(today.year, 12, 31))
    return this_year | Q(state="open")


def period_label(year: int | str | None, today: dt.date) -> str:
    """The period `year` stands for (a year, CURRENT or None), in words."""
    if year == CURRENT:
        return _("năm %(y)s, cùng mọi nhiệm vụ chưa hoàn thành (cả hạn năm sau)") % {"y": today.year}
    if year:
        return _("năm %(y)s") % {"y": year}
    return _("mọi năm")


def check_period(year, field: str = "year") -> int | str | None:
    """A year, `CURRENT` (current work) or None (every year)."""
    if isinstance(year, str) and year.strip() == CURRENT:
        return CURRENT
    return check_year(year, field)


def check_year(year, field: str = "year") -> int | None:
    if year in (None, ""):
        return None
    try:
        value = int(year)
    except (TypeError, ValueError):
        value = 0
    if not 1900 <= value <= 2999:
        raise DomainError(_("Năm không hợp lệ: %(v)s.") % {"v": year}, field=field)
    return value
