"""Write policies, operators and TTL constants change what the server stores.

Each test reads the record back (or watches a command fail) to show that the policy reached the
server: a policy the client parsed and then dropped would leave these records as a plain write
leaves them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import aerospike_py
from aerospike_py import RecordGenerationError, RecordNotFound, predicates

NS = "test"
CLIENT_DEFAULT_TTL = 5000


def ttl_of(client: aerospike_py.Client, key: tuple[str, str, Any]) -> int:
    meta = client.get(key).meta
    assert meta is not None
    return meta.ttl


def near(ttl: int, expected: int) -> bool:
    """A TTL the server counts down from ``expected`` (a few seconds may pass)."""
    return expected - 10 <= ttl <= expected


def namespace_default_ttl(client: aerospike_py.Client) -> int:
    """The namespace's ``default-ttl`` (0: records never expire), as the server reports it."""
    answer = client.info_all(f"namespace/{NS}")[0].response
    fields = dict(item.split("=", 1) for item in answer.split(";") if "=" in item)
    return int(fields["default-ttl"])


def has_the_namespace_default_ttl(client: aerospike_py.Client, key: tuple[str, str, Any]) -> bool:
    """A default-ttl of 0 means never expire, which a record's meta shows as -1."""
    default = namespace_default_ttl(client)
    ttl = ttl_of(client, key)
    return ttl == 0xFFFFFFFF if default == 0 else near(ttl, default)


@pytest.fixture
def ttl_client(config: dict[str, Any]) -> Iterator[aerospike_py.Client]:
    """A client whose default write TTL (TTL_CLIENT_DEFAULT) is CLIENT_DEFAULT_TTL."""
    configured = {**config, "policies": {"write": {"ttl": CLIENT_DEFAULT_TTL}}}
    with aerospike_py.Client(configured).connect() as connected:
        yield connected


# Record-exists actions


@pytest.mark.parametrize(
    "exists",
    [aerospike_py.POLICY_EXISTS_UPDATE, aerospike_py.POLICY_EXISTS_UPDATE_ONLY],
    ids=["UPDATE", "UPDATE_ONLY"],
)
def test_update_only_fails_on_a_missing_record_and_merges_into_an_existing_one(
    client: aerospike_py.Client, set_name: str, exists: int
) -> None:
    """As in aerospike-py, POLICY_EXISTS_UPDATE updates only: it never creates."""
    key = (NS, set_name, "upd")
    with pytest.raises(RecordNotFound) as raised:
        client.put(key, {"b": 2}, policy={"exists": exists})
    assert raised.value.result_code == 2
    assert client.exists(key).meta is None
    client.put(key, {"a": 1})
    client.put(key, {"b": 2}, policy={"exists": exists})
    assert client.get(key).bins == {"a": 1, "b": 2}


def test_replace_drops_the_bins_it_does_not_write(
    client: aerospike_py.Client, set_name: str
) -> None:
    key = (NS, set_name, "repl")
    client.put(key, {"a": 1, "b": 2})
    client.put(key, {"c": 3}, policy={"exists": aerospike_py.POLICY_EXISTS_REPLACE})
    assert client.get(key).bins == {"c": 3}
    fresh = (NS, set_name, "repl-new")
    client.put(fresh, {"d": 4}, policy={"exists": aerospike_py.POLICY_EXISTS_REPLACE})
    assert client.get(fresh).bins == {"d": 4}


def test_replace_only_fails_on_a_missing_record_and_replaces_an_existing_one(
    client: aerospike_py.Client, set_name: str
) -> None:
    key = (NS, set_name, "repl-only")
    replace_only = {"exists": aerospike_py.POLICY_EXISTS_REPLACE_ONLY}
    with pytest.raises(RecordNotFound):
        client.put(key, {"a": 1}, policy=replace_only)
    assert client.exists(key).meta is None
    client.put(key, {"a": 1, "b": 2})
    client.put(key, {"c": 3}, policy=replace_only)
    assert client.get(key).bins == {"c": 3}


def test_generation_greater_than_refuses_a_stale_generation(
    client: aerospike_py.Client, set_name: str
) -> None:
    """POLICY_GEN_GT: a writer replaying a versioned update may skip generations, not go back."""
    key = (NS, set_name, "gen-gt")
    gen_gt = {"gen": aerospike_py.POLICY_GEN_GT}
    client.put(key, {"v": 1})
    client.put(key, {"v": 2})
    for stale in (1, 2):
        with pytest.raises(RecordGenerationError) as raised:
            client.put(key, {"v": -1}, meta={"gen": stale}, policy=gen_gt)
        assert raised.value.result_code == 3
    assert client.get(key).bins == {"v": 2}
    client.put(key, {"v": 3}, meta={"gen": 9}, policy=gen_gt)
    record = client.get(key)
    assert record.bins == {"v": 3}
    assert record.meta is not None
    assert record.meta.gen == 3


# Operators


def test_operate_append_and_prepend_change_the_string(
    client: aerospike_py.Client, set_name: str
) -> None:
    key = (NS, set_name, "affix")
    client.put(key, {"s": "mid", "other": 1})
    client.operate(
        key,
        [
            {"op": aerospike_py.OPERATOR_APPEND, "bin": "s", "val": "-end"},
            {"op": aerospike_py.OPERATOR_PREPEND, "bin": "s", "val": "start-"},
        ],
    )
    assert client.get(key).bins == {"s": "start-mid-end", "other": 1}


def test_operate_touch_sets_the_ttl_of_meta(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "touch")
    client.put(key, {"v": 1}, meta={"ttl": 100})
    client.operate(key, [{"op": aerospike_py.OPERATOR_TOUCH}], meta={"ttl": 7000})
    record = client.get(key)
    assert record.bins == {"v": 1}
    assert record.meta is not None
    assert near(record.meta.ttl, 7000)
    assert record.meta.gen == 2


def test_operate_touch_with_a_ttl_in_val_sets_that_ttl(
    client: aerospike_py.Client, set_name: str
) -> None:
    """aerospike-py's ``operations.touch(ttl)`` puts the TTL in ``val``; the official client
    applies it. Dropping it would quietly give the record another TTL."""
    key = (NS, set_name, "touch-val")
    client.put(key, {"v": 1}, meta={"ttl": 100})
    client.operate(key, [{"op": aerospike_py.OPERATOR_TOUCH, "val": 7000}])
    assert near(ttl_of(client, key), 7000)
    with pytest.raises(aerospike_py.InvalidArgError, match='"val"'):
        client.operate(key, [{"op": aerospike_py.OPERATOR_TOUCH, "val": "soon"}])


def test_operate_delete_removes_the_record(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "del")
    client.put(key, {"a": 1, "b": 2})
    record = client.operate(
        key,
        [{"op": aerospike_py.OPERATOR_READ, "bin": "a"}, {"op": aerospike_py.OPERATOR_DELETE}],
    )
    assert record.bins == {"a": 1}
    assert client.exists(key).meta is None
    with pytest.raises(RecordNotFound):
        client.get(key)


# TTL constants


@pytest.mark.parametrize("where", ["meta", "policy"])
def test_ttl_never_expire(client: aerospike_py.Client, set_name: str, where: str) -> None:
    key = (NS, set_name, "never")
    client.put(key, {"v": 1}, meta={"ttl": 100})
    if where == "meta":
        client.put(key, {"v": 2}, meta={"ttl": aerospike_py.TTL_NEVER_EXPIRE})
    else:
        client.put(key, {"v": 2}, policy={"ttl": aerospike_py.TTL_NEVER_EXPIRE})
    assert ttl_of(client, key) == 0xFFFFFFFF


def test_ttl_dont_update_keeps_the_ttl_even_with_a_client_default(
    ttl_client: aerospike_py.Client, set_name: str
) -> None:
    key = (NS, set_name, "keep")
    ttl_client.put(key, {"v": 1}, meta={"ttl": 100})
    ttl_client.put(key, {"v": 2}, meta={"ttl": aerospike_py.TTL_DONT_UPDATE})
    assert near(ttl_of(ttl_client, key), 100)
    ttl_client.increment(key, "v", 1, meta={"ttl": aerospike_py.TTL_DONT_UPDATE})
    record = ttl_client.get(key)
    assert record.bins == {"v": 3}
    assert record.meta is not None
    assert near(record.meta.ttl, 100)


def test_ttl_namespace_default_ignores_the_client_default(
    ttl_client: aerospike_py.Client, set_name: str
) -> None:
    """The dev server's namespace has default-ttl 0, so such records never expire."""
    key = (NS, set_name, "ns-default")
    ttl_client.put(key, {"v": 1}, meta={"ttl": 100})
    ttl_client.put(key, {"v": 2}, meta={"ttl": aerospike_py.TTL_NAMESPACE_DEFAULT})
    assert has_the_namespace_default_ttl(ttl_client, key)


def test_ttl_client_default_is_the_configured_write_ttl(
    ttl_client: aerospike_py.Client, set_name: str
) -> None:
    key = (NS, set_name, "client-default")
    ttl_client.put(key, {"v": 1})
    assert near(ttl_of(ttl_client, key), CLIENT_DEFAULT_TTL)
    ttl_client.put(key, {"v": 2}, meta={"ttl": 100})
    ttl_client.put(key, {"v": 3}, meta={"ttl": aerospike_py.TTL_CLIENT_DEFAULT})
    assert near(ttl_of(ttl_client, key), CLIENT_DEFAULT_TTL)
    ttl_client.touch(key, 100)
    ttl_client.touch(key, aerospike_py.TTL_CLIENT_DEFAULT)
    assert near(ttl_of(ttl_client, key), CLIENT_DEFAULT_TTL)
    ttl_client.touch(key, 100)
    ttl_client.operate(
        key,
        [{"op": aerospike_py.OPERATOR_TOUCH}],
        meta={"ttl": aerospike_py.TTL_CLIENT_DEFAULT},
    )
    assert near(ttl_of(ttl_client, key), CLIENT_DEFAULT_TTL)


def test_ttl_client_default_without_one_configured_is_the_namespace_default(
    client: aerospike_py.Client, set_name: str
) -> None:
    key = (NS, set_name, "no-client-default")
    client.put(key, {"v": 1}, meta={"ttl": 100})
    client.put(key, {"v": 2}, meta={"ttl": aerospike_py.TTL_CLIENT_DEFAULT})
    assert has_the_namespace_default_ttl(client, key)


# Secondary-index queries on strings


def test_string_equals_query_returns_exactly_the_matching_records(
    client: aerospike_py.Client, set_name: str
) -> None:
    """Not prefixes, not other cases, not integers, not records without the bin."""
    names: dict[int, Any] = {0: "ada", 1: "ada", 2: "adam", 3: "Ada", 4: "bob", 5: "ad", 6: 7}
    for i, name in names.items():
        client.put((NS, set_name, i), {"name": name, "i": i})
    client.put((NS, set_name, 7), {"i": 7})
    index = "name_" + uuid.uuid4().hex[:8]
    client.index_string_create(NS, set_name, "name", index)
    try:
        query = client.query(NS, set_name)
        query.where(predicates.equals("name", "ada"))
        records = query.results()
        assert sorted(r.bins["i"] for r in records if r.bins) == [0, 1]
        assert all(r.bins == {"name": "ada", "i": r.bins["i"]} for r in records if r.bins)
        query = client.query(NS, set_name)
        query.where(predicates.equals("name", "nobody"))
        assert query.results() == []
    finally:
        client.index_remove(NS, index)


def test_touch_with_a_ttl_keeps_the_calls_generation_check(
    client: aerospike_py.Client, set_name: str
) -> None:
    """``val`` sets the TTL; ``meta`` and ``policy`` still apply to the same touch."""
    key = (NS, set_name, "touch-gen")
    client.put(key, {"v": 1}, meta={"ttl": 100})
    with pytest.raises(RecordGenerationError):
        client.touch(key, 7000, meta={"gen": 99}, policy={"gen": aerospike_py.POLICY_GEN_EQ})
    assert near(ttl_of(client, key), 100)
    client.touch(key, 7000, meta={"gen": 1}, policy={"gen": aerospike_py.POLICY_GEN_EQ})
    assert near(ttl_of(client, key), 7000)


def test_batch_write_meta_without_ttl_keeps_the_calls_ttl(
    client: aerospike_py.Client, set_name: str
) -> None:
    """A record's meta changes only what it names."""
    with_meta, without_meta = (NS, set_name, "meta"), (NS, set_name, "plain")
    client.batch_write(
        [(with_meta, {"v": 1}, {"gen": 0}), (without_meta, {"v": 1})], policy={"ttl": 500}
    )
    assert near(ttl_of(client, with_meta), 500)
    assert near(ttl_of(client, without_meta), 500)
