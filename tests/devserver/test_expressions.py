"""Filter expressions and expression operations: the official C client drives the server."""

from __future__ import annotations

from typing import Any

import aerospike
import pytest
from aerospike import exception as ex
from aerospike_helpers import expressions as exp
from aerospike_helpers.operations import expression_operations as expr_ops
from aerospike_helpers.operations import operations as ops

from tests.conftest import unique_name

Key = tuple[str, str, str]

# CmpRegex builds the POSIX regex op (7) the server implements; its replacement, RegexCompare,
# is a different (8.1) string expression.
pytestmark = pytest.mark.filterwarnings("ignore:CmpRegex expression is deprecated")


@pytest.fixture
def seeded(client: Any, key: Key) -> Key:
    """A record a=5, s="Hello World", l=[3, 1, 2], m={"x": 1, "y": 2}, its key stored."""
    bins = {"a": 5, "s": "Hello World", "l": [3, 1, 2], "m": {"x": 1, "y": 2}}
    client.put(key, bins, policy={"key": aerospike.POLICY_KEY_SEND, "ttl": 1000})
    return key


def passes(client: Any, key: Key, expression: Any) -> bool:
    try:
        client.get(key, policy={"expressions": expression.compile()})
    except ex.FilteredOut:
        return False
    return True


PASSING = [
    exp.Eq(exp.IntBin("a"), 5),
    exp.And(exp.GT(exp.IntBin("a"), 1), exp.LT(exp.IntBin("a"), 9)),
    exp.Or(exp.Eq(exp.IntBin("a"), 0), exp.NE(exp.IntBin("a"), 0)),
    exp.Not(exp.Eq(exp.IntBin("a"), 6)),
    exp.BinExists("s"),
    exp.CmpRegex(aerospike.REGEX_ICASE, "^hello", exp.StrBin("s")),
    exp.KeyExists(),
    # The `key` fixture's set: named after this module and the run.
    exp.Eq(exp.SetName(), unique_name("test_expressions")),
    exp.GE(exp.TTL(), 990),
    exp.GT(exp.VoidTime(), 0),
    exp.GE(exp.SinceUpdateTime(), 0),
    exp.GT(exp.RecordSize(), 0),
    exp.LT(exp.DigestMod(3), 3),
    exp.Eq(exp.ListSize(None, exp.ListBin("l")), 3),
    exp.Eq(
        exp.ListGetByRank(None, aerospike.LIST_RETURN_VALUE, exp.ResultType.INTEGER, -1, "l"),
        3,
    ),
    exp.Eq(
        exp.MapGetByKey(None, aerospike.MAP_RETURN_VALUE, exp.ResultType.INTEGER, "y", "m"),
        2,
    ),
    exp.Eq(exp.Cond(exp.GT(exp.IntBin("a"), 10), 1, exp.LT(exp.IntBin("a"), 10), 2, 3), 2),
    exp.Eq(exp.Let(exp.Def("x", exp.Mul(exp.IntBin("a"), 2)), exp.Var("x")), 10),
    exp.Eq(exp.ToFloat(exp.IntBin("a")), 5.0),
    exp.Eq(exp.IntAnd(exp.IntBin("a"), 4), 4),
]

FAILING = [
    exp.Eq(exp.IntBin("a"), 6),
    # A missing bin or a bin of another type is UNKNOWN: neither it nor its negation passes.
    exp.Eq(exp.IntBin("missing"), 1),
    exp.Not(exp.Eq(exp.IntBin("missing"), 1)),
    exp.Eq(exp.IntBin("s"), 1),
    exp.CmpRegex(0, "^hello", exp.StrBin("s")),
]


@pytest.mark.parametrize("expression", PASSING, ids=lambda e: type(e).__name__)
def test_true_filters_let_reads_through(client: Any, seeded: Key, expression: Any) -> None:
    assert passes(client, seeded, expression)


@pytest.mark.parametrize("expression", FAILING, ids=lambda e: type(e).__name__)
def test_false_or_unknown_filters_answer_filtered_out(
    client: Any, seeded: Key, expression: Any
) -> None:
    assert not passes(client, seeded, expression)


def test_filters_guard_writes_removes_touches_and_operate(client: Any, seeded: Key) -> None:
    no = {"expressions": exp.Eq(exp.IntBin("a"), 0).compile()}
    with pytest.raises(ex.FilteredOut):
        client.put(seeded, {"a": 1}, policy=no)
    with pytest.raises(ex.FilteredOut):
        client.touch(seeded, policy=no)
    with pytest.raises(ex.FilteredOut):
        client.remove(seeded, policy=no)
    with pytest.raises(ex.FilteredOut):
        client.operate(seeded, [ops.write("a", 1)], policy=no)
    _, meta, bins = client.get(seeded)
    assert bins["a"] == 5
    assert meta["gen"] == 1

    client.put(seeded, {"a": 6}, policy={"expressions": exp.Eq(exp.IntBin("a"), 5).compile()})
    client.remove(seeded, policy={"expressions": exp.Eq(exp.IntBin("a"), 6).compile()})
    # A filter never blocks creating a record.
    client.put(seeded, {"a": 1}, policy=no)
    assert client.get(seeded)[2] == {"a": 1}


def test_expression_operations_read_and_write_bins(client: Any, seeded: Key) -> None:
    total = exp.Add(exp.IntBin("a"), exp.ListSize(None, exp.ListBin("l"))).compile()
    tenfold = exp.Mul(exp.IntBin("total"), 10).compile()
    _, _, bins = client.operate(
        seeded,
        [
            expr_ops.expression_write("total", total),
            expr_ops.expression_read("computed", tenfold),
        ],
    )
    assert bins["computed"] == 80
    assert client.get(seeded)[2]["total"] == 8

    with pytest.raises(ex.BinExistsError):
        client.operate(
            seeded,
            [expr_ops.expression_write("a", exp.Val(1).compile(), aerospike.EXP_WRITE_CREATE_ONLY)],
        )
    with pytest.raises(ex.BinNotFound):
        client.operate(
            seeded,
            [
                expr_ops.expression_write(
                    "nope", exp.Val(1).compile(), aerospike.EXP_WRITE_UPDATE_ONLY
                )
            ],
        )
    missing = exp.IntBin("missing").compile()
    with pytest.raises(ex.OpNotApplicable):
        client.operate(seeded, [expr_ops.expression_read("r", missing)])
    _, _, bins = client.operate(
        seeded, [expr_ops.expression_read("r", missing, aerospike.EXP_READ_EVAL_NO_FAIL)]
    )
    assert bins.get("r") is None


def test_ill_typed_filters_are_parameter_errors(client: Any, seeded: Key) -> None:
    with pytest.raises(ex.InvalidRequest):
        client.get(seeded, policy={"expressions": exp.Eq(exp.IntBin("a"), "5").compile()})


def test_collection_expressions_modify_copies_and_read_maps(client: Any, seeded: Key) -> None:
    appended = exp.ListAppend(None, None, 9, exp.ListBin("l")).compile()
    put = exp.MapPut(None, None, "z", 26, exp.MapBin("m")).compile()
    keys = exp.MapGetByKeyList(None, aerospike.MAP_RETURN_VALUE, ["y", "x"], exp.MapBin("m"))
    _, _, bins = client.operate(
        seeded,
        [
            expr_ops.expression_read("appended", appended),
            expr_ops.expression_write("m", put),
            expr_ops.expression_read("values", keys.compile()),
        ],
    )
    assert bins["appended"] == [3, 1, 2, 9]
    assert sorted(bins["values"]) == [1, 2]
    stored = client.get(seeded)[2]
    assert stored["l"] == [3, 1, 2], "a modify-local call does not store"
    assert stored["m"] == {"x": 1, "y": 2, "z": 26}
