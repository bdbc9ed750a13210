"""Load shedding: 503 + Retry-After while the worker's event loop lags, health always served."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fastapi_aerospike import AerospikeSettings, LoadSheddingMiddleware, install


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"hello": "world"})


async def slow(request: Request) -> JSONResponse:
    await asyncio.sleep(0.3)
    return JSONResponse({"slow": True})


def app_with(settings: AerospikeSettings) -> Starlette:
    app = Starlette(routes=[Route("/hello", hello), Route("/slow", slow)])
    install(app, settings)
    return app


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        LifespanManager(app, startup_timeout=30) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://testserver"
        ) as http,
    ):
        yield http


def busy(seconds: float) -> None:
    """Compute without yielding, as a worker whose CPU is saturated does."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


@asynccontextmanager
async def saturated_loop(hold_seconds: float) -> AsyncIterator[None]:
    """Another task keeps the loop busy ``hold_seconds`` at a time."""
    stop = asyncio.Event()

    async def hog() -> None:
        while not stop.is_set():
            busy(hold_seconds)
            await asyncio.sleep(0)

    task = asyncio.create_task(hog())
    await asyncio.sleep(3 * hold_seconds)
    try:
        yield
    finally:
        stop.set()
        await task


async def test_a_lagging_loop_answers_503_with_retry_after_and_recovers(
    aerospike_settings: AerospikeSettings,
) -> None:
    settings = aerospike_settings.model_copy(
        update={"shed_event_loop_lag_ms": 20, "retry_after": 3}
    )
    async with serving(app_with(settings)) as http:
        assert (await http.get("/hello")).status_code == 200
        admitted = asyncio.create_task(http.get("/slow"))
        await asyncio.sleep(0.05)
        async with saturated_loop(0.06):
            shed = await http.get("/hello")
            live = await http.get("/health/live")
            ready = await http.get("/health/ready")
            metrics = await http.get("/metrics")
        assert (await admitted).status_code == 200
        assert shed.status_code == 503
        assert shed.headers["retry-after"] == "3"
        assert shed.json() == {
            "detail": [
                {"type": "server_overloaded", "msg": "The server is overloaded; retry later."}
            ]
        }
        assert (live.status_code, ready.status_code, metrics.status_code) == (200, 200, 200)
        assert 'http_requests_shed_total{reason="event_loop_lag"} 1.0' in metrics.text
        await asyncio.sleep(0.05)
        assert (await http.get("/hello")).status_code == 200


async def test_requests_admitted_before_the_overload_are_served(
    aerospike_settings: AerospikeSettings,
) -> None:
    settings = aerospike_settings.model_copy(update={"shed_event_loop_lag_ms": 20})
    async with serving(app_with(settings)) as http:
        admitted = [asyncio.create_task(http.get("/slow")) for _ in range(4)]
        await asyncio.sleep(0.05)
        async with saturated_loop(0.06):
            shed = await http.get("/hello")
        assert shed.status_code == 503
        assert [(await r).status_code for r in admitted] == [200] * 4


async def test_a_bound_of_zero_never_sheds(aerospike_settings: AerospikeSettings) -> None:
    settings = aerospike_settings.model_copy(update={"shed_event_loop_lag_ms": 0})
    async with serving(app_with(settings)) as http, saturated_loop(0.06):
        assert (await http.get("/hello")).status_code == 200


async def test_the_explicit_bound_wins_and_plain_starlette_apps_get_it() -> None:
    """Used alone (no client, no install), the middleware takes its own bound."""
    app = Starlette(routes=[Route("/hello", hello), Route("/slow", slow)])
    app.add_middleware(LoadSheddingMiddleware, max_event_loop_lag_ms=20)
    async with serving(app) as http:
        admitted = asyncio.create_task(http.get("/slow"))
        await asyncio.sleep(0.05)
        async with saturated_loop(0.06):
            response = await http.get("/hello")
        assert (await admitted).status_code == 200
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")


async def heavy(request: Request) -> JSONResponse:
    busy(0.04)
    return JSONResponse({"heavy": True})


async def test_one_request_at_a_time_is_never_shed() -> None:
    """A route that burns the loop's CPU lags it, but with nothing else in progress the next
    request is the only work there is."""
    app = Starlette(routes=[Route("/heavy", heavy), Route("/hello", hello)])
    app.add_middleware(LoadSheddingMiddleware, max_event_loop_lag_ms=1)
    statuses = []
    async with serving(app) as http:
        for path in ("/heavy", "/hello") * 10:
            statuses.append((await http.get(path)).status_code)
            await asyncio.sleep(0.002)  # the loop runs its timers between two requests
    assert statuses == [200] * 20


async def test_health_routes_behind_a_proxy_prefix_are_never_shed() -> None:
    app = Starlette(routes=[Route("/hello", hello), Route("/slow", slow)])
    app.add_middleware(
        LoadSheddingMiddleware, max_event_loop_lag_ms=20, exempt_paths={"/health/live"}
    )
    app.add_route("/health/live", hello)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app, root_path="/api"),
            base_url="http://testserver",
        ) as http,
    ):
        admitted = asyncio.create_task(http.get("/api/slow"))
        await asyncio.sleep(0.05)
        async with saturated_loop(0.06):
            shed = await http.get("/api/hello")
            live = await http.get("/api/health/live")
        assert (await admitted).status_code == 200
    assert (shed.status_code, live.status_code) == (503, 200)


async def test_without_a_lifespan_nothing_is_shed() -> None:
    app = Starlette(routes=[Route("/hello", hello)])
    app.add_middleware(LoadSheddingMiddleware, max_event_loop_lag_ms=20)
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
        saturated_loop(0.06),
    ):
        assert (await http.get("/hello")).status_code == 200


@pytest.mark.parametrize(
    ("option", "value"),
    [("max_event_loop_lag_ms", -1), *(("retry_after", v) for v in (0, 1.5, True, "1"))],
)
def test_bad_options_name_the_value(option: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"{option} must be .*>= .*{value!r}"):
        LoadSheddingMiddleware(hello, **{option: value})  # type: ignore[arg-type]
