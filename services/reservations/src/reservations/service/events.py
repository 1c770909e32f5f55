"""The events this service tells others, built from the domain objects in one place."""

from __future__ import annotations

from maitred_contracts import (
    OpeningHours,
    RestaurantCreated,
    RestaurantUpdated,
    TableCreated,
    TableStatusChanged,
    TableUpdated,
)
from reservations.domain.floor import FloorTable, TableState
from reservations.domain.restaurant import Restaurant


def restaurant_created(restaurant: Restaurant) -> RestaurantCreated:
    return RestaurantCreated(created_by=restaurant.created_by, **_restaurant(restaurant))


def restaurant_updated(restaurant: Restaurant) -> RestaurantUpdated:
    return RestaurantUpdated(**_restaurant(restaurant))


def _restaurant(restaurant: Restaurant) -> dict[str, object]:
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


def table_created(table: FloorTable) -> TableCreated:
    return TableCreated(**_table(table))


def table_updated(table: FloorTable) -> TableUpdated:
    return TableUpdated(**_table(table))


def _table(table: FloorTable) -> dict[str, object]:
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


def status_changed(table: FloorTable, previous: TableState, reason: str) -> TableStatusChanged:
    """`table` carries the new state; the party and booking ids are those now at the table."""
    return TableStatusChanged(
        restaurant_id=table.restaurant_id,
        table_id=table.id,
        capacity=table.capacity,
        kind=table.kind,
        status=table.state.status,
        previous_status=previous.status,
        party_id=table.state.party_id,
        reservation_id=table.state.reservation_id,
        reason=reason,
    )
