"""Load generators and the statistics every figure reports.

Closed loop: N workers each send the next request as soon as the last one answered, for a
fixed time (throughput at a concurrency). Open loop: requests start on a fixed schedule,
whatever the answers (latency at a steady rate, no coordinated omission).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

# One request: returns the HTTP status (or raises); the generator times it.
Request = Callable[[int], Awaitable[int]]


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(seconds: list[float]) -> dict[str, float | int | None]:
    ms = [s * 1000 for s in seconds]
    return {
        "count": len(ms),
        "p50_ms": _round(percentile(ms, 50)),
        "p90_ms": _round(percentile(ms, 90)),
        "p99_ms": _round(percentile(ms, 99)),
        "max_ms": _round(max(ms) if ms else None),
        "mean_ms": _round(sum(ms) / len(ms) if ms else None),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass
class Run:
    """What one load run saw."""

    label: str
    concurrency: int
    duration_s: float
    latencies_s: list[float] = field(default_factory=list)  # successful requests only
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    answered_all: int = 0  # every answer, warm-up included: the work the stack did

    @property
    def ok(self) -> int:
        return len(self.latencies_s)

    @property
    def throughput(self) -> float:
        return self.ok / self.duration_s if self.duration_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "concurrency": self.concurrency,
            "duration_s": round(self.duration_s, 3),
            "ok": self.ok,
            "throughput_per_s": round(self.throughput, 1),
            **summary_ms(self.latencies_s),
            "statuses": dict(self.statuses),
            "errors": dict(self.errors.most_common(5)),
        }


async def closed_loop(
    label: str,
    request: Request,
    concurrency: int,
    duration_s: float,
    ok_statuses: frozenset[int] = frozenset({200, 201}),
    warmup_s: float = 1.0,
) -> Run:
    """N workers back to back for warmup + duration; only the measured window counts."""
    run = Run(label, concurrency, duration_s)
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from = start + warmup_s
    stop_at = measure_from + duration_s
    counter = 0

    async def worker() -> None:
        nonlocal counter
        while (now := loop.time()) < stop_at:
            counter += 1
            began = time.perf_counter()
            try:
                status = await request(counter)
            except Exception as exc:  # a failed request is counted, not fatal
                if now >= measure_from:
                    run.errors[type(exc).__name__] += 1
                await asyncio.sleep(0.01)
                continue
            took = time.perf_counter() - began
            run.answered_all += 1
            if now < measure_from:
                continue
            run.statuses[str(status)] += 1
            if status in ok_statuses:
                run.latencies_s.append(took)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    # Requests still in flight at the end would add a tail; only count the window.
    return run


@dataclass
class Paced:
    """One open-loop run: per request, when it was sent, its answer time and its outcome."""

    rate_per_s: float
    duration_s: float
    sent: int = 0
    results: list[tuple[int, float, float, Any]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


async def open_loop(
    send: Callable[[int], Awaitable[Any]], rate_per_s: float, duration_s: float, max_in_flight: int
) -> Paced:
    """Starts send(i) every 1/rate seconds; `send` returns what the figure needs to keep."""
    paced = Paced(rate_per_s, duration_s)
    loop = asyncio.get_running_loop()
    interval = 1.0 / rate_per_s
    start = loop.time()
    gate = asyncio.Semaphore(max_in_flight)
    tasks: set[asyncio.Task[None]] = set()

    async def one(i: int) -> None:
        async with gate:
            began = time.perf_counter()
            try:
                outcome = await send(i)
            except Exception as exc:
                paced.errors[type(exc).__name__] += 1
                return
            paced.results.append((i, began, time.perf_counter(), outcome))

    i = 0
    while (due := start + i * interval) < start + duration_s:
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        i += 1
    paced.sent = i
    if tasks:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 15)
    return paced
