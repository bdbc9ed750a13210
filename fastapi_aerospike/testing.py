"""A pytest plugin for apps using the integration.

Installed with the ``[testing]`` extra, pytest loads it by itself (the ``pytest11`` entry
point); ``pytest_plugins = ["fastapi_aerospike.testing"]`` in a ``conftest.py`` works too, and
``-p no:fastapi_aerospike`` turns it off.

Fixtures:

- ``aerospike_devserver``: an embedded dev server on 127.0.0.1 and a free port, one per session.
- ``aerospike_cluster_hosts``: the seeds of a real cluster when one is asked for explicitly
  (``--aerospike-hosts`` or ``AEROSPIKE_TEST_HOSTS``), else ``None``. An exported
  ``AEROSPIKE_HOSTS`` is ignored: it may point at a cluster whose data a test must not touch.
- ``aerospike_server_hosts``: the seeds of the server under test, whichever it is.
- ``aerospike_settings``: settings for the server under test, which is cleaned first: its
  namespace truncated and, on the dev server, every injected fault cleared.
- ``aerospike_client``: an ``AsyncClient`` connected with those settings, closed after the test.
- ``aerospike_http_client``: an ``httpx.AsyncClient`` talking to the app of your
  ``aerospike_app`` fixture with its lifespan running (httpx alone does not run lifespans).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.types import ASGIApp

import aerospike_py
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

__all__ = [
    "HOSTS_VARIABLE",
    "aerospike_app",
    "aerospike_client",
    "aerospike_cluster_hosts",
    "aerospike_devserver",
    "aerospike_http_client",
    "aerospike_server_hosts",
    "aerospike_settings",
    "serving",
]

HOSTS_VARIABLE = "AEROSPIKE_TEST_HOSTS"
STARTUP_TIMEOUT_SECONDS = 30.0
SHUTDOWN_TIMEOUT_SECONDS = 30.0
TRUNCATE_SETTLE_SECONDS = 0.002
"""A write in the truncate's own millisecond would be truncated too: the next test waits it
out."""
_USED_NAMESPACES = pytest.StashKey[set[str]]()


def _truncate(hosts: list[tuple[str, int]], namespace: str) -> None:
    client = aerospike_py.client({"hosts": hosts}).connect()
    try:
        client.truncate(namespace, None)
    finally:
        client.close()


@pytest.fixture(scope="session")
def aerospike_cluster_hosts(request: pytest.FixtureRequest) -> list[tuple[str, int]] | None:
    """The real cluster asked for by ``--aerospike-hosts`` or ``AEROSPIKE_TEST_HOSTS``, else
    ``None`` (the dev server). Override it to opt in another way."""
    text = request.config.getoption("aerospike_hosts", None) or os.environ.get(HOSTS_VARIABLE)
    if not text:
        return None
    return list(AerospikeSettings(hosts=text).hosts)


@pytest.fixture(scope="session")
def aerospike_devserver() -> Iterator[DevServer]:
    """An embedded dev server for the test session, listening on 127.0.0.1 only."""
    with DevServer(port=0) as server:
        yield server


@pytest.fixture(scope="session")
def aerospike_server_hosts(
    request: pytest.FixtureRequest, aerospike_cluster_hosts: list[tuple[str, int]] | None
) -> Iterator[list[tuple[str, int]]]:
    """The seeds of the server under test; a real cluster's namespaces the tests used are
    truncated when the session ends."""
    if aerospike_cluster_hosts is None:
        server: DevServer = request.getfixturevalue("aerospike_devserver")
        yield list(server.hosts)
        return
    used: set[str] = set()
    request.config.stash[_USED_NAMESPACES] = used
    yield aerospike_cluster_hosts
    for namespace in used:
        _truncate(aerospike_cluster_hosts, namespace)


@pytest.fixture
def aerospike_settings(
    request: pytest.FixtureRequest,
    aerospike_server_hosts: list[tuple[str, int]],
    aerospike_cluster_hosts: list[tuple[str, int]] | None,
) -> AerospikeSettings:
    """Settings for the server under test (other ``AEROSPIKE_*`` variables apply), after its
    namespace was truncated and the dev server's faults cleared."""
    settings = AerospikeSettings.from_env(env_file=None, hosts=aerospike_server_hosts)
    if aerospike_cluster_hosts is None:
        server: DevServer = request.getfixturevalue("aerospike_devserver")
        server.clear_faults()
    else:
        request.config.stash[_USED_NAMESPACES].add(settings.namespace)
    _truncate(aerospike_server_hosts, settings.namespace)
    return settings


@pytest_asyncio.fixture
async def aerospike_client(
    aerospike_settings: AerospikeSettings,
) -> AsyncIterator[aerospike_py.AsyncClient]:
    """An ``AsyncClient`` connected to the server under test, closed after the test."""
    await asyncio.sleep(TRUNCATE_SETTLE_SECONDS)
    client = aerospike_py.AsyncClient(aerospike_settings.to_client_config())
    await client.connect()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def aerospike_app() -> ASGIApp:
    """Override this fixture: return your app, built from ``aerospike_settings``."""
    raise pytest.UsageError(
        "define an `aerospike_app` fixture returning your ASGI app to use aerospike_http_client"
    )


@asynccontextmanager
async def serving(app: ASGIApp, **client_options: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client for ``app`` with its lifespan running (httpx alone does not run
    lifespans, so the app's clients would be missing); ``client_options`` go to httpx."""
    async with (
        LifespanManager(
            app, startup_timeout=STARTUP_TIMEOUT_SECONDS, shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS
        ) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app),
            base_url="http://testserver",
            **client_options,
        ) as client,
    ):
        yield client


@pytest_asyncio.fixture
async def aerospike_http_client(aerospike_app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client for ``aerospike_app``, its lifespan started before and ended after."""
    await asyncio.sleep(TRUNCATE_SETTLE_SECONDS)
    async with serving(aerospike_app) as client:
        yield client
