"""Info-driven features through the official client: truncate, statistics, secondary indexes."""

from __future__ import annotations

import time
from typing import Any

import aerospike
import pytest
from aerospike import exception as ex

from tests.conftest import unique_name
from tests.polling import wait_until

NAMESPACE = "test"
DOOMED, KEPT, LUT = unique_name("trunc_doomed"), unique_name("trunc_kept"), unique_name("trunc_lut")
COUNTED, SINDEXED, INDEX = (
    unique_name("stats_counted"),
    unique_name("sindex_set"),
    unique_name("idx_n"),
)


def info(client: Any, command: str) -> str:
    node = client.get_node_names()[0]["node_name"]
    name, _, value = client.info_single_node(command, node).rstrip("\n").partition("\t")
    assert name == command
    return str(value)


def put_keys(client: Any, set_name: str, n: int) -> list[tuple[str, str, int]]:
    keys = [(NAMESPACE, set_name, i) for i in range(n)]
    for i, key in enumerate(keys):
        client.put(key, {"n": i, "s": f"v{i}"})
    return keys


def exists(client: Any, key: tuple[str, str, int]) -> bool:
    return client.exists(key)[1] is not None


def test_truncate_a_set_then_the_namespace_set_by_set(client: Any) -> None:
    doomed = put_keys(client, DOOMED, 3)
    kept = put_keys(client, KEPT, 2)
    time.sleep(0.05)  # truncate spares records last updated in its own millisecond
    client.truncate(NAMESPACE, DOOMED, 0)
    # A real server truncates in the background.
    assert wait_until(lambda: not any(exists(client, k) for k in doomed), 10)
    assert all(exists(client, k) for k in kept)


def test_truncate_before_a_time_keeps_newer_records(client: Any) -> None:
    old = put_keys(client, LUT, 2)
    time.sleep(0.01)
    cutoff = time.time_ns()
    time.sleep(0.01)
    client.put((NAMESPACE, LUT, "new"), {"n": 1})
    client.truncate(NAMESPACE, LUT, cutoff)
    assert wait_until(lambda: not any(exists(client, k) for k in old), 10)
    assert client.get((NAMESPACE, LUT, "new"))[2] == {"n": 1}


def test_sets_and_namespace_statistics_count_records(client: Any) -> None:
    put_keys(client, COUNTED, 3)
    assert NAMESPACE in info(client, "namespaces").split(";")
    sets = info(client, f"sets/{NAMESPACE}/{COUNTED}")
    assert "objects=3:" in sets
    stats = dict(kv.split("=", 1) for kv in info(client, f"namespace/{NAMESPACE}").split(";"))
    assert int(stats["objects"]) >= 3


def test_secondary_index_create_and_remove_are_idempotent(client: Any) -> None:
    put_keys(client, SINDEXED, 3)
    # The client waits until the index reports load_pct=100.
    client.index_single_value_create(NAMESPACE, SINDEXED, "n", aerospike.INDEX_NUMERIC, INDEX)
    stat = info(client, f"sindex-stat:namespace={NAMESPACE};indexname={INDEX}")
    assert "load_pct=100" in stat
    same = (
        f"sindex-create:namespace={NAMESPACE};set={SINDEXED};indexname={INDEX};bin=n;type=numeric"
    )
    assert info(client, same) == "ok"
    with pytest.raises(ex.AerospikeError):
        info(client, same.replace("bin=n;type=numeric", "bin=s;type=string"))
    client.index_remove(NAMESPACE, INDEX)
    client.index_remove(NAMESPACE, INDEX)
    with pytest.raises(ex.IndexNotFound):
        info(client, f"sindex-stat:namespace={NAMESPACE};indexname={INDEX}")


def test_unknown_jobs_count_as_finished(client: Any) -> None:
    job = client.job_info(987654321, aerospike.JOB_QUERY)
    assert job["status"] == aerospike.JOB_STATUS_COMPLETED
