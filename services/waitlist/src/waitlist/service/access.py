"""Who may see or touch a party: its own token, or staff of its restaurant."""

from __future__ import annotations

from maitred_platform.credentials import token_matches
from maitred_platform.principal import Principal
from maitred_platform.problems import Problem
from waitlist.domain.errors import NotFound
from waitlist.domain.party import Actor, Party


def party_actor(party: Party, principal: Principal | None, token: str | None) -> Actor:
    """ "staff" or "diner"; anyone else gets the same answer as for an unknown party."""
    if principal is not None and principal.is_staff_of(party.restaurant_id):
        return "staff"
    if token is not None and token_matches(token, party.token_hash):
        return "diner"
    if principal is None and token is None:
        raise Problem(
            401,
            "A party token or staff credential is required.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise NotFound("There is no such party.")
