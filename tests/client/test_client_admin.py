"""Info commands, truncate and secondary-index management over TCP."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

import aerospike_py
from aerospike_py.devserver import DevServer
from tests.polling import wait_until

NS = "test"


def test_info_all_answers_from_every_node(client: aerospike_py.Client) -> None:
    answers = client.info_all("namespaces")
    assert [a.node_name for a in answers] == client.get_node_names()
    assert all(a.error_code == 0 and NS in a.response.split(";") for a in answers)


def test_info_random_node(client: aerospike_py.Client) -> None:
    assert NS in client.info_random_node("namespaces").split(";")


async def test_async_info(async_client: aerospike_py.AsyncClient) -> None:
    answers = await async_client.info_all("build")
    assert answers
    assert answers[0].response
    assert await async_client.ping()


def test_truncate_removes_the_set(client: aerospike_py.Client, set_name: str) -> None:
    other = set_name + "x"
    for i in range(5):
        client.put((NS, set_name, i), {"v": i})
    client.put((NS, other, 0), {"v": 0})
    time.sleep(0.05)  # truncate spares records last updated in its own millisecond
    client.truncate(NS, set_name)
    # A real server truncates in the background.
    assert wait_until(
        lambda: all(client.exists((NS, set_name, i)).meta is None for i in range(5)), 10
    )
    assert client.get((NS, other, 0)).bins == {"v": 0}


def test_index_create_and_remove(client: aerospike_py.Client, set_name: str) -> None:
    name = "idx_" + uuid.uuid4().hex[:8]
    client.index_integer_create(NS, set_name, "age", name)
    client.index_integer_create(NS, set_name, "age", name)  # the same definition again: a no-op
    with pytest.raises(aerospike_py.IndexFoundError) as raised:
        client.index_integer_create(NS, set_name, "height", name)
    assert raised.value.result_code == 200
    assert name in client.info_random_node(f"sindex-list:ns={NS}")
    client.index_remove(NS, name)
    string_index = name + "s"
    client.index_string_create(NS, set_name, "name", string_index)
    client.index_remove(NS, string_index)


def test_a_created_index_answers_queries_at_once(
    client: aerospike_py.Client, set_name: str
) -> None:
    for i in range(20):
        client.put((NS, set_name, i), {"age": i % 5})
    name = "idx_" + uuid.uuid4().hex[:8]
    client.index_integer_create(NS, set_name, "age", name)
    try:
        query = client.query(NS, set_name)
        query.where(aerospike_py.predicates.equals("age", 3))
        assert sorted(r.bins["age"] for r in query.results() if r.bins) == [3] * 4
        assert all(f"indexname={name}:" in a.response for a in client.info_all("sindex-list"))
    finally:
        client.index_remove(NS, name)
    for answer in client.info_all("sindex-list"):
        assert f"indexname={name}:" not in answer.response
    client.index_remove(NS, name)  # removing a missing index is fine, as on a real server


async def test_async_index_create_and_remove(
    async_client: aerospike_py.AsyncClient, set_name: str
) -> None:
    name = "idx_" + uuid.uuid4().hex[:8]
    await async_client.index_string_create(NS, set_name, "name", name, {"timeout": 2000})
    assert name in await async_client.info_random_node("sindex-list")
    await async_client.index_remove(NS, name)
    assert name not in await async_client.info_random_node("sindex-list")


def test_bad_index_definitions_raise_errors_naming_them(
    client: aerospike_py.Client, set_name: str
) -> None:
    for bad in ("", "a;b", "a:b", "a=b"):
        with pytest.raises(aerospike_py.InvalidArgError, match="index name"):
            client.index_integer_create(NS, set_name, "age", bad)
    with pytest.raises(aerospike_py.InvalidArgError, match="bin name"):
        client.index_integer_create(NS, set_name, "a_bin_name_over_15_bytes", "idx_long_bin")
    name = "idx_" + uuid.uuid4().hex[:8]
    client.index_integer_create(NS, set_name, "age", name)
    try:
        with pytest.raises(aerospike_py.IndexFoundError, match=name):
            client.index_string_create(NS, set_name, "age", name)
    finally:
        client.index_remove(NS, name)


@pytest.mark.devserver_only
def test_an_index_a_node_never_confirms_times_out_naming_it() -> None:
    with (
        DevServer(nodes=2) as server,
        aerospike_py.Client({"hosts": server.hosts}).connect() as client,
    ):
        server.stall(commands=["info"], node=1)
        try:
            # The create goes to a random node: node 1 never answers it, or node 0 creates the
            # index and node 1 never answers whether it is ready. Either way the wait is bounded.
            with pytest.raises(aerospike_py.AerospikeTimeoutError, match="idx_stalled"):
                client.index_integer_create(NS, "s", "age", "idx_stalled", {"timeout": 200})
        finally:
            server.clear_faults()


def test_index_create_waits_while_a_node_is_still_building(devserver: DevServer) -> None:
    """A node answering ``load_pct`` below 100 keeps the create waiting, up to its timeout."""
    name = "idx_building"
    with aerospike_py.Client({"hosts": devserver.hosts}).connect() as client:
        devserver.hold_index_builds()
        started = time.monotonic()
        with pytest.raises(aerospike_py.AerospikeTimeoutError, match=name):
            client.index_integer_create(NS, "s", "age", name, {"timeout": 300})
        assert time.monotonic() - started >= 0.3
        released = threading.Timer(0.3, devserver.clear_faults)
        released.start()
        started = time.monotonic()
        client.index_integer_create(NS, "s", "age", name, {"timeout": 5000})
        assert time.monotonic() - started >= 0.25
        released.join()
