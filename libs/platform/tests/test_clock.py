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
    clock = scaled_clock(60.0, start)
    time.sleep(0.1)
    elapsed = (clock() - start).total_seconds()
    assert 5.0 <= elapsed < 30.0
