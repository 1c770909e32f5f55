"""The bare broadcast: a minimal `websockets` server speaking the realtime protocol's shape.

Clients send auth and subscribe and get ready/subscribed; a control client sending
`{"type": "broadcast", "n": k}` makes the server send one event frame to every subscriber.
GET /ready answers 200 (plain HTTP on the same port, for the harness to wait on).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

subscribers: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    try:
        async for raw in ws:
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "auth":
                await ws.send(json.dumps({"type": "ready"}))
            elif kind == "subscribe":
                subscribers.add(ws)
                await ws.send(json.dumps({"type": "subscribed", "channel": message["channel"]}))
            elif kind == "broadcast":
                event = {
                    "type": "event",
                    "channel": "restaurant:bench",
                    "id": str(uuid.uuid4()),
                    "event": "reservations.table.status_changed.v1",
                    "time": "",
                    "data": {"n": message.get("n"), "status": "available"},
                }
                broadcast(subscribers, json.dumps(event))
                await ws.send(json.dumps({"type": "sent", "to": len(subscribers)}))
            elif kind == "ping":
                await ws.send(json.dumps({"type": "pong"}))
    finally:
        subscribers.discard(ws)


def health(connection: ServerConnection, request: Request) -> Response | None:
    if request.path == "/ready":
        return connection.respond(HTTPStatus.OK, "ok\n")
    return None


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, process_request=health, max_queue=64):
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    import uvloop

    uvloop.run(main(args.port))
