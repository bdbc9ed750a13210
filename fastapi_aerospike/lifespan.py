"""The client's life inside the app's: connect at startup, drain and close at shutdown.

The client is created here, in each worker's event loop, never at import: a native runtime must
not exist before gunicorn forks, and a pool belongs to the loop that made it. The lifespan
yields lifespan state, so requests find the client on ``request.state.<name>``; nothing is kept
in a module global, so several named clients and isolated tests work.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection

from aerospike_py import AerospikeError, AsyncClient
from fastapi_aerospike.diagnosis import explain_connect_failure
from fastapi_aerospike.settings import AerospikeSettings

__all__ = [
    "AerospikeLifespan",
    "AerospikeNotConfiguredError",
    "AerospikeStartupError",
    "Lifecycle",
    "Phase",
    "client_from_state",
    "lifecycles",
]

logger = logging.getLogger("fastapi_aerospike.lifespan")

DEFAULT_CLIENT_NAME = "aerospike"
DRAIN_POLL_SECONDS = 0.02


class AerospikeStartupError(RuntimeError):
    """The cluster could not be reached at startup; the one-line message names the hosts, the
    cause (refused, timed out, DNS, cluster name, credentials) and the time spent."""


class Phase(enum.StrEnum):
    """Where a client is in the app's life; readiness is true only while ``SERVING``."""

    STARTING = "starting"
    SERVING = "serving"
    DRAINING = "draining"
    CLOSED = "closed"


@dataclass
class Lifecycle:
    """A named client with its settings and phase, kept in lifespan state next to the client."""

    name: str
    client: AsyncClient
    settings: AerospikeSettings
    phase: Phase = Phase.STARTING

    @staticmethod
    def state_key(name: str) -> str:
        """The lifespan state key of the lifecycle of client ``name``."""
        return f"{name}.lifecycle"


def lifecycles(state: dict[str, Any]) -> list[Lifecycle]:
    """Every client lifecycle found in lifespan (or request) state."""
    return [value for value in state.values() if isinstance(value, Lifecycle)]


def checked_retry_after(seconds: int | None) -> int | None:
    """``seconds`` if it can be a ``Retry-After`` header (whole seconds, at least 1), or None."""
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1
    ):
        raise ValueError(f"retry_after must be an integer >= 1 second, not {seconds!r}")
    return seconds


def retry_after_setting(state: dict[str, Any]) -> int:
    """The largest ``retry_after`` setting of the clients in ``state``, or 1 without any."""
    return max((lifecycle.settings.retry_after for lifecycle in lifecycles(state)), default=1)


class AerospikeLifespan:
    """A lifespan for one named client: ``FastAPI(lifespan=AerospikeLifespan())``.

    Compose it in your own lifespan with ``async with aerospike(app) as state:`` and yield
    ``{**state, ...}``; enter two of them with different names for two clusters. Settings are
    read from the environment when the app starts (not at import) unless given.
    """

    def __init__(
        self, settings: AerospikeSettings | None = None, *, name: str = DEFAULT_CLIENT_NAME
    ) -> None:
        if not name.isidentifier():
            raise ValueError(f"client name {name!r} must be a Python identifier")
        self.settings = settings
        self.name = name

    def __call__(self, app: object = None) -> AbstractAsyncContextManager[dict[str, Any]]:
        return self._run()

    @asynccontextmanager
    async def _run(self) -> AsyncIterator[dict[str, Any]]:
        settings = self.settings if self.settings is not None else AerospikeSettings.from_env()
        client = await _connect(settings, self.name)
        lifecycle = Lifecycle(self.name, client, settings, Phase.SERVING)
        try:
            yield {self.name: client, Lifecycle.state_key(self.name): lifecycle}
        finally:
            lifecycle.phase = Phase.DRAINING
            await _drain_and_close(client, self.name, settings.close_timeout)
            lifecycle.phase = Phase.CLOSED


class AerospikeNotConfiguredError(RuntimeError):
    """A route asked for a client that no lifespan of this app created."""


def client_from_state(connection: HTTPConnection, name: str) -> AsyncClient:
    """The client ``name`` from the request's lifespan state, or a clear error."""
    client = connection.scope.get("state", {}).get(name)
    if not isinstance(client, AsyncClient):
        raise AerospikeNotConfiguredError(
            f"no Aerospike client named {name!r} in the lifespan state: give the app "
            f"lifespan=AerospikeLifespan(name={name!r}) (or call install(app)), and make sure "
            "the server runs lifespans (a mounted sub-app's lifespan never runs; with httpx "
            "wrap the app in asgi_lifespan.LifespanManager)"
        )
    return client


async def _connect(settings: AerospikeSettings, name: str) -> AsyncClient:
    """A connected client, or AerospikeStartupError saying which hosts, why and how long."""
    logger.info("Aerospike client %r settings: %s", name, settings.describe())
    began = time.monotonic()
    client = AsyncClient(settings.to_client_config())
    failure: AerospikeError | None = None
    try:
        await asyncio.wait_for(client.connect(), settings.connect_timeout)
    except TimeoutError:
        pass
    except AerospikeError as error:
        failure = error
    else:
        logger.info("Aerospike client %r connected to %s", name, settings.describe_hosts())
        return client
    await _close_quietly(client)
    cause = await explain_connect_failure(settings, failure)
    raise AerospikeStartupError(
        f"Aerospike client {name!r} could not connect to {settings.describe_hosts()} after "
        f"{time.monotonic() - began:.2f} s: {cause}"
    ) from failure


async def _drain_and_close(client: AsyncClient, name: str, seconds: float) -> None:
    """Let in-flight operations finish, then close; never longer than ``seconds`` in all."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stats = client.stats()
        if stats.in_flight + stats.queued == 0:
            break
        await asyncio.sleep(DRAIN_POLL_SECONDS)
    else:
        logger.warning("Aerospike client %r closes with operations still in flight", name)
    try:
        await asyncio.wait_for(client.close(), max(deadline - time.monotonic(), 0.001))
    except TimeoutError:
        logger.warning("Aerospike client %r did not close within %g s", name, seconds)


async def _close_quietly(client: AsyncClient) -> None:
    try:
        await asyncio.wait_for(client.close(), 1.0)
    except (TimeoutError, AerospikeError) as error:
        logger.debug("closing a client that never connected failed: %r", error)
