"""Bad arguments raise InvalidArgError naming them, before anything is sent; odd but valid
ones work as the official client takes them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

import aerospike_py
from aerospike_py import InvalidArgError

NS = "test"


def nested(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_a_value_nested_too_deep_is_refused_not_a_crash(
    client: aerospike_py.Client, set_name: str
) -> None:
    """10,000 nested lists used to overflow the stack of the converting thread (SIGSEGV)."""
    key = (NS, set_name, "deep")
    for levels in (257, 10_000):
        with pytest.raises(InvalidArgError, match="more than 256 levels"):
            client.put(key, {"v": nested(levels)})
    assert not client.exists(key).meta
    client.put(key, {"v": nested(256)})
    assert client.get(key).bins["v"] == nested(256)


async def test_a_value_nested_too_deep_is_refused_by_the_async_client(
    async_client: aerospike_py.AsyncClient, set_name: str
) -> None:
    with pytest.raises(InvalidArgError, match="more than 256 levels"):
        await async_client.put((NS, set_name, "deep"), {"v": {"k": nested(10_000)}})


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda c: c.info_all(5), "info command"),
        (lambda c: c.info_random_node(b"build"), "info command"),
        (lambda c: c.truncate(NS, "s", "0"), "truncate nanos"),
        (lambda c: c.truncate(NS, "s", -1), "truncate nanos"),
        (lambda c: c.truncate(5, "s"), "truncate namespace"),
        (lambda c: c.index_integer_create(NS, "s", 5, "idx"), "bin name"),
        (lambda c: c.index_string_create(NS, "s", "b", None), "index name"),
        (lambda c: c.index_remove(NS, 5), "index name"),
        (lambda c: c.query(None, "s"), "query namespace"),
        (lambda c: c.query(NS, 5), "query set"),
        (lambda c: c.query(NS, "\ud800"), "query set"),
        (lambda c: c.get(("x" * 32, "s", 1)), "key namespace"),
        (lambda c: c.get(("", "s", 1)), "key namespace"),
        (lambda c: c.get((NS, "s" * 64, 1)), "key set"),
        (lambda c: c.operate((NS, "s", 1), []), "at least one operation"),
        (lambda c: c.batch_operate([(NS, "s", 1)], []), "at least one operation"),
        (lambda c: c.batch_write([((NS, "s", 1), {})]), "has no bins"),
    ],
)
def test_positional_arguments_of_the_wrong_kind_raise_invalid_arg_error(
    client: aerospike_py.Client, call: Any, named: str
) -> None:
    """Not PyO3's bare TypeError: every refusal is in the client's exception tree."""
    with pytest.raises(InvalidArgError, match=named):
        call(client)


def test_the_longest_namespace_and_set_names_are_accepted(
    client: aerospike_py.Client,
) -> None:
    with pytest.raises(aerospike_py.ServerError):  # a namespace the server does not have
        client.get(("n" * 31, "s" * 63, 1))


def test_a_bytearray_digest_is_a_digest(client: aerospike_py.Client, set_name: str) -> None:
    """The official client hands digests out as bytearray; they must work as keys here too."""
    client.put((NS, set_name, "dig"), {"v": 1})
    digest = client.get((NS, set_name, "dig")).key.digest  # type: ignore[union-attr]
    assert client.get((NS, set_name, None, bytearray(digest))).bins == {"v": 1}


def test_an_unknown_namespace_is_named_not_reported_as_a_lost_cluster(
    client: aerospike_py.Client,
) -> None:
    """A typo is not an outage: result code 20, as a server answers it, and nothing in doubt."""
    for call in (
        lambda: client.get(("tset", "s", 1)),
        lambda: client.put(("tset", "s", 1), {"v": 1}, policy={"max_retries": 0}),
        lambda: client.operate(("tset", "s", 1), [{"op": aerospike_py.OPERATOR_TOUCH}]),
        lambda: client.query("tset", "s").results(),
        lambda: client.query("tset").foreach(print),
    ):
        with pytest.raises(aerospike_py.ServerError, match='namespace "tset"') as raised:
            call()
        assert (raised.value.result_code, raised.value.in_doubt) == (20, False)


def test_query_and_truncate_without_a_set_cover_the_namespace(
    client: aerospike_py.Client, set_name: str
) -> None:
    """``None`` for the set, as the official client takes it: the whole namespace."""
    keys = [(NS, set_name, 1), (NS, set_name + "b", 2)]
    for key in keys:
        client.put(key, {"v": 1})
    scanned = {record.key[1] for record in client.query(NS, None).results() if record.key}
    assert {set_name, set_name + "b"} <= scanned
    scanned = {record.key[1] for record in client.query(NS).results() if record.key}
    assert {set_name, set_name + "b"} <= scanned


@pytest.mark.devserver_only
def test_truncate_without_a_set_empties_the_namespace() -> None:
    """On a dev server of its own: the shared one holds every other test's records."""
    from aerospike_py.devserver import DevServer

    with DevServer() as server, aerospike_py.Client({"hosts": server.hosts}).connect() as client:
        client.put((NS, "a", 1), {"v": 1})
        client.put((NS, None, 2), {"v": 1})
        time.sleep(0.01)  # as on a real server, a record of the cutoff's millisecond is kept
        client.truncate(NS, None)
        assert not client.query(NS).results()


async def test_async_query_takes_no_set(
    async_client: aerospike_py.AsyncClient, set_name: str
) -> None:
    await async_client.put((NS, set_name, 1), {"v": 1})
    records = await asyncio.wait_for(async_client.query(NS).results(), 10)
    assert set_name in {record.key[1] for record in records if record.key}


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda c, k: c.put(k, {f"b{i}": i for i in range(65_537)}), "65537 bins"),
        (lambda c, k: c.operate(k, [{"op": aerospike_py.OPERATOR_READ}] * 65_538), "operations"),
        (lambda c, k: c.select(k, [f"b{i}" for i in range(65_536)]), "65536 bin names"),
    ],
)
def test_more_than_a_command_can_count_is_refused_not_cut_short(
    client: aerospike_py.Client, set_name: str, call: Any, named: str
) -> None:
    """The wire counts bins and operations in 16 bits: 65,537 bins went out as 1."""
    key = (NS, set_name, "many")
    with pytest.raises(InvalidArgError, match=f"{named}: one command carries at most 65535"):
        call(client, key)
    assert not client.exists(key).meta


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"cnt": 2}, "'cnt', which it does not take"),
        ({"ctx": [{"type": 0, "value": 0}]}, "nested contexts are not supported"),
    ],
)
def test_an_operation_key_that_is_not_used_is_refused(
    client: aerospike_py.Client, set_name: str, extra: dict[str, Any], said: str
) -> None:
    """A misspelt count read the whole tail; a nested context appended at the top level."""
    key = (NS, set_name, "ops")
    client.put(key, {"l": [[1, 2], [3]]})
    append = aerospike_py.list_operations.list_append("l", 9)
    with pytest.raises(InvalidArgError, match=said):
        client.operate(key, [{**append, **extra}])
    assert client.get(key).bins == {"l": [[1, 2], [3]]}
    client.operate(key, [{**append, "ctx": None}])  # a key left as None is absent
    assert client.get(key).bins == {"l": [[1, 2], [3], 9]}
