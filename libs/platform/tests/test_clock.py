"""The clocks a service reads the time from."""

import time
from datetime import UTC, datetime, timedelta

from maitred_platform.clock import scaled_clock, system_clock


def test_the_system_clock_tells_the_time_in_utc():
    before = datetime.now(UTC)
    now = system_clock()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_scaled_clock_runs_faster_than_the_wall_clock():
    start = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
    # The wall time the clock measures lies between these two spans, however long the
    # machine takes between the calls: the scaled time is 60 times it, within rounding.
    outer_start = system_clock()
    clock = scaled_clock(60.0, start)
    inner_start = system_clock()
    time.sleep(0.1)
    inner_end = system_clock()
    elapsed = (clock() - start).total_seconds()
    outer_end = system_clock()
    inner = (inner_end - inner_start).total_seconds()
    outer = (outer_end - outer_start).total_seconds()
    assert inner >= 0.09  # the sleep happened: the clock did move
    tolerance = 0.001  # microsecond rounding of the timedeltas, scaled
    assert 60.0 * inner - tolerance <= elapsed <= 60.0 * outer + tolerance
