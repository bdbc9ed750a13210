"""The pytest plugin as users meet it: their app fixture, our http client running its lifespan,
a clean namespace and cleared faults for every test, a real cluster only when asked for."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import aerospike_py
from aerospike_py.devserver import DevServer
from fastapi_aerospike import AerospikeClient, AerospikeSettings, install

FIXED_KEY = "the-same-key-in-every-test"


@pytest.fixture
def aerospike_app(aerospike_settings: AerospikeSettings) -> FastAPI:
    app = FastAPI()
    install(app, aerospike_settings, record_errors=True)
    key = (aerospike_settings.namespace, "plugin", FIXED_KEY)

    @app.post("/counter")
    async def count(client: AerospikeClient) -> int:
        await client.increment(key, "n", 1)
        record = await client.get(key)
        return int((record.bins or {})["n"])

    @app.post("/create")
    async def create(client: AerospikeClient) -> None:
        await client.put(key, {"n": 0}, policy={"exists": aerospike_py.POLICY_EXISTS_CREATE_ONLY})

    return app


async def test_the_http_client_runs_the_apps_lifespan(
    aerospike_http_client: httpx.AsyncClient,
) -> None:
    assert (await aerospike_http_client.post("/counter")).json() == 1
    assert (await aerospike_http_client.post("/counter")).json() == 2
    assert (await aerospike_http_client.get("/health/ready")).status_code == 200


async def test_a_record_of_the_previous_test_is_gone(
    aerospike_http_client: httpx.AsyncClient,
) -> None:
    """The test above wrote this key; a create-only write would answer 409 had it survived."""
    assert (await aerospike_http_client.post("/create")).status_code == 200


@pytest.mark.devserver_only
async def test_faults_injected_here(aerospike_devserver: DevServer) -> None:
    aerospike_devserver.inject_latency(5000, commands=["read"])


@pytest.mark.devserver_only
async def test_are_cleared_before_the_next_test(
    aerospike_client: aerospike_py.AsyncClient, aerospike_settings: AerospikeSettings
) -> None:
    key = (aerospike_settings.namespace, "plugin", FIXED_KEY)
    await aerospike_client.put(key, {"n": 1})
    record = await aerospike_client.get(key, policy={"total_timeout": 1000})
    assert record.bins == {"n": 1}


async def test_the_client_fixture_is_connected(aerospike_client: aerospike_py.AsyncClient) -> None:
    assert aerospike_client.is_connected()
    assert await aerospike_client.ping()


@pytest.mark.devserver_only
def test_settings_point_at_the_dev_server(
    aerospike_settings: AerospikeSettings, aerospike_devserver: DevServer
) -> None:
    assert list(aerospike_settings.hosts) == aerospike_devserver.hosts


def test_pytest_loads_the_plugin_through_its_entry_point() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert found.get("fastapi_aerospike") == "fastapi_aerospike.pytest_plugin"


def test_an_exported_aerospike_hosts_is_ignored_and_a_cluster_needs_opting_in(
    tmp_path: Path,
) -> None:
    """A user's suite with ``AEROSPIKE_HOSTS`` exported (their shell, their CI) runs on the dev
    server; only ``--aerospike-hosts`` (or ``AEROSPIKE_TEST_HOSTS``) picks a cluster."""
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["fastapi_aerospike.testing"]\n')
    (tmp_path / "test_where.py").write_text(
        textwrap.dedent(
            """
            def test_where(aerospike_settings, aerospike_cluster_hosts):
                print("HOSTS", aerospike_cluster_hosts, list(aerospike_settings.hosts))
            """
        )
    )

    def run(*options: str, **env: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *options],
            cwd=tmp_path,
            env={**os.environ, "AEROSPIKE_HOSTS": "203.0.113.1:3000", **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return next(line for line in done.stdout.splitlines() if line.startswith("HOSTS"))

    assert run().startswith("HOSTS None [('127.0.0.1', ")
    assert "203.0.113.1" not in run()
