"""The bare one-hop join: FastAPI + asyncpg, the same two inserts in one transaction.

No gateway, no ORM, no queue logic: what a join costs in this framework on this machine.
`python -m bench.references.bare_join --port N` with BENCH_REF_DATABASE_URL (libpq URL).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Literal

import asyncpg
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

PARTY = """
INSERT INTO bench_ref.parties
    (id, restaurant_id, name, party_size, preference, phone, token_hash, status, joined_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8)
RETURNING queue_order
"""
OUTBOX = """
INSERT INTO bench_ref.outbox (event_id, type, source, subject, restaurant_id, data, occurred_at)
VALUES ($1, 'waitlist.party.joined.v1', '/waitlist', $2, $3, $4::jsonb, $5)
"""


class Join(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    party_size: int = Field(ge=1, le=100)
    phone: str | None = None
    preference: Literal["table", "counter", "any"] = "any"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The services' pools are 10 connections plus 10 overflow: the same here.
    app.state.pool = await asyncpg.create_pool(
        os.environ["BENCH_REF_DATABASE_URL"], min_size=10, max_size=20
    )
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/ready")
async def ready() -> dict[str, bool]:
    return {"ok": True}


@app.post("/v1/restaurants/{rid}/waitlist/parties", status_code=201)
async def join(rid: uuid.UUID, body: Join, request: Request) -> JSONResponse:
    party_id = uuid.uuid4()
    token = "pty_" + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    data = {"party_id": str(party_id), "restaurant_id": str(rid), **body.model_dump()}
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        order = await conn.fetchval(
            PARTY, party_id, rid, body.name, body.party_size, body.preference, body.phone,
            hashlib.sha256(token.encode()).hexdigest(), now,
        )  # fmt: skip
        await conn.execute(OUTBOX, uuid.uuid4(), str(party_id), rid, json.dumps(data), now)
    answer = {
        "id": str(party_id),
        "party_token": token,
        "status": "waiting",
        "position": order,
        "joined_at": now.isoformat(),
    }
    return JSONResponse(answer, status_code=201)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools",
        log_level="warning", access_log=False,
    )  # fmt: skip
