"""Opting a phone out of a restaurant's SMS (staff, or the diner replying STOP) and back in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from notifier.domain.opt_out import reply_intent
from notifier.service.unit_of_work import NotifierUnitOfWork


@dataclass(frozen=True)
class OptOut:
    restaurant_id: uuid.UUID
    phone: str
    source: str  # sms_stop | staff


@dataclass(frozen=True)
class Reply:
    """What a diner's text meant, and how many restaurants' opt-outs it changed."""

    intent: Literal["stop", "start"] | None
    restaurants: int = 0


async def opt_out_by_staff(uow: NotifierUnitOfWork, restaurant_id: uuid.UUID, phone: str) -> OptOut:
    async with uow:
        await uow.opt_outs.add(restaurant_id, phone, "staff")
        await uow.commit()
    return OptOut(restaurant_id, phone, "staff")


async def answer_reply(uow: NotifierUnitOfWork, phone: str, text: str) -> Reply:
    """STOP opts the phone out of every restaurant that has texted it — the reply answers the
    messages received, on a number all restaurants share; START undoes the diner's own STOPs
    (an opt-out made by staff stays). Any other text changes nothing."""
    intent = reply_intent(text)
    if intent is None:
        return Reply(None)
    async with uow:
        if intent == "stop":
            restaurants = await uow.deliveries.restaurants_that_texted(phone)
            for restaurant_id in restaurants:
                await uow.opt_outs.add(restaurant_id, phone, "sms_stop")
            count = len(restaurants)
        else:
            await uow.opt_outs.withdraw(phone, "sms_stop")
            count = 0
        await uow.commit()
    return Reply(intent, count)
