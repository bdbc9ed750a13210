"""Batch commands on both servers: reads of all, named or no bins, missing and repeated keys,
batch writes, removes and operates with their per-record results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aerospike
import pytest
from aerospike_helpers import expressions as exp
from aerospike_helpers.batch import records as br
from aerospike_helpers.operations import list_operations as lo
from aerospike_helpers.operations import operations as op

from tests.differential.conftest import NAMESPACE

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NEVER = 0xFFFFFFFF


def key(set_name: str, user_key: Any) -> tuple[str, str, Any]:
    return (NAMESPACE, set_name, user_key)


def meta_of(meta: dict[str, int] | None) -> Any:
    if meta is None:
        return None
    return meta["gen"], "never" if meta["ttl"] == NEVER else round(meta["ttl"] / 10)


def rows(batch: Any) -> Any:
    """Every row's result code, key, metadata and bins, and the batch's own result."""
    out = []
    for row in batch.batch_records:
        record = None
        if row.record is not None:
            record = (meta_of(row.record[1]), *row.record[2:])
        out.append((row.result, row.key[:3], record, row.in_doubt))
    return batch.result, out


def seed(client: Any, set_name: str, n: int = 4) -> list[tuple[str, str, Any]]:
    keys = [key(set_name, i) for i in range(n)]
    for i, k in enumerate(keys):
        client.put(k, {"i": i, "s": f"v{i}", "l": [i]}, policy={"key": aerospike.POLICY_KEY_SEND})
    return keys


def snapshot(client: Any, keys: list[tuple[str, str, Any]]) -> Any:
    return rows(client.batch_read(keys))


def with_missing(set_name: str) -> list[tuple[str, str, Any]]:
    return [key(set_name, 0), key(set_name, "missing"), key(set_name, 2)]


READS: dict[str, Callable[[Any, str], Any]] = {
    "all_bins": lambda c, s: c.batch_read(seed(c, s)),
    "all_bins_with_missing": lambda c, s: (seed(c, s), c.batch_read(with_missing(s)))[1],
    "named_bins": lambda c, s: (seed(c, s), c.batch_read(with_missing(s), ["i", "nope"]))[1],
    "exists_only": lambda c, s: (seed(c, s), c.batch_read(with_missing(s), []))[1],
    "duplicates": lambda c, s: (seed(c, s), c.batch_read([key(s, 1)] * 3 + [key(s, "x")] * 2))[1],
    "all_missing": lambda c, s: c.batch_read([key(s, "a"), key(s, "b")]),
    "one_key": lambda c, s: (seed(c, s), c.batch_read([key(s, 3)]))[1],
    "filter_expression": lambda c, s: (
        seed(c, s),
        c.batch_read(
            with_missing(s),
            policy={"expressions": exp.GT(exp.IntBin("i"), 0).compile()},
        ),
    )[1],
    "unknown_namespace": lambda c, s: (
        seed(c, s),
        c.batch_read([key(s, 0), ("nosuchns", s, 1)]),
    )[1],
    "mixed_sets": lambda c, s: (
        seed(c, s),
        c.batch_read([key(s, 0), key(s + "_other", 0)]),
    )[1],
    "no_respond_all_keys": lambda c, s: (
        seed(c, s),
        c.batch_read(
            [key(s, 0), ("nosuchns", s, 1), key(s, 1)], policy={"respond_all_keys": False}
        ),
    )[1],
    "read_ops": lambda c, s: (
        seed(c, s),
        c.batch_write(
            br.BatchRecords(
                [
                    br.Read(key(s, 0), [op.read("i"), lo.list_size("l")]),
                    br.Read(key(s, 1), None, read_all_bins=True),
                    br.Read(key(s, "missing"), [op.read("i")]),
                    br.Read(key(s, 2), [op.read("")]),
                ]
            )
        ),
    )[1],
}


@pytest.mark.parametrize("case", list(READS), ids=list(READS))
def test_batch_reads(compare: Any, case: str) -> None:
    compare(lambda client, set_name: rows(READS[case](client, set_name)))


def operate_rows(ops: list[dict[str, Any]], **kwargs: Any) -> Callable[[Any, str], Any]:
    def scenario(client: Any, set_name: str) -> Any:
        seed(client, set_name, 3)
        keys = with_missing(set_name)
        result = rows(client.batch_operate(keys, ops, **kwargs))
        return result, snapshot(client, keys)

    return scenario


OPERATES = {
    "increment_and_read": operate_rows([op.increment("i", 10), op.read("i")]),
    "write_new_bin": operate_rows([op.write("n", "x")]),
    "wrong_type": operate_rows([op.increment("s", 1)]),
    "list_append_read": operate_rows([lo.list_append("l", 5), op.read("l")]),
    "touch": operate_rows([op.touch()]),
    "delete": operate_rows([op.delete()]),
    "read_only": operate_rows([op.read("s"), op.read("nope")]),
    "create_only": operate_rows(
        [op.write("n", 1)], policy_batch_write={"exists": aerospike.POLICY_EXISTS_CREATE}
    ),
    "update_only": operate_rows(
        [op.write("n", 1)], policy_batch_write={"exists": aerospike.POLICY_EXISTS_UPDATE}
    ),
    "replace": operate_rows(
        [op.write("n", 1)], policy_batch_write={"exists": aerospike.POLICY_EXISTS_REPLACE}
    ),
    "replace_only": operate_rows(
        [op.write("n", 1)],
        policy_batch_write={"exists": aerospike.POLICY_EXISTS_CREATE_OR_REPLACE},
    ),
    "durable_delete": operate_rows([op.delete()], policy_batch_write={"durable_delete": True}),
    "ttl": operate_rows([op.write("n", 1)], ttl=1000),
    "filtered": operate_rows(
        [op.write("n", 1)], policy_batch={"expressions": exp.Eq(exp.IntBin("i"), 2).compile()}
    ),
    "send_key": operate_rows(
        [op.write("n", 1)], policy_batch_write={"key": aerospike.POLICY_KEY_SEND}
    ),
    "bin_name_too_long": operate_rows([op.write("n" * 16, 1)]),
}


@pytest.mark.parametrize("case", list(OPERATES), ids=list(OPERATES))
def test_batch_operate(compare: Any, case: str) -> None:
    compare(OPERATES[case])


def removes(**policies: Any) -> Callable[[Any, str], Any]:
    def scenario(client: Any, set_name: str) -> Any:
        seed(client, set_name, 3)
        keys = with_missing(set_name)
        return rows(client.batch_remove(keys, **policies)), snapshot(client, keys)

    return scenario


REMOVES = {
    "plain": removes(),
    "durable": removes(policy_batch_remove={"durable_delete": True}),
    "generation_mismatch": removes(
        policy_batch_remove={"gen": aerospike.POLICY_GEN_EQ, "generation": 5}
    ),
    "generation_match": removes(
        policy_batch_remove={"gen": aerospike.POLICY_GEN_EQ, "generation": 1}
    ),
    "filtered": removes(policy_batch={"expressions": exp.Eq(exp.IntBin("i"), 0).compile()}),
}


@pytest.mark.parametrize("case", list(REMOVES), ids=list(REMOVES))
def test_batch_remove(compare: Any, case: str) -> None:
    compare(REMOVES[case])


def mixed(records: Callable[[str], list[Any]], **policy: Any) -> Callable[[Any, str], Any]:
    def scenario(client: Any, set_name: str) -> Any:
        seed(client, set_name, 3)
        batch = br.BatchRecords(records(set_name))
        result = rows(client.batch_write(batch, **policy))
        return result, snapshot(client, [key(set_name, k) for k in (0, 1, 2, "n", "m")])

    return scenario


MIXED = {
    "write_read_remove": mixed(
        lambda s: [
            br.Write(key(s, 0), [op.write("w", 1), op.read("w")]),
            br.Read(key(s, 1), [op.read("i")]),
            br.Remove(key(s, 2)),
            br.Write(key(s, "n"), [op.write("w", 2)]),
            br.Read(key(s, "m"), None, read_all_bins=True),
        ]
    ),
    "same_key_in_order": mixed(
        lambda s: [
            br.Write(key(s, 0), [op.increment("i", 1)]),
            br.Read(key(s, 0), [op.read("i")]),
            br.Write(key(s, 0), [op.increment("i", 1), op.read("i")]),
            br.Remove(key(s, 0)),
            br.Read(key(s, 0), None, read_all_bins=True),
        ]
    ),
    "per_record_policies": mixed(
        lambda s: [
            br.Write(
                key(s, 0), [op.write("w", 1)], policy={"exists": aerospike.POLICY_EXISTS_CREATE}
            ),
            br.Write(
                key(s, "n"),
                [op.write("w", 1)],
                policy={"exists": aerospike.POLICY_EXISTS_UPDATE},
            ),
            br.Write(key(s, 1), [op.write("w", 1)], meta={"gen": 9}, policy={"gen": 1}),
            br.Write(key(s, 2), [op.write("w", 1)], meta={"ttl": 700}),
            br.Remove(key(s, "m")),
        ]
    ),
    "errors_do_not_stop_others": mixed(
        lambda s: [
            br.Write(key(s, 0), [op.increment("s", 1)]),
            br.Write(key(s, 1), [op.append("i", "x")]),
            br.Write(key(s, 2), [op.write("ok", 1)]),
            br.Write(key(s, "n"), [lo.list_append("l", 1)]),
        ]
    ),
    "errors_stop_without_respond_all_keys": mixed(
        lambda s: [
            br.Write(key(s, 0), [op.write("ok", 1)]),
            br.Write(key(s, 1), [op.increment("s", 1)]),
            br.Write(key(s, 2), [op.write("ok", 1)]),
        ],
        policy_batch={"respond_all_keys": False},
    ),
    "ttl_values": mixed(
        lambda s: [
            br.Write(key(s, 0), [op.write("t", 1)], meta={"ttl": -1}),
            br.Write(key(s, 1), [op.write("t", 1)], meta={"ttl": -2}),
            br.Write(key(s, 2), [op.write("t", 1)], meta={"ttl": 0}),
            br.Write(key(s, "n"), [op.write("t", 1)], meta={"ttl": 1234}),
        ]
    ),
}


@pytest.mark.parametrize("case", list(MIXED), ids=list(MIXED))
def test_batch_write(compare: Any, case: str) -> None:
    compare(MIXED[case])
