"""The catch-all route: every other /v1 path goes to the service that owns it.

A plain Starlette route rather than a FastAPI one: no dependency solving or validation
on the hot path, where the service validates anyway.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.service.parts import client_ip, parts_of
from gateway.service.proxy import IncomingCall

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def forward(request: Request) -> Response:
    call = IncomingCall(
        method=request.method,
        path=request.url.path,
        query=request.url.query,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=await request.body(),
        ip=client_ip(request),
        request_id=request.state.request_id,
        raw_path=request.scope.get("raw_path", b"").decode("latin-1") or None,
    )
    answer = await parts_of(request).proxy.forward(call)
    response = Response(content=answer.body, status_code=answer.status)
    for name, value in answer.headers:
        response.headers.append(name, value)
    return response


route = Route("/v1/{path:path}", forward, methods=METHODS, include_in_schema=False)
