"""Serves the waitlist with its clock running BENCH_TIME_SCALE times faster than the wall.

The waitlist reads the time only through the clock given to `create_app`; this launcher
gives it `origin + (wall - origin) * scale` (origin: BENCH_CLOCK_ORIGIN, Unix seconds), so a
simulated evening of hours takes minutes and the harness can compute the same time.
Everything else is the unchanged service.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime

import uvicorn

from waitlist.bootstrap import create_app
from waitlist.config import Settings

SCALE = float(os.environ.get("BENCH_TIME_SCALE", "1"))
ORIGIN = float(os.environ.get("BENCH_CLOCK_ORIGIN") or time.time())


def accelerated_clock() -> datetime:
    return datetime.fromtimestamp(ORIGIN + (time.time() - ORIGIN) * SCALE, UTC)


def factory():  # type: ignore[no-untyped-def]
    return create_app(Settings(), clock=accelerated_clock)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        "bench.accelerated_waitlist:factory", factory=True, host="127.0.0.1", port=args.port,
        loop="uvloop", http="httptools", log_config=None, timeout_graceful_shutdown=5,
    )  # fmt: skip
