"""Differential tests: one scenario sent to a real server and to the dev server through the
official C-based client, the replies compared value by value.

They need both servers: the real one from ``AEROSPIKE_HOSTS`` (``make test-real`` starts one from
``../shared/aerospike-server/``), the dev server embedded. Without a real server they skip.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import aerospike
import pytest

from aerospike_py.devserver import DevServer
from tests.conftest import RUN_TAG

NAMESPACE = "test"

Scenario = Callable[[Any, str], Any]
"""Runs against one server: ``(official client, set name of its own) -> a comparable reply``."""


def _connect(hosts: list[tuple[str, int]]) -> Any:
    return aerospike.client({"hosts": hosts, "policies": {"total_timeout": 5000}}).connect()


@pytest.fixture(scope="session")
def real_client(real_server_hosts: list[tuple[str, int]]) -> Iterator[Any]:
    client = _connect(real_server_hosts)
    yield client
    client.close()


@pytest.fixture(scope="session")
def dev_client(real_server_hosts: list[tuple[str, int]]) -> Iterator[Any]:
    with DevServer() as server:
        client = _connect(server.hosts)
        yield client
        client.close()


def outcome(scenario: Scenario, client: Any, set_name: str) -> Any:
    """The scenario's reply, or its error as (class name, result code): both are compared."""
    try:
        return scenario(client, set_name)
    except aerospike.exception.AerospikeError as error:
        return ("error", type(error).__name__, error.code)


@pytest.fixture
def compare(real_client: Any, dev_client: Any) -> Callable[[Scenario], Any]:
    """Runs a scenario on both servers under one fresh set name; asserts equal outcomes."""

    def run(scenario: Scenario) -> Any:
        set_name = f"d{uuid.uuid4().hex[:10]}_{RUN_TAG}"
        real = outcome(scenario, real_client, set_name)
        dev = outcome(scenario, dev_client, set_name)
        assert dev == real, f"dev server answered {dev!r}, the real server {real!r}"
        return real

    return run
