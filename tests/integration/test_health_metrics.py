"""Health routes and Prometheus metrics, against the dev server over TCP."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import textwrap

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, generate_latest
from starlette.applications import Starlette

from aerospike_py.devserver import DevServer
from fastapi_aerospike import AerospikeClient, AerospikeSettings, install


def http_for(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_liveness_never_needs_the_database_and_readiness_waits_for_startup() -> None:
    app = Starlette()
    install(app, AerospikeSettings(hosts="127.0.0.1:1"))

    async with http_for(app) as http:  # no lifespan: nothing connected
        live = await http.get("/health/live")
        ready = await http.get("/health/ready")

    assert live.status_code == 200
    assert (ready.status_code, ready.json()["status"]) == (503, "starting")


@pytest.mark.devserver_only
async def test_readiness_follows_the_cluster_and_shutdown(
    aerospike_settings: AerospikeSettings,
) -> None:
    server = DevServer(port=0).start()
    try:
        settings = aerospike_settings.model_copy(
            update={"hosts": tuple(server.hosts), "readiness_timeout": 0.5, "max_retries": 0}
        )
        app = Starlette()
        install(app, settings)
        async with (
            LifespanManager(app, startup_timeout=30) as manager,
            http_for(manager.app) as http,
        ):
            ready = await http.get("/health/ready")
            server.stop()
            lost = await http.get("/health/ready")
            live = await http.get("/health/live")
    finally:
        server.stop()
    async with http_for(manager.app) as http:
        closed = await http.get("/health/ready")

    assert (ready.status_code, ready.json()["clients"]) == (200, {"aerospike": "ok"})
    assert lost.status_code == 503
    assert lost.json()["clients"]["aerospike"] in {"unreachable", "timeout"}
    assert live.status_code == 200
    assert (closed.status_code, closed.json()["clients"]) == (503, {"aerospike": "closed"})


@pytest.mark.devserver_only
async def test_a_worker_whose_slots_are_all_busy_is_still_ready(
    aerospike_settings: AerospikeSettings,
) -> None:
    """Busy is not down: a load balancer that unroutes every busy worker at once has none."""
    with DevServer(port=0) as server:
        settings = aerospike_settings.model_copy(
            update={"hosts": tuple(server.hosts), "max_concurrent_operations": 1}
        )
        app = FastAPI()
        install(app, settings)

        @app.get("/slow")
        async def slow(client: AerospikeClient) -> dict[str, bool]:
            return {"found": (await client.exists(("test", "busy", 1))).meta is not None}

        async with (
            LifespanManager(app, startup_timeout=30) as manager,
            http_for(manager.app) as http,
        ):
            server.stall(commands=("read",))
            holding = asyncio.ensure_future(http.get("/slow"))
            await asyncio.sleep(0.2)
            ready = await http.get("/health/ready")
            server.clear_faults()
            assert (await holding).json() == {"found": False}
    assert (ready.status_code, ready.json()["clients"]) == (200, {"aerospike": "ok"})


def sample(text: str, name: str) -> float:
    match = re.search(rf'^{name}\{{client="aerospike"\}} (\S+)$', text, re.MULTILINE)
    assert match, f"{name} missing from:\n{text}"
    return float(match.group(1))


async def test_metrics_count_operations_in_a_custom_registry(
    aerospike_settings: AerospikeSettings,
) -> None:
    registry = CollectorRegistry()
    app = FastAPI()
    install(app, aerospike_settings, registry=registry)

    @app.get("/miss")
    async def miss(client: AerospikeClient) -> bool:
        return (await client.exists((aerospike_settings.namespace, "it", "no-such"))).meta is None

    async with LifespanManager(app, startup_timeout=30) as manager, http_for(manager.app) as http:
        completed = "aerospike_operations_completed_total"
        before = sample((await http.get("/metrics")).text, completed)
        for _ in range(5):
            assert (await http.get("/miss")).json() is True
        exposed = await http.get("/metrics")

    text = exposed.text
    assert exposed.headers["content-type"].startswith("text/plain")
    assert sample(text, "aerospike_operations_completed_total") - before >= 5
    assert sample(text, "aerospike_operations_in_flight") == 0
    assert sample(text, "aerospike_operations_rejected_total") == 0
    assert sample(text, "aerospike_max_concurrent_operations") == 64
    assert sample(text, "aerospike_operation_duration_seconds_count") >= 5
    assert 'aerospike_operation_duration_seconds_bucket{client="aerospike",le="+Inf"}' in text
    assert b"aerospike_operations_completed_total" in generate_latest(registry)


async def test_apps_made_one_after_another_share_a_registry(
    aerospike_settings: AerospikeSettings,
) -> None:
    """An app factory called for every test, on one registry: no duplicate-name error, and
    each app's operations are counted."""
    registry = CollectorRegistry()
    for _ in range(2):
        app = FastAPI()
        install(app, aerospike_settings, registry=registry)

        @app.get("/miss")
        async def miss(client: AerospikeClient) -> bool:
            key = (aerospike_settings.namespace, "it", "no-such")
            return (await client.exists(key)).meta is None

        async with (
            LifespanManager(app, startup_timeout=30) as manager,
            http_for(manager.app) as http,
        ):
            completed = "aerospike_operations_completed_total"
            before = sample((await http.get("/metrics")).text, completed)
            assert (await http.get("/miss")).json() is True
            after = sample((await http.get("/metrics")).text, completed)
        assert after - before >= 1


def test_starlette_alone_is_enough_without_fastapi(aerospike_settings: AerospikeSettings) -> None:
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        sys.modules["fastapi"] = None  # importing fastapi now fails
        import httpx
        from asgi_lifespan import LifespanManager
        from starlette.applications import Starlette
        from starlette.routing import Route
        from starlette.responses import JSONResponse
        from fastapi_aerospike import AerospikeLifespan, AerospikeSettings, AerospikeErrorMiddleware
        from fastapi_aerospike import health_routes

        async def put(request):
            client = request.state.aerospike
            await client.put(("test", "it", "starlette"), {{"v": 1}})
            return JSONResponse((await client.get(("test", "it", "starlette"))).bins)

        settings = AerospikeSettings(hosts={list(aerospike_settings.hosts)!r})
        app = Starlette(routes=[Route("/put", put), *health_routes()],
                        lifespan=AerospikeLifespan(settings))

        async def main():
            async with LifespanManager(app) as manager:
                transport = httpx.ASGITransport(app=AerospikeErrorMiddleware(manager.app))
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                    stored = (await http.get("/put")).json()
                    print(stored, (await http.get("/health/ready")).status_code)
        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'v': 1} 200"
