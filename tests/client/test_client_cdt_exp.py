"""List and map operations, and filter expressions, over TCP."""

from __future__ import annotations

import functools

import pytest

import aerospike_py
from aerospike_py import exp
from aerospike_py import list_operations as lo
from aerospike_py import map_operations as mo

NS = "test"


def test_list_operations(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "list")
    client.put(key, {"l": [3, 1, 2]})
    record = client.operate(
        key,
        [
            lo.list_append("l", 5),
            lo.list_append_items("l", [4, 0]),
            lo.list_size("l"),
        ],
    )
    # Several operations on one bin answer one result each, in order (sizes after each write).
    assert record.bins == {"l": [4, 6, 6]}
    ordered = client.operate_ordered(
        key,
        [
            lo.list_get_by_rank_range("l", 0, aerospike_py.LIST_RETURN_VALUE, count=3),
            lo.list_remove_by_value("l", 5, aerospike_py.LIST_RETURN_COUNT),
        ],
    )
    assert ordered.ordered_bins[0].name == "l"
    assert client.operate(key, [lo.list_sort("l"), lo.list_get_range("l", 0, 10)]).bins == {
        "l": [0, 1, 2, 3, 4]
    }
    assert client.operate(key, [lo.list_pop("l", 0)]).bins == {"l": 0}
    client.operate(key, [lo.list_insert("l", 0, 9), lo.list_increment("l", 0, 1)])
    assert client.get(key).bins == {"l": [10, 1, 2, 3, 4]}
    client.operate(key, [lo.list_clear("l")])
    assert client.get(key).bins == {"l": []}


def test_map_operations(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "map")
    policy = {"order": aerospike_py.MAP_KEY_ORDERED}
    client.operate(
        key,
        [
            mo.map_put("m", "a", 1, policy),
            mo.map_put_items("m", {"b": 2, "c": 3}, policy),
            mo.map_increment("m", "a", 10, policy),
        ],
    )
    assert client.get(key).bins == {"m": {"a": 11, "b": 2, "c": 3}}
    record = client.operate(key, [mo.map_get_by_key("m", "b", aerospike_py.MAP_RETURN_VALUE)])
    assert record.bins == {"m": 2}
    record = client.operate(key, [mo.map_size("m")])
    assert record.bins == {"m": 3}
    client.operate(key, [mo.map_remove_by_key("m", "c", aerospike_py.MAP_RETURN_NONE)])
    assert client.get(key).bins == {"m": {"a": 11, "b": 2}}


def test_operate_ordered_with_a_read_of_every_bin_returns_every_bin(
    client: aerospike_py.Client, set_name: str
) -> None:
    """The bins the operations name come first, in their order, then the others by name."""
    key = (NS, set_name, "all")
    client.put(key, {"s": "x", "i": 1, "l": [1]})
    read_all = {"op": aerospike_py.OPERATOR_READ}
    ordered = client.operate_ordered(key, [lo.list_size("l"), read_all]).ordered_bins
    # With a read of every bin the server answers with the record's bins alone: the list
    # size's result is not in the reply.
    assert [(b.name, b.value) for b in ordered] == [("l", [1]), ("i", 1), ("s", "x")]
    assert [b.name for b in client.operate_ordered(key, [read_all]).ordered_bins] == [
        "i",
        "l",
        "s",
    ]


def test_key_value_results_are_pairs_in_the_selections_order(
    client: aerospike_py.Client, set_name: str
) -> None:
    """As aerospike-py returns them: by rank, a dict would hide that the order is the result."""
    key = (NS, set_name, "pairs")
    client.put(key, {"m": {"a": 30, "b": 10, "c": 20}})
    by_rank = mo.map_get_by_rank_range("m", 0, aerospike_py.MAP_RETURN_KEY_VALUE, 2)
    assert client.operate(key, [by_rank]).bins == {"m": [("b", 10), ("c", 20)]}
    by_key = mo.map_get_by_key_range("m", "a", "c", aerospike_py.MAP_RETURN_KEY_VALUE)
    assert client.operate(key, [by_key]).bins == {"m": [("a", 30), ("b", 10)]}
    assert client.get(key).bins == {"m": {"a": 30, "b": 10, "c": 20}}


def test_filter_expression_on_reads_and_writes(client: aerospike_py.Client, set_name: str) -> None:
    key = (NS, set_name, "filtered")
    client.put(key, {"active": True, "age": 30, "name": "Ada"})
    adult = {"filter_expression": exp.ge(exp.int_bin("age"), exp.int_val(21))}
    assert client.get(key, policy=adult).bins["name"] == "Ada"
    inactive = {"filter_expression": exp.eq(exp.bool_bin("active"), exp.bool_val(False))}
    with pytest.raises(aerospike_py.FilteredOut) as raised:
        client.get(key, policy=inactive)
    assert raised.value.result_code == 27
    both = exp.and_(
        exp.eq(exp.string_bin("name"), exp.string_val("Ada")),
        exp.lt(exp.num_add(exp.int_bin("age"), exp.int_val(5)), exp.int_val(40)),
    )
    client.put(key, {"age": 31}, policy={"filter_expression": both})
    assert client.get(key).bins["age"] == 31
    with pytest.raises(aerospike_py.FilteredOut):
        client.put(key, {"age": 99}, policy={"filter_expression": exp.not_(both)})


def test_a_deeply_nested_expression_is_refused_and_a_flat_one_serves(
    client: aerospike_py.Client, set_name: str
) -> None:
    """reduce(exp.and_, ...) nests one level per condition; thousands overflowed the stack."""
    key = (NS, set_name, "deep")
    client.put(key, {"a": 1})
    conditions = [exp.ne(exp.int_bin("a"), exp.int_val(i)) for i in range(2, 3000)]
    nested = functools.reduce(exp.and_, conditions)
    with pytest.raises(aerospike_py.InvalidArgError, match=r"exp\.and_\(\*conditions\)"):
        client.get(key, policy={"filter_expression": nested})
    flat = exp.and_(*conditions)
    assert client.get(key, policy={"filter_expression": flat}).bins == {"a": 1}
