"""Use cases of a party: join, look at it, and every action a diner or host takes on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from maitred_platform.credentials import hash_token, new_token
from maitred_platform.principal import Principal
from maitred_platform.request_keys import RequestKey
from waitlist.domain.errors import NotFound
from waitlist.domain.party import Party, Preference
from waitlist.domain.queue import PartyView
from waitlist.domain.waitlist import Action, PartyRequest
from waitlist.service import accuracy
from waitlist.service.access import party_actor
from waitlist.service.unit_of_work import WaitlistUnitOfWork, waitlist_to_change, waitlist_to_read

DINER_ACTIONS: frozenset[Action] = frozenset({"check-in", "leave"})
SEATING: frozenset[Action] = frozenset({"check-in", "seat"})
"""Actions after which a party may have just sat down: its quote's error is measured."""


@dataclass(frozen=True)
class Join:
    restaurant_id: uuid.UUID
    name: str
    party_size: int
    preference: Preference
    phone: str | None
    key: RequestKey | None = None
    """The Idempotency-Key: a retry with it gets the party its first use made."""


@dataclass(frozen=True)
class Joined:
    view: PartyView
    token: str  # returned this once (and to a retry with the same Idempotency-Key)
    replayed: bool = False


@dataclass(frozen=True)
class Act:
    """A diner (with its party token) or staff (with its principal) acting on a party."""

    party_id: uuid.UUID
    action: Action
    principal: Principal | None
    token: str | None = None
    table_id: uuid.UUID | None = None


async def join(uow: WaitlistUnitOfWork, command: Join, now: datetime) -> Joined:
    """The new party's view and its token, stored hashed (and sealed with its request key).

    The key is kept in the joining transaction, so a retry after a lost answer gets the same
    party with the same token instead of a second party.
    """
    async with uow:
        key = command.key
        if key is not None and (first := await uow.join_keys.claim(key)) is not None:
            if first.secret is None:
                raise NotFound("The party joined with this Idempotency-Key is no longer kept.")
            view = await _view_of(uow, await _find(uow, first.resource_id), now)
            await uow.commit()
            return Joined(view, first.secret, replayed=True)
        token = new_token("pty")
        waitlist = await waitlist_to_change(uow, command.restaurant_id)
        party = waitlist.join(
            party_id=uuid.uuid4(),
            name=command.name,
            party_size=command.party_size,
            preference=command.preference,
            phone=command.phone,
            token_hash=hash_token(token),
            now=now,
        )
        view = waitlist.queue.view(party, now)
        await uow.save(waitlist, now)
        if key is not None:
            await uow.join_keys.remember(key, party.id, token)
        await uow.commit()
    return Joined(view, token)


async def look_at(
    uow: WaitlistUnitOfWork,
    party_id: uuid.UUID,
    principal: Principal | None,
    token: str | None,
    now: datetime,
) -> PartyView:
    async with uow:
        party = await _find(uow, party_id)
        party_actor(party, principal, token)
        return await _view_of(uow, party, now)


async def act(uow: WaitlistUnitOfWork, command: Act, now: datetime) -> PartyView:
    async with uow:
        party = await _find(uow, command.party_id)
        actor = party_actor(party, command.principal, command.token)
        if actor != "staff" and command.action not in DINER_ACTIONS:
            raise NotFound("There is no such party.")
        waitlist = await waitlist_to_change(
            uow, party.restaurant_id, include_party=command.party_id
        )
        request = PartyRequest(command.action, command.party_id, actor, now, command.table_id)
        changed = waitlist.act(request)
        view = waitlist.queue.view(changed, now)
        await uow.save(waitlist, now)
        if command.action in SEATING:
            await accuracy.record(uow.waitlists, changed, now)
        await uow.commit()
    return view


async def verify_token(uow: WaitlistUnitOfWork, token: str) -> Party:
    """The party a token belongs to, for the gateway's realtime authentication."""
    async with uow:
        party = await uow.waitlists.party_by_token_hash(hash_token(token))
    if party is None:
        raise NotFound("The party token is not known.")
    return party


async def _view_of(uow: WaitlistUnitOfWork, party: Party, now: datetime) -> PartyView:
    waitlist = await waitlist_to_read(uow, party.restaurant_id, include_party=party.id)
    return waitlist.queue.view(waitlist.party(party.id), now)


async def _find(uow: WaitlistUnitOfWork, party_id: uuid.UUID) -> Party:
    party = await uow.waitlists.find_party(party_id)
    if party is None:
        raise NotFound("There is no such party.")
    return party
