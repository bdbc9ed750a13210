"""A startup that cannot reach the cluster ends in one line, not a traceback per worker.

Starlette answers a failed lifespan with the formatted traceback, which the server logs (35 to
110 lines per gunicorn worker) before the one line that matters. This middleware hands the
server the :class:`AerospikeStartupError` message alone; with DEBUG logging on for
``fastapi_aerospike`` the traceback passes as before.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastapi_aerospike.lifespan import AerospikeStartupError

__all__ = ["StartupFailureMiddleware"]

logger = logging.getLogger("fastapi_aerospike")


class StartupFailureMiddleware:
    """Replace the traceback of ``lifespan.startup.failed`` with the startup error's line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan" or logger.isEnabledFor(logging.DEBUG):
            await self.app(scope, receive, send)
            return
        held: Message | None = None

        async def hold_failure(message: Message) -> None:
            nonlocal held
            if message["type"] == "lifespan.startup.failed":
                held = message  # sent once the exception says what failed
                return
            await send(message)

        try:
            await self.app(scope, receive, hold_failure)
        except AerospikeStartupError as error:
            held = {"type": "lifespan.startup.failed", "message": str(error)}
            raise
        finally:
            if held is not None:
                await send(held)
