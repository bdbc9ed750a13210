"""A startup that fails for a reason the user can fix ends in one line, not a traceback.

Starlette answers a failed lifespan with the formatted traceback, which the server logs (35 to
110 lines per gunicorn worker) before the one line that matters. This middleware hands the
server the message alone for a cluster that cannot be reached (``startup_mode="fail_fast"``),
invalid settings, and a route asking for a client no lifespan creates; with DEBUG logging on
for ``fastapi_aerospike`` the traceback passes as before. The server still adds its own lines
after it (uvicorn's "Application startup failed. Exiting.", gunicorn's "Worker failed to boot").
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastapi_aerospike.lifespan import AerospikeNotConfiguredError, AerospikeStartupError
from fastapi_aerospike.settings import AerospikeSettingsError

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
        except (
            AerospikeStartupError,
            AerospikeSettingsError,
            AerospikeNotConfiguredError,
        ) as error:
            if held is None:
                raise  # failed after startup: not this middleware's to shorten
            held = {"type": "lifespan.startup.failed", "message": str(error)}
            raise
        finally:
            if held is not None:
                await send(held)
