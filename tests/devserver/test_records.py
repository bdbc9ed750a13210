"""Single-record semantics (record-exists actions, generations, TTL, operate, limits) driven by
the official C-based client, with the result codes a real server answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aerospike
import pytest
from aerospike import exception as ex
from aerospike_helpers.operations import operations as op

from aerospike_py.devserver import DevServer

Key = tuple[str, str, str]

pytestmark = [
    # The generation a write expects still travels in `meta` in client 19.
    pytest.mark.filterwarnings("ignore:meta parameter is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:.*deprecated for strings in server 8.2:DeprecationWarning"),
]


def server_code(call: Callable[[], object]) -> int:
    """The result code of a command the server must refuse."""
    with pytest.raises(ex.AerospikeError) as refused:
        call()
    return int(refused.value.code)


def test_record_exists_actions(client: Any, key: Key) -> None:
    bins = {"a": 1, "b": 2}
    # The C client's names: UPDATE = update-only, REPLACE = replace-only,
    # CREATE_OR_REPLACE = replace, IGNORE = update (the default).
    for exists in (aerospike.POLICY_EXISTS_UPDATE, aerospike.POLICY_EXISTS_REPLACE):
        assert server_code(lambda e=exists: client.put(key, bins, policy={"exists": e})) == 2
    client.put(key, bins, policy={"exists": aerospike.POLICY_EXISTS_CREATE})
    create_again = {"exists": aerospike.POLICY_EXISTS_CREATE}
    with pytest.raises(ex.RecordExistsError):
        client.put(key, bins, policy=create_again)

    client.put(key, {"c": 3}, policy={"exists": aerospike.POLICY_EXISTS_UPDATE})
    assert client.get(key)[2] == {"a": 1, "b": 2, "c": 3}
    client.put(key, {"d": 4}, policy={"exists": aerospike.POLICY_EXISTS_CREATE_OR_REPLACE})
    _, meta, bins_now = client.get(key)
    assert bins_now == {"d": 4}
    assert meta["gen"] == 3


def test_generation_checks(client: Any, key: Key) -> None:
    client.put(key, {"a": 1})
    client.put(key, {"a": 2})
    eq = {"gen": aerospike.POLICY_GEN_EQ}
    gt = {"gen": aerospike.POLICY_GEN_GT}
    with pytest.raises(ex.RecordGenerationError):
        client.put(key, {"a": 3}, meta={"gen": 1}, policy=eq)
    with pytest.raises(ex.RecordGenerationError):
        client.put(key, {"a": 3}, meta={"gen": 2}, policy=gt)
    client.put(key, {"a": 3}, meta={"gen": 2}, policy=eq)
    client.put(key, {"a": 4}, meta={"gen": 9}, policy=gt)
    assert client.get(key)[1]["gen"] == 4
    with pytest.raises(ex.RecordGenerationError):
        client.remove(key, meta={"gen": 1}, policy=eq)
    client.remove(key, meta={"gen": 4}, policy=eq)


def test_ttl_never_default_and_dont_update(client: Any, key: Key) -> None:
    client.put(key, {"a": 1}, policy={"ttl": 1000})
    ttl = client.get(key)[1]["ttl"]
    assert 990 <= ttl <= 1000
    client.put(key, {"a": 2}, policy={"ttl": aerospike.TTL_DONT_UPDATE})
    assert 990 <= client.get(key)[1]["ttl"] <= 1000
    client.put(key, {"a": 3}, policy={"ttl": aerospike.TTL_NEVER_EXPIRE})
    never = client.get(key)[1]["ttl"]
    client.put(key, {"a": 4}, policy={"ttl": aerospike.TTL_NAMESPACE_DEFAULT})
    assert client.get(key)[1]["ttl"] == never, "the test namespace's default is never"


def test_touch_renews_existing_records_only(client: Any, key: Key) -> None:
    with pytest.raises(ex.RecordNotFound):
        client.touch(key, val=500)
    client.put(key, {"a": 1})
    client.touch(key, val=500)
    _, meta, _ = client.get(key)
    assert meta["gen"] == 2
    assert 490 <= meta["ttl"] <= 500


def test_operate_applies_ops_in_order(client: Any, key: Key) -> None:
    client.put(key, {"n": 10, "s": "mid", "f": 1.5, "gone": 1})
    ops = [
        op.increment("n", 5),
        op.append("s", "-end"),
        op.prepend("s", "start-"),
        op.increment("f", 1.0),
        op.write("gone", None),
        op.read("n"),
        op.read("s"),
        op.read("f"),
    ]
    _, meta, bins = client.operate(key, ops)
    assert bins == {"n": 15, "s": "start-mid-end", "f": 2.5}
    assert meta["gen"] == 2
    assert "gone" not in client.get(key)[2]


def test_operate_errors_leave_the_record_unchanged(client: Any, key: Key) -> None:
    client.put(key, {"s": "text", "n": 1})
    with pytest.raises(ex.BinIncompatibleType):
        client.operate(key, [op.increment("n", 1), op.increment("s", 1)])
    with pytest.raises(ex.BinIncompatibleType):
        client.operate(key, [op.append("n", "x")])
    _, meta, bins = client.get(key)
    assert bins == {"s": "text", "n": 1}
    assert meta["gen"] == 1


def test_delete_within_operate_then_write(client: Any, key: Key) -> None:
    client.put(key, {"a": 1})
    client.operate(key, [op.delete(), op.write("b", 2)])
    assert client.get(key)[2] == {"b": 2}
    client.put(key, {"b": None})
    with pytest.raises(ex.RecordNotFound):
        client.get(key)


def test_select_returns_only_existing_named_bins(client: Any, key: Key) -> None:
    client.put(key, {"a": 1, "b": 2})
    _, _, bins = client.select(key, ["a", "missing"])
    assert bins == {"a": 1}


def test_records_over_the_size_limit_are_refused(client: Any, key: Key) -> None:
    with pytest.raises(ex.RecordTooBig):
        client.put(key, {"big": bytearray(2 * 1024 * 1024)})
    with pytest.raises(ex.RecordNotFound):
        client.get(key)


def test_send_key_is_accepted_on_every_command(client: Any, key: Key) -> None:
    send = {"key": aerospike.POLICY_KEY_SEND}
    client.put(key, {"a": 1}, policy=send)
    client.put(key, {"a": 2}, policy=send)
    assert client.get(key, policy=send)[2] == {"a": 2}
    client.remove(key, policy=send)


@pytest.mark.devserver_only
def test_records_expire_when_the_server_clock_passes_their_ttl(
    devserver: DevServer, make_client: Callable[[list[tuple[str, int]]], Any]
) -> None:
    c = make_client(devserver.hosts)
    key = ("test", "ttl", "expiring")
    c.put(key, {"a": 1}, policy={"ttl": 100})
    devserver.advance_clock(99)
    assert c.get(key)[2] == {"a": 1}
    devserver.advance_clock(2)
    with pytest.raises(ex.RecordNotFound):
        c.get(key)
    _, meta = c.exists(key)
    assert meta is None
    c.put(key, {"a": 2})
    assert c.get(key)[1]["gen"] == 1, "an expired record is re-created"
