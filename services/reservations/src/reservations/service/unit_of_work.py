"""The reservations unit of work: one transaction on the schema, its repositories, its events.

A route builds it on the request's session, the consumer on the service's session factory
(with the inbox). The events the use cases raise become contracts at commit, through
`adapters/event_contracts.to_contract`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_messaging.unit_of_work import SqlUnitOfWork
from reservations.adapters.booking_keys_repo import SqlBookingKeys
from reservations.adapters.bookings_repo import SqlBookings
from reservations.adapters.event_contracts import to_contract
from reservations.adapters.floor_repo import SqlFloor
from reservations.adapters.orm import inbox
from reservations.adapters.restaurants_repo import SqlRestaurants
from reservations.adapters.waitlist_repo import SqlWaitlistView
from reservations.service.repositories import (
    BookingKeys,
    Bookings,
    Floor,
    Restaurants,
    WaitlistView,
)


class ReservationsUnitOfWork(SqlUnitOfWork):
    restaurants: Restaurants
    floor: Floor
    bookings: Bookings
    waitlist: WaitlistView
    booking_keys: BookingKeys

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession] | AsyncSession, *, sealing_key: str
    ) -> None:
        super().__init__(sessions, to_contract, inbox=inbox)
        self._sealing_key = sealing_key

    def _start(self) -> None:
        session = self.session
        self.restaurants = SqlRestaurants(session)
        self.floor = SqlFloor(session)
        self.bookings = SqlBookings(session)
        self.waitlist = SqlWaitlistView(session)
        self.booking_keys = SqlBookingKeys(session, self._sealing_key)
