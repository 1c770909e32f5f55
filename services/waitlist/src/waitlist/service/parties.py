"""Use cases of a party: join, look at it, and every action a diner or host takes on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from maitred_platform.credentials import hash_token, new_token
from maitred_platform.principal import Principal
from maitred_platform.request_keys import RequestKey, RequestKeys
from waitlist.adapters.orm import request_keys
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


@dataclass(frozen=True)
class Joined:
    view: PartyView
    token: str  # returned this once (and to a retry with the same Idempotency-Key)
    replayed: bool = False


async def join(
    session: AsyncSession,
    restaurant_id: uuid.UUID,
    joining: Joining,
    now: datetime,
    key: RequestKey | None = None,
    sealing_key: str = "",
) -> Joined:
    """The new party's view and its token, stored hashed (and sealed with its request key).

    With an Idempotency-Key, a retry gets the party its first use made, with the same token.
    """
    keys = RequestKeys(request_keys, sealing_key)
    if key is not None and (first := await keys.claim(session, key)) is not None:
        if first.secret is None:
            raise NotFound("The party joined with this Idempotency-Key is no longer kept.")
        view = await _view_of(session, await _find(session, first.resource_id), now)
        return Joined(view, first.secret, replayed=True)
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
    if key is not None:
        await keys.remember(session, key, party.id, token)
    return Joined(view, token)


async def look_at(
    session: AsyncSession,
    party_id: uuid.UUID,
    principal: Principal | None,
    token: str | None,
    now: datetime,
) -> PartyView:
    party = await _find(session, party_id)
    party_actor(party, principal, token)
    return await _view_of(session, party, now)


async def _view_of(session: AsyncSession, party: Party, now: datetime) -> PartyView:
    waitlist = await reading_waitlist(session, party.restaurant_id, include_party=party.id)
    return waitlist.view(waitlist.party(party.id), now)


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
