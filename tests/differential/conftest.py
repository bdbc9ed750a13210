"""Differential tests: one scenario sent to a real server and to the dev server through the
official C-based client, the replies compared value by value.

They need both servers: the real one from ``AEROSPIKE_HOSTS`` (``make test-real`` starts one from
``../shared/aerospike-server/``), the dev server embedded. Without a real server they skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import aerospike
import pytest

from aerospike_py.devserver import DevServer
from tests.conftest import unique_name

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


def empty(client: Any, set_name: str) -> None:
    """Removes every record of the set, so that the next case finds it as new."""
    for key, _, _ in client.scan(NAMESPACE, set_name).results():
        client.remove(key)


@pytest.fixture
def compare(
    real_client: Any, dev_client: Any, request: pytest.FixtureRequest
) -> Callable[..., Any]:
    """Runs a scenario on both servers under one set name; asserts equal outcomes.

    A namespace holds at most 4095 sets and a server keeps every set name it has seen, so the
    cases of a test function share one set, emptied on both servers after each case;
    ``set_name`` names another set to share (made unique to the run).
    """
    own_set = unique_name(f"d_{request.function.__name__}")

    def run(scenario: Scenario, set_name: str | None = None) -> Any:
        name = unique_name(set_name) if set_name else own_set
        try:
            real = outcome(scenario, real_client, name)
            dev = outcome(scenario, dev_client, name)
        finally:
            empty(real_client, name)
            empty(dev_client, name)
        assert dev == real, f"dev server answered {dev!r}, the real server {real!r}"
        return real

    return run


Key = tuple[str, str, str]
KeyedScenario = Callable[[Any, Key], Any]
"""Runs against one server: ``(official client, key of its own) -> a comparable reply``."""


@pytest.fixture
def compare_keyed(
    compare: Callable[..., Any], request: pytest.FixtureRequest
) -> Callable[[KeyedScenario], Any]:
    """Like ``compare``, in one set per test function and under a key per case: the cases stay
    independent while a run adds a set per test function, not one per case."""
    set_name = request.function.__name__
    user_key = request.node.name

    def run(scenario: KeyedScenario) -> Any:
        return compare(
            lambda client, set_name: scenario(client, (NAMESPACE, set_name, user_key)), set_name
        )

    return run
