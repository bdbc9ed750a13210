"""List and map operations: the official C client drives the server under test."""

from __future__ import annotations

from typing import Any

import aerospike
import pytest
from aerospike import exception as ex
from aerospike_helpers import cdt_ctx
from aerospike_helpers.operations import list_operations as lop
from aerospike_helpers.operations import map_operations as mop

Key = tuple[str, str, str]


def result(client: Any, key: Key, op: dict[str, Any]) -> Any:
    """Runs one operation and returns what it reported for its bin."""
    _, _, bins = client.operate(key, [op])
    return bins.get(op["bin"])


def test_list_operations_report_and_store(client: Any, key: Key) -> None:
    assert result(client, key, lop.list_append_items("l", [3, 1, 2])) == 3
    assert result(client, key, lop.list_insert("l", 1, 9)) == 4
    assert client.get(key)[2]["l"] == [3, 9, 1, 2]

    reads = [
        (lop.list_size("l"), 4),
        (lop.list_get_by_index("l", -1, aerospike.LIST_RETURN_VALUE), 2),
        (lop.list_get_by_rank("l", 0, aerospike.LIST_RETURN_VALUE), 1),
        # A low rank range comes back descending (the server's partial heap sort).
        (lop.list_get_by_rank_range("l", 0, aerospike.LIST_RETURN_VALUE, count=2), [2, 1]),
        (lop.list_get_by_index_range("l", 1, aerospike.LIST_RETURN_VALUE, count=2), [9, 1]),
        (lop.list_get_by_value("l", 9, aerospike.LIST_RETURN_INDEX), [1]),
        (lop.list_get_by_value_range("l", aerospike.LIST_RETURN_COUNT, 2, 10), 3),
        (
            lop.list_get_by_index_range(
                "l", 0, aerospike.LIST_RETURN_VALUE, count=1, inverted=True
            ),
            [9, 1, 2],
        ),
        (lop.list_get_range("l", 1, 2), [9, 1]),
    ]
    for op, want in reads:
        assert result(client, key, op) == want, op

    assert result(client, key, lop.list_pop("l", 0)) == 3
    assert result(client, key, lop.list_increment("l", 0, 5)) == 14
    client.operate(key, [lop.list_sort("l", aerospike.LIST_SORT_DEFAULT)])
    assert client.get(key)[2]["l"] == [1, 2, 14]
    assert result(client, key, lop.list_remove_by_value("l", 2, aerospike.LIST_RETURN_COUNT)) == 1
    client.operate(key, [lop.list_clear("l")])
    assert client.get(key)[2]["l"] == []


def test_ordered_lists_and_write_flags(client: Any, key: Key) -> None:
    unique = {"list_order": aerospike.LIST_ORDERED, "write_flags": aerospike.LIST_WRITE_ADD_UNIQUE}
    for value in (5, 1, 3):
        client.operate(key, [lop.list_append("l", value, unique)])
    assert client.get(key)[2]["l"] == [1, 3, 5]

    with pytest.raises(ex.ElementExistsError):
        client.operate(key, [lop.list_append("l", 3, unique)])
    no_fail = {
        "list_order": aerospike.LIST_ORDERED,
        "write_flags": aerospike.LIST_WRITE_ADD_UNIQUE | aerospike.LIST_WRITE_NO_FAIL,
    }
    assert result(client, key, lop.list_append("l", 3, no_fail)) == 3
    with pytest.raises(ex.OpNotApplicable):
        client.operate(key, [lop.list_get_by_index("l", 7, aerospike.LIST_RETURN_VALUE)])
    bounded = {"write_flags": aerospike.LIST_WRITE_INSERT_BOUNDED}
    other: Key = (key[0], key[1], key[2] + "-unordered")
    client.put(other, {"l": [1]})
    with pytest.raises(ex.OpNotApplicable):
        client.operate(other, [lop.list_insert("l", 5, 0, bounded)])
    client.operate(other, [lop.list_insert("l", 3, 0)])
    assert client.get(other)[2]["l"] == [1, None, None, 0]


def test_map_operations_report_and_store(client: Any, key: Key) -> None:
    ordered = {"map_order": aerospike.MAP_KEY_ORDERED}
    assert result(client, key, mop.map_put_items("m", {"c": 3, "a": 1, "b": 2}, ordered)) == 3

    reads = [
        (mop.map_size("m"), 3),
        (mop.map_get_by_key("m", "b", aerospike.MAP_RETURN_VALUE), 2),
        (mop.map_get_by_key("m", "z", aerospike.MAP_RETURN_VALUE), None),
        (mop.map_get_by_index("m", 0, aerospike.MAP_RETURN_KEY), "a"),
        (mop.map_get_by_rank("m", -1, aerospike.MAP_RETURN_KEY), "c"),
        (mop.map_get_by_index_range("m", 1, 2, aerospike.MAP_RETURN_KEY), ["b", "c"]),
        (mop.map_get_by_key_list("m", ["a", "c"], aerospike.MAP_RETURN_VALUE), [1, 3]),
        (mop.map_get_by_value_range("m", 2, 9, aerospike.MAP_RETURN_COUNT), 2),
        (mop.map_get_by_key_list("m", ["a"], aerospike.MAP_RETURN_KEY, inverted=True), ["b", "c"]),
        # A map compares a nil range end as a value: ["b", nil) holds nothing.
        (mop.map_get_by_key_range("m", "b", None, aerospike.MAP_RETURN_EXISTS), False),
        # Key-value results keep their order: the client unpacks them as flat pairs.
        (mop.map_get_by_index_range("m", 0, 2, aerospike.MAP_RETURN_KEY_VALUE), ["a", 1, "b", 2]),
        (
            mop.map_get_by_rank_range("m", 1, 2, aerospike.MAP_RETURN_UNORDERED_MAP),
            {"b": 2, "c": 3},
        ),
    ]
    for op, want in reads:
        assert result(client, key, op) == want, op

    assert result(client, key, mop.map_increment("m", "a", 10)) == 11
    assert result(client, key, mop.map_remove_by_key("m", "b", aerospike.MAP_RETURN_VALUE)) == 2
    assert client.get(key)[2]["m"] == {"a": 11, "c": 3}


def test_map_write_flags_report_element_errors(client: Any, key: Key) -> None:
    client.operate(key, [mop.map_put("m", "k", 1)])
    create_only = {"map_write_flags": aerospike.MAP_WRITE_FLAGS_CREATE_ONLY}
    with pytest.raises(ex.ElementExistsError):
        client.operate(key, [mop.map_put("m", "k", 2, create_only)])
    update_only = {"map_write_flags": aerospike.MAP_WRITE_FLAGS_UPDATE_ONLY}
    with pytest.raises(ex.ElementNotFoundError):
        client.operate(key, [mop.map_put("m", "new", 2, update_only)])
    partial = {
        "map_write_flags": aerospike.MAP_WRITE_FLAGS_CREATE_ONLY
        | aerospike.MAP_WRITE_FLAGS_NO_FAIL
        | aerospike.MAP_WRITE_FLAGS_PARTIAL
    }
    assert result(client, key, mop.map_put_items("m", {"k": 9, "n": 2}, partial)) == 2
    assert client.get(key)[2]["m"] == {"k": 1, "n": 2}


def test_contexts_reach_and_create_nested_levels(client: Any, key: Key) -> None:
    create = [cdt_ctx.cdt_ctx_map_key_create("profile", aerospike.MAP_KEY_ORDERED)]
    client.operate(key, [mop.map_put("doc", "tags", ["x"], ctx=create)])
    tags = [cdt_ctx.cdt_ctx_map_key("profile"), cdt_ctx.cdt_ctx_map_key("tags")]
    assert result(client, key, lop.list_append("doc", "y", ctx=tags)) == 2
    assert client.get(key)[2]["doc"] == {"profile": {"tags": ["x", "y"]}}
    last = lop.list_get_by_index("doc", -1, aerospike.LIST_RETURN_VALUE, ctx=tags)
    assert result(client, key, last) == "y"
    with pytest.raises(ex.OpNotApplicable):
        client.operate(key, [lop.list_size("doc", ctx=[cdt_ctx.cdt_ctx_map_key("nope")])])


def test_failing_ops_leave_the_record_unchanged(client: Any, key: Key) -> None:
    client.put(key, {"n": 1, "l": [1]})
    with pytest.raises(ex.BinIncompatibleType):
        client.operate(key, [lop.list_append("n", 2)])
    with pytest.raises(ex.OpNotApplicable):
        client.operate(key, [lop.list_append("l", 2), lop.list_pop("l", 10)])
    _, meta, bins = client.get(key)
    assert bins == {"n": 1, "l": [1]}
    assert meta["gen"] == 1
    _, _, bins = client.operate(key, [lop.list_size("absent")])
    assert bins.get("absent") is None


def test_list_positional_writes_and_ranges(client: Any, key: Key) -> None:
    client.put(key, {"l": [5, 1, 4, 2, 3]})
    client.operate(key, [lop.list_set("l", 6, 9)])
    assert client.get(key)[2]["l"] == [5, 1, 4, 2, 3, None, 9], "set past the end pads with nil"
    assert result(client, key, lop.list_trim("l", 0, 5)) == 2
    assert result(client, key, lop.list_remove_range("l", 3, 1)) == 1
    assert client.get(key)[2]["l"] == [5, 1, 4, 3]
    relative = lop.list_get_by_value_rank_range_relative(
        "l", 3, 1, aerospike.LIST_RETURN_VALUE, count=2
    )
    assert result(client, key, relative) == [4, 5]
    removed = lop.list_remove_by_rank_range("l", 0, aerospike.LIST_RETURN_VALUE, count=2)
    assert result(client, key, removed) == [3, 1]
    client.operate(key, [lop.list_set_order("l", aerospike.LIST_ORDERED)])
    assert client.get(key)[2]["l"] == [4, 5]


def test_map_ranges_and_decrements(client: Any, key: Key) -> None:
    client.put(key, {"m": {"a": 1, "b": 2, "c": 3, "d": 4}})
    relative = mop.map_get_by_key_index_range_relative(
        "m", "b", 1, aerospike.MAP_RETURN_KEY, count=2
    )
    assert result(client, key, relative) == ["c", "d"]
    by_value = mop.map_get_by_value_rank_range_relative(
        "m", 2, -1, aerospike.MAP_RETURN_VALUE, count=2
    )
    assert result(client, key, by_value) == [1, 2]
    assert result(client, key, mop.map_decrement("m", "d", 10)) == -6
    removed = mop.map_remove_by_value_range("m", 2, 4, aerospike.MAP_RETURN_KEY)
    assert sorted(result(client, key, removed)) == ["b", "c"]
    removed = mop.map_remove_by_rank_range("m", 0, 1, aerospike.MAP_RETURN_KEY, inverted=True)
    assert result(client, key, removed) == ["a"]
    assert client.get(key)[2]["m"] == {"d": -6}
    client.operate(key, [mop.map_clear("m")])
    assert client.get(key)[2]["m"] == {}


def test_list_index_contexts_create_padded_levels(client: Any, key: Key) -> None:
    create = [cdt_ctx.cdt_ctx_list_index_create(2, aerospike.LIST_UNORDERED, True)]
    client.operate(key, [lop.list_append("l", "x", ctx=create)])
    assert client.get(key)[2]["l"] == [None, None, ["x"]]
    rank = [cdt_ctx.cdt_ctx_list_rank(-1)]
    assert result(client, key, lop.list_size("l", ctx=rank)) == 1
