"""The test suite's process-wide clock (no Django imports: the root conftest uses it
before Django starts). VIGIL_TEST_TRAVEL=<ISO date or date-time> moves every clock the
process reads (time.time, datetime.now, date.today, ...) to that moment, ticking on from
there: CI runs the date-sensitive tests (marker `clock`) at the turn of a year this way."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo

ENV = "VIGIL_TEST_TRAVEL"


def destination(value: str) -> dt.datetime:
    """An ISO date or date-time; without an offset it is read in the product's time zone
    (VIGIL_TIME_ZONE, Asia/Ho_Chi_Minh by default). ValueError names the variable."""
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{ENV}={value!r} is not an ISO date or date-time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zoneinfo.ZoneInfo(os.environ.get("VIGIL_TIME_ZONE") or "Asia/Ho_Chi_Minh"))
    return when


def travel_from_environment():
    """Start time-machine's travel to VIGIL_TEST_TRAVEL for the whole process (None when unset)."""
    value = os.environ.get(ENV)
    if not value:
        return None
    import time_machine

    traveller = time_machine.travel(destination(value), tick=True)
    traveller.start()
    return traveller
