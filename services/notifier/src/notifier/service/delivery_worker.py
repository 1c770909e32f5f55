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
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_contracts import NotificationDelivered, NotificationFailed
from maitred_messaging import add_event
from maitred_platform.db import transaction
from maitred_platform.logs import get_logger
from notifier import metrics
from notifier.adapters import delivery_queue
from notifier.adapters.channels import Channels, Outgoing
from notifier.adapters.orm import scheduled_messages
from notifier.domain.delivery import DeliveryError, RetryPolicy
from notifier.service.booking_messages import send_reminder
from notifier.service.context import Context

log = get_logger(__name__)


class DeliveryWorker:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        channels: Channels,
        ctx: Context,
    ) -> None:
        settings = ctx.settings
        self.sessions = sessions
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
                await self.fire_due_reminders()
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

    async def fire_due_reminders(self, batch: int = 50) -> None:
        async with transaction(self.sessions) as session:
            due = (
                await session.execute(
                    select(scheduled_messages.c.id, scheduled_messages.c.reservation_id)
                    .where(
                        scheduled_messages.c.status == "pending",
                        scheduled_messages.c.due_at <= self.ctx.clock(),
                    )
                    .order_by(scheduled_messages.c.due_at)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in due:
                await send_reminder(session, self.ctx, row.id, row.reservation_id)
                await session.execute(
                    update(scheduled_messages)
                    .where(scheduled_messages.c.id == row.id)
                    .values(status="sent", sent_at=self.ctx.clock())
                )

    async def start_due_deliveries(self) -> None:
        free = self.concurrency - len(self._in_flight)
        if free <= 0:
            return
        for item in await self._claim(free):
            task = asyncio.create_task(self._deliver(item))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _claim(self, limit: int) -> list[Outgoing]:
        now = self.ctx.clock()
        async with transaction(self.sessions) as session:
            items = await delivery_queue.claim(
                session, now=now, lease_until=now + self.lease, limit=limit
            )
            blocked = await delivery_queue.opted_out(session, items)
            for item in items:
                if item.id in blocked:  # opted out after the message was made: not sent
                    await delivery_queue.finish(session, item, "skipped", "opted_out", now)
                    metrics.SKIPPED.labels("sms").inc()
            return [item for item in items if item.id not in blocked]

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
            async with transaction(self.sessions) as session:
                await self._record(session, item, error)
        except Exception as exc:  # the lease runs out and the delivery is tried again
            log.warning("delivery_record_failed", error=f"{type(exc).__name__}: {exc}"[:300])

    async def _record(
        self, session: AsyncSession, item: Outgoing, error: DeliveryError | None
    ) -> None:
        if error is None:
            if await self._finish(session, item, "delivered", None):
                metrics.SENT.labels(item.channel).inc()
                if item.notification_id is not None:
                    await add_event(
                        session,
                        NotificationDelivered(
                            notification_id=item.notification_id,
                            restaurant_id=item.restaurant_id,
                            channel=item.channel,
                            attempts=item.attempts,
                        ),
                    )
            return
        log.info(
            "delivery_attempt_failed",
            channel=item.channel,
            delivery_id=str(item.id),
            attempts=item.attempts,
            reason=error.reason,
        )
        if self.policy.gives_up(item.attempts, error):
            if await self._finish(session, item, "failed", error.reason):
                metrics.FAILED.labels(item.channel).inc()
                if item.notification_id is not None:
                    await add_event(
                        session,
                        NotificationFailed(
                            notification_id=item.notification_id,
                            restaurant_id=item.restaurant_id,
                            channel=item.channel,
                            attempts=item.attempts,
                            reason=error.reason,
                        ),
                    )
            return
        retry_at = self.ctx.clock() + timedelta(seconds=self.policy.delay_after(item.attempts))
        if await self._finish(session, item, "pending", error.reason, next_attempt_at=retry_at):
            metrics.RETRIED.labels(item.channel).inc()

    async def _finish(
        self,
        session: AsyncSession,
        item: Outgoing,
        status: str,
        reason: str | None,
        **values: Any,
    ) -> bool:
        return await delivery_queue.finish(
            session, item, status, reason, self.ctx.clock(), **values
        )
