"""The scaled clock lets a simulated evening pass in minutes."""

import time
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from waitlist.clock import scaled_clock
from waitlist.config import Settings


def test_scaled_clock_runs_faster_than_the_wall_clock():
    start = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
    clock = scaled_clock(60.0, start)
    time.sleep(0.1)
    elapsed = (clock() - start).total_seconds()
    assert 5.0 <= elapsed < 30.0


def test_production_refuses_a_time_scale():
    with pytest.raises(ValidationError):
        Settings(environment="production", internal_key="x" * 40, time_scale=10)
