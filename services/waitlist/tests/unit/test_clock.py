"""The waitlist's clock runs faster only for simulated evenings, never in production."""

import pytest
from pydantic import ValidationError

from waitlist.config import Settings


def test_production_refuses_a_time_scale():
    with pytest.raises(ValidationError):
        Settings(environment="production", internal_key="x" * 40, time_scale=10)
