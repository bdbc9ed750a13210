"""A Rust panic inside the `aerospike` crate surfaces as a ClientError; the interpreter survives.

The trigger is real, not a test hook: the official client stores a map with a float key (the
server keeps it), and when the crate decodes that reply it hashes the key, which panics
("Floats cannot be used as map keys"). The panic happens on a Tokio worker, inside the
command's future, so it crosses the same boundary every command result crosses.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aerospike
import pytest
from aerospike_helpers.operations import map_operations

import aerospike_py

NS = "test"
PANIC_TEXT = "Floats cannot be used as map keys"


@pytest.fixture
def float_keyed(aerospike_hosts: list[tuple[str, int]], set_name: str) -> tuple[Any, ...]:
    """The key of a record whose map bin has a float key, written by the official client."""
    official = aerospike.client({"hosts": aerospike_hosts}).connect()
    key = (NS, set_name, "float-keyed")
    # The official client cannot decode the reply either, but the write is applied.
    with contextlib.suppress(aerospike.exception.ClientError):
        official.operate(key, [map_operations.map_put("m", 1.5, "x")])
    exists = official.exists(key)[1] is not None
    official.close()
    if not exists:
        pytest.skip(
            "this server refuses a map with a float key, so nothing can make the crate panic"
        )
    return key


def test_sync_panic_raises_client_error_and_the_client_keeps_working(
    client: aerospike_py.Client, float_keyed: tuple[Any, ...], set_name: str
) -> None:
    with pytest.raises(aerospike_py.ClientError, match=PANIC_TEXT) as raised:
        client.get(float_keyed)
    assert raised.value.result_code == -1
    with pytest.raises(aerospike_py.ClientError, match=PANIC_TEXT):
        client.batch_read([float_keyed])
    with pytest.raises(aerospike_py.ClientError, match=PANIC_TEXT):
        client.query(NS, set_name).results()
    fine = (NS, set_name, "fine")
    client.put(fine, {"a": 1})
    assert client.get(fine).bins == {"a": 1}
    assert client.exists(float_keyed).meta is not None


async def test_async_panic_reaches_the_awaiting_task_and_frees_its_slot(
    aerospike_hosts: list[tuple[str, int]], float_keyed: tuple[Any, ...], set_name: str
) -> None:
    config = {"hosts": aerospike_hosts, "max_concurrent_operations": 1}
    async with aerospike_py.AsyncClient(config) as client:
        for _ in range(3):  # with one slot, a leaked slot would make the second attempt queue
            with pytest.raises(aerospike_py.ClientError, match=PANIC_TEXT):
                await asyncio.wait_for(client.get(float_keyed), timeout=10)
        stats = client.stats()
        assert (stats.in_flight, stats.queued, stats.failed) == (0, 0, 3)
        fine = (NS, set_name, "fine")
        await client.put(fine, {"a": 1})
        results = await asyncio.gather(client.get(fine), client.exists(fine))
        assert results[0].bins == {"a": 1}
        assert client.stats().in_flight == 0


def test_an_unhashable_map_key_is_refused_before_reaching_the_crate(
    client: aerospike_py.Client, set_name: str
) -> None:
    key = (NS, set_name, "k")
    for bad_key in (1.5, True, (1, 2)):
        with pytest.raises(aerospike_py.InvalidArgError, match="map key"):
            client.put(key, {"m": {bad_key: "x"}})
    client.put(key, {"m": {1: "a", "s": "b", b"y": "c"}})
    assert client.get(key).bins == {"m": {1: "a", "s": "b", b"y": "c"}}
