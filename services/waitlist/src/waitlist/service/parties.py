"""Use cases of a party: join, look at it, and every action a diner or host takes on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from maitred_platform.credentials import hash_token, new_token
from maitred_platform.principal import Principal
from waitlist.adapters.repository import WaitlistRepository
from waitlist.domain.errors import NotFound
from waitlist.domain.party import Party, Preference
from waitlist.domain.queue_view import PartyView
from waitlist.domain.waitlist import Waitlist
from waitlist.service import accuracy
from waitlist.service.access import party_actor
from waitlist.service.unit import changing_waitlist, reading_waitlist

Action = Literal["check-in", "leave", "call", "seat", "complete", "no-show", "remove"]
DINER_ACTIONS: frozenset[Action] = frozenset({"check-in", "leave"})


@dataclass(frozen=True)
class Joining:
    name: str
    party_size: int
    preference: Preference
    phone: str | None


async def join(
    session: AsyncSession, restaurant_id: uuid.UUID, joining: Joining, now: datetime
) -> tuple[PartyView, str]:
    """The new party's view and its token, which is returned this once and stored hashed."""
    token = new_token("pty")
    async with changing_waitlist(session, restaurant_id, now) as waitlist:
        party = waitlist.join(
            party_id=uuid.uuid4(),
            name=joining.name,
            party_size=joining.party_size,
            preference=joining.preference,
            phone=joining.phone,
            token_hash=hash_token(token),
            now=now,
        )
        view = waitlist.view(party, now)
    return view, token


async def look_at(
    session: AsyncSession,
    party_id: uuid.UUID,
    principal: Principal | None,
    token: str | None,
    now: datetime,
) -> PartyView:
    party = await _find(session, party_id)
    party_actor(party, principal, token)
    waitlist = await reading_waitlist(session, party.restaurant_id, include_party=party_id)
    return waitlist.view(waitlist.party(party_id), now)


async def act(
    session: AsyncSession,
    party_id: uuid.UUID,
    action: Action,
    principal: Principal | None,
    token: str | None,
    now: datetime,
    table_id: uuid.UUID | None = None,
) -> PartyView:
    party = await _find(session, party_id)
    actor = party_actor(party, principal, token)
    if actor != "staff" and action not in DINER_ACTIONS:
        raise NotFound("There is no such party.")
    async with changing_waitlist(
        session, party.restaurant_id, now, include_party=party_id
    ) as waitlist:
        _apply(waitlist, action, party_id, now, table_id, by=actor)
        changed = waitlist.party(party_id)
        view = waitlist.view(changed, now)
    if action in ("check-in", "seat"):
        await accuracy.record(session, changed, now)
    return view


def _apply(
    waitlist: Waitlist,
    action: Action,
    party_id: uuid.UUID,
    now: datetime,
    table_id: uuid.UUID | None,
    by: Literal["diner", "staff"],
) -> None:
    if action == "check-in":
        waitlist.check_in(party_id, now)
    elif action in ("leave", "remove"):
        waitlist.leave(party_id, "staff" if action == "remove" else by, now)
    elif action == "call":
        waitlist.call(party_id, table_id, now)
    elif action == "seat":
        waitlist.seat(party_id, table_id, now)
    elif action == "complete":
        waitlist.complete(party_id, now)
    elif action == "no-show":
        waitlist.no_show(party_id, now)


async def _find(session: AsyncSession, party_id: uuid.UUID) -> Party:
    party = await WaitlistRepository(session).find_party(party_id)
    if party is None:
        raise NotFound("There is no such party.")
    return party


async def verify_token(session: AsyncSession, token: str) -> Party:
    """The party a token belongs to, for the gateway's realtime authentication."""
    party = await WaitlistRepository(session).party_by_token_hash(hash_token(token))
    if party is None:
        raise NotFound("The party token is not known.")
    return party
