"""The pytest plugin as users meet it: their app fixture, our http client running its lifespan."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from aerospike_py.devserver import DevServer
from fastapi_aerospike import AerospikeClient, AerospikeSettings, install


@pytest.fixture
def aerospike_app(aerospike_settings: AerospikeSettings) -> FastAPI:
    app = FastAPI()
    install(app, aerospike_settings)

    @app.post("/counter")
    async def count(client: AerospikeClient) -> int:
        key = (aerospike_settings.namespace, "plugin", "counter")
        await client.increment(key, "n", 1)
        record = await client.get(key)
        return int((record.bins or {})["n"])

    return app


async def test_the_http_client_runs_the_apps_lifespan(
    aerospike_http_client: httpx.AsyncClient,
) -> None:
    first = (await aerospike_http_client.post("/counter")).json()
    second = (await aerospike_http_client.post("/counter")).json()

    assert second == first + 1
    assert (await aerospike_http_client.get("/health/ready")).status_code == 200


@pytest.mark.devserver_only
def test_settings_point_at_the_dev_server(
    aerospike_settings: AerospikeSettings, aerospike_devserver: DevServer
) -> None:
    assert list(aerospike_settings.hosts) == aerospike_devserver.hosts
