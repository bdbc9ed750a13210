"""The integration in a FastAPI app, through its lifespan, against the dev server over TCP."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio.to_thread
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import Depends, FastAPI, Request
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse
from starlette.routing import Route

import aerospike_py
from aerospike_py.devserver import DevServer
from fastapi_aerospike import (
    AerospikeClient,
    AerospikeLifespan,
    AerospikeNotConfiguredError,
    AerospikeSettings,
    AerospikeStartupError,
    client_dependency,
    get_client,
    install,
)
from fastapi_aerospike.testing import serving

AnalyticsClient = Annotated[aerospike_py.AsyncClient, Depends(client_dependency("analytics"))]


def record_routes(app: FastAPI, namespace: str) -> None:
    @app.put("/records/{name}")
    async def put(name: str, value: int, client: AerospikeClient) -> dict[str, int]:
        await client.put((namespace, "it", name), {"value": value})
        return {"value": value}

    @app.get("/records/{name}")
    async def get(name: str, client: AerospikeClient) -> dict[str, Any]:
        record = await client.get((namespace, "it", name))
        return {"value": record.bins["value"] if record.bins else None}


def unique() -> str:
    return uuid.uuid4().hex


async def test_lifespan_alone_serves_the_client_to_routes(
    aerospike_settings: AerospikeSettings,
) -> None:
    app = FastAPI(lifespan=AerospikeLifespan(aerospike_settings))
    record_routes(app, aerospike_settings.namespace)
    name = unique()

    async with serving(app) as http:
        assert (await http.put(f"/records/{name}", params={"value": 41})).status_code == 200
        assert (await http.get(f"/records/{name}")).json() == {"value": 41}


async def test_lifespan_composes_with_the_users_own(aerospike_settings: AerospikeSettings) -> None:
    aerospike = AerospikeLifespan(aerospike_settings)
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with aerospike(app) as state:
            client = state["aerospike"]
            await client.put((aerospike_settings.namespace, "it", "warm"), {"value": 1})
            events.append("started")
            yield {**state, "greeting": "hello"}
            events.append("stopping")

    app = FastAPI(lifespan=lifespan)

    @app.get("/both")
    async def both(request: Request, client: AerospikeClient) -> dict[str, Any]:
        record = await client.get((aerospike_settings.namespace, "it", "warm"))
        return {"greeting": request.state.greeting, "value": record.bins}

    async with serving(app) as http:
        assert (await http.get("/both")).json() == {"greeting": "hello", "value": {"value": 1}}
    assert events == ["started", "stopping"]


@pytest.mark.devserver_only
async def test_two_named_clients_reach_two_clusters(
    aerospike_settings: AerospikeSettings,
) -> None:
    with DevServer(port=0) as other_server:
        other = aerospike_settings.model_copy(update={"hosts": tuple(other_server.hosts)})
        main_lifespan = AerospikeLifespan(aerospike_settings)
        analytics_lifespan = AerospikeLifespan(other, name="analytics")

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
            async with main_lifespan(app) as main, analytics_lifespan(app) as analytics:
                yield {**main, **analytics}

        app = FastAPI(lifespan=lifespan)
        key = (aerospike_settings.namespace, "it", unique())

        @app.post("/write-analytics")
        async def write(analytics: AnalyticsClient) -> None:
            await analytics.put(key, {"value": 7})

        @app.get("/where")
        async def where(client: AerospikeClient, analytics: AnalyticsClient) -> dict[str, bool]:
            in_main = (await client.exists(key)).meta is not None
            in_analytics = (await analytics.exists(key)).meta is not None
            return {"main": in_main, "analytics": in_analytics}

        async with serving(app) as http:
            assert (await http.post("/write-analytics")).status_code == 200
            assert (await http.get("/where")).json() == {"main": False, "analytics": True}


async def test_dependency_overrides_are_keyed_by_get_client(
    aerospike_settings: AerospikeSettings,
) -> None:
    app = FastAPI(lifespan=AerospikeLifespan(aerospike_settings))
    seen: list[object] = []

    @app.get("/which")
    async def which(client: AerospikeClient) -> dict[str, bool]:
        seen.append(client)
        return {"connected": client.is_connected()}

    async with serving(app) as http:
        replacement = aerospike_py.AsyncClient(aerospike_settings.to_client_config())
        app.dependency_overrides[get_client] = lambda: replacement
        assert (await http.get("/which")).json() == {"connected": False}
        app.dependency_overrides.clear()
        assert (await http.get("/which")).json() == {"connected": True}
    assert seen[0] is replacement
    assert seen[1] is not replacement


async def test_a_named_clients_dependency_can_be_overridden(
    aerospike_settings: AerospikeSettings,
) -> None:
    """``client_dependency(name)`` is one function per name, so the override matches."""
    app = FastAPI()

    @app.get("/analytics")
    async def analytics(client: AnalyticsClient) -> dict[str, bool]:
        return {"connected": client.is_connected()}

    replacement = aerospike_py.AsyncClient(aerospike_settings.to_client_config())
    app.dependency_overrides[client_dependency("analytics")] = lambda: replacement
    transport = httpx.ASGITransport(app=app)  # no lifespan: only the override can answer
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await http.get("/analytics")).json() == {"connected": False}


async def test_client_routes_answer_while_the_thread_pool_is_exhausted(
    aerospike_settings: AerospikeSettings,
) -> None:
    """Blocking ``def`` routes of the same app can fill FastAPI's thread pool; the client's
    dependencies must not need a thread from it (nor pay a thread hop per request)."""
    app = FastAPI(lifespan=AerospikeLifespan(aerospike_settings))
    record_routes(app, aerospike_settings.namespace)
    name = unique()

    async with serving(app) as http:
        limiter = anyio.to_thread.current_default_thread_limiter()
        tokens = limiter.total_tokens
        limiter.total_tokens = 1
        await limiter.acquire()
        try:
            put = http.put(f"/records/{name}", params={"value": 5})
            assert (await asyncio.wait_for(put, 10)).status_code == 200
            got = await asyncio.wait_for(http.get(f"/records/{name}"), 10)
            assert got.json() == {"value": 5}
        finally:
            limiter.release()
            limiter.total_tokens = tokens


async def test_without_the_lifespan_the_error_says_what_to_do() -> None:
    app = FastAPI()

    @app.get("/needs-client")
    async def needs_client(client: AerospikeClient) -> None:
        return None

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        with pytest.raises(AerospikeNotConfiguredError, match="LifespanManager"):
            await http.get("/needs-client")


async def test_fail_fast_fails_startup_within_the_connect_timeout(
    aerospike_settings: AerospikeSettings,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        hosts = (("127.0.0.1", probe.getsockname()[1]),)
    settings = aerospike_settings.model_copy(
        update={"hosts": hosts, "connect_timeout": 1.0, "startup_mode": "fail_fast"}
    )
    app = FastAPI(lifespan=AerospikeLifespan(settings))

    began = time.monotonic()
    with pytest.raises(AerospikeStartupError, match=f"could not connect to {hosts[0][0]}"):
        async with LifespanManager(app, startup_timeout=30):
            pass
    assert time.monotonic() - began < 10


async def test_shutdown_closes_the_client(aerospike_settings: AerospikeSettings) -> None:
    aerospike = AerospikeLifespan(aerospike_settings)
    async with aerospike(None) as state:
        client = state["aerospike"]
        assert client.is_connected()
    assert not client.is_connected()


async def test_install_keeps_user_state_and_is_idempotent(
    aerospike_settings: AerospikeSettings,
) -> None:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {"greeting": "hello"}

    app = FastAPI(lifespan=lifespan)
    record_routes(app, aerospike_settings.namespace)
    first = install(app, aerospike_settings)
    routes = len(app.router.routes)
    handlers = dict(app.exception_handlers)
    second = install(app, aerospike_settings)

    @app.get("/greeting")
    async def greeting(request: Request) -> str:
        return str(request.state.greeting)

    assert second is first
    with pytest.raises(ValueError, match="already installed with other settings"):
        install(app, aerospike_settings.model_copy(update={"namespace": "other"}))
    assert len(app.router.routes) == routes + 1
    assert app.exception_handlers == handlers
    name = unique()
    async with serving(app) as http:
        assert (await http.get("/greeting")).json() == "hello"
        await http.put(f"/records/{name}", params={"value": 3})
        assert (await http.get(f"/records/{name}")).json() == {"value": 3}
        assert (await http.get("/health/ready")).status_code == 200


async def test_the_users_lifespan_uses_the_installed_client_at_startup(
    aerospike_settings: AerospikeSettings,
) -> None:
    """Warm-up at startup (an index, a cache) needs the connected client before any request."""
    name = unique()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = app.state.fastapi_aerospike.client()
        await client.put((aerospike_settings.namespace, "it", name), {"value": 7})
        yield

    app = FastAPI(lifespan=lifespan)
    record_routes(app, aerospike_settings.namespace)
    installation = install(app, aerospike_settings)
    with pytest.raises(AerospikeNotConfiguredError, match="has not started it"):
        installation.client()
    async with serving(app) as http:
        assert (await http.get(f"/records/{name}")).json() == {"value": 7}
    assert not installation.running


async def test_install_on_a_plain_starlette_app(aerospike_settings: AerospikeSettings) -> None:
    namespace = aerospike_settings.namespace

    async def record(request: StarletteRequest) -> JSONResponse:
        client = request.state.aerospike
        found = await client.get((namespace, "it", request.path_params["name"]))
        return JSONResponse(found.bins)

    app = Starlette(routes=[Route("/records/{name}", record)])
    install(app, aerospike_settings, record_errors=True)
    name = unique()
    with aerospike_py.client({"hosts": list(aerospike_settings.hosts)}).connect() as writer:
        writer.put((namespace, "it", name), {"value": 5})

    async with serving(app) as http:
        live = await http.get("/health/live")
        ready = await http.get("/health/ready")
        stored = await http.get(f"/records/{name}")
        missing = await http.get(f"/records/{unique()}")

    assert (live.status_code, live.json()) == (200, {"status": "alive"})
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "clients": {"aerospike": "ok"}}
    assert (stored.status_code, stored.json()) == (200, {"value": 5})
    assert missing.status_code == 404
