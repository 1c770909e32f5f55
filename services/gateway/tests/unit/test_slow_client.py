"""A client whose send queue is full is cut off instead of slowing the others."""

from __future__ import annotations

from gateway.domain.channels import Subscriber
from gateway.service.realtime import Connection


def test_full_send_queue_cuts_the_client_off() -> None:
    connection = Connection(Subscriber(), max_queue=3, expires_at=None)
    for i in range(3):
        connection.offer({"type": "event", "channel": "c", "id": str(i)})
    assert not connection.cut.is_set()
    connection.offer({"type": "event", "channel": "c", "id": "3"})
    assert connection.cut.is_set() and connection.cut_reason == "slow"
