"""Pure ASGI middleware answering client exceptions from the error table.

For a mounted sub-app (its own exception handlers apply, not the parent's) and for other ASGI
frameworks. A Starlette or FastAPI app answers an unhandled exception 500 itself before any
wrapper sees it, so wrapping one (``app.mount("/sub", AerospikeErrorMiddleware(sub))``)
registers the handlers on it instead, keeping its own. No ``BaseHTTPMiddleware``: it breaks
context variables and costs a task per request.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastapi_aerospike.errors import AerospikeErrorHandler, Render, render_json

__all__ = ["AerospikeErrorMiddleware"]


class AerospikeErrorMiddleware:
    """Answer ``BackpressureError`` with 503 + Retry-After, timeouts with 504, and so on.

    An exception raised after the response started cannot be answered any more: it propagates.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        retry_after: int | None = None,
        record_errors: bool = False,
        render: Render = render_json,
    ) -> None:
        self.app = app
        self.handler = AerospikeErrorHandler(
            retry_after=retry_after, record_errors=record_errors, render=render
        )
        if isinstance(app, Starlette):
            self.handler.register(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking_start)
        except Exception as exc:
            response = None if started else self.handler.response(exc, scope)
            if response is None:
                raise
            await response(scope, receive, send)
