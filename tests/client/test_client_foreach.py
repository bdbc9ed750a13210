"""`query(...).foreach` streams: the callback sees records while the query is still running.

A two-node dev server holds the query on node 1 (fault injection: ``stall``) while node 0
answers. A callback that sees records before node 1 is released proves that records are handed
over as they arrive; collecting them all first would wait for node 1 forever (until timeout).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import aerospike_py
from aerospike_py.devserver import DevServer
from tests.polling import wait_until

NS = "test"
SET = "stream"
RECORDS = 300

pytestmark = pytest.mark.devserver_only


@pytest.fixture
def cluster() -> Iterator[DevServer]:
    """Two nodes holding RECORDS records between them."""
    with DevServer(nodes=2) as server:
        with aerospike_py.Client({"hosts": server.hosts}).connect() as writer:
            for i in range(RECORDS):
                writer.put((NS, SET, i), {"i": i})
        yield server


def config(server: DevServer) -> dict[str, Any]:
    return {"hosts": server.hosts, "timeout": 10_000}


def wait_until_idle(client: aerospike_py.Client | aerospike_py.AsyncClient) -> None:
    """The query's slot is given back shortly after foreach returns (bounded wait)."""
    assert wait_until(lambda: client.stats().in_flight == 0, 5)


def releasing_node_1(cluster: DevServer, events: list[str]) -> Callable[[Any], None]:
    """A callback noting each record; the first one, seen while node 1 is held, releases it."""

    def on_record(record: aerospike_py.Record) -> None:
        if not events:
            events.append("record while node 1 is held")
            cluster.clear_faults()
        events.append("record")

    return on_record


def test_records_reach_the_callback_before_the_query_ends(cluster: DevServer) -> None:
    events: list[str] = []
    on_record = releasing_node_1(cluster, events)
    with aerospike_py.Client(config(cluster)).connect() as client:
        cluster.stall(commands=["query"], node=1)
        client.query(NS, SET).foreach(on_record)
        assert events[0] == "record while node 1 is held"
        assert events.count("record") == RECORDS


def test_returning_false_stops_the_query(cluster: DevServer) -> None:
    seen: list[int] = []

    def first_five(record: aerospike_py.Record) -> bool:
        seen.append(record.bins["i"] if record.bins else -1)
        return len(seen) < 5

    with aerospike_py.Client(config(cluster)).connect() as client:
        cluster.stall(commands=["query"], node=1)
        client.query(NS, SET).foreach(first_five)  # returns although node 1 never answered
        assert len(seen) == 5
        wait_until_idle(client)
        cluster.clear_faults()
        assert client.get((NS, SET, 0)).bins == {"i": 0}


def test_a_callback_exception_stops_the_query_and_propagates(cluster: DevServer) -> None:
    class Stop(Exception):
        pass

    seen: list[aerospike_py.Record] = []

    def fail_on_third(record: aerospike_py.Record) -> None:
        seen.append(record)
        if len(seen) == 3:
            raise Stop("third record")

    with aerospike_py.Client(config(cluster)).connect() as client:
        cluster.stall(commands=["query"], node=1)
        with pytest.raises(Stop, match="third record"):
            client.query(NS, SET).foreach(fail_on_third)
        assert len(seen) == 3
        wait_until_idle(client)
        cluster.clear_faults()
        count = 0

        def count_all(record: aerospike_py.Record) -> None:
            nonlocal count
            count += 1

        client.query(NS, SET).foreach(count_all)
        assert count == RECORDS


def test_only_false_stops_not_other_falsy_answers(cluster: DevServer) -> None:
    answers: list[object] = [None, 0, "", []]
    count = 0

    def falsy(record: aerospike_py.Record) -> object:
        nonlocal count
        count += 1
        return answers[count % len(answers)]

    with aerospike_py.Client(config(cluster)).connect() as client:
        client.query(NS, SET).foreach(falsy)
    assert count == RECORDS


async def test_async_foreach_streams_stops_and_propagates(cluster: DevServer) -> None:
    async with await aerospike_py.AsyncClient(config(cluster)).connect() as client:
        events: list[str] = []
        on_record = releasing_node_1(cluster, events)
        cluster.stall(commands=["query"], node=1)
        await client.query(NS, SET).foreach(on_record)
        assert events[0] == "record while node 1 is held"
        assert events.count("record") == RECORDS

        seen: list[aerospike_py.Record] = []

        def first_five(record: aerospike_py.Record) -> bool:
            seen.append(record)
            return len(seen) < 5

        cluster.stall(commands=["query"], node=1)
        await asyncio.wait_for(client.query(NS, SET).foreach(first_five), timeout=10)
        assert len(seen) == 5

        def explode(record: aerospike_py.Record) -> None:
            raise ValueError(f"bad record {record.bins}")

        with pytest.raises(ValueError, match="bad record"):
            await client.query(NS, SET).foreach(explode)
        wait_until_idle(client)
        cluster.clear_faults()
        assert (await client.get((NS, SET, 1))).bins == {"i": 1}


async def test_an_async_callback_is_awaited_and_can_stop_the_query(cluster: DevServer) -> None:
    async with await aerospike_py.AsyncClient(config(cluster)).connect() as client:
        stored: list[int] = []

        async def store(record: aerospike_py.Record) -> bool:
            await asyncio.sleep(0)  # as a callback that writes elsewhere
            stored.append(record.bins["i"])
            return len(stored) < 7

        await asyncio.wait_for(client.query(NS, SET).foreach(store), timeout=10)
        assert len(stored) == 7


async def test_cancelling_an_async_foreach_frees_its_slot(cluster: DevServer) -> None:
    async with await aerospike_py.AsyncClient(config(cluster)).connect() as client:
        cluster.stall(commands=["query"], node=1)
        arrived = asyncio.Event()
        task = asyncio.ensure_future(client.query(NS, SET).foreach(lambda _: arrived.set()))
        # Records from node 0 arrive while node 1 is held.
        await asyncio.wait_for(arrived.wait(), timeout=5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        wait_until_idle(client)
        cluster.clear_faults()
        assert (await client.get((NS, SET, 2))).bins == {"i": 2}
