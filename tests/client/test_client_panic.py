"""A Rust panic inside the `aerospike` crate surfaces as a ClientError; the interpreter survives.

The trigger is the crate's own code, not a test hook: no server stores a map with a float key
(the real one refuses it), so a relay between client and server turns one map key of the answer
into a float on the wire. When the crate decodes that answer it hashes the key, which panics
("Floats cannot be used as map keys"). The panic happens on a Tokio worker, inside the command's
future, so it crosses the same boundary every command result crosses.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import aerospike_py
from tests.client.stall import ThreadedRelay

NS = "test"
PANIC_TEXT = "Floats cannot be used as map keys"
# The map key b"abc" as the server encodes it (a 4-byte str holding the blob type, then the
# bytes), and a float32 1.5 of the same length.
BYTES_KEY = b"\xa4\x04abc"
FLOAT_KEY = b"\xca\x3f\xc0\x00\x00"


@pytest.fixture
def float_keyed(
    threaded_relay: ThreadedRelay, aerospike_hosts: list[tuple[str, int]], set_name: str
) -> tuple[str, str, str]:
    """The key of a record whose map bin reaches clients of the relay with a float key."""
    key = (NS, set_name, "float-keyed")
    with aerospike_py.Client({"hosts": aerospike_hosts}).connect() as client:
        client.put(key, {"m": {b"abc": "x"}})
    threaded_relay.rewrite_answers(BYTES_KEY, FLOAT_KEY)
    return key


def test_sync_panic_raises_client_error_and_the_client_keeps_working(
    threaded_relay: ThreadedRelay, float_keyed: tuple[Any, ...], set_name: str
) -> None:
    with aerospike_py.Client({"hosts": [threaded_relay.host]}).connect() as client:
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
    threaded_relay: ThreadedRelay, float_keyed: tuple[Any, ...], set_name: str
) -> None:
    config = {"hosts": [threaded_relay.host], "max_concurrent_operations": 1}
    async with await aerospike_py.AsyncClient(config).connect() as client:
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
