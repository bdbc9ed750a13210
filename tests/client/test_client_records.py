"""Single-record commands over TCP, sync and async, against the server under test."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import aerospike_py
from aerospike_py import (
    RecordExistsError,
    RecordGenerationError,
    RecordNotFound,
)
from aerospike_py.devserver import DevServer
from tests.polling import wait_until

NS = "test"


def test_put_get_roundtrip_every_type(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "every-type")
    bins: dict[str, Any] = {
        "i": -7,
        "f": 2.5,
        "s": "héllo",
        "b": b"\x00\xff",
        "t": True,
        "l": [1, "two", [3.0]],
        "m": {"k": [1, 2], "n": {"deep": None}},
    }
    bins["m"]["n"] = {"deep": 1}
    client.put(key, bins)
    record = client.get(key)
    assert record.bins == bins
    assert record.key is not None
    assert (record.key.namespace, record.key.set_name, record.key.user_key) == key
    assert len(record.key.digest) == 20
    assert record.meta is not None
    assert record.meta.gen == 1
    assert record.meta["gen"] == 1


@pytest.mark.parametrize("user_key", [42, "str-key", b"bytes-key"])
def test_user_key_types(client: aerospike_py.Client, set_name: str, user_key: Any) -> None:
    client.put((NS, set_name, user_key), {"v": 1})
    assert client.get((NS, set_name, user_key)).bins == {"v": 1}


def test_digest_key_reads_what_user_key_wrote(client: aerospike_py.Client, set_name: str) -> None:
    client.put((NS, set_name, "dig"), {"v": 2})
    digest = client.get((NS, set_name, "dig")).key.digest  # type: ignore[union-attr]
    assert client.get((NS, set_name, None, digest)).bins == {"v": 2}


def test_bins_come_in_name_order_every_time(client: aerospike_py.Client, set_name: str) -> None:
    """A JSON body or a DataFrame built from them must not change between two reads."""
    key = (NS, set_name, "order")
    client.put(key, {name: 1 for name in ("zeta", "alpha", "mu", "beta", "omega", "c")})
    names = sorted(("zeta", "alpha", "mu", "beta", "omega", "c"))
    for _ in range(5):
        assert list(client.get(key).bins) == names
        assert list(client.batch_read([key]).batch_records[0].record.bins) == names  # type: ignore[union-attr]


def test_get_missing_raises_record_not_found(client: aerospike_py.Client, set_name: str) -> None:
    with pytest.raises(RecordNotFound) as raised:
        client.get((NS, set_name, "missing"))
    assert raised.value.result_code == 2
    assert raised.value.in_doubt is False


def test_select_exists_remove(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "sel")
    client.put(key, {"a": 1, "b": 2, "c": 3})
    assert client.select(key, ["a", "c"]).bins == {"a": 1, "c": 3}
    found = client.exists(key)
    assert found.meta is not None
    assert found.meta.gen == 1
    client.remove(key)
    assert client.exists(key).meta is None
    with pytest.raises(RecordNotFound):
        client.remove(key)


def test_create_only_and_generation_policies(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "gen")
    client.put(key, {"v": 1}, policy={"exists": aerospike_py.POLICY_EXISTS_CREATE_ONLY})
    with pytest.raises(RecordExistsError) as raised:
        client.put(key, {"v": 2}, policy={"exists": aerospike_py.POLICY_EXISTS_CREATE_ONLY})
    assert raised.value.result_code == 5
    client.put(key, {"v": 3}, meta={"gen": 1}, policy={"gen": aerospike_py.POLICY_GEN_EQ})
    with pytest.raises(RecordGenerationError):
        client.put(key, {"v": 4}, meta={"gen": 1}, policy={"gen": aerospike_py.POLICY_GEN_EQ})
    assert client.get(key).bins == {"v": 3}


def test_ttl_meta(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "ttl")
    client.put(key, {"v": 1}, meta={"ttl": 100})
    meta = client.get(key).meta
    assert meta is not None
    assert 90 <= meta.ttl <= 100
    client.put(key, {"v": 2}, meta={"ttl": aerospike_py.TTL_DONT_UPDATE})
    meta = client.get(key).meta
    assert meta is not None
    assert 90 <= meta.ttl <= 100
    client.put(key, {"v": 3}, meta={"ttl": aerospike_py.TTL_NEVER_EXPIRE})
    meta = client.get(key).meta
    assert meta is not None
    assert meta.ttl == 0xFFFFFFFF  # the server's "never expires"
    client.touch(key, 50)
    meta = client.get(key).meta
    assert meta is not None
    assert 40 <= meta.ttl <= 50


def test_append_prepend_increment_remove_bin(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "mod")
    client.put(key, {"s": "mid", "n": 1, "x": 0})
    client.append(key, "s", "-end")
    client.prepend(key, "s", "start-")
    client.increment(key, "n", 41)
    client.remove_bin(key, ["x"])
    assert client.get(key).bins == {"s": "start-mid-end", "n": 42}


def test_operate_in_one_round_trip(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "op")
    client.put(key, {"counter": 1})
    ops = [
        {"op": aerospike_py.OPERATOR_INCR, "bin": "counter", "val": 2},
        {"op": aerospike_py.OPERATOR_WRITE, "bin": "updated_at", "val": 1234},
        {"op": aerospike_py.OPERATOR_READ, "bin": "counter"},
    ]
    record = client.operate(key, ops)
    assert record.bins == {"counter": 3}
    ordered = client.operate_ordered(key, [{"op": aerospike_py.OPERATOR_READ, "bin": "updated_at"}])
    assert [tuple(b) for b in ordered.ordered_bins] == [("updated_at", 1234)]


async def test_async_commands(async_client: aerospike_py.AsyncClient, set_name: str) -> None:
    key = (NS, set_name, "async")
    await async_client.put(key, {"v": 1})
    record = await async_client.get(key)
    assert record.bins == {"v": 1}
    await async_client.increment(key, "v", 1)
    assert (await async_client.select(key, ["v"])).bins == {"v": 2}
    await async_client.remove(key)
    with pytest.raises(RecordNotFound):
        await async_client.get(key)
    assert async_client.is_connected()


async def test_async_gather_many_under_a_cap(config: dict[str, Any], set_name: str) -> None:
    keys = [(NS, set_name, f"key{i}") for i in range(1000)]
    capped = {**config, "max_concurrent_operations": 64}
    async with await aerospike_py.AsyncClient(capped).connect() as client:
        await asyncio.gather(*(client.put(k, {"i": i}) for i, k in enumerate(keys)))
        records = await asyncio.gather(*(client.get(k) for k in keys))
        stats = client.stats()
    assert [r.bins["i"] for r in records if r.bins] == list(range(1000))
    assert (stats.completed, stats.failed, stats.in_flight, stats.queued) == (2000, 0, 0, 0)
    assert sum(stats.latency_bucket_counts) == 2000


def test_context_manager_closes(config: dict[str, Any]) -> None:
    with aerospike_py.client(config).connect() as client:
        assert client.is_connected()
        assert client.get_node_names()
        assert client.ping()
    assert not client.is_connected()


def test_connect_to_nothing_raises_cluster_error() -> None:
    client = aerospike_py.Client({"hosts": [("127.0.0.1", 1)], "timeout": 500})
    with pytest.raises(aerospike_py.ClusterError) as raised:
        client.connect()
    assert raised.value.result_code == -10
    assert not client.is_connected()


@pytest.mark.devserver_only
def test_a_key_with_no_node_raises_cluster_error_not_in_doubt() -> None:
    """As the official client's InvalidNodeError (-8): a write that was never sent is not in
    doubt, and no timeout elapsed."""
    with DevServer() as server, aerospike_py.Client({"hosts": server.hosts}).connect() as client:
        client.put((NS, "gone", 1), {"i": 1})
        server.stop_node(0)
        assert wait_until(lambda: not client.get_node_names(), 10)
        for call in (
            lambda: client.put((NS, "gone", 1), {"i": 2}, policy={"max_retries": 0}),
            lambda: client.get((NS, "gone", 1)),
            lambda: client.batch_read([(NS, "gone", 1)]),
        ):
            with pytest.raises(aerospike_py.ClusterError, match=r"no node|appropriate node") as e:
                call()
            assert (e.value.result_code, e.value.in_doubt) == (-8, False)


@pytest.mark.devserver_only
def test_only_a_write_that_timed_out_is_in_doubt(devserver: DevServer) -> None:
    """A read that timed out changed nothing; a write may have been applied (as the official
    client reports them). The same holds for a connection lost after the request went out."""
    slow = {"total_timeout": 100, "max_retries": 0}
    with aerospike_py.Client({"hosts": devserver.hosts}).connect() as client:
        client.put((NS, "doubt", 1), {"n": 1})
        devserver.inject_latency(300)
        for call, in_doubt in (
            (lambda: client.get((NS, "doubt", 1), policy=slow), False),
            (lambda: client.operate((NS, "doubt", 1), [{"op": 1, "bin": "n"}], policy=slow), False),
            (lambda: client.batch_read([(NS, "doubt", 1)], policy=slow), False),
            (lambda: client.put((NS, "doubt", 1), {"n": 2}, policy=slow), True),
            (lambda: client.increment((NS, "doubt", 1), "n", 1, policy=slow), True),
            (lambda: client.batch_remove([(NS, "doubt", 1)], policy=slow), True),
        ):
            with pytest.raises(aerospike_py.AerospikeTimeoutError) as raised:
                call()
            assert raised.value.in_doubt is in_doubt
        devserver.clear_faults()
        devserver.close_next(2)
        with pytest.raises(aerospike_py.ClusterError) as lost:
            client.get((NS, "doubt", 1), policy={"max_retries": 0})
        assert lost.value.in_doubt is False
        with pytest.raises(aerospike_py.ClusterError) as lost:
            client.put((NS, "doubt", 1), {"n": 3}, policy={"max_retries": 0})
        assert lost.value.in_doubt is True


def test_async_results_reach_every_event_loop(config: dict[str, Any], set_name: str) -> None:
    """Thousands of completions, on two event loops in turn, none lost (no hang)."""
    capped = {**config, "max_concurrent_operations": 64}
    client = aerospike_py.AsyncClient(capped)

    async def burst(first: int) -> list[Any]:
        keys = [(NS, set_name, i) for i in range(first, first + 3000)]
        await asyncio.wait_for(
            asyncio.gather(*(client.put(k, {"i": k[2]}) for k in keys)), timeout=60
        )
        records = await asyncio.wait_for(asyncio.gather(*(client.get(k) for k in keys)), timeout=60)
        return [r.bins["i"] for r in records if r.bins]

    async def first_loop() -> list[Any]:
        await client.connect()
        return await burst(0)

    async def second_loop() -> list[Any]:
        values = await burst(3000)
        await client.close()
        return values

    assert asyncio.run(first_loop()) == list(range(3000))
    assert asyncio.run(second_loop()) == list(range(3000, 6000))
