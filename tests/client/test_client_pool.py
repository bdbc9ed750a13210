"""Pooled connections: reused however long they sit idle unless ``idle_timeout`` says
otherwise, and one the server has reaped is replaced at checkout without costing the command an
attempt."""

from __future__ import annotations

import time

import pytest

import aerospike_py
from aerospike_py.devserver import DevServer

pytestmark = pytest.mark.devserver_only

KEY = ("test", "pool", 1)
NO_RETRY = {"max_retries": 0}


def settled_connections(server: DevServer) -> int:
    """The connections accepted once none has been opened for a while: the client's first tend
    runs just after connect and may open one of its own."""
    count = server.connections_accepted[0]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.3)
        if server.connections_accepted[0] == count:
            return count
        count = server.connections_accepted[0]
    raise AssertionError("the client kept opening connections")


@pytest.mark.parametrize(("config", "opened"), [({}, 0), ({"idle_timeout": 1}, 1)])
def test_idle_timeout_alone_replaces_an_idle_connection(
    devserver: DevServer, config: dict[str, int], opened: int
) -> None:
    """Tends are a minute apart, so only the get can open a connection."""
    client_config = {"hosts": devserver.hosts, "tend_interval": 60_000, **config}
    with aerospike_py.Client(client_config).connect() as client:
        client.put(KEY, {"a": 1})
        before = settled_connections(devserver)
        time.sleep(1.5)
        assert client.get(KEY).bins == {"a": 1}
        assert devserver.connections_accepted[0] - before == opened


def test_a_connection_the_server_reaped_is_replaced_without_a_retry(devserver: DevServer) -> None:
    with aerospike_py.Client({"hosts": devserver.hosts}).connect() as client:
        client.put(KEY, {"a": 0})
        reaping = client.info_all("set-config:context=service;proto-fd-idle-ms=100")
        assert [answer.response for answer in reaping] == ["ok"]
        before = settled_connections(devserver)
        rounds = 3
        for i in range(1, rounds + 1):
            time.sleep(0.3)
            assert client.get(KEY, policy=NO_RETRY).bins == {"a": i - 1}
            client.put(KEY, {"a": i}, policy=NO_RETRY)
        assert devserver.connections_accepted[0] - before >= rounds
