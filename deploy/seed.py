"""Seeds a demo restaurant through the public API, once: an owner, a host, ten tables."""

from __future__ import annotations

import httpx

OWNER = {"email": "owner@demo.maitred.dev", "password": "demo-owner-pass", "name": "Demo Owner"}
HOST = {"email": "host@demo.maitred.dev", "password": "demo-host-pass", "name": "Demo Host"}
RESTAURANT = {
    "name": "Chez Demo",
    "phone": "+14155550100",
    "timezone": "America/Los_Angeles",
    "opening_hours": [{"weekday": d, "opens": "11:00", "closes": "23:00"} for d in range(7)],
    "slot_minutes": 60,
}
TABLES = [
    {"label": f"T{n}", "capacity": cap, "kind": "table", "section": "main", "x": x, "y": y}
    for n, (cap, x, y) in enumerate(
        [(2, 1, 1), (2, 3, 1), (4, 5, 1), (4, 7, 1), (4, 1, 3), (6, 3, 3), (6, 5, 3), (8, 7, 3)],
        start=1,
    )
] + [
    {"label": "C1", "capacity": 1, "kind": "counter", "section": "bar", "x": 1, "y": 5},
    {"label": "C2", "capacity": 2, "kind": "counter", "section": "bar", "x": 2, "y": 5},
]


async def _token(client: httpx.AsyncClient, account: dict[str, str]) -> str:
    await client.post("/v1/auth/register", json=account)  # 409 when it exists already
    response = await client.post(
        "/v1/auth/token", json={"email": account["email"], "password": account["password"]}
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def seed_demo(gateway_url: str) -> list[str]:
    """Returns lines for the start-up banner; a failure to seed is reported, not fatal."""
    try:
        async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as client:
            await _token(client, HOST)
            token = await _token(client, OWNER)
            auth = {"Authorization": f"Bearer {token}"}
            me = (await client.get("/v1/auth/me", headers=auth)).json()
            owned = [m["restaurant_id"] for m in me.get("memberships", []) if m["role"] == "owner"]
            if owned:
                rid = owned[0]
            else:
                created = await client.post("/v1/restaurants", json=RESTAURANT, headers=auth)
                created.raise_for_status()
                rid = created.json()["id"]
                batch = await client.post(
                    f"/v1/restaurants/{rid}/tables/batch", json={"tables": TABLES}, headers=auth
                )
                batch.raise_for_status()
                await client.post(
                    f"/v1/restaurants/{rid}/members",
                    json={"email": HOST["email"], "role": "host"},
                    headers=auth,
                )
    except Exception as exc:
        return [f"  (demo data not seeded: {type(exc).__name__}: {exc})"]
    return [
        f"  diner page       {gateway_url}/r/{rid}",
        f"  booking page     {gateway_url}/r/{rid}/book",
        f"  host console     {gateway_url}/host  ({OWNER['email']} / {OWNER['password']},"
        f" or {HOST['email']} / {HOST['password']})",
    ]
