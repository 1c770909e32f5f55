"""The one staff check on a restaurant's routes, made by every service and the gateway.

Its answers are the same everywhere: a caller who is not a member of the restaurant gets
404, the answer for a restaurant that does not exist, so nothing is learnt about other
tenants; a member whose role is not enough gets 403. An owner may do whatever a host may.
"""

from __future__ import annotations

import uuid

from maitred_platform.principal import Principal, Role
from maitred_platform.problems import Problem

# From the least to the most a role may do.
ROLES: tuple[Role, ...] = ("host", "owner")


def require_staff(principal: Principal, restaurant_id: uuid.UUID, role: Role = "host") -> None:
    """Refuses unless the caller is a member of the restaurant with `role` or a higher one."""
    held = principal.role_in(restaurant_id)
    if held is None:
        raise Problem(404, "No such restaurant.")
    if _rank(held) < _rank(role):
        raise Problem(403, f"This needs the {role} role in this restaurant.")


def _rank(role: str) -> int:
    # A role this code does not know (a newer gateway's) is worth less than any it knows.
    return ROLES.index(role) if role in ROLES else -1
