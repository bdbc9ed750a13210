"""A three-node dev-server cluster driven by the official C client: discovery through peers,
routing by partition, and a node stopped and restarted without losing a record."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import aerospike
import pytest

from aerospike_py.devserver import DevServer
from tests.polling import wait_until

pytestmark = pytest.mark.devserver_only

NAMESPACE = "test"


@pytest.fixture
def cluster() -> Iterator[DevServer]:
    with DevServer(nodes=3) as server:
        yield server


@pytest.fixture
def seeded_client(cluster: DevServer) -> Iterator[Any]:
    """A client given the first node only, tending every 250 ms: it must find the others."""
    config = {
        "hosts": cluster.hosts[:1],
        "tend_interval": 250,
        "policies": {"total_timeout": 5000},
    }
    client = aerospike.client(config).connect()
    yield client
    client.close()


def wait_for_nodes(client: Any, count: int) -> None:
    seen = wait_until(lambda: len(client.get_nodes()) == count, 10)
    assert seen, f"client sees {client.get_nodes()}, not {count} nodes"


def put_all(client: Any, set_name: str, count: int) -> None:
    for i in range(count):
        client.put((NAMESPACE, set_name, i), {"n": i})


def assert_readable(client: Any, set_name: str, count: int) -> None:
    for i in range(count):
        _, _, bins = client.get((NAMESPACE, set_name, i))
        assert bins == {"n": i}


def test_every_node_is_discovered_and_serves_its_partitions(
    cluster: DevServer, seeded_client: Any
) -> None:
    wait_for_nodes(seeded_client, 3)
    assert sorted(seeded_client.get_nodes()) == sorted(cluster.hosts)
    put_all(seeded_client, "routed", 300)
    assert_readable(seeded_client, "routed", 300)
    served = cluster.commands_served
    assert all(n >= 50 for n in served), f"every node serves its share: {served}"


def test_a_stopped_node_loses_no_record_and_rejoins_when_started(
    cluster: DevServer, seeded_client: Any
) -> None:
    wait_for_nodes(seeded_client, 3)
    put_all(seeded_client, "before", 200)
    stopped = cluster.hosts[1]

    cluster.stop_node(1)
    assert cluster.running_nodes == [True, False, True]
    with pytest.raises(ConnectionRefusedError), socket.create_connection(stopped, timeout=1):
        pass
    wait_for_nodes(seeded_client, 2)
    assert_readable(seeded_client, "before", 200)
    put_all(seeded_client, "during", 200)
    assert_readable(seeded_client, "during", 200)
    served_while_stopped = cluster.commands_served[1]

    cluster.start_node(1)
    assert cluster.hosts[1] == stopped
    wait_for_nodes(seeded_client, 3)
    # The client learns the rejoined node's partitions on the tend after it adds the node.
    deadline = time.monotonic() + 10
    written = 0
    while cluster.commands_served[1] == served_while_stopped:
        assert time.monotonic() < deadline, "the restarted node never serves its partitions again"
        seeded_client.put((NAMESPACE, "after", written), {"n": written})
        written += 1
    assert_readable(seeded_client, "after", written)
    assert_readable(seeded_client, "before", 200)
    assert_readable(seeded_client, "during", 200)


def test_a_client_seeded_with_a_stopped_node_finds_the_others(
    cluster: DevServer, make_client: Callable[[list[tuple[str, int]]], Any]
) -> None:
    cluster.stop_node(0)
    client = make_client(cluster.hosts)
    wait_for_nodes(client, 2)
    put_all(client, "reseeded", 50)
    assert_readable(client, "reseeded", 50)


def test_node_control_names_bad_arguments(cluster: DevServer) -> None:
    with pytest.raises(ValueError, match="node 3 does not exist"):
        cluster.stop_node(3)
    with pytest.raises(ValueError, match="index must be >= 0, got -1"):
        cluster.start_node(-1)
    cluster.stop_node(2)
    cluster.stop_node(2)
    cluster.start_node(2)
    cluster.start_node(2)
    assert cluster.running_nodes == [True, True, True]
