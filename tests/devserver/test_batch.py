"""Batch commands (reads, writes, removes, operations, per-row results and filters) driven by the
official C-based client."""

from __future__ import annotations

import itertools
from typing import Any

import aerospike
from aerospike_helpers import expressions as exp
from aerospike_helpers.batch.records import BatchRecords, Read, Remove, Write
from aerospike_helpers.operations import operations as op

from tests.conftest import unique_name

NAMESPACE = "test"
SET = unique_name("test_batch")
_next = itertools.count()

Key = tuple[str, str, str]


def fresh_keys(n: int) -> list[Key]:
    return [(NAMESPACE, SET, f"b{next(_next)}") for _ in range(n)]


def seeded(client: Any, n: int) -> list[Key]:
    keys = fresh_keys(n)
    for i, key in enumerate(keys):
        client.put(key, {"i": i, "s": f"v{i}"})
    return keys


def test_batch_read_all_named_and_missing(client: Any) -> None:
    keys = seeded(client, 3)
    missing = fresh_keys(1)[0]

    records = client.batch_read([*keys, missing]).batch_records
    assert [r.result for r in records] == [0, 0, 0, 2]
    assert [r.record[2] for r in records[:3]] == [{"i": i, "s": f"v{i}"} for i in range(3)]
    assert records[0].record[1]["gen"] == 1
    assert records[3].record is None

    named = client.batch_read(keys, ["s"]).batch_records
    assert [r.record[2] for r in named] == [{"s": f"v{i}"} for i in range(3)]

    headers = client.batch_read([keys[0], missing], []).batch_records
    assert headers[0].result == 0
    assert headers[0].record[1]["gen"] == 1
    assert headers[1].result == 2


def test_large_batches_come_back_whole(client: Any) -> None:
    keys = seeded(client, 500)
    records = client.batch_read(keys, ["i"]).batch_records
    assert [r.record[2]["i"] for r in records] == list(range(500))


def test_batch_operate_applies_to_every_key(client: Any) -> None:
    keys = seeded(client, 3)
    missing = fresh_keys(1)[0]
    records = client.batch_operate(
        [*keys, missing], [op.increment("i", 10), op.read("i")]
    ).batch_records
    assert [r.result for r in records] == [0, 0, 0, 0]
    assert [r.record[2]["i"] for r in records] == [10, 11, 12, 10]
    assert client.get(missing)[2] == {"i": 10}


def test_batch_write_mixes_writes_reads_and_removes(client: Any) -> None:
    keys = seeded(client, 2)
    new = fresh_keys(1)[0]
    batch = BatchRecords(
        [
            Write(new, [op.write("n", 1), op.read("n")]),
            Read(keys[0], [op.read("s")]),
            Remove(keys[1]),
            Write(
                keys[0],
                [op.write("x", 1)],
                policy={"exists": aerospike.POLICY_EXISTS_CREATE},
            ),
        ]
    )
    results = client.batch_write(batch).batch_records
    assert [r.result for r in results] == [0, 0, 0, 5]
    assert results[0].record[2] == {"n": 1}
    assert results[1].record[2] == {"s": "v0"}
    assert client.get(new)[2] == {"n": 1}
    assert client.exists(keys[1])[1] is None
    assert "x" not in client.get(keys[0])[2]


def test_batch_remove_reports_missing_rows(client: Any) -> None:
    keys = seeded(client, 2)
    missing = fresh_keys(1)[0]
    results = client.batch_remove([*keys, missing]).batch_records
    assert [r.result for r in results] == [0, 0, 2]
    assert all(client.exists(k)[1] is None for k in keys)


def test_filter_expressions_filter_rows(client: Any) -> None:
    keys = seeded(client, 4)
    keep_odd = exp.Or(exp.Eq(exp.IntBin("i"), 1), exp.Eq(exp.IntBin("i"), 3)).compile()
    records = client.batch_read(keys, policy={"expressions": keep_odd}).batch_records
    assert [r.result for r in records] == [27, 0, 27, 0]
    assert [r.record is None for r in records] == [True, False, True, False]

    row_filter = exp.Eq(exp.IntBin("i"), 0).compile()
    batch = BatchRecords(
        [
            Write(keys[0], [op.write("w", 1)], policy={"expressions": row_filter}),
            Write(keys[1], [op.write("w", 1)], policy={"expressions": row_filter}),
        ]
    )
    results = client.batch_write(batch).batch_records
    assert [r.result for r in results] == [0, 27]
    assert client.get(keys[0])[2]["w"] == 1
    assert "w" not in client.get(keys[1])[2]
