"""A degraded start: the worker starts while the cluster is down, answers the routes that need
the client 503 with Retry-After (readiness 503, liveness 200), and connects by itself when the
cluster comes up; fail-fast stays available."""

from __future__ import annotations

import asyncio
import socket

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from aerospike_py.devserver import DevServer
from fastapi_aerospike import AerospikeClient, AerospikeSettings, install
from fastapi_aerospike.testing import serving

UNAVAILABLE = {"detail": [{"type": "aerospike_unavailable", "msg": "The database is unavailable."}]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def down_settings(port: int) -> AerospikeSettings:
    return AerospikeSettings(
        hosts=f"127.0.0.1:{port}",
        connect_timeout=1.0,
        reconnect_max_interval=0.3,
        retry_after=4,
    )


async def test_a_worker_starts_without_its_cluster_and_recovers_by_itself() -> None:
    port = free_port()
    app = FastAPI()
    install(app, down_settings(port))

    @app.get("/count")
    async def count(client: AerospikeClient) -> int:
        record = await client.operate(
            ("test", "degraded", "n"), [{"op": 2, "bin": "n", "val": 1}, {"op": 1, "bin": "n"}]
        )
        return int((record.bins or {})["n"])

    @app.get("/hello")
    async def hello() -> str:
        return "no database needed"

    async with serving(app) as http:
        down = await http.get("/count")
        assert (down.status_code, down.json()) == (503, UNAVAILABLE)
        assert down.headers["retry-after"] == "4"
        assert (await http.get("/hello")).status_code == 200
        assert (await http.get("/health/live")).status_code == 200
        ready = await http.get("/health/ready")
        assert (ready.status_code, ready.json()["clients"]) == (503, {"aerospike": "connecting"})

        with DevServer(port=port):
            for _ in range(200):  # bounded: 20 s
                if (await http.get("/health/ready")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await http.get("/health/ready")).status_code == 200
            assert (await http.get("/count")).json() == 1


async def test_a_starlette_route_reading_request_state_answers_503_while_connecting() -> None:
    async def read(request: Request) -> JSONResponse:
        record = await request.state.aerospike.get(("test", "degraded", "k"))
        return JSONResponse(record.bins)

    app = Starlette(routes=[Route("/read", read)])
    install(app, down_settings(free_port()))
    async with serving(app) as http:
        response = await http.get("/read")
    assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    assert response.headers["retry-after"] == "4"
