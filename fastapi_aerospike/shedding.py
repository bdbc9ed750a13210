"""Load shedding for the web worker: 503 + Retry-After while its event loop lags.

``max_concurrent_operations`` guards the cluster: operations that wait too long for a slot are
answered 503. When the worker's own CPU is what saturates (a fast cluster, heavy routes),
requests queue in the event loop before they reach the client, and every answer gets slower
instead, for everyone. This middleware times a repeating timer on the loop (as Fastify's
under-pressure does) and drives an adaptive limit on the requests in progress from it, AIMD
style: a late tick halves the limit from what is in progress (down to one), an on-time tick
raises it by one.
Requests over the limit are answered 503 at once, which costs a small fraction of serving them,
so the admitted ones keep their latency and callers are told to come back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastapi_aerospike.errors import error_body
from fastapi_aerospike.lifespan import checked_retry_after, lifecycles, retry_after_setting

__all__ = ["LoadSheddingMiddleware"]

SAMPLE_INTERVAL_SECONDS = 0.005
UNLIMITED = 1 << 20
BODY = json.dumps(
    error_body("server_overloaded", "The server is overloaded; retry later."), separators=(",", ":")
).encode()


class _AdaptiveLimit:
    """A timer re-armed every ``interval`` on the running loop adjusts how many requests may be
    in progress: halved (from those in progress) when it fires more than ``bound`` late, one
    more when it fires on time."""

    def __init__(self, bound: float, interval: float = SAMPLE_INTERVAL_SECONDS) -> None:
        self.bound = bound
        self.interval = interval
        self.limit = UNLIMITED
        self.in_progress = 0
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._due = loop.time() + self.interval
        self._handle = loop.call_at(self._due, self._tick, loop)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        if now - self._due > self.bound:
            # Never below one: a request that arrives while none is in progress is the only
            # work there is, and shedding it would not make the loop any faster.
            self.limit = max(1, min(self.limit, self.in_progress) // 2)
        elif self.limit < UNLIMITED:
            self.limit += 1
        self._due = now + self.interval
        self._handle = loop.call_at(self._due, self._tick, loop)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


def _route_path(scope: Scope) -> str:
    """The path the app routes on: behind a proxy prefix (``--root-path``), ``path`` holds it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class LoadSheddingMiddleware:
    """Answer 503 with ``Retry-After`` to requests over a limit that shrinks while the event
    loop lags more than the bound.

    ``max_event_loop_lag_ms`` and ``retry_after`` default to the app's clients' settings
    (``AEROSPIKE_SHED_EVENT_LOOP_LAG_MS``, ``AEROSPIKE_RETRY_AFTER``) read at startup; a bound
    of 0 turns shedding off. The limit is adjusted while the app's lifespan runs, so a server
    that runs no lifespan sheds nothing. ``exempt_paths`` (the health and metrics routes) are
    always served: an orchestrator must not restart or unroute a busy worker, and a scrape
    shows the overload. ``on_shed`` is called for each request shed (``install`` counts them in
    the metrics' ``http_requests_shed``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_event_loop_lag_ms: float | None = None,
        retry_after: int | None = None,
        exempt_paths: Collection[str] = (),
        on_shed: Callable[[], None] | None = None,
    ) -> None:
        if max_event_loop_lag_ms is not None and max_event_loop_lag_ms < 0:
            raise ValueError(f"max_event_loop_lag_ms must be >= 0, not {max_event_loop_lag_ms!r}")
        self.app = app
        self.max_event_loop_lag_ms = max_event_loop_lag_ms
        self.retry_after = checked_retry_after(retry_after)
        self.exempt_paths = frozenset(exempt_paths)
        self.on_shed = on_shed
        self._limit: _AdaptiveLimit | None = None
        self._headers: list[tuple[bytes, bytes]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit
        if limit is None or scope["type"] != "http" or _route_path(scope) in self.exempt_paths:
            if scope["type"] == "lifespan":
                await self._lifespan(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        if limit.in_progress >= limit.limit:
            if self.on_shed is not None:
                self.on_shed()
            await send({"type": "http.response.start", "status": 503, "headers": self._headers})
            await send({"type": "http.response.body", "body": BODY})
            return
        limit.in_progress += 1
        try:
            await self.app(scope, receive, send)
        finally:
            limit.in_progress -= 1

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The limit runs while the app's lifespan does, on the server's loop."""

        async def send_starting_limit(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                self._start(scope)
            await send(message)

        try:
            await self.app(scope, receive, send_starting_limit)
        finally:
            if self._limit is not None:
                self._limit.stop()
                self._limit = None

    def _start(self, scope: Scope) -> None:
        found = lifecycles(scope.get("state", {}))
        bound_ms = self.max_event_loop_lag_ms
        if bound_ms is None:
            bounds = [c.settings.shed_event_loop_lag_ms for c in found]
            bound_ms = min((b for b in bounds if b > 0), default=0)
        retry_after = self.retry_after
        if retry_after is None:
            retry_after = retry_after_setting(scope.get("state", {}))
        self._headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(BODY)).encode()),
            (b"retry-after", str(retry_after).encode()),
        ]
        if bound_ms > 0:
            self._limit = _AdaptiveLimit(bound_ms / 1000)
            self._limit.start()
