"""Differential tests of list and map operations and nested contexts: every reply and the record
each op leaves behind are compared between the real server and the dev server.

A selector case runs its op once per return type (plain and inverted, read and remove) against a
freshly seeded record, so one case compares a few dozen replies under one set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import aerospike
import pytest
from aerospike_helpers import cdt_ctx
from aerospike_helpers.operations import list_operations as lop
from aerospike_helpers.operations import map_operations as mop

from tests.differential.conftest import Key, KeyedScenario

Op = dict[str, Any]
Compare = Callable[[KeyedScenario], Any]
# A selector: (remove?, return type, inverted?) -> the op.
Selector = Callable[[bool, int, bool], Op]

REPLACE = {"exists": aerospike.POLICY_EXISTS_CREATE_OR_REPLACE}

LIST_RETURNS = {
    "none": aerospike.LIST_RETURN_NONE,
    "index": aerospike.LIST_RETURN_INDEX,
    "reverse_index": aerospike.LIST_RETURN_REVERSE_INDEX,
    "rank": aerospike.LIST_RETURN_RANK,
    "reverse_rank": aerospike.LIST_RETURN_REVERSE_RANK,
    "count": aerospike.LIST_RETURN_COUNT,
    "value": aerospike.LIST_RETURN_VALUE,
    "exists": aerospike.LIST_RETURN_EXISTS,
}
MAP_RETURNS = {
    "none": aerospike.MAP_RETURN_NONE,
    "index": aerospike.MAP_RETURN_INDEX,
    "reverse_index": aerospike.MAP_RETURN_REVERSE_INDEX,
    "rank": aerospike.MAP_RETURN_RANK,
    "reverse_rank": aerospike.MAP_RETURN_REVERSE_RANK,
    "count": aerospike.MAP_RETURN_COUNT,
    "key": aerospike.MAP_RETURN_KEY,
    "value": aerospike.MAP_RETURN_VALUE,
    "key_value": aerospike.MAP_RETURN_KEY_VALUE,
    "exists": aerospike.MAP_RETURN_EXISTS,
    "unordered_map": aerospike.MAP_RETURN_UNORDERED_MAP,
    "ordered_map": aerospike.MAP_RETURN_ORDERED_MAP,
}
# The flag the clients add for `inverted=True`; single-element helpers take no such argument.
INVERTED = 0x10000


def comparable(value: Any) -> Any:
    """Maps become ordered pair lists, so the order the server sent (or stored) counts."""
    if isinstance(value, dict):
        return ("map", [(comparable(k), comparable(v)) for k, v in value.items()])
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, tuple):
        return tuple(comparable(v) for v in value)
    return value


def attempt(client: Any, key: Any, ops: Sequence[Op]) -> Any:
    """The ops' replies in order, or the error as (class name, result code)."""
    try:
        _, _, replies = client.operate_ordered(key, list(ops))
    except aerospike.exception.AerospikeError as error:
        return ("error", type(error).__name__, error.code)
    return comparable(replies)


def stored(client: Any, key: Any) -> Any:
    try:
        return comparable(client.get(key)[2])
    except aerospike.exception.RecordNotFound:
        return "no record"


def seed(client: Any, key: Any, bins: dict[str, Any], setup: Sequence[Op]) -> None:
    client.put(key, bins, policy=REPLACE)
    if setup:
        client.operate(key, list(setup))


def operate(bins: dict[str, Any], ops: Sequence[Op], setup: Sequence[Op] = ()) -> KeyedScenario:
    """Seeds one record, runs `ops` in one command: its replies and the record it leaves."""

    def scenario(client: Any, key: Key) -> Any:
        seed(client, key, bins, setup)
        return attempt(client, key, ops), stored(client, key)

    return scenario


def each_return_type(
    bins: dict[str, Any],
    setup: Sequence[Op],
    selector: Selector,
    returns: dict[str, int],
) -> KeyedScenario:
    """The selector's read under every return type, plain and inverted, then its remove under
    each, every remove on a freshly seeded record."""

    def scenario(client: Any, key: Key) -> Any:
        seed(client, key, bins, setup)
        answers: dict[str, Any] = {}
        for inverted in (False, True):
            for name, rt in returns.items():
                label = f"get {name}{' inverted' if inverted else ''}"
                answers[label] = attempt(client, key, [selector(False, rt, inverted)])
        for inverted in (False, True):
            for name, rt in returns.items():
                seed(client, key, bins, setup)
                label = f"remove {name}{' inverted' if inverted else ''}"
                reply = attempt(client, key, [selector(True, rt, inverted)])
                answers[label] = (reply, stored(client, key))
        return answers

    return scenario


def single(
    get: Callable[..., Op], remove: Callable[..., Op], bin_name: str, *args: Any
) -> Selector:
    """A single-element selector: INVERTED travels in the return type, as the clients send it."""
    return lambda rm, rt, inv: (remove if rm else get)(
        bin_name, *args, rt | (INVERTED if inv else 0)
    )


# Lists -------------------------------------------------------------------------------------------

LIST = [3, 1, 2, 5, 4, 2]
LIST_ORDERS: dict[str, list[Op]] = {
    "unordered": [],
    "ordered": [lop.list_set_order("l", aerospike.LIST_ORDERED)],
}

LIST_SELECTORS: dict[str, Selector] = {
    "index[1]": single(lop.list_get_by_index, lop.list_remove_by_index, "l", 1),
    "index[-1]": single(lop.list_get_by_index, lop.list_remove_by_index, "l", -1),
    "index[9]": single(lop.list_get_by_index, lop.list_remove_by_index, "l", 9),
    "rank[0]": single(lop.list_get_by_rank, lop.list_remove_by_rank, "l", 0),
    "rank[1]-tie": single(lop.list_get_by_rank, lop.list_remove_by_rank, "l", 1),
    "rank[-1]": single(lop.list_get_by_rank, lop.list_remove_by_rank, "l", -1),
    "rank[-9]": single(lop.list_get_by_rank, lop.list_remove_by_rank, "l", -9),
}


def _list_index_range(index: int, count: int | None) -> Selector:
    return lambda rm, rt, inv: (
        lop.list_remove_by_index_range if rm else lop.list_get_by_index_range
    )("l", index, rt, count=count, inverted=inv)


def _list_rank_range(rank: int, count: int | None) -> Selector:
    return lambda rm, rt, inv: (
        lop.list_remove_by_rank_range if rm else lop.list_get_by_rank_range
    )("l", rank, rt, count=count, inverted=inv)


def _list_value(value: Any) -> Selector:
    return lambda rm, rt, inv: (lop.list_remove_by_value if rm else lop.list_get_by_value)(
        "l", value, rt, inverted=inv
    )


def _list_value_list(values: list[Any]) -> Selector:
    return lambda rm, rt, inv: (
        lop.list_remove_by_value_list if rm else lop.list_get_by_value_list
    )("l", values, rt, inverted=inv)


def _list_value_range(begin: Any, end: Any) -> Selector:
    return lambda rm, rt, inv: (
        lop.list_remove_by_value_range if rm else lop.list_get_by_value_range
    )("l", rt, begin, end, inverted=inv)


def _list_relative(value: Any, rank: int, count: int | None) -> Selector:
    return lambda rm, rt, inv: (
        lop.list_remove_by_value_rank_range_relative
        if rm
        else lop.list_get_by_value_rank_range_relative
    )("l", value, rank, rt, count=count, inverted=inv)


LIST_SELECTORS |= {
    "index_range[1,3]": _list_index_range(1, 3),
    "index_range[-2,end]": _list_index_range(-2, None),
    "index_range[-9,3]": _list_index_range(-9, 3),
    "index_range[4,100]": _list_index_range(4, 100),
    "index_range[9,1]": _list_index_range(9, 1),
    "index_range[2,0]": _list_index_range(2, 0),
    "rank_range[0,2]": _list_rank_range(0, 2),
    "rank_range[1,3]": _list_rank_range(1, 3),
    "rank_range[3,2]": _list_rank_range(3, 2),
    "rank_range[-2,end]": _list_rank_range(-2, None),
    "rank_range[0,end]": _list_rank_range(0, None),
    "rank_range[-9,3]": _list_rank_range(-9, 3),
    "rank_range[9,1]": _list_rank_range(9, 1),
    "value[2]": _list_value(2),
    "value[9]": _list_value(9),
    "value_list[2,5,9]": _list_value_list([2, 5, 9]),
    "value_list[]": _list_value_list([]),
    "value_range[2,4)": _list_value_range(2, 4),
    "value_range[3,nil)": _list_value_range(3, None),
    "value_range[9,10)": _list_value_range(9, 10),
    "relative[3,-1,2]": _list_relative(3, -1, 2),
    "relative[3,1,end]": _list_relative(3, 1, None),
    "relative[2,0,2]": _list_relative(2, 0, 2),
    "relative[10,-2,end]": _list_relative(10, -2, None),
    "relative[0,-1,2]": _list_relative(0, -1, 2),
}


@pytest.mark.parametrize("order", LIST_ORDERS)
@pytest.mark.parametrize("selector", LIST_SELECTORS)
def test_list_selectors(compare_keyed: Compare, selector: str, order: str) -> None:
    compare_keyed(
        each_return_type({"l": LIST}, LIST_ORDERS[order], LIST_SELECTORS[selector], LIST_RETURNS)
    )


def _list_policy(flags: int, order: int = aerospike.LIST_UNORDERED) -> dict[str, int]:
    return {"write_flags": flags, "list_order": order}


UNIQUE = aerospike.LIST_WRITE_ADD_UNIQUE
BOUNDED = aerospike.LIST_WRITE_INSERT_BOUNDED
NO_FAIL = aerospike.LIST_WRITE_NO_FAIL
PARTIAL = aerospike.LIST_WRITE_PARTIAL

LIST_WRITES: dict[str, list[Op]] = {
    "append": [lop.list_append("l", 7)],
    "append_unique_new": [lop.list_append("l", 7, _list_policy(UNIQUE))],
    "append_unique_dup": [lop.list_append("l", 2, _list_policy(UNIQUE))],
    "append_unique_dup_no_fail": [lop.list_append("l", 2, _list_policy(UNIQUE | NO_FAIL))],
    "append_items_unique_dup": [lop.list_append_items("l", [7, 2], _list_policy(UNIQUE))],
    "append_items_unique_no_fail": [
        lop.list_append_items("l", [7, 2, 8], _list_policy(UNIQUE | NO_FAIL))
    ],
    "append_items_unique_partial": [
        lop.list_append_items("l", [7, 2, 8], _list_policy(UNIQUE | NO_FAIL | PARTIAL))
    ],
    "append_items_unique_repeat": [
        lop.list_append_items("l", [7, 7], _list_policy(UNIQUE | NO_FAIL | PARTIAL))
    ],
    "append_items_empty": [lop.list_append_items("l", [])],
    "append_ordered_policy": [lop.list_append("l", 0, _list_policy(0, aerospike.LIST_ORDERED))],
    "insert_middle": [lop.list_insert("l", 2, 9)],
    "insert_negative": [lop.list_insert("l", -1, 9)],
    "insert_at_end": [lop.list_insert("l", 6, 9)],
    "insert_past_end": [lop.list_insert("l", 8, 9)],
    "insert_before_start": [lop.list_insert("l", -7, 9)],
    "insert_at_start_negative": [lop.list_insert("l", -6, 9)],
    "insert_bounded_end": [lop.list_insert("l", 6, 9, _list_policy(BOUNDED))],
    "insert_bounded_past_end": [lop.list_insert("l", 7, 9, _list_policy(BOUNDED))],
    "insert_bounded_no_fail": [lop.list_insert("l", 7, 9, _list_policy(BOUNDED | NO_FAIL))],
    "insert_unique_dup": [lop.list_insert("l", 0, 5, _list_policy(UNIQUE))],
    "insert_items": [lop.list_insert_items("l", 1, [8, 9])],
    "insert_items_past_end": [lop.list_insert_items("l", 8, [8, 9])],
    "insert_items_unique_partial": [
        lop.list_insert_items("l", 1, [8, 5, 9], _list_policy(UNIQUE | NO_FAIL | PARTIAL))
    ],
    "set": [lop.list_set("l", 1, 9)],
    "set_negative": [lop.list_set("l", -1, 9)],
    "set_past_end": [lop.list_set("l", 8, 9)],
    "set_before_start": [lop.list_set("l", -7, 9)],
    "set_bounded_past_end": [lop.list_set("l", 6, 9, _list_policy(BOUNDED))],
    "set_bounded_no_fail": [lop.list_set("l", 6, 9, _list_policy(BOUNDED | NO_FAIL))],
    "set_unique_dup": [lop.list_set("l", 0, 5, _list_policy(UNIQUE))],
    "set_unique_same_place": [lop.list_set("l", 0, 3, _list_policy(UNIQUE))],
    "increment": [lop.list_increment("l", 1, 10)],
    "increment_negative_index": [lop.list_increment("l", -1, -3)],
    "increment_past_end": [lop.list_increment("l", 8, 4)],
    "increment_by_float": [lop.list_increment("l", 0, 1.5)],
    "increment_bounded_past_end": [lop.list_increment("l", 8, 4, _list_policy(BOUNDED))],
    "get": [lop.list_get("l", -2)],
    "get_out_of_range": [lop.list_get("l", 6)],
    "get_range": [lop.list_get_range("l", 1, 3)],
    "get_range_negative": [lop.list_get_range("l", -2, 5)],
    "get_range_past_end": [lop.list_get_range("l", 9, 2)],
    "pop": [lop.list_pop("l", -1)],
    "pop_out_of_range": [lop.list_pop("l", 6)],
    "pop_range": [lop.list_pop_range("l", 1, 2)],
    "pop_range_negative": [lop.list_pop_range("l", -2, 9)],
    "remove": [lop.list_remove("l", 0)],
    "remove_out_of_range": [lop.list_remove("l", -7)],
    "remove_range": [lop.list_remove_range("l", 2, 10)],
    "trim": [lop.list_trim("l", 1, 3)],
    "trim_negative": [lop.list_trim("l", -2, 5)],
    "trim_past_end": [lop.list_trim("l", 9, 1)],
    "clear": [lop.list_clear("l")],
    "size": [lop.list_size("l")],
    "sort": [lop.list_sort("l")],
    "sort_drop_duplicates": [lop.list_sort("l", aerospike.LIST_SORT_DROP_DUPLICATES)],
    "set_order_ordered": [lop.list_set_order("l", aerospike.LIST_ORDERED)],
    "several_ops": [lop.list_append("l", 0), lop.list_size("l"), lop.list_pop("l", 0)],
    "append_to_integer_bin": [lop.list_append("n", 1)],
    "size_of_missing_bin": [lop.list_size("missing")],
    "append_to_missing_bin": [lop.list_append("missing", 1)],
    "remove_from_missing_bin": [
        lop.list_remove_by_index("missing", 0, aerospike.LIST_RETURN_VALUE)
    ],
    "create_ordered": [lop.list_create("new", aerospike.LIST_ORDERED, False, False)],
}


@pytest.mark.parametrize("order", LIST_ORDERS)
@pytest.mark.parametrize("case", LIST_WRITES)
def test_list_writes(compare_keyed: Compare, case: str, order: str) -> None:
    compare_keyed(operate({"l": LIST, "n": 1}, LIST_WRITES[case], LIST_ORDERS[order]))


LIST_VALUE_CASES: dict[str, tuple[list[Any], list[Op]]] = {
    "mixed_types_sort": ([b"b", "b", 2.5, 1, None, True, [1], {"a": 1}], [lop.list_sort("l")]),
    "mixed_types_ordered": (
        ["b", 2.5, 1, None, False, [0, 1], [0], b"a"],
        [lop.list_set_order("l", aerospike.LIST_ORDERED)],
    ),
    "mixed_rank_range": (
        ["b", 2.5, 1, None, b"a"],
        [lop.list_get_by_rank_range("l", 1, aerospike.LIST_RETURN_VALUE, count=3)],
    ),
    "float_int_value_range": (
        [1, 1.5, 2, 2.5, 3],
        [lop.list_get_by_value_range("l", aerospike.LIST_RETURN_VALUE, 1.5, 3)],
    ),
    "nested_list_values": (
        [[2, "b"], [1, "z"], [1, "a"]],
        [lop.list_get_by_value_range("l", aerospike.LIST_RETURN_VALUE, [1], [2])],
    ),
    "increment_float_element": ([1.5], [lop.list_increment("l", 0, 2)]),
    "increment_string_element": (["a"], [lop.list_increment("l", 0, 1)]),
    "sort_descending_strings": (["b", "c", "a"], [lop.list_sort("l", 1)]),
    "ties_rank_range": (
        [2, 1, 2, 1, 2],
        [lop.list_get_by_rank_range("l", 1, aerospike.LIST_RETURN_VALUE, count=3)],
    ),
    "ties_rank_range_index": (
        [2, 1, 2, 1, 2],
        [lop.list_get_by_rank_range("l", 1, aerospike.LIST_RETURN_INDEX, count=3)],
    ),
    "ties_remove_rank": (
        [2, 1, 2, 1, 2],
        [lop.list_remove_by_rank("l", 2, aerospike.LIST_RETURN_INDEX)],
    ),
    "empty_list_rank": ([], [lop.list_get_by_rank("l", 0, aerospike.LIST_RETURN_VALUE)]),
    "empty_list_rank_range": (
        [],
        [lop.list_get_by_rank_range("l", 0, aerospike.LIST_RETURN_VALUE, count=2)],
    ),
    "empty_list_value_exists": ([], [lop.list_get_by_value("l", 1, aerospike.LIST_RETURN_EXISTS)]),
    "long_rank_range_top": (
        list(range(20, 0, -1)),
        [lop.list_get_by_rank_range("l", 15, aerospike.LIST_RETURN_VALUE, count=3)],
    ),
    "long_rank_range_bottom": (
        [5, 9, 1, 7, 3, 8, 2, 6, 4, 0],
        [lop.list_remove_by_rank_range("l", 2, aerospike.LIST_RETURN_VALUE, count=4)],
    ),
}


@pytest.mark.parametrize("case", LIST_VALUE_CASES)
def test_list_values(compare_keyed: Compare, case: str) -> None:
    values, ops = LIST_VALUE_CASES[case]
    compare_keyed(operate({"l": values}, ops))


# Maps --------------------------------------------------------------------------------------------

MAP = {"b": 2, "d": 4, "a": 3, "c": 1, "e": 2}
MAP_ORDERS: dict[str, list[Op]] = {
    "unordered": [],
    "key_ordered": [mop.map_set_policy("m", {"map_order": aerospike.MAP_KEY_ORDERED})],
    "key_value_ordered": [mop.map_set_policy("m", {"map_order": aerospike.MAP_KEY_VALUE_ORDERED})],
}

MAP_SELECTORS: dict[str, Selector] = {
    "key[a]": single(mop.map_get_by_key, mop.map_remove_by_key, "m", "a"),
    "key[z]": single(mop.map_get_by_key, mop.map_remove_by_key, "m", "z"),
    "index[1]": single(mop.map_get_by_index, mop.map_remove_by_index, "m", 1),
    "index[-1]": single(mop.map_get_by_index, mop.map_remove_by_index, "m", -1),
    "index[9]": single(mop.map_get_by_index, mop.map_remove_by_index, "m", 9),
    "rank[0]": single(mop.map_get_by_rank, mop.map_remove_by_rank, "m", 0),
    "rank[1]-tie": single(mop.map_get_by_rank, mop.map_remove_by_rank, "m", 1),
    "rank[-1]": single(mop.map_get_by_rank, mop.map_remove_by_rank, "m", -1),
}


def _map_multi(get: Callable[..., Op], remove: Callable[..., Op], *args: Any) -> Selector:
    """Map range helpers take the return type after their selector arguments."""
    return lambda rm, rt, inv: (remove if rm else get)("m", *args, rt, inverted=inv)


def _map_relative(
    get: Callable[..., Op], remove: Callable[..., Op], anchor: Any, offset: int, count: int | None
) -> Selector:
    return lambda rm, rt, inv: (remove if rm else get)(
        "m", anchor, offset, rt, count=count, inverted=inv
    )


MAP_SELECTORS |= {
    "key_list[a,c,z]": _map_multi(
        mop.map_get_by_key_list, mop.map_remove_by_key_list, ["a", "c", "z"]
    ),
    "key_list[c,a]": _map_multi(mop.map_get_by_key_list, mop.map_remove_by_key_list, ["c", "a"]),
    "key_range[b,d)": _map_multi(mop.map_get_by_key_range, mop.map_remove_by_key_range, "b", "d"),
    "key_range[b,nil)": _map_multi(
        mop.map_get_by_key_range, mop.map_remove_by_key_range, "b", None
    ),
    "key_range[nil,c)": _map_multi(
        mop.map_get_by_key_range, mop.map_remove_by_key_range, None, "c"
    ),
    "key_range[x,z)": _map_multi(mop.map_get_by_key_range, mop.map_remove_by_key_range, "x", "z"),
    "value[2]": _map_multi(mop.map_get_by_value, mop.map_remove_by_value, 2),
    "value[9]": _map_multi(mop.map_get_by_value, mop.map_remove_by_value, 9),
    "value_list[2,4,9]": _map_multi(
        mop.map_get_by_value_list, mop.map_remove_by_value_list, [2, 4, 9]
    ),
    "value_range[2,4)": _map_multi(mop.map_get_by_value_range, mop.map_remove_by_value_range, 2, 4),
    "value_range[2,nil)": _map_multi(
        mop.map_get_by_value_range, mop.map_remove_by_value_range, 2, None
    ),
    "index_range[1,2]": _map_multi(mop.map_get_by_index_range, mop.map_remove_by_index_range, 1, 2),
    "index_range[-2,9]": _map_multi(
        mop.map_get_by_index_range, mop.map_remove_by_index_range, -2, 9
    ),
    "index_range[9,1]": _map_multi(mop.map_get_by_index_range, mop.map_remove_by_index_range, 9, 1),
    "index_range[0,2]": _map_multi(mop.map_get_by_index_range, mop.map_remove_by_index_range, 0, 2),
    "rank_range[0,2]": _map_multi(mop.map_get_by_rank_range, mop.map_remove_by_rank_range, 0, 2),
    "rank_range[1,3]": _map_multi(mop.map_get_by_rank_range, mop.map_remove_by_rank_range, 1, 3),
    "rank_range[-2,9]": _map_multi(mop.map_get_by_rank_range, mop.map_remove_by_rank_range, -2, 9),
    "rank_range[3,9]": _map_multi(mop.map_get_by_rank_range, mop.map_remove_by_rank_range, 3, 9),
    "rank_range[9,1]": _map_multi(mop.map_get_by_rank_range, mop.map_remove_by_rank_range, 9, 1),
    "key_range[a,c)": _map_multi(mop.map_get_by_key_range, mop.map_remove_by_key_range, "a", "c"),
    "key_range[c,e)": _map_multi(mop.map_get_by_key_range, mop.map_remove_by_key_range, "c", "e"),
    "key_relative[b,1,2]": _map_relative(
        mop.map_get_by_key_index_range_relative,
        mop.map_remove_by_key_index_range_relative,
        "b",
        1,
        2,
    ),
    "key_relative[c,-1,end]": _map_relative(
        mop.map_get_by_key_index_range_relative,
        mop.map_remove_by_key_index_range_relative,
        "c",
        -1,
        None,
    ),
    "key_relative[bb,0,2]": _map_relative(
        mop.map_get_by_key_index_range_relative,
        mop.map_remove_by_key_index_range_relative,
        "bb",
        0,
        2,
    ),
    "value_relative[2,-1,2]": _map_relative(
        mop.map_get_by_value_rank_range_relative,
        mop.map_remove_by_value_rank_range_relative,
        2,
        -1,
        2,
    ),
    "value_relative[9,0,2]": _map_relative(
        mop.map_get_by_value_rank_range_relative,
        mop.map_remove_by_value_rank_range_relative,
        9,
        0,
        2,
    ),
    "value_relative[3,1,end]": _map_relative(
        mop.map_get_by_value_rank_range_relative,
        mop.map_remove_by_value_rank_range_relative,
        3,
        1,
        None,
    ),
}


@pytest.mark.parametrize("order", MAP_ORDERS)
@pytest.mark.parametrize("selector", MAP_SELECTORS)
def test_map_selectors(compare_keyed: Compare, selector: str, order: str) -> None:
    compare_keyed(
        each_return_type({"m": MAP}, MAP_ORDERS[order], MAP_SELECTORS[selector], MAP_RETURNS)
    )


CREATE_ONLY = aerospike.MAP_WRITE_FLAGS_CREATE_ONLY
UPDATE_ONLY = aerospike.MAP_WRITE_FLAGS_UPDATE_ONLY
MAP_NO_FAIL = aerospike.MAP_WRITE_FLAGS_NO_FAIL
MAP_PARTIAL = aerospike.MAP_WRITE_FLAGS_PARTIAL


def _map_policy(flags: int) -> dict[str, int]:
    return {"map_write_flags": flags}


MAP_WRITES: dict[str, list[Op]] = {
    "put_new": [mop.map_put("m", "f", 6)],
    "put_existing": [mop.map_put("m", "a", 30)],
    "put_create_only_existing": [mop.map_put("m", "a", 30, _map_policy(CREATE_ONLY))],
    "put_create_only_no_fail": [mop.map_put("m", "a", 30, _map_policy(CREATE_ONLY | MAP_NO_FAIL))],
    "put_update_only_missing": [mop.map_put("m", "f", 6, _map_policy(UPDATE_ONLY))],
    "put_update_only_existing": [mop.map_put("m", "a", 30, _map_policy(UPDATE_ONLY))],
    "put_update_only_no_fail": [mop.map_put("m", "f", 6, _map_policy(UPDATE_ONLY | MAP_NO_FAIL))],
    "put_items": [mop.map_put_items("m", {"f": 6, "a": 30, "0": 0})],
    "put_items_create_only": [mop.map_put_items("m", {"f": 6, "a": 30}, _map_policy(CREATE_ONLY))],
    "put_items_create_only_no_fail": [
        mop.map_put_items("m", {"f": 6, "a": 30}, _map_policy(CREATE_ONLY | MAP_NO_FAIL))
    ],
    "put_items_create_only_partial": [
        mop.map_put_items(
            "m", {"f": 6, "a": 30}, _map_policy(CREATE_ONLY | MAP_NO_FAIL | MAP_PARTIAL)
        )
    ],
    "put_items_update_only_partial": [
        mop.map_put_items(
            "m", {"f": 6, "a": 30}, _map_policy(UPDATE_ONLY | MAP_NO_FAIL | MAP_PARTIAL)
        )
    ],
    "put_items_empty": [mop.map_put_items("m", {})],
    "increment_existing": [mop.map_increment("m", "a", 5)],
    "increment_missing": [mop.map_increment("m", "z", 5)],
    "increment_float": [mop.map_increment("m", "a", 0.5)],
    "decrement_existing": [mop.map_decrement("m", "b", 5)],
    "decrement_missing": [mop.map_decrement("m", "z", 2)],
    "increment_update_only_missing": [mop.map_increment("m", "z", 5, _map_policy(UPDATE_ONLY))],
    "increment_create_only_existing": [mop.map_increment("m", "a", 5, _map_policy(CREATE_ONLY))],
    "increment_string_value": [mop.map_increment("m", "s", 1)],
    "clear": [mop.map_clear("m")],
    "size": [mop.map_size("m")],
    "set_policy_key_ordered": [mop.map_set_policy("m", {"map_order": aerospike.MAP_KEY_ORDERED})],
    "set_policy_unordered": [mop.map_set_policy("m", {"map_order": aerospike.MAP_UNORDERED})],
    "remove_all_by_value_range": [
        mop.map_remove_by_value_range("m", 0, 100, aerospike.MAP_RETURN_COUNT)
    ],
    "several_ops": [
        mop.map_put("m", "f", 6),
        mop.map_size("m"),
        mop.map_remove_by_key("m", "a", aerospike.MAP_RETURN_VALUE),
    ],
    "put_to_integer_bin": [mop.map_put("n", "a", 1)],
    "size_of_missing_bin": [mop.map_size("missing")],
    "put_to_missing_bin": [mop.map_put("missing", "z", 1)],
    "put_missing_bin_key_ordered": [
        mop.map_put("missing", "z", 1, {"map_order": aerospike.MAP_KEY_ORDERED}),
        mop.map_put("missing", "a", 2),
    ],
    "remove_from_missing_bin": [mop.map_remove_by_key("missing", "a", aerospike.MAP_RETURN_VALUE)],
    "create_key_ordered": [mop.map_create("new", aerospike.MAP_KEY_ORDERED, False)],
}


@pytest.mark.parametrize("order", MAP_ORDERS)
@pytest.mark.parametrize("case", MAP_WRITES)
def test_map_writes(compare_keyed: Compare, case: str, order: str) -> None:
    bins = {"m": MAP | {"s": "text"} if case == "increment_string_value" else MAP, "n": 1}
    compare_keyed(operate(bins, MAP_WRITES[case], MAP_ORDERS[order]))


MAP_KEYS: dict[str, Any] = {
    "int": 7,
    "negative_int": -7,
    "str": "k",
    "bytes": b"k",
    "float": 1.5,
    "bool": True,
    "list": [1],
}


@pytest.mark.parametrize("order", MAP_ORDERS)
@pytest.mark.parametrize("key_type", MAP_KEYS)
def test_map_key_types(compare_keyed: Compare, key_type: str, order: str) -> None:
    """Puts a key of each type into a map that mixes key types, then reads it back by key."""
    key = MAP_KEYS[key_type]
    mixed = {2: "int", "a": "str", b"a": "bytes"}
    compare_keyed(
        operate(
            {"m": mixed},
            [
                mop.map_put("m", key, "new"),
                mop.map_get_by_key("m", key, aerospike.MAP_RETURN_KEY_VALUE),
                mop.map_get_by_index_range("m", 0, 9, aerospike.MAP_RETURN_KEY),
            ],
            MAP_ORDERS[order],
        )
    )


MAP_VALUE_CASES: dict[str, tuple[dict[Any, Any], list[Op]]] = {
    "float_key_in_put_items": ({"a": 1}, [mop.map_put_items("m", {1.5: 1, "b": 2})]),
    "float_key_increment": ({"a": 1}, [mop.map_increment("m", 2.5, 1)]),
    "float_key_read": ({"a": 1}, [mop.map_get_by_key("m", 1.5, aerospike.MAP_RETURN_VALUE)]),
    "float_key_range": (
        {"a": 1, 2: 2},
        [mop.map_get_by_key_range("m", 1.5, 9, aerospike.MAP_RETURN_KEY)],
    ),
    "int_keys_ranges": (
        {5: "e", 1: "a", 3: "c", 2: "b"},
        [mop.map_get_by_key_range("m", 2, 4, aerospike.MAP_RETURN_KEY_VALUE)],
    ),
    "mixed_key_order": (
        {"s": 1, 9: 2, b"b": 3, -1: 4},
        [mop.map_get_by_index_range("m", 0, 9, aerospike.MAP_RETURN_KEY)],
    ),
    "mixed_value_ranks": (
        {"a": "x", "b": 1, "c": 2.5, "d": None, "e": [1], "f": b"z"},
        [mop.map_get_by_rank_range("m", 0, 9, aerospike.MAP_RETURN_KEY)],
    ),
    "value_range_exists_empty": (
        {"a": 1},
        [mop.map_get_by_value_range("m", 5, 9, aerospike.MAP_RETURN_EXISTS)],
    ),
    "empty_map_index": ({}, [mop.map_get_by_index("m", 0, aerospike.MAP_RETURN_KEY)]),
    "nested_map_values": (
        {"a": {"x": 1}, "b": [1, 2], "c": {"w": 0}},
        [mop.map_get_by_value_range("m", {}, None, aerospike.MAP_RETURN_KEY)],
    ),
}


@pytest.mark.parametrize("case", MAP_VALUE_CASES)
def test_map_values(compare_keyed: Compare, case: str) -> None:
    values, ops = MAP_VALUE_CASES[case]
    bins = {"m": values} if values else {"x": 0}
    compare_keyed(operate(bins, ops, [mop.map_clear("m")] if not values else []))


# Contexts ----------------------------------------------------------------------------------------

DOC = {
    "doc": {
        "list": [[3, 1], [2], ["x", "y"]],
        "map": {"k1": {"a": 1}, "k2": {"b": 2}},
        "ints": [5, 1, 4],
    }
}
CTX = cdt_ctx


CONTEXT_CASES: dict[str, list[Op]] = {
    "map_key_list_index": [
        lop.list_get_by_index(
            "doc",
            0,
            aerospike.LIST_RETURN_VALUE,
            ctx=[CTX.cdt_ctx_map_key("list"), CTX.cdt_ctx_list_index(-1)],
        )
    ],
    "list_rank": [
        lop.list_size("doc", ctx=[CTX.cdt_ctx_map_key("list"), CTX.cdt_ctx_list_rank(0)])
    ],
    "list_rank_last": [
        lop.list_get("doc", 0, ctx=[CTX.cdt_ctx_map_key("list"), CTX.cdt_ctx_list_rank(-1)])
    ],
    "list_value": [
        lop.list_append("doc", 0, ctx=[CTX.cdt_ctx_map_key("list"), CTX.cdt_ctx_list_value([2])])
    ],
    "list_value_missing": [
        lop.list_append("doc", 0, ctx=[CTX.cdt_ctx_map_key("list"), CTX.cdt_ctx_list_value([9])])
    ],
    "map_index": [mop.map_size("doc", ctx=[CTX.cdt_ctx_map_key("map"), CTX.cdt_ctx_map_index(1)])],
    "map_rank": [
        mop.map_get_by_index(
            "doc",
            0,
            aerospike.MAP_RETURN_KEY_VALUE,
            ctx=[CTX.cdt_ctx_map_key("map"), CTX.cdt_ctx_map_rank(-1)],
        )
    ],
    "map_value": [
        mop.map_put(
            "doc", "c", 3, ctx=[CTX.cdt_ctx_map_key("map"), CTX.cdt_ctx_map_value({"a": 1})]
        )
    ],
    "map_top_index": [
        mop.map_get_by_key("doc", "a", aerospike.MAP_RETURN_VALUE, ctx=[CTX.cdt_ctx_map_index(1)])
    ],
    "missing_key": [lop.list_size("doc", ctx=[CTX.cdt_ctx_map_key("nope")])],
    "missing_index": [
        lop.list_size("doc", ctx=[CTX.cdt_ctx_map_key("list"), CTX.cdt_ctx_list_index(5)])
    ],
    "list_ctx_on_map": [lop.list_size("doc", ctx=[CTX.cdt_ctx_list_index(0)])],
    "map_op_on_list_target": [mop.map_size("doc", ctx=[CTX.cdt_ctx_map_key("ints")])],
    "list_op_on_map_target": [lop.list_size("doc", ctx=[CTX.cdt_ctx_map_key("map")])],
    "nested_remove": [
        lop.list_remove_by_rank_range(
            "doc", 0, aerospike.LIST_RETURN_VALUE, count=2, ctx=[CTX.cdt_ctx_map_key("ints")]
        )
    ],
    "nested_increment": [
        mop.map_increment(
            "doc", "a", 10, ctx=[CTX.cdt_ctx_map_key("map"), CTX.cdt_ctx_map_key("k1")]
        )
    ],
    "create_map_key": [
        mop.map_put(
            "doc", "x", 1, ctx=[CTX.cdt_ctx_map_key_create("new", aerospike.MAP_KEY_ORDERED)]
        )
    ],
    "create_map_key_list_child": [
        lop.list_append("doc", 1, ctx=[CTX.cdt_ctx_map_key_create("new")])
    ],
    "create_map_key_existing": [
        mop.map_put("doc", "x", 1, ctx=[CTX.cdt_ctx_map_key_create("map")])
    ],
    "create_two_levels": [
        lop.list_append(
            "doc",
            "v",
            ctx=[CTX.cdt_ctx_map_key_create("a"), CTX.cdt_ctx_map_key_create("b")],
        )
    ],
    "create_list_index_end": [
        mop.map_put(
            "doc", "k", "v", ctx=[CTX.cdt_ctx_map_key("ints"), CTX.cdt_ctx_list_index_create(3)]
        )
    ],
    "create_list_index_past_end": [
        mop.map_put(
            "doc", "k", "v", ctx=[CTX.cdt_ctx_map_key("ints"), CTX.cdt_ctx_list_index_create(5)]
        )
    ],
    "create_list_index_pad": [
        lop.list_append(
            "doc",
            1,
            ctx=[
                CTX.cdt_ctx_map_key("ints"),
                CTX.cdt_ctx_list_index_create(5, aerospike.LIST_UNORDERED, True),
            ],
        )
    ],
    "create_list_index_ordered": [
        lop.list_append(
            "doc",
            9,
            ctx=[
                CTX.cdt_ctx_map_key_create("fresh"),
                CTX.cdt_ctx_list_index_create(0, aerospike.LIST_ORDERED, False),
            ],
        ),
        lop.list_append("doc", 1, ctx=[CTX.cdt_ctx_map_key("fresh"), CTX.cdt_ctx_list_index(0)]),
    ],
    "create_list_index_negative": [
        lop.list_append(
            "doc",
            1,
            ctx=[CTX.cdt_ctx_map_key_create("fresh"), CTX.cdt_ctx_list_index_create(-1)],
        )
    ],
    "read_through_create_ctx": [lop.list_size("doc", ctx=[CTX.cdt_ctx_map_key_create("nope")])],
    "set_order_nested": [
        lop.list_set_order("doc", aerospike.LIST_ORDERED, ctx=[CTX.cdt_ctx_map_key("ints")]),
        lop.list_append("doc", 3, ctx=[CTX.cdt_ctx_map_key("ints")]),
    ],
    "map_policy_nested": [
        mop.map_set_policy(
            "doc", {"map_order": aerospike.MAP_KEY_ORDERED}, ctx=[CTX.cdt_ctx_map_key("map")]
        ),
        mop.map_put("doc", "k0", 0, ctx=[CTX.cdt_ctx_map_key("map")]),
    ],
}


@pytest.mark.parametrize("case", CONTEXT_CASES)
def test_contexts(compare_keyed: Compare, case: str) -> None:
    compare_keyed(operate(DOC, CONTEXT_CASES[case]))


def test_context_creates_missing_bin(compare_keyed: Compare) -> None:
    compare_keyed(
        operate(
            {"other": 1},
            [mop.map_put("doc", "k", 1, ctx=[CTX.cdt_ctx_map_key_create("a")])],
        )
    )


def test_context_list_rank_tie(compare_keyed: Compare) -> None:
    compare_keyed(
        operate(
            {"l": [[2], [1], [1, 0], [1]]},
            [lop.list_append("l", 9, ctx=[CTX.cdt_ctx_list_rank(1)])],
        )
    )


def test_context_map_value_tie(compare_keyed: Compare) -> None:
    compare_keyed(
        operate(
            {"m": {"b": [1], "a": [1]}},
            [lop.list_append("m", 9, ctx=[CTX.cdt_ctx_map_value([1])])],
        )
    )


# Context creation ------------------------------------------------------------------------------

LIST_CREATE_ORDERS = {"unordered": aerospike.LIST_UNORDERED, "ordered": aerospike.LIST_ORDERED}
MAP_CREATE_ORDERS = {
    "unordered": aerospike.MAP_UNORDERED,
    "key_ordered": aerospike.MAP_KEY_ORDERED,
    "key_value_ordered": aerospike.MAP_KEY_VALUE_ORDERED,
}


def _list_level(index: int, order: int, pad: bool = False) -> tuple[Any, Any]:
    return CTX.cdt_ctx_list_index_create(index, order, pad), CTX.cdt_ctx_list_index(index)


def _map_level(key: str, order: int) -> tuple[Any, Any]:
    return CTX.cdt_ctx_map_key_create(key, order), CTX.cdt_ctx_map_key(key)


def create_path(
    bins: dict[str, Any], path: Sequence[tuple[Any, Any]], leaf_is_list: bool
) -> KeyedScenario:
    """Creates the levels of `path` in bin "b" with one write, then shows each level's order,
    deepest first: a list gets 0 appended (an ordered list sorts it first); a map gets key "A"
    with the highest value, then reports its ranks by a key range that selects nothing, inverted
    (an unordered map lists each entry's rank in key order, an ordered one all ranks as a run)."""
    creates = [create for create, _ in path]
    ops: list[Op] = [
        lop.list_append("b", 5, ctx=creates)
        if leaf_is_list
        else mop.map_put("b", "z", 5, ctx=creates)
    ]
    kinds = [step[0].id == aerospike.CDT_CTX_LIST_INDEX_CREATE for step in path] + [leaf_is_list]
    for depth in range(len(path), -1, -1):
        ctx = [plain for _, plain in path[:depth]] or None
        if kinds[depth]:
            ops.append(lop.list_append("b", 0, ctx=ctx))
        else:
            ops += [
                mop.map_put("b", "A", 0.5, ctx=ctx),
                mop.map_get_by_key_range(
                    "b", "0", "1", aerospike.MAP_RETURN_RANK, inverted=True, ctx=ctx
                ),
            ]
    return operate(bins, ops)


CREATE_CASES: dict[str, tuple[dict[str, Any], list[tuple[Any, Any]], bool]] = {}
for _name, _order in LIST_CREATE_ORDERS.items():
    for _pad in (False, True):
        _label = f"list_index_{_name}{'_pad' if _pad else ''}"
        CREATE_CASES |= {
            f"{_label}_missing_bin": ({"x": 0}, [_list_level(0, _order, _pad)], True),
            f"{_label}_at_end": ({"b": [[9]]}, [_list_level(1, _order, _pad)], True),
            f"{_label}_past_end": ({"b": [[9]]}, [_list_level(3, _order, _pad)], True),
            f"{_label}_map_child": ({"b": [{"q": 1}]}, [_list_level(1, _order, _pad)], False),
        }
for _name, _order in MAP_CREATE_ORDERS.items():
    CREATE_CASES |= {
        f"map_key_{_name}_missing_bin": ({"x": 0}, [_map_level("n", _order)], False),
        f"map_key_{_name}_existing_bin": ({"b": {"m": 1}}, [_map_level("n", _order)], False),
        f"map_key_{_name}_list_child": ({"b": {"m": 1}}, [_map_level("n", _order)], True),
        f"map_key_{_name}_two_levels": (
            {"x": 0},
            [_map_level("n", _order), _map_level("o", aerospike.MAP_UNORDERED)],
            False,
        ),
        f"map_key_{_name}_under_unordered": (
            {"x": 0},
            [_map_level("n", aerospike.MAP_UNORDERED), _map_level("o", _order)],
            False,
        ),
    }
CREATE_CASES |= {
    "list_ordered_under_map": (
        {"x": 0},
        [_map_level("n", aerospike.MAP_KEY_ORDERED), _list_level(0, aerospike.LIST_ORDERED)],
        True,
    ),
    "map_ordered_under_list": (
        {"x": 0},
        [_list_level(0, aerospike.LIST_ORDERED), _map_level("n", aerospike.MAP_KEY_ORDERED)],
        False,
    ),
    "lists_two_levels": (
        {"x": 0},
        [_list_level(0, aerospike.LIST_ORDERED), _list_level(0, aerospike.LIST_UNORDERED)],
        True,
    ),
}


@pytest.mark.parametrize("case", CREATE_CASES)
def test_context_create(compare_keyed: Compare, case: str) -> None:
    compare_keyed(create_path(*CREATE_CASES[case]))
