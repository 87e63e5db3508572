"""The suite's clock: VIGIL_TEST_TRAVEL moves the whole process's clock (CI runs the
date-sensitive tests, marker `clock`, at the turn of a year), and the product reads
"today" from that clock everywhere (Python, Django, the task status rule)."""

import datetime as dt
import os
import time
import zoneinfo

import pytest
from django.utils import timezone

from vigil.core.testclock import destination as _travel_destination
from vigil.program.status import today as program_today

pytestmark = pytest.mark.clock


def test_the_travel_setting_moves_every_clock_the_product_reads():
    travel = os.environ.get("VIGIL_TEST_TRAVEL")
    if not travel:
        pytest.skip("the clock is only moved when VIGIL_TEST_TRAVEL is set (the CI step)")
    target = _travel_destination(travel)
    for now in (timezone.now(), dt.datetime.now(dt.UTC), dt.datetime.fromtimestamp(time.time(), dt.UTC)):
        assert abs(now - target) < dt.timedelta(hours=2)  # ticking on from the destination
    local = target.astimezone(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert abs(timezone.localdate() - local) <= dt.timedelta(days=1)
    assert program_today() == timezone.localdate()


def test_a_destination_without_offset_is_read_in_the_products_time_zone():
    when = _travel_destination("2027-12-31T23:30")
    assert when.utcoffset() == dt.timedelta(hours=7) or os.environ.get("VIGIL_TIME_ZONE")
    assert _travel_destination("2028-01-01T00:20:00+07:00").astimezone(dt.UTC).year == 2027
    with pytest.raises(ValueError, match="VIGIL_TEST_TRAVEL"):
        _travel_destination("next tuesday")


def test_the_time_machine_fixture_pins_a_day_inside_a_moved_process(time_machine):
    time_machine.move_to(dt.datetime(2031, 6, 15, 9, 0, tzinfo=dt.UTC), tick=False)
    assert timezone.localdate() == dt.date(2031, 6, 15) == program_today()
