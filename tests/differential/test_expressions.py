"""Differential tests of expressions: filters on get/put/remove/operate and the expression read and
write operations, compared between the real server and the dev server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aerospike
import pytest
from aerospike_helpers import expressions as exp
from aerospike_helpers.operations import expression_operations as expr_ops
from aerospike_helpers.operations import map_operations as mop
from aerospike_helpers.operations import operations as ops

from tests.differential.conftest import Key, KeyedScenario

Compare = Callable[[KeyedScenario], Any]

# CmpRegex builds the POSIX regex op (7) both servers implement.
pytestmark = pytest.mark.filterwarnings("ignore:CmpRegex expression is deprecated")

BINS = {
    "i": 5,
    "f": 2.5,
    "s": "Hello World",
    "b": b"\x01\x02",
    "l": [3, 1, 2, 5],
    "m": {"x": 1, "y": 2, "z": 3},
    "t": True,
}
STORE = {
    "key": aerospike.POLICY_KEY_SEND,
    "ttl": 1000,
    "exists": aerospike.POLICY_EXISTS_CREATE_OR_REPLACE,
}


def seeded(client: Any, key: Key) -> Key:
    client.put(key, BINS, policy=STORE)
    return key


def attempt(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except aerospike.exception.AerospikeError as error:
        return ("error", type(error).__name__, error.code)


def filtered_get(expression: Any) -> KeyedScenario:
    """Whether a get under the filter passes (or how it fails)."""

    def scenario(client: Any, key: Key) -> Any:
        seeded(client, key)
        policy = {"expressions": expression.compile()}
        return attempt(lambda: client.get(key, policy=policy)[2] == BINS)

    return scenario


FILTERS: dict[str, Any] = {
    "eq_int": exp.Eq(exp.IntBin("i"), 5),
    "ne_int": exp.NE(exp.IntBin("i"), 5),
    "gt_float": exp.GT(exp.FloatBin("f"), 2.0),
    "le_str": exp.LE(exp.StrBin("s"), "Hello"),
    "eq_blob": exp.Eq(exp.BlobBin("b"), b"\x01\x02"),
    "eq_bool": exp.Eq(exp.BoolBin("t"), True),
    "eq_list": exp.Eq(exp.ListBin("l"), [3, 1, 2, 5]),
    "lt_list": exp.LT(exp.ListBin("l"), [3, 2]),
    "eq_map": exp.Eq(exp.MapBin("m"), {"x": 1, "y": 2, "z": 3}),
    "int_vs_str": exp.Eq(exp.IntBin("i"), "5"),
    "missing_bin": exp.Eq(exp.IntBin("nope"), 1),
    "not_missing_bin": exp.Not(exp.Eq(exp.IntBin("nope"), 1)),
    "wrong_bin_type": exp.Eq(exp.IntBin("s"), 1),
    "and": exp.And(exp.GT(exp.IntBin("i"), 1), exp.LT(exp.IntBin("i"), 9)),
    "and_unknown_false": exp.And(exp.Eq(exp.IntBin("nope"), 1), exp.Eq(exp.IntBin("i"), 0)),
    "or_unknown_true": exp.Or(exp.Eq(exp.IntBin("nope"), 1), exp.Eq(exp.IntBin("i"), 5)),
    "or_unknown_false": exp.Or(exp.Eq(exp.IntBin("nope"), 1), exp.Eq(exp.IntBin("i"), 0)),
    "exclusive": exp.Exclusive(exp.Eq(exp.IntBin("i"), 5), exp.Eq(exp.FloatBin("f"), 2.5)),
    "bin_exists": exp.BinExists("s"),
    "bin_missing": exp.BinExists("nope"),
    "bin_type_list": exp.Eq(exp.BinType("l"), aerospike.AS_BYTES_LIST),
    "bin_type_missing": exp.Eq(exp.BinType("nope"), 0),
    "key_exists": exp.KeyExists(),
    "key_str": exp.Eq(exp.KeyStr(), "k"),
    "key_int_wrong_type": exp.Eq(exp.KeyInt(), 1),
    "ttl": exp.And(exp.GE(exp.TTL(), 990), exp.LE(exp.TTL(), 1000)),
    "void_time": exp.GT(exp.VoidTime(), 0),
    "since_update": exp.GE(exp.SinceUpdateTime(), 0),
    "last_update": exp.GT(exp.LastUpdateTime(), 0),
    "record_size": exp.GT(exp.RecordSize(), 0),
    "digest_mod": exp.LT(exp.DigestMod(3), 3),
    "tombstone": exp.IsTombstone(),
    "regex": exp.CmpRegex(aerospike.REGEX_ICASE, "^hello", exp.StrBin("s")),
    "regex_case": exp.CmpRegex(aerospike.REGEX_NONE, "^hello", exp.StrBin("s")),
    "regex_extended": exp.CmpRegex(aerospike.REGEX_EXTENDED, "o W(or)+ld$", exp.StrBin("s")),
    "add": exp.Eq(exp.Add(exp.IntBin("i"), 2, 3), 10),
    "sub_unary": exp.Eq(exp.Sub(exp.IntBin("i")), -5),
    "mul_float": exp.Eq(exp.Mul(exp.FloatBin("f"), 2.0), 5.0),
    "div_int": exp.Eq(exp.Div(exp.IntBin("i"), 2), 2),
    "div_by_zero": exp.Eq(exp.Div(exp.IntBin("i"), 0), 0),
    "mod": exp.Eq(exp.Mod(exp.IntBin("i"), 3), 2),
    "pow": exp.Eq(exp.Pow(exp.FloatBin("f"), 2.0), 6.25),
    "abs": exp.Eq(exp.Abs(exp.Sub(0, exp.IntBin("i"))), 5),
    "floor_ceil": exp.Eq(exp.Add(exp.Floor(exp.FloatBin("f")), exp.Ceil(exp.FloatBin("f"))), 5.0),
    "to_int": exp.Eq(exp.ToInt(exp.FloatBin("f")), 2),
    "to_float": exp.Eq(exp.ToFloat(exp.IntBin("i")), 5.0),
    "min_max": exp.Eq(exp.Max(exp.IntBin("i"), 9, 1), exp.Add(exp.Min(exp.IntBin("i"), 9, 4), 5)),
    "int_bits": exp.Eq(exp.IntXOr(exp.IntAnd(exp.IntBin("i"), 4), 1), 5),
    "int_shifts": exp.Eq(exp.IntRightShift(exp.IntLeftShift(exp.IntBin("i"), 2), 1), 10),
    "int_count": exp.Eq(exp.IntCount(exp.IntBin("i")), 2),
    "int_scan": exp.Eq(exp.IntLeftScan(exp.IntBin("i"), True), 61),
    "mixed_arith": exp.Eq(exp.Add(exp.IntBin("i"), exp.FloatBin("f")), 7.5),
    "cond": exp.Eq(exp.Cond(exp.GT(exp.IntBin("i"), 9), 1, exp.GT(exp.IntBin("i"), 4), 2, 3), 2),
    "cond_default": exp.Eq(exp.Cond(exp.GT(exp.IntBin("i"), 9), 1, 3), 3),
    "let_var": exp.Eq(exp.Let(exp.Def("x", exp.Mul(exp.IntBin("i"), 2)), exp.Var("x")), 10),
    "let_nested": exp.Eq(
        exp.Let(
            exp.Def("a", exp.IntBin("i")),
            exp.Def("b", exp.Add(exp.Var("a"), 1)),
            exp.Mul(exp.Var("a"), exp.Var("b")),
        ),
        30,
    ),
    "list_size": exp.Eq(exp.ListSize(None, exp.ListBin("l")), 4),
    "list_by_rank": exp.Eq(
        exp.ListGetByRank(None, aerospike.LIST_RETURN_VALUE, exp.ResultType.INTEGER, -1, "l"), 5
    ),
    "list_by_value_range_count": exp.Eq(
        exp.ListGetByValueRange(None, aerospike.LIST_RETURN_COUNT, 2, 5, "l"), 2
    ),
    "list_rank_range_values": exp.Eq(
        exp.ListGetByRankRange(None, aerospike.LIST_RETURN_VALUE, 0, 2, "l"), [2, 1]
    ),
    "list_by_value_exists": exp.ListGetByValue(None, aerospike.LIST_RETURN_EXISTS, 5, "l"),
    "list_index_out_of_range": exp.Eq(
        exp.ListGetByIndex(None, aerospike.LIST_RETURN_VALUE, exp.ResultType.INTEGER, 9, "l"), 1
    ),
    "map_by_key": exp.Eq(
        exp.MapGetByKey(None, aerospike.MAP_RETURN_VALUE, exp.ResultType.INTEGER, "y", "m"), 2
    ),
    "map_size": exp.Eq(exp.MapSize(None, exp.MapBin("m")), 3),
    "map_key_range_exists_nil_end": exp.MapGetByKeyRange(
        None, aerospike.MAP_RETURN_EXISTS, "y", None, "m"
    ),
    "map_value_range_keys": exp.Eq(
        exp.MapGetByValueRange(None, aerospike.MAP_RETURN_KEY, 2, 9, "m"), ["y", "z"]
    ),
    "map_modify_local": exp.Eq(
        exp.MapSize(None, exp.MapPut(None, None, "w", 0, exp.MapBin("m"))), 4
    ),
    "list_modify_local": exp.Eq(exp.ListAppend(None, None, 9, exp.ListBin("l")), [3, 1, 2, 5, 9]),
    "in_list": exp.Eq(exp.ListGetByValue(None, aerospike.LIST_RETURN_COUNT, 2, "l"), 1),
}


@pytest.mark.parametrize("case", FILTERS)
def test_filters_on_get(compare_keyed: Compare, case: str) -> None:
    compare_keyed(filtered_get(FILTERS[case]))


KEY_ORDERED = {"map_order": aerospike.MAP_KEY_ORDERED}
MAP = BINS["m"]
MAP_COMPARISONS: dict[str, Any] = {
    "ne_literal": exp.NE(exp.MapBin("m"), MAP),
    "lt_literal": exp.LT(exp.MapBin("m"), MAP),
    "eq_self": exp.Eq(exp.MapBin("m"), exp.MapBin("m")),
    "eq_one_entry": exp.Eq(exp.MapBin("one"), {"x": 1}),
    "eq_empty": exp.Eq(exp.MapBin("empty"), {}),
    "eq_key_ordered_bins": exp.Eq(exp.MapBin("k"), exp.MapBin("k2")),
    "lt_key_ordered_bins": exp.LT(exp.MapBin("k"), exp.MapBin("k2")),
    "eq_key_ordered_literal": exp.Eq(exp.MapBin("k"), MAP),
    "ne_key_ordered_unordered": exp.NE(exp.MapBin("k"), exp.MapBin("m")),
    "eq_lists_holding_maps": exp.Eq(exp.ListBin("lm"), exp.ListBin("lm")),
    "eq_modified_map": exp.Eq(exp.MapPut(None, None, "q", 1, exp.MapBin("empty")), {"q": 1}),
}


@pytest.mark.parametrize("case", MAP_COMPARISONS)
def test_map_comparisons(compare_keyed: Compare, case: str) -> None:
    """Maps compare only when key-ordered (or empty): otherwise EQ and NE are both UNKNOWN."""

    def scenario(client: Any, key: Key) -> Any:
        client.put(key, {"m": MAP, "one": {"x": 1}, "empty": {}, "lm": [MAP]}, policy=STORE)
        client.operate(
            key,
            [mop.map_put_items("k", MAP, KEY_ORDERED), mop.map_put_items("k2", MAP, KEY_ORDERED)],
        )
        policy = {"expressions": MAP_COMPARISONS[case].compile()}
        return attempt(lambda: client.get(key, policy=policy)[2] is not None)

    compare_keyed(scenario)


def test_set_name_filter(compare_keyed: Compare) -> None:
    def scenario(client: Any, key: Key) -> Any:
        seeded(client, key)
        right = {"expressions": exp.Eq(exp.SetName(), key[1]).compile()}
        wrong = {"expressions": exp.Eq(exp.SetName(), "other").compile()}
        return attempt(lambda: client.get(key, policy=right)[2]), attempt(
            lambda: client.get(key, policy=wrong)
        )

    compare_keyed(scenario)


NO = exp.Eq(exp.IntBin("i"), 0)
YES = exp.Eq(exp.IntBin("i"), 5)

GUARDED: dict[str, Callable[[Any, Any, dict[str, Any]], Any]] = {
    "put": lambda c, k, p: c.put(k, {"i": 6}, policy=p),
    "remove": lambda c, k, p: c.remove(k, policy=p),
    "touch": lambda c, k, p: c.touch(k, policy=p),
    "operate_read": lambda c, k, p: c.operate(k, [ops.read("i")], policy=p)[2],
    "operate_write": lambda c, k, p: c.operate(k, [ops.increment("i", 1)], policy=p)[2],
    "exists": lambda c, k, p: c.exists(k, policy=p)[1] is not None,
    "select": lambda c, k, p: c.select(k, ["i"], policy=p)[2],
}


@pytest.mark.parametrize("passes", [True, False], ids=["passing", "filtered_out"])
@pytest.mark.parametrize("action", GUARDED)
def test_filters_guard_commands(compare_keyed: Compare, action: str, passes: bool) -> None:
    def scenario(client: Any, key: Key) -> Any:
        seeded(client, key)
        policy = {"expressions": (YES if passes else NO).compile()}
        reply = attempt(lambda: GUARDED[action](client, key, policy))
        after = attempt(lambda: client.get(key)[2])
        return reply, after

    compare_keyed(scenario)


def test_filter_on_missing_record(compare_keyed: Compare) -> None:
    def scenario(client: Any, key: Key) -> Any:
        policy = {"expressions": NO.compile()}
        return attempt(lambda: client.get(key, policy=policy)), attempt(
            lambda: client.put(key, {"i": 1}, policy=policy)
        )

    compare_keyed(scenario)


def test_ill_typed_filter(compare_keyed: Compare) -> None:
    def scenario(client: Any, key: Key) -> Any:
        seeded(client, key)
        policy = {"expressions": exp.Add(exp.IntBin("i"), 1.5).compile()}
        return attempt(lambda: client.get(key, policy=policy))

    compare_keyed(scenario)


EXP_OPS: dict[str, list[dict[str, Any]]] = {
    "read_sum": [
        expr_ops.expression_read("r", exp.Add(exp.IntBin("i"), exp.ListSize(None, "l")).compile())
    ],
    "read_missing": [expr_ops.expression_read("r", exp.IntBin("nope").compile())],
    "read_missing_no_fail": [
        expr_ops.expression_read("r", exp.IntBin("nope").compile(), aerospike.EXP_READ_EVAL_NO_FAIL)
    ],
    "read_map_keys": [
        expr_ops.expression_read(
            "r", exp.MapGetByIndexRange(None, aerospike.MAP_RETURN_KEY, 0, 2, "m").compile()
        )
    ],
    "write_new_bin": [
        expr_ops.expression_write("w", exp.Mul(exp.IntBin("i"), 10).compile()),
        ops.read("w"),
    ],
    "write_create_only_existing": [
        expr_ops.expression_write("i", exp.Val(1).compile(), aerospike.EXP_WRITE_CREATE_ONLY)
    ],
    "write_create_only_no_fail": [
        expr_ops.expression_write(
            "i",
            exp.Val(1).compile(),
            aerospike.EXP_WRITE_CREATE_ONLY | aerospike.EXP_WRITE_POLICY_NO_FAIL,
        )
    ],
    "write_update_only_missing": [
        expr_ops.expression_write("w", exp.Val(1).compile(), aerospike.EXP_WRITE_UPDATE_ONLY)
    ],
    "write_nil_without_delete": [expr_ops.expression_write("i", exp.Val(None).compile())],
    "write_nil_allow_delete": [
        expr_ops.expression_write("i", exp.Val(None).compile(), aerospike.EXP_WRITE_ALLOW_DELETE)
    ],
    "write_unknown": [expr_ops.expression_write("w", exp.IntBin("nope").compile())],
    "write_unknown_no_fail": [
        expr_ops.expression_write(
            "w", exp.IntBin("nope").compile(), aerospike.EXP_WRITE_EVAL_NO_FAIL
        )
    ],
    "write_modified_map": [
        expr_ops.expression_write("m", exp.MapPut(None, None, "w", 0, exp.MapBin("m")).compile())
    ],
    "write_then_read": [
        expr_ops.expression_write("i", exp.Add(exp.IntBin("i"), 1).compile()),
        expr_ops.expression_read("r", exp.Mul(exp.IntBin("i"), 2).compile()),
    ],
}


@pytest.mark.parametrize("case", EXP_OPS)
def test_expression_operations(compare_keyed: Compare, case: str) -> None:
    def scenario(client: Any, key: Key) -> Any:
        seeded(client, key)
        reply = attempt(lambda: client.operate_ordered(key, EXP_OPS[case])[2])
        return reply, client.get(key)[2]

    compare_keyed(scenario)
