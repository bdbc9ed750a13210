"""Several clusters: ``install(app, name=...)`` reads ``AEROSPIKE_<NAME>_*``, each client's
options apply to it, app options conflict loudly, misspelt names fail at startup, and
readiness can leave a client out or mark it optional."""

from __future__ import annotations

import os
import socket
import uuid
from typing import Annotated

import pytest
from asgi_lifespan import LifespanManager
from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry

import aerospike_py
from aerospike_py.devserver import DevServer
from fastapi_aerospike import (
    AerospikeClient,
    AerospikeNotConfiguredError,
    AerospikeSettings,
    client_dependency,
    install,
)
from fastapi_aerospike.testing import serving

Analytics = Annotated[aerospike_py.AsyncClient, Depends(client_dependency("analytics"))]
Misspelt = Annotated[aerospike_py.AsyncClient, Depends(client_dependency("analitycs"))]


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in [n for n in os.environ if n.startswith("AEROSPIKE_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_a_named_client_reads_its_own_variables_and_options(
    aerospike_settings: AerospikeSettings, clean_environment: pytest.MonkeyPatch
) -> None:
    key = (aerospike_settings.namespace, "named", uuid.uuid4().hex)
    with DevServer(port=0) as other:
        clean_environment.setenv(
            "AEROSPIKE_ANALYTICS_HOSTS", ",".join(f"{h}:{p}" for h, p in other.hosts)
        )
        app = FastAPI()
        install(app, aerospike_settings)
        install(app, name="analytics", retry_after=9)

        @app.post("/analytics")
        async def write(analytics: Analytics) -> None:
            await analytics.put(key, {"v": 1})

        @app.get("/where")
        async def where(client: AerospikeClient, analytics: Analytics) -> dict[str, bool]:
            return {
                "main": (await client.exists(key)).meta is not None,
                "analytics": (await analytics.exists(key)).meta is not None,
            }

        async with serving(app) as http:
            assert (await http.post("/analytics")).status_code == 200
            assert (await http.get("/where")).json() == {"main": False, "analytics": True}
            installation = app.state.fastapi_aerospike
            assert installation.settings("analytics").retry_after == 9
            assert installation.settings().retry_after == aerospike_settings.retry_after
            ready = await http.get("/health/ready")
            assert ready.json()["clients"] == {"aerospike": "ok", "analytics": "ok"}


def test_app_options_of_a_second_install_that_differ_raise(
    aerospike_settings: AerospikeSettings,
) -> None:
    app = FastAPI()
    install(app, aerospike_settings, record_errors=True)
    install(app, name="analytics", record_errors=True)  # the same: fine
    install(app, name="other")  # not given: the first call's stand
    other_values = {
        "record_errors": False,
        "health_prefix": "/h",
        "metrics_path": None,
        "registry": CollectorRegistry(),
    }
    for option, value in other_values.items():
        with pytest.raises(ValueError, match=f"{option} apply to the whole app"):
            install(app, name="third", **{option: value})  # type: ignore[arg-type]


async def test_a_misspelt_client_name_fails_at_startup(
    aerospike_settings: AerospikeSettings,
) -> None:
    app = FastAPI()
    install(app, aerospike_settings)
    install(app, aerospike_settings, name="analytics")

    @app.get("/report")
    async def report(client: Misspelt) -> None:
        return None

    with pytest.raises(AerospikeNotConfiguredError, match="/report asks for 'analitycs'"):
        async with LifespanManager(app, startup_timeout=30):
            pass


@pytest.mark.parametrize(("readiness", "listed"), [("optional", True), ("ignored", False)])
async def test_an_optional_cluster_down_keeps_the_app_ready(
    aerospike_settings: AerospikeSettings,
    clean_environment: pytest.MonkeyPatch,
    readiness: str,
    listed: bool,
) -> None:
    clean_environment.setenv("AEROSPIKE_ANALYTICS_HOSTS", f"127.0.0.1:{free_port()}")
    clean_environment.setenv("AEROSPIKE_ANALYTICS_CONNECT_TIMEOUT", "1")
    clean_environment.setenv("AEROSPIKE_ANALYTICS_READINESS", readiness)
    clean_environment.setenv("AEROSPIKE_ANALYTICS_RETRY_AFTER", "6")
    app = FastAPI()
    install(app, aerospike_settings)
    install(app, name="analytics")

    @app.get("/report")
    async def report(analytics: Analytics) -> None:
        return None

    async with serving(app) as http:
        ready = await http.get("/health/ready")
        down = await http.get("/report")
    expected = {"aerospike": "ok", **({"analytics": "connecting"} if listed else {})}
    assert (ready.status_code, ready.json()["clients"]) == (200, expected)
    assert (down.status_code, down.headers["retry-after"]) == (503, "6")
