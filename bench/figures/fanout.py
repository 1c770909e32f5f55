"""Figure 3: one restaurant event fanned out to 1,000 and 5,000 WebSocket subscribers.

Every subscriber authenticates as the restaurant's staff and subscribes to its channel. The
event: a table's status changed by a PATCH through the gateway (committed when answered).
Measured: from the PATCH's answer to the last (and first) subscriber having the frame, the
median of three events; memory per connection = the gateway's RSS growth ÷ subscribers.
Ceiling: the same clients on a minimal `websockets` server that broadcasts a frame when
asked (bench/references/broadcast_server.py), timed from the request to the last arrival.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

from websockets.asyncio.client import connect

from bench import plots
from bench.context import Context, Figure, Row, Skip, fmt_ms, ratio
from bench.env import Reference, free_port, rss_kib
from bench.realtime import Subscriber, close_all, open_many, ws_url

SIZES = (1000, 5000)
BROADCASTS = 3
MARKER = "reservations.table.status_changed"
TARGET_MS = 500.0


async def measure_one(ctx: Context) -> Figure:
    return await _measure(ctx, gateways=1)


async def measure_two(ctx: Context) -> Figure:
    ctx.need(90, "a second gateway process for the two-gateway fan-out")
    # A second gateway beside the running stack: only the gateways fan out, and restarting
    # every service here would wait on what earlier figures left queued (the notifier's
    # backlog), which is not what this figure measures.
    if len(ctx.stack.instances["gateway"]) < 2:
        try:
            await ctx.stack.add_instance("gateway", timeout=60)
        except TimeoutError as exc:
            raise Skip(f"the second gateway did not get ready: {exc}") from exc
    return await _measure(ctx, gateways=2)


async def _wait_all(subs: list[Subscriber], k: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    # A subscriber whose connection the server closed is not waited for (it counts as missed).
    while time.monotonic() < deadline and any(
        len(s.arrivals) < k and not s.task.done() for s in subs
    ):
        await asyncio.sleep(0.02)


def _times(subs: list[Subscriber], k: int, t0: float) -> dict[str, Any]:
    got = [s.arrivals[k - 1] for s in subs if len(s.arrivals) >= k]
    return {
        "reached": len(got),
        "first_ms": (min(got) - t0) * 1000 if got else None,
        "last_ms": (max(got) - t0) * 1000 if got else None,
    }


async def _measure(ctx: Context, gateways: int) -> Figure:
    key = "fanout" if gateways == 1 else "fanout2"
    fig = Figure(key, f"Realtime fan-out on {gateways} gateway process(es)")
    ctx.need(60, "the fan-out figure")
    urls = [ws_url(ctx.stack.url("gateway", i)) for i in range(gateways)]
    pids = [
        instance.process.pid
        for instance in ctx.stack.instances["gateway"][:gateways]
        if instance.process is not None
    ]
    bare = Reference("broadcast", free_port())
    await bare.start("bench.references.broadcast_server")
    results: dict[int, dict[str, Any]] = {}
    try:
        for n in SIZES:
            ctx.need(40, f"{n} subscribers")
            # A restaurant of its own per size: its table starts available every time.
            tables = [{"label": "F1", "capacity": 4, "kind": "table"}]
            rid = await ctx.api.restaurant(ctx.owner, tables, name=f"Fan-out {n}")
            table_id = (await ctx.api.tables(ctx.owner, rid))[0]["id"]
            results[n] = {
                "gateway": await _gateway_run(ctx, urls, pids, rid, table_id, n),
                "bare": await _bare_run(bare, n) if gateways == 1 else None,
            }
    finally:
        await bare.stop()
    fig.data = {"gateways": gateways, "sizes": results}
    for n, res in results.items():
        g = res["gateway"]
        b = res["bare"] or ctx.shared.get("fanout_bare", {}).get(n)
        if gateways == 1 and res["bare"]:
            ctx.shared.setdefault("fanout_bare", {})[n] = res["bare"]
        ceiling = (
            f"bare websockets: last {fmt_ms(b['last_ms'])}, {b['kib_per_conn']:.0f} KiB/conn"
            if b
            else "—"
        )
        fig.rows.append(
            Row(
                figure=f"Fan-out to {n:,} subscribers, {gateways} gateway(s)",
                measured=f"last {fmt_ms(g['last_ms'])} (first {fmt_ms(g['first_ms'])}), "
                f"reached {g['reached']}/{n}; {g['kib_per_conn']:.0f} KiB/conn",
                ceiling=ceiling,
                ratio=ratio(g["last_ms"], b["last_ms"]) if b else None,
                target="< 500 ms" if n == 5000 else "—",
                met=(g["last_ms"] is not None and g["last_ms"] < TARGET_MS and g["reached"] == n)
                if n == 5000 and gateways == 1
                else None,
            )
        )
    fig.plots.append(
        plots.bars(
            f"fanout_{gateways}gw.png",
            f"Time to the last of N subscribers ({gateways} gateway(s))",
            "milliseconds",
            {
                f"{label} {n}": (res[label] or {}).get("last_ms") or 0.0
                for n, res in results.items()
                for label in ("gateway", "bare")
                if res.get(label)
            },
        )
    )
    return fig


async def _gateway_run(
    ctx: Context, urls: list[str], pids: list[int], rid: str, table_id: str, n: int
) -> dict[str, Any]:
    before = sum(rss_kib(p) or 0 for p in pids)
    per = [n // len(urls) + (1 if i < n % len(urls) else 0) for i in range(len(urls))]
    subs: list[Subscriber] = []
    try:
        for url, count in zip(urls, per, strict=True):
            subs += await open_many(url, ctx.owner.token, f"restaurant:{rid}", count, MARKER)
        await asyncio.sleep(1.0)
        after = sum(rss_kib(p) or 0 for p in pids)
        closed_before = sum(1 for s in subs if s.task.done())
        runs = []
        for k in range(1, BROADCASTS + 1):
            status = "out_of_service" if k % 2 else "available"
            await ctx.api.call(
                "PATCH",
                f"/v1/restaurants/{rid}/tables/{table_id}",
                json={"status": status},
                headers=ctx.owner.headers,
            )
            t0 = time.perf_counter()
            await _wait_all(subs, k, 20)
            runs.append(_times(subs, k, t0))
            await asyncio.sleep(0.5)
        closed = [s for s in subs if s.task.done()]
        close_codes = sorted({str(s.ws.close_code) for s in closed})
    finally:
        await close_all(subs)
    summary = _summarise(runs, n, after - before)
    summary["closed_by_server_before_events"] = closed_before
    summary["closed_by_server"] = len(closed)
    summary["close_codes"] = close_codes
    return summary


async def _bare_run(bare: Reference, n: int) -> dict[str, Any]:
    assert bare.process is not None
    url = f"ws://127.0.0.1:{bare.port}/"
    before = rss_kib(bare.process.pid) or 0
    subs = await open_many(url, "bench", "restaurant:bench", n, MARKER)
    runs = []
    try:
        await asyncio.sleep(1.0)
        after = rss_kib(bare.process.pid) or 0
        async with connect(url, compression=None) as control:
            for k in range(1, BROADCASTS + 1):
                t0 = time.perf_counter()
                await control.send(json.dumps({"type": "broadcast", "n": k}))
                await _wait_all(subs, k, 20)
                runs.append(_times(subs, k, t0))
                await control.recv()
                await asyncio.sleep(0.3)
    finally:
        await close_all(subs)
    return _summarise(runs, n, after - before)


def _summarise(runs: list[dict[str, Any]], n: int, rss_delta_kib: int) -> dict[str, Any]:
    lasts = [r["last_ms"] for r in runs if r["last_ms"] is not None]
    firsts = [r["first_ms"] for r in runs if r["first_ms"] is not None]
    return {
        "runs": runs,
        "last_ms": statistics.median(lasts) if lasts else None,
        "first_ms": statistics.median(firsts) if firsts else None,
        "reached": min(r["reached"] for r in runs),
        "rss_delta_kib": rss_delta_kib,
        "kib_per_conn": rss_delta_kib / n,
    }
