"""Figure 2: from a join's 201 to the restaurant's and the party's realtime channels.

Joins are paced open-loop at 20/50/80 % of the join ceiling measured in figure 1 (the
gateway's best throughput), over fresh restaurants. One staff WebSocket subscribes to every
restaurant channel; one watcher party per restaurant subscribes to its own party channel.
- restaurant channel: the arrival of `waitlist.party.joined.v1` for that party;
- party channel: the arrival, at the watcher party, of the first queue snapshot
  (`waitlist.queue.changed.v1`, matched by event id) that lists the new party — the update a
  diner's screen gets when the queue changes.
Each level starts once the staff socket has had the watcher parties' own join events: the
joins figure before this one leaves a backlog of events still on their way, which would
otherwise be counted against the first level. Latency = arrival - the moment the client
had the 201; an event may overtake the answer, so a latency can be slightly negative.
The ceiling is a bare publish-confirm-consume round
trip through RabbitMQ (aio_pika, persistent message, publisher confirms) in the same vhost.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aio_pika

from bench import load, plots
from bench.api import ApiError
from bench.context import Context, Figure, Row, Skip, fmt_ms
from bench.realtime import Watcher, open_client, ws_url

LEVELS = (0.2, 0.5, 0.8)
RESTAURANTS = 16
JOIN = {"name": "Bench party", "party_size": 2, "preference": "any"}


async def rabbit_round_trip(amqp_url: str, count: int) -> list[float]:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            "bench.roundtrip", aio_pika.ExchangeType.TOPIC, auto_delete=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, "#")
        arrived: asyncio.Queue[float] = asyncio.Queue()

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            arrived.put_nowait(time.perf_counter())
            await message.ack()

        await queue.consume(on_message)
        samples = []
        body = b'{"specversion": "1.0", "type": "bench.roundtrip", "data": {}}' * 4
        for i in range(count):
            began = time.perf_counter()
            await exchange.publish(
                aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key="bench.roundtrip",
                mandatory=True,
                timeout=5,
            )
            got = await asyncio.wait_for(arrived.get(), 5)
            if i >= 10:  # the first few warm the connection
                samples.append(got - began)
        return samples
    finally:
        await connection.close()


async def measure(ctx: Context) -> Figure:
    fig = Figure("events", "Event latency: join commit to realtime channels")
    duration = ctx.seconds(8, 3)
    ctx.need(len(LEVELS) * (duration + 15) + 20, "the event latency figure")
    ceiling_samples = await rabbit_round_trip(ctx.env.amqp_url, 300 if not ctx.quick else 60)
    ceiling = load.summary_ms(ceiling_samples)
    join_ceiling = ctx.shared.get("join_ceiling_per_s")
    if not join_ceiling:  # the join figure did not run: a short probe at 16 clients instead
        from bench.figures.joins import _closed

        tables = [{"label": "T1", "capacity": 12, "kind": "table"}]
        rids = await ctx.api.many_restaurants(ctx.owner, RESTAURANTS, tables)
        await asyncio.gather(*(ctx.api.waitlist_ready(r, 1) for r in rids))
        probe = await _closed("probe", ctx.gateway, rids, 16, 3)
        join_ceiling = probe.throughput
        if not join_ceiling:
            raise Skip(f"no join succeeded through the gateway: {probe.as_dict()}")
    fig.data = {"rabbitmq_round_trip": ceiling, "join_ceiling_per_s": join_ceiling, "levels": {}}
    series: dict[str, list[float]] = {"RabbitMQ round trip": ceiling_samples}
    for level in LEVELS:
        rate = max(1.0, join_ceiling * level)
        result = await _level(ctx, rate, duration)
        fig.data["levels"][f"{int(level * 100)}%"] = {
            "rate_per_s": round(rate, 1),
            **{k: v for k, v in result.items() if not k.endswith("_s")},
        }
        r, p = result["restaurant"], result["party"]
        series[f"restaurant ch. {int(level * 100)}%"] = result["restaurant_s"]
        series[f"party ch. {int(level * 100)}%"] = result["party_s"]
        worst_p99 = max((x for x in (r["p99_ms"], p["p99_ms"]) if x is not None), default=None)
        fig.rows.append(
            Row(
                figure=f"Event latency at {int(level * 100)} % ({rate:.0f} joins/s)",
                measured=f"restaurant ch. p50 {fmt_ms(r['p50_ms'])} / p99 {fmt_ms(r['p99_ms'])}"
                f" / max {fmt_ms(r['max_ms'])}; party ch. p50 {fmt_ms(p['p50_ms'])} / p99 "
                f"{fmt_ms(p['p99_ms'])} / max {fmt_ms(p['max_ms'])}; lost {result['lost']}",
                ceiling=f"RabbitMQ round trip p50 {fmt_ms(ceiling['p50_ms'])} / p99 "
                f"{fmt_ms(ceiling['p99_ms'])} / max {fmt_ms(ceiling['max_ms'])}",
                ratio=(worst_p99 / ceiling["p99_ms"])
                if worst_p99 is not None and ceiling["p99_ms"]
                else None,
                target="p99 < 50 ms at 50 %" if level == 0.5 else "—",
                met=(worst_p99 is not None and worst_p99 < 50 and result["lost"] == 0)
                if level == 0.5
                else None,
            )
        )
    fig.plots.append(
        plots.latency_distributions("events_latency.png", "Join 201 → realtime channel", series)
    )
    return fig


async def _first_join(ctx: Context, rid: str) -> dict[str, Any]:
    """The waitlist learns a restaurant and then its tables from two events: an "open"
    restaurant can refuse a party for a moment (422, no table seats it) until the second."""
    for attempt in range(50):
        try:
            answer: dict[str, Any] = await ctx.api.call(
                "POST", f"/v1/restaurants/{rid}/waitlist/parties", json=JOIN
            )
            return answer
        except ApiError as exc:
            if "-> 422" not in str(exc) or attempt == 49:
                raise
            await asyncio.sleep(0.2)
    raise AssertionError("unreachable")


async def _drained(staff: Watcher, party_ids: set[str], timeout: float = 120) -> float:
    """Waits until the staff socket has had the watcher parties' own join events.

    The figure before this one (joins at full speed, or the previous level) can leave
    thousands of events still on their way; the waitlist's events go out in commit order,
    so these arriving means that backlog is through, and it does not count against this
    level's latencies. Returns how long that took.
    """
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        seen = {
            str((m.get("data") or {}).get("party_id"))
            for _, m in staff.events
            if m.get("event") == "waitlist.party.joined.v1"
        }
        if party_ids <= seen:
            break
        await asyncio.sleep(0.1)
    else:
        raise Skip(f"the events of earlier joins were still arriving after {timeout:.0f}s")
    return time.perf_counter() - began


async def _level(ctx: Context, rate: float, duration: float) -> dict[str, Any]:
    tables = [{"label": "T1", "capacity": 12, "kind": "table"}]
    rids = await ctx.api.many_restaurants(ctx.owner, RESTAURANTS, tables)
    await asyncio.gather(*(ctx.api.waitlist_ready(r, 1) for r in rids))
    url = ws_url(ctx.gateway)
    staff = Watcher(await open_client(url, ctx.owner.token, [f"restaurant:{r}" for r in rids]))
    watchers: dict[str, Watcher] = {}
    try:
        first_ids: set[str] = set()
        for rid in rids:
            first = await _first_join(ctx, rid)
            first_ids.add(str(first["id"]))
            watchers[rid] = Watcher(
                await open_client(url, first["party_token"], [f"party:{first['id']}"])
            )
        drained_s = await _drained(staff, first_ids)
        await asyncio.sleep(0.5)  # the watchers' own queue snapshots settle
        for w in [staff, *watchers.values()]:
            w.events.clear()

        async def send(i: int) -> tuple[str, str, int]:
            rid = rids[i % len(rids)]
            async with ctx.http.post(
                f"{ctx.gateway}/v1/restaurants/{rid}/waitlist/parties", json=JOIN
            ) as response:
                body = await response.json()
                return rid, str(body.get("id")), response.status

        paced = await load.open_loop(send, rate, duration, max_in_flight=256)
        # Late deliveries: until every joined party was announced, for at most 10 s.
        joined = sum(1 for *_, (_, _, status) in paced.results if status == 201)
        for _ in range(100):
            seen = sum(1 for _, m in staff.events if m.get("event") == "waitlist.party.joined.v1")
            if seen >= joined:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
    finally:
        for w in [staff, *watchers.values()]:
            await w.close()

    joined_at: dict[str, float] = {}
    joined_rid: dict[str, str] = {}
    statuses: dict[str, int] = {}
    for _, _, answered, (rid, pid, status) in paced.results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status == 201:
            joined_at[pid] = answered
            joined_rid[pid] = rid
    joined_msg: dict[str, float] = {}
    first_snapshot: dict[str, str] = {}
    for arrived, message in staff.events:
        data = message.get("data") or {}
        if message.get("event") == "waitlist.party.joined.v1" and data.get("party_id"):
            joined_msg.setdefault(str(data["party_id"]), arrived)
        elif message.get("event") == "waitlist.queue.changed.v1":
            for entry in data.get("parties") or []:
                pid = str(entry.get("party_id"))
                first_snapshot.setdefault(pid, message["id"])
    party_arrival: dict[str, dict[str, float]] = {
        rid: {m["id"]: t for t, m in w.events} for rid, w in watchers.items()
    }
    restaurant_s, party_s = [], []
    lost = 0
    for pid, answered in joined_at.items():
        if pid in joined_msg:
            restaurant_s.append(joined_msg[pid] - answered)
        else:
            lost += 1
        event_id = first_snapshot.get(pid)
        at_party = party_arrival[joined_rid[pid]].get(event_id or "")
        if at_party is not None:
            party_s.append(at_party - answered)
        else:
            lost += 1
    return {
        "backlog_drained_ms": round(drained_s * 1000),
        "sent": paced.sent,
        "statuses": statuses,
        "errors": dict(paced.errors),
        "lost": lost,
        "restaurant": load.summary_ms(restaurant_s),
        "party": load.summary_ms(party_s),
        "restaurant_s": restaurant_s,
        "party_s": party_s,
    }
