"""Last of the attack pass: no phone number and no token it used appears in any log line of
any service (the stack keeps every line)."""

from __future__ import annotations

import pytest
from attacks.hostile import leaks

pytestmark = pytest.mark.slow


async def test_no_phone_and_no_token_in_any_service_log(target):
    assert len(target.secrets) >= 5  # the tests before it left their phones and tokens
    assert leaks(target.logs, target.secrets) == {}
