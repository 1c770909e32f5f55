"""Through kills and outages, no phone number and no token appears in any log line of any
service.

The test makes its own phones and tokens (a login, joins, a refused join, a booking, a call
and the diners' messages), so it checks the same thing whatever order the tests run in; the
phones and tokens earlier tests of the package used are looked for too, and the stack's
fixture looks for all of them once more when the package is done.
"""

from __future__ import annotations

import pytest
from attacks.hostile import leaks
from support import secrets_journey

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.usefixtures("ready_first")]


async def test_no_phone_and_no_token_in_any_service_log(chaos, client):
    own = await secrets_journey(client)
    assert len(own) >= 8
    chaos.secrets |= own
    assert leaks(chaos.logs, chaos.secrets) == {}
