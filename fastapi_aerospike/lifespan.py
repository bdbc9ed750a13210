"""The client's life inside the app's: connect at startup, drain and close at shutdown.

The client is created here, in each worker's event loop, never at import: a native runtime must
not exist before gunicorn forks, and a pool belongs to the loop that made it. The lifespan
yields lifespan state, so requests find the client on ``request.state.<name>``; nothing is kept
in a module global, so several named clients and isolated tests work.

A cluster that is down at startup does not stop the worker (``startup_mode="degraded"``, the
default): under gunicorn one worker that fails to boot stops the whole server, healthy workers
included. The client connects in the background with backoff meanwhile; requests that ask for
it are answered 503 with ``Retry-After`` and readiness is 503 until it is connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection

from aerospike_py import AerospikeError, AsyncClient
from fastapi_aerospike.diagnosis import explain_connect_failure
from fastapi_aerospike.settings import AerospikeSettings, env_prefix_for
from fastapi_aerospike.shedding import Admission

__all__ = [
    "DEFAULT_CLIENT_NAME",
    "AerospikeLifespan",
    "AerospikeNotConfiguredError",
    "AerospikeStartupError",
    "AerospikeUnavailableError",
    "Lifecycle",
    "Phase",
    "ServerOverloadedError",
    "client_for",
    "lifecycles",
]

logger = logging.getLogger("fastapi_aerospike.lifespan")

DEFAULT_CLIENT_NAME = "aerospike"
DRAIN_POLL_SECONDS = 0.02
FIRST_RECONNECT_SECONDS = 0.5


class AerospikeStartupError(RuntimeError):
    """The cluster could not be reached at startup (``startup_mode="fail_fast"``); the one-line
    message names the hosts, the cause (refused, timed out, DNS, cluster name, credentials) and
    the time spent."""


class AerospikeNotConfiguredError(RuntimeError):
    """A route asked for a client that no lifespan of this app created."""


class AerospikeUnavailableError(RuntimeError):
    """A request asked for a client that is not connected (a degraded start still connecting,
    or a client already closed): answered 503 ``aerospike_unavailable`` with ``Retry-After``."""

    def __init__(self, name: str, retry_after: int) -> None:
        super().__init__(f"Aerospike client {name!r} is not connected")
        self.retry_after = retry_after


class ServerOverloadedError(RuntimeError):
    """A request that uses a client was shed (``reason``: ``queue_depth`` or
    ``event_loop_lag``): answered 503 ``server_overloaded`` with ``Retry-After``."""

    def __init__(self, name: str, reason: str, retry_after: int) -> None:
        super().__init__(f"request for Aerospike client {name!r} shed ({reason})")
        self.reason = reason
        self.retry_after = retry_after


class Phase(enum.StrEnum):
    """Where a client is in the app's life; readiness is true only while ``SERVING``."""

    STARTING = "starting"
    CONNECTING = "connecting"
    SERVING = "serving"
    DRAINING = "draining"
    CLOSED = "closed"


@dataclass
class Lifecycle:
    """A named client with its settings, phase and admission, kept in lifespan state next to
    the client (the state is copied into each request; this object is shared, so a background
    connect is seen by every request)."""

    name: str
    client: AsyncClient
    settings: AerospikeSettings
    phase: Phase = Phase.STARTING
    admission: Admission = field(init=False)
    on_shed: Callable[[str], None] | None = None
    """Called with the reason of each request shed (``install`` counts them in metrics)."""

    def __post_init__(self) -> None:
        self.admission = Admission(
            self.settings.shed_queue_depth, self.settings.shed_event_loop_lag_ms
        )

    @staticmethod
    def state_key(name: str) -> str:
        """The lifespan state key of the lifecycle of client ``name``."""
        return f"{name}.lifecycle"

    def admit(self) -> AsyncClient:
        """The client for one request, or the 503 it is answered instead."""
        if self.phase is not Phase.SERVING and self.phase is not Phase.DRAINING:
            raise AerospikeUnavailableError(self.name, self.settings.retry_after)
        reason = self.admission.refusal(self.client)
        if reason is not None:
            if self.on_shed is not None:
                self.on_shed(reason)
            raise ServerOverloadedError(self.name, reason, self.settings.retry_after)
        return self.client


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
    read when the app starts (not at import) unless given: ``AEROSPIKE_*`` for the default
    client, ``AEROSPIKE_<NAME>_*`` for client ``name``.
    """

    def __init__(
        self,
        settings: AerospikeSettings | None = None,
        *,
        name: str = DEFAULT_CLIENT_NAME,
        retry_after: int | None = None,
    ) -> None:
        if not name.isidentifier():
            raise ValueError(f"client name {name!r} must be a Python identifier")
        self.settings = settings
        self.name = name
        self.retry_after = checked_retry_after(retry_after)
        """Overrides the settings' ``retry_after`` for this client's 503 answers."""

    def __call__(self, app: object = None) -> AbstractAsyncContextManager[dict[str, Any]]:
        return self._run()

    def resolved_settings(self) -> AerospikeSettings:
        """The given settings, else this client's variables read now."""
        settings = self.settings
        if settings is None:
            settings = AerospikeSettings.from_env(env_prefix=env_prefix_for(self.name))
        if self.retry_after is not None:
            settings = settings.model_copy(update={"retry_after": self.retry_after})
        return settings

    @asynccontextmanager
    async def _run(self) -> AsyncIterator[dict[str, Any]]:
        settings = self.resolved_settings()
        logger.info("Aerospike client %r settings: %s", self.name, settings.describe())
        lifecycle = Lifecycle(self.name, AsyncClient(settings.to_client_config()), settings)
        reconnecting: asyncio.Task[None] | None = None
        began = time.monotonic()
        failure = await _connect_once(lifecycle.client, settings)
        if failure is None:
            lifecycle.phase = Phase.SERVING
            logger.info("Aerospike client %r connected to %s", self.name, settings.describe_hosts())
        else:
            client_error = failure if isinstance(failure, AerospikeError) else None
            cause = await explain_connect_failure(settings, client_error)
            line = (
                f"Aerospike client {self.name!r} could not connect to "
                f"{settings.describe_hosts()} after {time.monotonic() - began:.2f} s: {cause}"
            )
            if settings.startup_mode == "fail_fast":
                await _close_quietly(lifecycle.client)
                raise AerospikeStartupError(line) from failure
            logger.warning("%s; serving 503 until it connects (retrying in the background)", line)
            lifecycle.phase = Phase.CONNECTING
            reconnecting = asyncio.create_task(
                _reconnect(lifecycle), name=f"fastapi_aerospike connect {self.name}"
            )
        lifecycle.admission.start()
        try:
            yield {self.name: lifecycle.client, Lifecycle.state_key(self.name): lifecycle}
        finally:
            lifecycle.admission.stop()
            if reconnecting is not None:
                reconnecting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reconnecting
            lifecycle.phase = Phase.DRAINING
            await _drain_and_close(lifecycle.client, self.name, settings.close_timeout)
            lifecycle.phase = Phase.CLOSED


def client_for(connection: HTTPConnection, name: str = DEFAULT_CLIENT_NAME) -> AsyncClient:
    """The client ``name`` for this request (a Starlette route's ``get_client``): raises
    ``AerospikeUnavailableError`` while it is not connected and ``ServerOverloadedError`` when
    the request is shed, both answered 503 by the error handlers."""
    state = connection.scope.get("state", {})
    lifecycle = state.get(Lifecycle.state_key(name))
    if isinstance(lifecycle, Lifecycle):
        return lifecycle.admit()
    client = state.get(name)
    if isinstance(client, AsyncClient):  # put in the state by the app's own lifespan
        return client
    raise AerospikeNotConfiguredError(
        f"no Aerospike client named {name!r} in the lifespan state: give the app "
        f"lifespan=AerospikeLifespan(name={name!r}) (or call install(app, name={name!r})), and "
        "make sure the server runs lifespans (a mounted sub-app's lifespan never runs; with "
        "httpx wrap the app in asgi_lifespan.LifespanManager)"
    )


async def _connect_once(
    client: AsyncClient, settings: AerospikeSettings
) -> AerospikeError | TimeoutError | None:
    """``None`` once connected, else why not."""
    try:
        await asyncio.wait_for(client.connect(), settings.connect_timeout)
    except (TimeoutError, AerospikeError) as error:
        return error
    return None


async def _reconnect(lifecycle: Lifecycle) -> None:
    """Connect in the background, the pause doubling (with jitter) up to the setting's cap."""
    settings = lifecycle.settings
    pause = FIRST_RECONNECT_SECONDS
    attempts = 1
    while True:
        await asyncio.sleep(pause * random.uniform(0.5, 1.0))
        attempts += 1
        failure = await _connect_once(lifecycle.client, settings)
        if failure is None:
            lifecycle.phase = Phase.SERVING
            logger.warning(
                "Aerospike client %r connected to %s after %d attempts",
                lifecycle.name,
                settings.describe_hosts(),
                attempts,
            )
            return
        logger.debug(
            "Aerospike client %r connect attempt %d: %r", lifecycle.name, attempts, failure
        )
        pause = min(pause * 2, settings.reconnect_max_interval)


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
