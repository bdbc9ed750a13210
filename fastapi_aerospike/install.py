"""One call wiring the integration into a FastAPI or Starlette app.

``install(app)`` wraps the app's own lifespan (its state is kept, the clients' is added), and
registers the error handlers, the load-shedding middleware, the health routes and the metrics
route; a startup that cannot reach the cluster ends in one line instead of a traceback.
Calling it again for the same client name does nothing (with other settings for it, it raises
instead of ignoring them); another name adds another client (a second cluster).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette

from aerospike_py import AsyncClient
from fastapi_aerospike.errors import AerospikeErrorHandler
from fastapi_aerospike.health import health_routes
from fastapi_aerospike.lifespan import (
    DEFAULT_CLIENT_NAME,
    AerospikeLifespan,
    AerospikeNotConfiguredError,
)
from fastapi_aerospike.settings import AerospikeSettings
from fastapi_aerospike.shedding import LoadSheddingMiddleware
from fastapi_aerospike.startup import StartupFailureMiddleware

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from fastapi_aerospike.metrics import AerospikeMetrics

__all__ = ["Installation", "install"]

INSTALLATION_ATTRIBUTE = "fastapi_aerospike"

Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


@dataclass
class Installation:
    """What ``install`` added to one app, kept on ``app.state.fastapi_aerospike``."""

    lifespans: dict[str, AerospikeLifespan] = field(default_factory=dict)
    metrics: AerospikeMetrics | None = None
    running: dict[str, Any] = field(default_factory=dict)
    """The clients' lifespan state while the app runs (empty before startup and after
    shutdown)."""

    def client(self, name: str = DEFAULT_CLIENT_NAME) -> AsyncClient:
        """The connected client ``name``, for the app's own lifespan (warm-up, index creation)
        and for code that has the app but no request."""
        client = self.running.get(name)
        if not isinstance(client, AsyncClient):
            raise AerospikeNotConfiguredError(
                f"no running Aerospike client named {name!r}: the app's lifespan has not "
                "started it (or has stopped it)"
            )
        return client


def install(
    app: Starlette,
    settings: AerospikeSettings | None = None,
    *,
    name: str = DEFAULT_CLIENT_NAME,
    health_prefix: str | None = "/health",
    metrics_path: str | None = "/metrics",
    registry: CollectorRegistry | None = None,
    record_errors: bool = False,
    retry_after: int | None = None,
) -> Installation:
    """Wire the client ``name`` and the error handlers, health and metrics routes into ``app``.

    ``settings`` default to ``AerospikeSettings.from_env()`` read at startup; the shedding
    bound is their ``shed_event_loop_lag_ms``. ``None`` for ``health_prefix`` or
    ``metrics_path`` leaves that route out (metrics need the ``[metrics]`` extra);
    ``record_errors`` answers missing records 404 and generation conflicts 409;
    ``retry_after`` overrides the clients' ``retry_after`` setting. Returns what is installed.
    """
    installation: Installation | None = getattr(app.state, INSTALLATION_ATTRIBUTE, None)
    if installation is None:
        installation = Installation()
        setattr(app.state, INSTALLATION_ATTRIBUTE, installation)
        handler = AerospikeErrorHandler(retry_after=retry_after, record_errors=record_errors)
        handler.register(app)
        health = health_routes(health_prefix) if health_prefix is not None else []
        app.router.routes.extend(health)
        always_served = [route.path for route in health]
        if metrics_path is not None:
            # The [metrics] extra: without it, one line says so (or metrics_path=None).
            from fastapi_aerospike.metrics import AerospikeMetrics

            installation.metrics = AerospikeMetrics(registry)
            app.add_route(metrics_path, installation.metrics.endpoint, include_in_schema=False)
            always_served.append(metrics_path)
        app.add_middleware(
            LoadSheddingMiddleware,
            retry_after=retry_after,
            exempt_paths=always_served,
            on_shed=installation.metrics.count_shed if installation.metrics else None,
        )
        app.add_middleware(StartupFailureMiddleware)
        app.router.lifespan_context = _with_clients(app.router.lifespan_context, installation)
    known = installation.lifespans.get(name)
    if known is None:
        installation.lifespans[name] = AerospikeLifespan(settings, name=name)
    elif settings is not None and settings != known.settings:
        raise ValueError(
            f"client {name!r} is already installed with other settings; install another "
            "name for another cluster, or build the app again to change them"
        )
    return installation


def _with_clients(user_lifespan: Lifespan, installation: Installation) -> Lifespan:
    """The user's lifespan inside the clients': its startup and shutdown can use them, through
    ``app.state.fastapi_aerospike.client()``."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        async with AsyncExitStack() as stack:
            state: dict[str, Any] = {}
            for aerospike in installation.lifespans.values():
                state.update(await stack.enter_async_context(aerospike(app)))
            if installation.metrics is not None:
                await stack.enter_async_context(installation.metrics.refreshing(state))
            installation.running = state
            stack.callback(setattr, installation, "running", {})
            user_state = await stack.enter_async_context(user_lifespan(app))
            yield {**state, **(user_state or {})}

    return lifespan
