"""One call wiring the integration into a FastAPI or Starlette app.

``install(app)`` wraps the app's own lifespan (its state is kept, the clients' is added), and
registers the error handlers (keeping those the app already has), the health routes, the
metrics and the request guard (``request_guard``: a body limit, URLs that are not UTF-8, bounded
422 answers); a startup that fails for a reason the user can fix ends in one line instead of a
traceback. ``install(app, name="analytics")`` adds a client for a second cluster, read from
``AEROSPIKE_ANALYTICS_*``. Options of the client (``settings``, ``retry_after``) apply to that
client; options of the app (``record_errors``, ``render``, ``health_prefix``, ``metrics_path``,
``registry``) are set by the first call, and a later call that asks for other values raises
instead of ignoring them. Calling it again with the same arguments does nothing.
"""

from __future__ import annotations

import enum
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from aerospike_py import AsyncClient
from fastapi_aerospike.errors import AerospikeErrorHandler, Render, render_json
from fastapi_aerospike.health import health_routes
from fastapi_aerospike.lifespan import (
    DEFAULT_CLIENT_NAME,
    AerospikeLifespan,
    AerospikeNotConfiguredError,
    Lifecycle,
)
from fastapi_aerospike.request_guard import RequestGuardMiddleware, bounded_validation_answer
from fastapi_aerospike.settings import AerospikeSettings
from fastapi_aerospike.startup import StartupFailureMiddleware

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from fastapi_aerospike.metrics import AerospikeMetrics

__all__ = ["UNSET", "Installation", "install"]

logger = logging.getLogger("fastapi_aerospike")

INSTALLATION_ATTRIBUTE = "fastapi_aerospike"

Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset.UNSET
"""An app option not given: the first ``install`` call's value (or the default) stands."""

APP_OPTION_DEFAULTS: dict[str, Any] = {
    "record_errors": False,
    "render": render_json,
    "health_prefix": "/health",
    "metrics_path": "/metrics",
    "registry": None,
}


@dataclass
class Installation:
    """What ``install`` added to one app, kept on ``app.state.fastapi_aerospike``."""

    options: dict[str, Any]
    """The app's options, as the first call set them."""
    lifespans: dict[str, AerospikeLifespan] = field(default_factory=dict)
    metrics: AerospikeMetrics | None = None
    handler: AerospikeErrorHandler | None = None
    running: dict[str, Any] = field(default_factory=dict)
    """The clients' lifespan state while the app runs (empty before startup and after
    shutdown)."""

    def client(self, name: str = DEFAULT_CLIENT_NAME) -> AsyncClient:
        """The client ``name``, for the app's own lifespan (warm-up, index creation) and for
        code that has the app but no request. After a degraded start it may not be connected
        yet: ``client.is_connected()`` says."""
        return self._lifecycle(name).client

    def settings(self, name: str = DEFAULT_CLIENT_NAME) -> AerospikeSettings:
        """The settings the running client ``name`` was made with (its namespace...)."""
        return self._lifecycle(name).settings

    def _lifecycle(self, name: str) -> Lifecycle:
        lifecycle = self.running.get(Lifecycle.state_key(name))
        if not isinstance(lifecycle, Lifecycle):
            raise AerospikeNotConfiguredError(
                f"no running Aerospike client named {name!r}: the app's lifespan has not "
                "started it (or has stopped it)"
            )
        return lifecycle


def install(
    app: Starlette,
    settings: AerospikeSettings | None = None,
    *,
    name: str = DEFAULT_CLIENT_NAME,
    retry_after: int | None = None,
    record_errors: bool | Literal[_Unset.UNSET] = UNSET,
    render: Render | Literal[_Unset.UNSET] = UNSET,
    health_prefix: str | Literal[_Unset.UNSET] | None = UNSET,
    metrics_path: str | Literal[_Unset.UNSET] | None = UNSET,
    registry: CollectorRegistry | Literal[_Unset.UNSET] | None = UNSET,
) -> Installation:
    """Wire the client ``name`` and the error handlers, health and metrics into ``app``.

    Per client: ``settings`` default to its variables (``AEROSPIKE_*``, or
    ``AEROSPIKE_<NAME>_*`` for another name) read at startup; ``retry_after`` overrides its
    ``retry_after`` setting. Per app (the first call sets them): ``record_errors`` answers
    missing records 404 and generation conflicts 409; ``render`` builds every error response
    (see ``fastapi_aerospike.errors.render_json``); ``None`` for ``health_prefix`` or
    ``metrics_path`` leaves that route out; ``registry`` puts the metrics in your registry
    (with ``metrics_path=None``, an existing ``/metrics`` such as
    prometheus-fastapi-instrumentator's exposes them). Metrics need the ``[metrics]`` extra.
    """
    given = {
        "record_errors": record_errors,
        "render": render,
        "health_prefix": health_prefix,
        "metrics_path": metrics_path,
        "registry": registry,
    }
    given = {option: value for option, value in given.items() if value is not UNSET}
    installation: Installation | None = getattr(app.state, INSTALLATION_ATTRIBUTE, None)
    if installation is None:
        installation = _install_app(app, {**APP_OPTION_DEFAULTS, **given})
        setattr(app.state, INSTALLATION_ATTRIBUTE, installation)
    else:
        differing = [o for o, v in given.items() if v != installation.options[o]]
        if differing:
            raise ValueError(
                f"{', '.join(differing)} apply to the whole app and were set by the first "
                "install() call; pass them there (or leave them out here)"
            )
    lifespan = AerospikeLifespan(settings, name=name, retry_after=retry_after)
    known = installation.lifespans.get(name)
    if known is None:
        installation.lifespans[name] = lifespan
    elif (settings is not None and settings != known.settings) or (
        retry_after is not None and retry_after != known.retry_after
    ):
        raise ValueError(
            f"client {name!r} is already installed with other settings; install another "
            "name for another cluster, or build the app again to change them"
        )
    return installation


def _install_app(app: Starlette, options: dict[str, Any]) -> Installation:
    """The parts installed once per app."""
    installation = Installation(options)
    installation.handler = AerospikeErrorHandler(
        record_errors=options["record_errors"], render=options["render"]
    )
    installation.handler.register(app)
    if options["health_prefix"] is not None:
        app.router.routes.extend(health_routes(options["health_prefix"]))
    metrics_path, registry = options["metrics_path"], options["registry"]
    if metrics_path is not None and metrics_path in _route_paths(app):
        raise ValueError(
            f"the app already has a route at {metrics_path} (prometheus-fastapi-"
            "instrumentator's?): install(app, metrics_path=None, registry=REGISTRY) puts the "
            "Aerospike metrics into the registry it exposes"
        )
    if metrics_path is not None or registry is not None:
        # The [metrics] extra: without it, one line says so (or metrics_path=None).
        from fastapi_aerospike.metrics import AerospikeMetrics

        installation.metrics = AerospikeMetrics(registry)
        if metrics_path is not None:
            app.add_route(metrics_path, installation.metrics.endpoint, include_in_schema=False)
    # Innermost of the app's middleware, whenever they were added: CORS and the like wrap its
    # 400 and 413 answers as they wrap the routes'.
    app.user_middleware.append(Middleware(RequestGuardMiddleware, render=options["render"]))
    app.add_middleware(StartupFailureMiddleware)
    app.router.lifespan_context = _with_clients(app.router.lifespan_context, installation)
    _document_client_responses(app)
    _bound_validation_answers(app)
    return installation


def _route_paths(app: Starlette) -> list[str]:
    return [route.path for route in app.router.routes if isinstance(route, Route)]


def _fastapi_loaded() -> bool:
    """FastAPI apps are checked further; a Starlette app works without FastAPI installed."""
    return sys.modules.get("fastapi") is not None


def _document_client_responses(app: Starlette) -> None:
    """A FastAPI app's OpenAPI operations that use a client list the 503 and 504 answers."""
    if not _fastapi_loaded():
        return
    from fastapi import FastAPI

    from fastapi_aerospike.dependencies import document_client_responses

    if not isinstance(app, FastAPI):
        return
    openapi = app.openapi

    def openapi_with_client_responses() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_client_responses(app)
        return openapi()

    app.openapi = openapi_with_client_responses  # type: ignore[method-assign]


def _bound_validation_answers(app: Starlette) -> None:
    """A FastAPI app's 422 answers bounded (``request_guard.bounded_validation_answer``),
    unless the app answers them itself."""
    if not _fastapi_loaded():
        return
    from fastapi import FastAPI
    from fastapi.exception_handlers import request_validation_exception_handler
    from fastapi.exceptions import RequestValidationError

    handler = app.exception_handlers.get(RequestValidationError)
    if isinstance(app, FastAPI) and handler is request_validation_exception_handler:
        app.add_exception_handler(RequestValidationError, bounded_validation_answer)


def _check_routes(app: Any, state: dict[str, Any], installation: Installation) -> None:
    """Fail startup for a route asking for a client no lifespan creates (a misspelt
    ``client_dependency("analitycs")`` fails here, not on its first request)."""
    paths = _route_paths(app)
    metrics_path = installation.options["metrics_path"]
    if metrics_path is not None and paths.count(metrics_path) > 1:
        logger.warning(
            "the app has %d routes at %s and only the first answers: install(app, "
            "metrics_path=None, registry=...) puts the Aerospike metrics into another's registry",
            paths.count(metrics_path),
            metrics_path,
        )
    if not _fastapi_loaded():
        return
    from fastapi import FastAPI

    from fastapi_aerospike.dependencies import client_names

    if not isinstance(app, FastAPI):
        return
    clients = {name for name, value in state.items() if isinstance(value, AsyncClient)}
    missing = {name: path for name, path in client_names(app).items() if name not in clients}
    if missing:
        asked = ", ".join(f"{path} asks for {name!r}" for name, path in missing.items())
        raise AerospikeNotConfiguredError(
            f"no Aerospike client for a route: {asked}; the clients are "
            f"{', '.join(sorted(clients)) or 'none'} (install(app, name=...) adds one)"
        )


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
            combined = {**state, **(user_state or {})}
            _check_routes(app, combined, installation)
            yield combined

    return lifespan
