"""The catch-all route: every other /v1 path goes to the service that owns it.

A plain Starlette route rather than a FastAPI one: no dependency solving or validation
on the hot path, where the service validates anyway.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.adapters.upstream import UpstreamResponse
from gateway.service.parts import client_ip, parts_of
from gateway.service.proxy import IncomingCall

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def incoming_call(request: Request) -> IncomingCall:
    return IncomingCall(
        method=request.method,
        path=request.url.path,
        query=request.url.query,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=await request.body(),
        ip=client_ip(request),
        request_id=request.state.request_id,
        raw_path=request.scope.get("raw_path", b"").decode("latin-1") or None,
    )


def response_of(answer: UpstreamResponse) -> Response:
    """The service's answer, as the caller gets it."""
    response = Response(content=answer.body, status_code=answer.status)
    for name, value in answer.headers:
        response.headers.append(name, value)
    return response


async def forward(request: Request) -> Response:
    answer = await parts_of(request).proxy.forward(await incoming_call(request))
    return response_of(answer)


route = Route("/v1/{path:path}", forward, methods=METHODS, include_in_schema=False)
