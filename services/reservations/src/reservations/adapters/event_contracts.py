"""The one place the service's domain events become its versioned wire contracts.

The unit of work calls `to_contract` for each event it commits; the CloudEvents published
(their types and fields) are what integrators and the other services read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maitred_contracts import (
    EventData,
    OpeningHours,
    ReservationCancelled,
    ReservationCompleted,
    ReservationCreated,
    ReservationLookupRequested,
    ReservationNoShow,
    ReservationSeated,
    ReservationSummary,
    RestaurantCreated,
    RestaurantUpdated,
    TableCreated,
    TableHeld,
    TableHoldRejected,
    TableRemoved,
    TableStatusChanged,
    TableUpdated,
)
from reservations.domain import events
from reservations.domain.bookings import Booking
from reservations.domain.floor import FloorTable
from reservations.domain.restaurant import Restaurant


def to_contract(event: object) -> EventData:
    build = _BUILDERS.get(type(event))
    if build is None:
        raise TypeError(f"no contract for {type(event).__name__}")
    return build(event)


def _restaurant(restaurant: Restaurant) -> dict[str, Any]:
    return {
        "restaurant_id": restaurant.id,
        "name": restaurant.name,
        "timezone": restaurant.timezone,
        "slot_minutes": restaurant.slot_minutes,
        "min_party_size": restaurant.min_party_size,
        "max_party_size": restaurant.max_party_size,
        "opening_hours": [
            OpeningHours.model_validate(p.as_dict()) for p in restaurant.opening_hours
        ],
    }


def _table(table: FloorTable) -> dict[str, Any]:
    return {
        "restaurant_id": table.restaurant_id,
        "table_id": table.id,
        "label": table.label,
        "capacity": table.capacity,
        "kind": table.kind,
        "section": table.section,
        "x": table.x,
        "y": table.y,
        "status": table.state.status,
    }


def _booking(booking: Booking) -> dict[str, Any]:
    return {
        "restaurant_id": booking.restaurant_id,
        "reservation_id": booking.id,
        "table_id": booking.table_id,
        "starts_at": booking.starts_at,
    }


def _restaurant_opened(e: events.RestaurantOpened) -> EventData:
    return RestaurantCreated(created_by=e.restaurant.created_by, **_restaurant(e.restaurant))


def _restaurant_changed(e: events.RestaurantChanged) -> EventData:
    return RestaurantUpdated(**_restaurant(e.restaurant))


def _table_added(e: events.TableAdded) -> EventData:
    return TableCreated(**_table(e.table))


def _table_changed(e: events.TableChanged) -> EventData:
    return TableUpdated(**_table(e.table))


def _table_removed(e: events.TableRemoved) -> EventData:
    return TableRemoved(restaurant_id=e.restaurant_id, table_id=e.table_id)


def _table_status_moved(e: events.TableStatusMoved) -> EventData:
    table = e.table
    return TableStatusChanged(
        restaurant_id=table.restaurant_id,
        table_id=table.id,
        capacity=table.capacity,
        kind=table.kind,
        status=table.state.status,
        previous_status=e.previous.status,
        party_id=table.state.party_id,
        reservation_id=table.state.reservation_id,
        reason=e.reason,
    )


def _table_held(e: events.TableHeldForParty) -> EventData:
    return TableHeld(restaurant_id=e.restaurant_id, table_id=e.table_id, party_id=e.party_id)


def _table_hold_refused(e: events.TableHoldRefused) -> EventData:
    return TableHoldRejected(
        restaurant_id=e.restaurant_id, table_id=e.table_id, party_id=e.party_id, reason=e.reason
    )


def _booking_made(e: events.BookingMade) -> EventData:
    booking = e.booking
    return ReservationCreated(
        restaurant_id=booking.restaurant_id,
        reservation_id=booking.id,
        table_id=booking.table_id,
        table_label=booking.table_label,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        party_size=booking.party_size,
        name=booking.name,
        phone=booking.phone,
        manage_token_sealed=e.manage_token_sealed,
    )


def _booking_cancelled(e: events.BookingCancelled) -> EventData:
    return ReservationCancelled(**_booking(e.booking), cancelled_by=e.by)


def _booking_seated(e: events.BookingSeated) -> EventData:
    return ReservationSeated(**_booking(e.booking))


def _booking_completed(e: events.BookingCompleted) -> EventData:
    return ReservationCompleted(**_booking(e.booking))


def _booking_no_show(e: events.BookingNoShow) -> EventData:
    return ReservationNoShow(**_booking(e.booking))


def _booking_links_requested(e: events.BookingLinksRequested) -> EventData:
    return ReservationLookupRequested(
        restaurant_id=e.restaurant_id,
        phone=e.phone,
        reservations=[
            ReservationSummary(
                reservation_id=link.reservation_id,
                starts_at=link.starts_at,
                party_size=link.party_size,
                manage_token_sealed=link.manage_token_sealed,
            )
            for link in e.links
        ],
    )


_BUILDERS: dict[type, Callable[[Any], EventData]] = {
    events.RestaurantOpened: _restaurant_opened,
    events.RestaurantChanged: _restaurant_changed,
    events.TableAdded: _table_added,
    events.TableChanged: _table_changed,
    events.TableRemoved: _table_removed,
    events.TableStatusMoved: _table_status_moved,
    events.TableHeldForParty: _table_held,
    events.TableHoldRefused: _table_hold_refused,
    events.BookingMade: _booking_made,
    events.BookingCancelled: _booking_cancelled,
    events.BookingSeated: _booking_seated,
    events.BookingCompleted: _booking_completed,
    events.BookingNoShow: _booking_no_show,
    events.BookingLinksRequested: _booking_links_requested,
}
