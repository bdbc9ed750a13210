"""A pytest plugin for apps using the integration.

Enable it in the top-level ``conftest.py``: ``pytest_plugins = ["fastapi_aerospike.testing"]``.

Fixtures:

- ``aerospike_devserver``: an embedded dev server on 127.0.0.1 and a free port, one per session.
- ``aerospike_settings``: settings pointing at it, or at ``AEROSPIKE_HOSTS`` when that is set
  (then no dev server starts).
- ``aerospike_http_client``: an ``httpx.AsyncClient`` talking to the app of your
  ``aerospike_app`` fixture with its lifespan running (httpx alone does not run lifespans).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

from starlette.types import ASGIApp

from aerospike_py.devserver import DevServer
from fastapi_aerospike.extras import missing_extra
from fastapi_aerospike.settings import AerospikeSettings

try:
    import httpx
    import pytest
    import pytest_asyncio
    from asgi_lifespan import LifespanManager
except ModuleNotFoundError as missing:
    raise missing_extra("The pytest plugin", "testing", missing) from None

__all__ = ["aerospike_app", "aerospike_devserver", "aerospike_http_client", "aerospike_settings"]

STARTUP_TIMEOUT_SECONDS = 30.0
SHUTDOWN_TIMEOUT_SECONDS = 30.0


@pytest.fixture(scope="session")
def aerospike_devserver() -> Iterator[DevServer]:
    """An embedded dev server for the test session, listening on 127.0.0.1 only."""
    with DevServer(port=0) as server:
        yield server


@pytest.fixture
def aerospike_settings(request: pytest.FixtureRequest) -> AerospikeSettings:
    """Settings for the dev server (or the cluster of ``AEROSPIKE_HOSTS`` when set)."""
    if os.environ.get("AEROSPIKE_HOSTS"):
        return AerospikeSettings.from_env(env_file=None)
    server: DevServer = request.getfixturevalue("aerospike_devserver")
    return AerospikeSettings.from_env(env_file=None, hosts=list(server.hosts))


@pytest.fixture
def aerospike_app() -> ASGIApp:
    """Override this fixture: return your app, built from ``aerospike_settings``."""
    raise pytest.UsageError(
        "define an `aerospike_app` fixture returning your ASGI app to use aerospike_http_client"
    )


@pytest_asyncio.fixture
async def aerospike_http_client(aerospike_app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client for ``aerospike_app``, its lifespan started before and ended after."""
    async with (
        LifespanManager(
            aerospike_app,
            startup_timeout=STARTUP_TIMEOUT_SECONDS,
            shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
        ) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://testserver"
        ) as client,
    ):
        yield client
