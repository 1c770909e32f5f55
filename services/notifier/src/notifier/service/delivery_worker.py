"""The delivery worker: claims due deliveries and reminders, sends outside any transaction.

Each round, in short transactions: due reminders become notifications; due deliveries are
claimed (`FOR UPDATE SKIP LOCKED`, so several notifier instances share the work) with a
lease, by moving `next_attempt_at` past the send's timeout. The sends then run as separate
tasks, at most `concurrency` at once, each under a timeout, so a slow provider holds no
lock and never stalls the other channels or restaurants. The outcome is recorded only if
the lease is still ours (same `attempts`): a delivery whose worker died is taken over when
its lease runs out, so nothing is lost (at worst sent twice: after a crash mid-send, or
when a provider accepted a message but answered after the timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from maitred_platform.logs import get_logger
from notifier import metrics
from notifier.adapters.channels import Channels
from notifier.domain.delivery import DeliveryError, Outgoing, RetryPolicy
from notifier.domain.events import NotificationDelivered, NotificationFailed
from notifier.service.booking_messages import send_due_reminders
from notifier.service.context import Context
from notifier.service.unit_of_work import NotifierUnitOfWork

log = get_logger(__name__)


async def claim_due_deliveries(
    uow: NotifierUnitOfWork, *, now: datetime, lease: timedelta, limit: int
) -> list[Outgoing]:
    """Up to `limit` due deliveries, ours until the lease ends; an SMS to a phone that opted
    out after the message was made is recorded skipped instead of being sent."""
    async with uow:
        items = await uow.deliveries.claim(now=now, lease_until=now + lease, limit=limit)
        phones = {i.destination for i in items if i.channel == "sms" and i.destination}
        blocked = await uow.opt_outs.blocked(phones) if phones else set()
        sendable = []
        for item in items:
            if item.channel == "sms" and (item.restaurant_id, item.destination) in blocked:
                await uow.deliveries.finish(item, "skipped", "opted_out", now)
                metrics.SKIPPED.labels("sms").inc()
            else:
                sendable.append(item)
        await uow.commit()
    return sendable


async def record_outcome(
    uow: NotifierUnitOfWork,
    ctx: Context,
    policy: RetryPolicy,
    item: Outgoing,
    error: DeliveryError | None,
) -> str | None:
    """Delivered, retried later, or failed for good; None when our lease had run out (another
    worker took the delivery over)."""
    async with uow:
        outcome = await _record(uow, ctx, policy, item, error)
        await uow.commit()
    return outcome


async def _record(
    uow: NotifierUnitOfWork,
    ctx: Context,
    policy: RetryPolicy,
    item: Outgoing,
    error: DeliveryError | None,
) -> str | None:
    now = ctx.clock()
    if error is None:
        if not await uow.deliveries.finish(item, "delivered", None, now):
            return None
        metrics.SENT.labels(item.channel).inc()
        if item.notification_id is not None:
            uow.add(
                NotificationDelivered(
                    notification_id=item.notification_id,
                    restaurant_id=item.restaurant_id,
                    channel=item.channel,
                    attempts=item.attempts,
                )
            )
        return "delivered"
    log.info(
        "delivery_attempt_failed",
        channel=item.channel,
        delivery_id=str(item.id),
        attempts=item.attempts,
        reason=error.reason,
    )
    if policy.gives_up(item.attempts, error):
        if not await uow.deliveries.finish(item, "failed", error.reason, now):
            return None
        metrics.FAILED.labels(item.channel).inc()
        if item.notification_id is not None:
            uow.add(
                NotificationFailed(
                    notification_id=item.notification_id,
                    restaurant_id=item.restaurant_id,
                    channel=item.channel,
                    attempts=item.attempts,
                    reason=error.reason,
                )
            )
        return "failed"
    retry_at = ctx.clock() + timedelta(seconds=policy.delay_after(item.attempts))
    if not await uow.deliveries.finish(
        item, "pending", error.reason, ctx.clock(), next_attempt_at=retry_at
    ):
        return None
    metrics.RETRIED.labels(item.channel).inc()
    return "retrying"


class DeliveryWorker:
    def __init__(
        self,
        *,
        unit_of_work: Callable[[], NotifierUnitOfWork],
        channels: Channels,
        ctx: Context,
    ) -> None:
        settings = ctx.settings
        self.unit_of_work = unit_of_work
        self.channels = channels
        self.ctx = ctx
        self.policy = RetryPolicy(
            settings.delivery_max_attempts, settings.retry_base_seconds, settings.retry_max_seconds
        )
        self.interval = settings.worker_interval_seconds
        self.concurrency = settings.worker_concurrency
        self.send_timeout = settings.send_timeout_seconds
        self.lease = timedelta(seconds=settings.lease_seconds)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Runs until stopped; a database outage is logged and waited out."""
        while not self._stopping.is_set():
            try:
                await send_due_reminders(self.unit_of_work(), self.ctx)
                await self.start_due_deliveries()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("delivery_worker_error", error=f"{type(exc).__name__}: {exc}"[:300])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)

    async def stop(self, loop_task: asyncio.Task[None]) -> None:
        """Ends the loop between rounds, then lets sends under way finish and be recorded.

        Cutting a send short after the provider accepted it would have it sent again when
        its lease runs out; everything is bounded by the send timeout all the same.
        """
        self._stopping.set()
        await asyncio.wait([loop_task, *self._in_flight], timeout=self.send_timeout + 2)
        remaining = [loop_task, *self._in_flight]
        for task in remaining:
            task.cancel()
        for task in remaining:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def start_due_deliveries(self) -> None:
        free = self.concurrency - len(self._in_flight)
        if free <= 0:
            return
        due = await claim_due_deliveries(
            self.unit_of_work(), now=self.ctx.clock(), lease=self.lease, limit=free
        )
        for item in due:
            task = asyncio.create_task(self._deliver(item))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _deliver(self, item: Outgoing) -> None:
        error: DeliveryError | None = None
        try:
            await asyncio.wait_for(self.channels.send(item), self.send_timeout)
        except DeliveryError as exc:
            error = exc
        except TimeoutError:
            error = DeliveryError("timeout")
        except Exception as exc:  # a bug in a channel must not lose the delivery
            error = DeliveryError(f"unexpected: {type(exc).__name__}")
            log.exception("delivery_unexpected_error", channel=item.channel)
        try:
            await record_outcome(self.unit_of_work(), self.ctx, self.policy, item, error)
        except Exception as exc:  # the lease runs out and the delivery is tried again
            log.warning("delivery_record_failed", error=f"{type(exc).__name__}: {exc}"[:300])
