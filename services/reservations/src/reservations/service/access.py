"""A restaurant found or a 404.

Who may act for a restaurant is `maitred_platform.access.require_staff`.
"""

from __future__ import annotations

import uuid

from maitred_platform.problems import Problem
from reservations.domain.restaurant import Restaurant
from reservations.service.unit_of_work import ReservationsUnitOfWork


async def restaurant_or_404(
    uow: ReservationsUnitOfWork, restaurant_id: uuid.UUID, *, lock: bool = False
) -> Restaurant:
    restaurant = await uow.restaurants.get(restaurant_id, lock=lock)
    if restaurant is None:
        raise Problem(404, "No such restaurant.")
    return restaurant
