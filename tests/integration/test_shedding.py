"""Load shedding: only requests that use a client, on the client's queue before the event
loop's lag, through the app's own middleware (CORS); a lightly loaded worker sheds nothing."""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from aerospike_py.devserver import DevServer
from fastapi_aerospike import AerospikeClient, AerospikeSettings, install
from fastapi_aerospike.testing import serving

OVERLOADED = {
    "detail": [{"type": "server_overloaded", "msg": "The server is overloaded; retry later."}]
}


def busy(seconds: float) -> None:
    """Compute without yielding, as a CPU-heavy route does."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def app_with(settings: AerospikeSettings, cpu_seconds: float = 0.06) -> FastAPI:
    app = FastAPI()
    # FastAPI's tutorial adds CORS first; the shed 503 must still carry its headers.
    app.add_middleware(CORSMiddleware, allow_origins=["https://ui.example"])
    install(app, settings)
    key = (settings.namespace, "shed", uuid.uuid4().hex)

    @app.get("/cpu")
    async def cpu() -> str:
        busy(cpu_seconds)
        return "done"

    @app.get("/await")
    async def wait() -> str:
        await asyncio.sleep(0.01)
        return "done"

    @app.get("/db")
    async def db(client: AerospikeClient) -> bool:
        return (await client.exists(key)).meta is None

    @app.get("/db-cpu")
    async def db_cpu(client: AerospikeClient) -> bool:
        busy(0.02)
        return (await client.exists(key)).meta is None

    return app


def serving_from_ui(app: FastAPI) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """Requests from a browser page of another origin, as CORS sees them."""
    return serving(app, headers={"Origin": "https://ui.example"})


async def open_loop(http: httpx.AsyncClient, paths: list[str], rate: float) -> list[Any]:
    """Send ``paths`` at ``rate`` per second without waiting for answers: every request due
    when the sender gets the loop back is sent then, as clients keep sending to a busy worker
    (bounded: one pass over ``paths``)."""
    tasks: list[asyncio.Task[httpx.Response]] = []
    began = time.monotonic()
    while len(tasks) < len(paths):
        due = min(len(paths), int((time.monotonic() - began) * rate) + 1)
        tasks.extend(asyncio.create_task(http.get(path)) for path in paths[len(tasks) : due])
        await asyncio.sleep(max(0.0, began + len(tasks) / rate - time.monotonic()))
    return list(await asyncio.wait_for(asyncio.gather(*tasks), 60))


async def test_shedding_is_off_by_default() -> None:
    settings = AerospikeSettings()
    assert (settings.shed_queue_depth, settings.shed_event_loop_lag_ms) == (0, 0)


async def test_a_lightly_loaded_worker_with_a_slow_route_sheds_nothing(
    aerospike_settings: AerospikeSettings,
) -> None:
    """The issue's worker: about 10% busy, one 60 ms CPU route, routes that only await, and
    routes that use the client; shedding on at its old default bound (50 ms)."""
    settings = aerospike_settings.model_copy(
        update={"shed_event_loop_lag_ms": 50, "shed_queue_depth": 16}
    )
    paths = ["/cpu" if i % 22 == 0 else ("/await", "/db")[i % 2] for i in range(220)]
    async with serving_from_ui(app_with(settings)) as http:
        answers = await open_loop(http, paths, rate=40)
    assert [a.status_code for a in answers] == [200] * len(paths)


async def test_an_overloaded_worker_answers_200_or_503_only(
    aerospike_settings: AerospikeSettings,
) -> None:
    """Offered three times the CPU the loop has (20 ms each, 150 a second for 2 s),
    requests that use the client are admitted or shed, never failed; the shed ones carry the
    app's CORS headers and Retry-After, and the metrics count them.

    How many are shed depends on how the loop's timer ticks fall between the requests (a
    fresh-clone CI run once shed none), so this asserts what every run must show; the
    queue-depth test below makes shedding happen for certain."""
    settings = aerospike_settings.model_copy(
        update={"shed_event_loop_lag_ms": 10, "retry_after": 2}
    )
    async with serving_from_ui(app_with(settings)) as http:
        answers = await open_loop(http, ["/db-cpu"] * 300, rate=150)
        metrics = (await http.get("/metrics")).text
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 503}, statuses
    assert 200 in statuses
    shed = [a for a in answers if a.status_code == 503]
    assert all(a.json() == OVERLOADED for a in shed)
    assert all(a.headers["retry-after"] == "2" for a in shed)
    assert all(a.headers["access-control-allow-origin"] == "https://ui.example" for a in shed)
    if shed:
        assert f'http_requests_shed_total{{reason="event_loop_lag"}} {len(shed)}.0' in metrics


async def test_routes_that_do_not_use_a_client_are_never_shed(
    aerospike_settings: AerospikeSettings,
) -> None:
    settings = aerospike_settings.model_copy(update={"shed_event_loop_lag_ms": 1})
    app = app_with(settings, cpu_seconds=0.03)
    async with serving(app) as http:
        answers = await asyncio.gather(*(http.get(p) for p in ["/cpu", "/await"] * 20))
        live = await http.get("/health/live")
    assert [a.status_code for a in answers] == [200] * 40
    assert live.status_code == 200


@pytest.mark.devserver_only
async def test_operations_queued_for_a_slot_shed_new_requests_first(
    aerospike_settings: AerospikeSettings, aerospike_devserver: DevServer
) -> None:
    """The client's own signal: with one slot held and one operation waiting, a request that
    would only queue behind them is answered 503 at once; others are served."""
    settings = aerospike_settings.model_copy(
        update={"max_concurrent_operations": 1, "shed_queue_depth": 1}
    )
    async with serving_from_ui(app_with(settings)) as http:
        aerospike_devserver.inject_latency(400, commands=["read"])
        held = [asyncio.create_task(http.get("/db")) for _ in range(2)]
        await asyncio.sleep(0.15)  # one holds the slot, one waits for it
        shed = await http.get("/db")
        other = await http.get("/await")
        metrics = (await http.get("/metrics")).text
        assert [(await h).status_code for h in held] == [200, 200]
    assert (shed.status_code, shed.json()) == (503, OVERLOADED)
    assert shed.headers["retry-after"] == "1"
    assert shed.headers["access-control-allow-origin"] == "https://ui.example"
    assert other.status_code == 200
    assert 'http_requests_shed_total{reason="queue_depth"} 1.0' in metrics
