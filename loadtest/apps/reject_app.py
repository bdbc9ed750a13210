"""An ASGI app that answers every request 503 (but the harness's readiness probe): the floor.

No framework, no routes, no client. At the overload rate, the p99 it gets is what this machine
(its web workers sharing the cores with the generator and the database) costs any answer at
all; an app that also serves 200s there cannot answer them faster than this.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

__all__ = ["app"]

HEADERS = [(b"content-type", b"application/json"), (b"retry-after", b"1")]
BODY = b'{"code":"overloaded"}'
LIVENESS = "/health/live"


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    status = 200 if scope["path"] == LIVENESS else 503
    await send({"type": "http.response.start", "status": status, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
