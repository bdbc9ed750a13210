"""Batch commands and the NumPy fill, over TCP, sync and async."""

from __future__ import annotations

import copy
import gc
import pickle
import sys
from typing import Any

import aerospike
import numpy as np
import pytest

import aerospike_py
from aerospike_py import list_operations as lo
from aerospike_py.types import AerospikeKey, BatchRecord, Record, RecordMetadata

NS = "test"
DTYPE = np.dtype([("score", "i8"), ("rating", "f8"), ("flag", "?"), ("tag", "S4")])


def write_scores(client: aerospike_py.Client, set_name: str, count: int) -> list[Any]:
    keys = [(NS, set_name, i) for i in range(count)]
    outcome = client.batch_write(
        [
            (k, {"score": i, "rating": i / 2, "flag": i % 2 == 0, "tag": f"t{i}"})
            for i, k in enumerate(keys)
        ]
    )
    assert [r.result for r in outcome.batch_records] == [0] * count
    return keys


def test_batch_read_returns_every_key_in_order(client: aerospike_py.Client, set_name: str) -> None:
    keys = write_scores(client, set_name, 10)
    missing = (NS, set_name, "missing")
    result = client.batch_read([*keys, missing], bins=["score"])
    records = result.batch_records
    assert len(result) == 11
    assert [r.record.bins for r in records[:10] if r.record] == [{"score": i} for i in range(10)]
    assert (records[10].result, records[10].record) == (2, None)
    assert records[3].key is not None
    assert records[3].key.user_key == 3
    assert result.to_dict()[4] == {"score": 4}


def test_batch_records_are_the_named_tuples_each_with_its_own_key(
    client: aerospike_py.Client, set_name: str
) -> None:
    other = set_name + "b"
    client.put((NS, set_name, 1), {"a": 1, "shared": "x"})
    client.put((NS, other, 2), {"b": 2, "shared": "y"})
    digest = client.get((NS, set_name, 1)).key.digest
    wanted = [
        (NS, set_name, 1),
        (NS, other, 2),
        (NS, other, "absent"),
        (NS, set_name, None, digest),
    ]
    found, second, absent, by_digest = client.batch_read(wanted).batch_records
    assert type(found) is BatchRecord
    assert type(found.key) is AerospikeKey
    assert type(found.record) is Record
    assert type(found.record.meta) is RecordMetadata
    assert found.key == AerospikeKey(NS, set_name, 1, digest)
    assert found.record == Record(found.key, found.record.meta, {"a": 1, "shared": "x"})
    assert (found.result, found.in_doubt) == (0, False)
    assert second.key[:3] == (NS, other, 2)
    assert second.record.key == second.key
    assert second.record.bins == {"b": 2, "shared": "y"}
    assert (absent.key[:3], absent.result, absent.record) == ((NS, other, "absent"), 2, None)
    # Read by digest alone: no user key is known, in the row's key as in the record's.
    assert by_digest.key == AerospikeKey(NS, set_name, None, digest)
    assert by_digest.record.key == by_digest.key
    assert by_digest.record.bins == {"a": 1, "shared": "x"}


def test_batch_records_are_ordinary_tuples_that_leak_nothing(
    client: aerospike_py.Client, set_name: str
) -> None:
    keys = write_scores(client, set_name, 5)
    result = client.batch_read(keys)
    classes = (BatchRecord, Record, RecordMetadata, AerospikeKey)
    gc.collect()  # records an earlier test left in reference cycles must not count here
    before = [sys.getrefcount(cls) for cls in classes]
    made = [len(result.batch_records) for _ in range(200)]
    gc.collect()
    assert [sys.getrefcount(cls) for cls in classes] == before
    assert made == [5] * 200
    rows = result.batch_records
    assert pickle.loads(pickle.dumps(rows)) == rows
    assert copy.deepcopy(rows) == rows
    assert rows[1]._replace(result=9) == (rows[1].key, 9, rows[1].record, False)
    assert rows[1].record._asdict()["bins"]["score"] == 1
    assert hash(rows[1].key) == hash(tuple(rows[1].key))


def test_batch_records_with_many_bin_names(client: aerospike_py.Client, set_name: str) -> None:
    bins = {f"b{i}": i for i in range(40)}
    keys = [(NS, set_name, i) for i in range(3)]
    for k in keys:
        client.put(k, bins)
    records = client.batch_read(keys).batch_records
    assert [r.record.bins for r in records if r.record] == [bins] * 3


def test_to_numpy_marks_missing_rows(client: aerospike_py.Client, set_name: str) -> None:
    keys = write_scores(client, set_name, 5)
    wanted = [keys[0], (NS, set_name, "absent"), *keys[1:]]
    batch = client.batch_read(wanted, bins=["score", "rating", "flag", "tag"]).to_numpy(DTYPE)
    assert batch.batch_records.dtype == DTYPE
    assert list(batch.found) == [True, False, True, True, True, True]
    assert list(batch.result_codes) == [0, 2, 0, 0, 0, 0]
    assert list(batch.batch_records["score"][batch.found]) == [0, 1, 2, 3, 4]
    assert list(batch.batch_records["rating"][batch.found]) == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert list(batch.batch_records["flag"][batch.found]) == [True, False, True, False, True]
    assert batch.batch_records["tag"][2] == b"t1"
    assert batch.get(3)["score"] == 3
    assert "absent" in batch
    assert list(batch.meta["gen"][batch.found]) == [1] * 5


def test_to_numpy_meta_holds_each_rows_generation_and_ttl(
    client: aerospike_py.Client, set_name: str
) -> None:
    kept, touched = (NS, set_name, "kept"), (NS, set_name, "touched")
    client.put(kept, {"score": 1}, meta={"ttl": aerospike_py.TTL_NEVER_EXPIRE})
    client.put(touched, {"score": 2}, meta={"ttl": 5000})
    client.put(touched, {"score": 3}, meta={"ttl": 5000})
    batch = client.batch_read([kept, (NS, set_name, "absent"), touched]).to_numpy(DTYPE)
    assert list(batch.meta["gen"]) == [1, 0, 2]
    never, absent, ttl = (int(t) for t in batch.meta["ttl"])
    assert (never, absent) == (0xFFFFFFFF, 0)  # the server's "never expires", as reads report it
    assert 4990 <= ttl <= 5000


def test_to_numpy_rejects_a_value_that_does_not_fit(
    client: aerospike_py.Client, set_name: str
) -> None:
    client.put((NS, set_name, "s"), {"score": "not a number", "ratio": 1.5})
    result = client.batch_read([(NS, set_name, "s")])
    with pytest.raises(aerospike_py.InvalidArgError, match=r'"score" .* holds the str "not a n'):
        result.to_numpy(np.dtype([("score", "i8")]))
    with pytest.raises(aerospike_py.InvalidArgError, match=r'"ratio" of record 0 holds 1\.5,'):
        result.to_numpy(np.dtype([("ratio", "i8")]))
    for not_structured in (np.dtype("i8"), np.dtype([])):
        with pytest.raises(aerospike_py.InvalidArgError, match="structured"):
            result.to_numpy(not_structured)


def test_batch_operate_and_remove(client: aerospike_py.Client, set_name: str) -> None:
    keys = write_scores(client, set_name, 4)
    outcome = client.batch_operate(
        keys, [{"op": aerospike_py.OPERATOR_INCR, "bin": "score", "val": 100}]
    )
    assert [r.result for r in outcome.batch_records] == [0, 0, 0, 0]
    assert [client.get(k).bins["score"] for k in keys] == [100, 101, 102, 103]
    client.put(keys[0], {"l": [1]})
    client.batch_operate(keys[:1], [lo.list_append("l", 2)])
    assert client.get(keys[0]).bins["l"] == [1, 2]
    removed = client.batch_remove([*keys, (NS, set_name, "never")])
    assert [r.result for r in removed.batch_records] == [0, 0, 0, 0, 2]
    assert all(client.exists(k).meta is None for k in keys)


def test_batch_operate_answers_per_key_as_operate_does(
    client: aerospike_py.Client, set_name: str
) -> None:
    """Reads alone go as a batch read (the crate refuses a batch write without a write), and
    the nil a batch write gets back for each basic write is not a result."""
    keys = write_scores(client, set_name, 2)
    missing = (NS, set_name, "never")
    read = [{"op": aerospike_py.OPERATOR_READ, "bin": "score"}]
    reads = client.batch_operate([*keys, missing], read).batch_records
    assert [(r.result, r.record and r.record.bins) for r in reads] == [
        (0, {"score": 0}),
        (0, {"score": 1}),
        (2, None),
    ]
    incr_then_read = [{"op": aerospike_py.OPERATOR_INCR, "bin": "score", "val": 10}, *read]
    writes = client.batch_operate(keys, incr_then_read).batch_records
    assert [r.record and r.record.bins for r in writes] == [{"score": 10}, {"score": 11}]
    assert client.operate(keys[0], incr_then_read).bins == {"score": 20}
    client.put(keys[0], {"l": [1]})
    appended = client.batch_operate(keys[:1], [lo.list_append("l", 2), lo.list_size("l")])
    assert appended.batch_records[0].record.bins == {"l": [2, 2]}  # type: ignore[union-attr]


async def test_async_batch(async_client: aerospike_py.AsyncClient, set_name: str) -> None:
    keys = [(NS, set_name, i) for i in range(20)]
    await async_client.batch_write([(k, {"score": i, "rating": 0.5}) for i, k in enumerate(keys)])
    result = await async_client.batch_read(keys, bins=["score", "rating"])
    batch = result.to_numpy(np.dtype([("score", "i8"), ("rating", "f8")]))
    assert int(batch.batch_records["score"].sum()) == sum(range(20))


def test_seed_numpy_snippet(client: aerospike_py.Client, set_name: str) -> None:
    keys = [(NS, set_name, i) for i in range(10)]
    client.batch_write(
        [(k, {"score": i, "rating": 4.5, "name": "n", "age": i}) for i, k in enumerate(keys)]
    )
    scope: dict[str, Any] = {"aerospike": aerospike_py, "client": client, "keys": keys}
    exec(
        "results = [client.get(k) for k in keys]\n"
        'batch = client.batch_read(keys, bins=["name", "age"])\n'
        "import numpy as np\n"
        'dtype = np.dtype([("score", "i8"), ("rating", "f8")])\n'
        'batch = client.batch_read(keys, bins=["score", "rating"]).to_numpy(dtype)\n',
        scope,
    )
    assert list(scope["batch"].batch_records["score"]) == list(range(10))


@pytest.fixture
def official(aerospike_hosts: list[tuple[str, int]]) -> Any:
    official_client = aerospike.client({"hosts": aerospike_hosts}).connect()
    yield official_client
    official_client.close()


def test_batch_reads_what_the_official_client_wrote(
    client: aerospike_py.Client, official: Any, set_name: str
) -> None:
    values = [1, 2.5, "s", b"b", True, [1, [2]], {"k": {"n": 1}}]
    keys = [(NS, set_name, i) for i in range(len(values))]
    for k, v in zip(keys, values, strict=True):
        official.put(k, {"v": v})
    records = client.batch_read(keys).batch_records
    assert [r.record.bins["v"] for r in records if r.record] == values


def test_batch_operate_without_respond_all_keys_reports_each_rows_own_result(
    client: aerospike_py.Client, set_name: str
) -> None:
    """The batch ends in the failed row's code; the rows that were applied still say so."""
    keys = [(NS, set_name, i) for i in range(4)]
    client.put(keys[0], {"n": 1})
    client.put(keys[1], {"n": "text"})
    client.put(keys[2], {"n": 2})
    incr = [{"op": aerospike_py.OPERATOR_INCR, "bin": "n", "val": 1}]
    result = client.batch_operate(keys, incr, policy={"respond_all_keys": False})
    assert [row.result for row in result.batch_records] == [0, 12, 0, 0]
    assert [client.get(key).bins["n"] for key in (keys[0], keys[2], keys[3])] == [2, 3, 1]
