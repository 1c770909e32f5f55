"""Who may touch a restaurant's notifier resources: its staff (some routes: its owners)."""

from __future__ import annotations

import uuid

from maitred_platform.principal import Principal
from maitred_platform.problems import Problem


def require_staff(principal: Principal, restaurant_id: uuid.UUID) -> None:
    # Another restaurant's staff learn nothing, not even that the restaurant exists.
    if not principal.is_staff_of(restaurant_id):
        raise Problem(404, "No such restaurant.")


def require_owner(principal: Principal, restaurant_id: uuid.UUID) -> None:
    require_staff(principal, restaurant_id)
    if not principal.is_owner_of(restaurant_id):
        raise Problem(403, "Only an owner of the restaurant may do this.")
