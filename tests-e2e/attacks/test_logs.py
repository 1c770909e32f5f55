"""Through the attacks, no phone number and no token appears in any log line of any
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

pytestmark = pytest.mark.slow


async def test_no_phone_and_no_token_in_any_service_log(target, client):
    own = await secrets_journey(client)
    assert len(own) >= 8
    target.secrets |= own
    assert leaks(target.logs, target.secrets) == {}
