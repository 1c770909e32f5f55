"""CPU time by process (Linux /proc): where the work of a figure went, service by service.

A join through the gateway is not one process's work: the gateway forwards it, the waitlist
commits it, each service's relay publishes its events, RabbitMQ routes them, the notifier,
reservations and the gateway's realtime feed consume them, Postgres and Redis serve them
all. Summed per process over a run and until its events have settled, divided by the joins,
this says what a join costs and where.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from maitred_platform.stack import Stack

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
SERVERS = {"postgres": "postgres", "beam.smp": "rabbitmq", "redis-server": "redis"}


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds used) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # After the name: state, ppid, ... utime is the 14th field of the line, stime the 15th.
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def snapshot(stack: Stack) -> dict[str, float]:
    """CPU seconds so far: each service instance, its child processes (the relay) apart, and
    the servers (every process of Postgres, RabbitMQ and Redis on this machine)."""
    stats: dict[int, tuple[str, int, float]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None:
                stats[int(entry.name)] = found
    names = {
        instance.process.pid: instance.name
        for instance in stack.all_instances()
        if instance.process is not None and instance.process.returncode is None
    }
    used: dict[str, float] = {}
    for pid, (command, parent, seconds) in stats.items():
        if pid in names:
            key = names[pid]
        elif parent in names:
            key = f"{names[parent]} relay"
        elif command in SERVERS:
            key = SERVERS[command]
        else:
            continue
        used[key] = used.get(key, 0.0) + seconds
    return used


async def settle(stack: Stack, quiet_share: float = 0.15, timeout: float = 30.0) -> float:
    """Waits until the stack and the servers together use less than `quiet_share` of one
    core over half a second (the events of the run have been handled); returns the wait."""
    began = time.monotonic()
    before = sum(snapshot(stack).values())
    while time.monotonic() - began < timeout:
        await asyncio.sleep(0.5)
        now = sum(snapshot(stack).values())
        if now - before < quiet_share * 0.5:
            break
        before = now
    return time.monotonic() - began


def per_unit_ms(before: dict[str, float], after: dict[str, float], units: int) -> dict[str, float]:
    """Milliseconds of CPU per unit of work (a join), by process, largest first."""
    if units <= 0:
        return {}
    grown = {k: (after.get(k, 0.0) - before.get(k, 0.0)) * 1000 / units for k in after}
    return dict(
        sorted(((k, round(v, 2)) for k, v in grown.items() if v > 0), key=lambda kv: -kv[1])
    )
