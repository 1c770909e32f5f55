"""Last of the fault tests: through kills and outages, no phone number and no token the tests
used appears in any log line of any service."""

from __future__ import annotations

import pytest
from attacks.hostile import leaks

pytestmark = [pytest.mark.faults, pytest.mark.slow]


async def test_no_phone_and_no_token_in_any_service_log(chaos):
    assert len(chaos.secrets) >= 5
    assert leaks(chaos.logs, chaos.secrets) == {}
