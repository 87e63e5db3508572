"""Periods of due dates: a year, the current work (`CURRENT`) or every year."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _

from vigil.core.errors import DomainError

# The matrix's "current work" period: the tasks due this year, and every task still open
# that is overdue or falls due within the next quarter, whatever its year (in December
# the work due in January; in January last year's work still open).
CURRENT = "current"


CURRENT_AHEAD_DAYS = 92


def current_period_q(today: dt.date) -> Q:
    this_year = Q(due_date__gte=dt.date(today.year, 1, 1), due_date__lte=dt.date(today.year, 12, 31))
    return this_year | Q(state="open", due_date__lte=today + dt.timedelta(days=CURRENT_AHEAD_DAYS))


def period_label(year: int | str | None, today: dt.date) -> str:
    """The period `year` stands for (a year, CURRENT or None), in words."""
    if year == CURRENT:
        horizon = today + dt.timedelta(days=CURRENT_AHEAD_DAYS)
        return _(
            "năm %(y)s, cùng các nhiệm vụ chưa hoàn thành đã quá hạn hoặc đến hạn đến hết ngày %(d)s"
        ) % {"y": today.year, "d": f"{horizon:%d/%m/%Y}"}
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
