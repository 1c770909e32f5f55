"""Event handlers of the gateway service: each translates an event into a use case call."""

from gateway.adapters import accounts as repo
from maitred_contracts import CloudEvent, RestaurantCreated
from maitred_messaging.consumer import EventHandlers
from maitred_messaging.unit_of_work import SqlUnitOfWork

handlers = EventHandlers()


@handlers.on(RestaurantCreated)
async def restaurant_created(
    uow: SqlUnitOfWork, event: CloudEvent, data: RestaurantCreated
) -> None:
    """Makes the creator the owner, in case the gateway missed it when forwarding the POST."""
    session = uow.session
    if data.created_by is None:
        return
    if await repo.staff_by_id(session, data.created_by) is None:
        return  # created by someone the gateway does not know (seed, another system)
    await repo.make_owner(session, data.created_by, data.restaurant_id)
