"""Opening a restaurant: reservations creates it, the gateway makes the caller its owner.

One place for the membership. The call is forwarded like any other (the proxy admits,
limits and forwards it, with its Idempotency-Key); on a 201 the caller's owner membership
is written in the gateway's own transaction before the answer leaves, so the caller can
add tables with the very next request. See the README ("Opening a restaurant") for why it
is not made from `reservations.restaurant.created.v1` instead.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable

from gateway.adapters.upstream import UpstreamResponse
from gateway.service.commands import OpenRestaurant
from gateway.service.unit_of_work import GatewayUnitOfWork
from maitred_platform.logs import get_logger
from maitred_platform.problems import Problem

log = get_logger(__name__)

Forward = Callable[[], Awaitable[UpstreamResponse]]
"""Sends the admitted `POST /v1/restaurants` to reservations; its answer is the caller's."""


async def open_restaurant(
    uow: GatewayUnitOfWork, command: OpenRestaurant, forward: Forward
) -> UpstreamResponse:
    async with uow:
        # Read first: a gateway database that cannot answer refuses the call before a
        # restaurant exists, and an account that is gone could not own one.
        if await uow.accounts.by_id(command.staff_id) is None:
            raise Problem(401, "The account no longer exists.")
    # No transaction stays open while reservations answers.
    answer = await forward()
    restaurant_id = created_restaurant(answer)
    if restaurant_id is not None:
        async with uow:
            await uow.accounts.set_role(command.staff_id, restaurant_id, "owner")
            await uow.commit()
    return answer


def created_restaurant(answer: UpstreamResponse) -> uuid.UUID | None:
    """The id of the restaurant a 201 created (a replayed 201 too: owning it again is a no-op)."""
    if answer.status != 201:
        return None
    try:
        return uuid.UUID(str(json.loads(answer.body)["id"]))
    except (ValueError, KeyError, TypeError):
        log.warning("created_restaurant_without_id", status=answer.status)
        return None
