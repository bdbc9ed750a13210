"""Info-driven features through the official client: truncate, statistics, secondary indexes."""

from __future__ import annotations

import time
from typing import Any

import aerospike
import pytest
from aerospike import exception as ex

NAMESPACE = "test"


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
    doomed = put_keys(client, "trunc_doomed", 3)
    kept = put_keys(client, "trunc_kept", 2)
    client.truncate(NAMESPACE, "trunc_doomed", 0)
    assert not any(exists(client, k) for k in doomed)
    assert all(exists(client, k) for k in kept)


def test_truncate_before_a_time_keeps_newer_records(client: Any) -> None:
    old = put_keys(client, "trunc_lut", 2)
    time.sleep(0.01)
    cutoff = time.time_ns()
    time.sleep(0.01)
    client.put((NAMESPACE, "trunc_lut", "new"), {"n": 1})
    client.truncate(NAMESPACE, "trunc_lut", cutoff)
    assert not any(exists(client, k) for k in old)
    assert client.get((NAMESPACE, "trunc_lut", "new"))[2] == {"n": 1}


def test_sets_and_namespace_statistics_count_records(client: Any) -> None:
    put_keys(client, "stats_counted", 3)
    assert NAMESPACE in info(client, "namespaces").split(";")
    sets = info(client, f"sets/{NAMESPACE}/stats_counted")
    assert "objects=3:" in sets
    stats = dict(kv.split("=", 1) for kv in info(client, f"namespace/{NAMESPACE}").split(";"))
    assert int(stats["objects"]) >= 3


def test_secondary_index_create_is_idempotent_and_remove_needs_the_index(client: Any) -> None:
    put_keys(client, "sindex_set", 3)
    # The client waits until the index reports load_pct=100.
    client.index_single_value_create(
        NAMESPACE, "sindex_set", "n", aerospike.INDEX_NUMERIC, "devserver_idx_n"
    )
    stat = info(client, f"sindex-stat:namespace={NAMESPACE};indexname=devserver_idx_n")
    assert "load_pct=100" in stat
    same = (
        f"sindex-create:namespace={NAMESPACE};set=sindex_set;"
        "indexname=devserver_idx_n;bin=n;type=numeric"
    )
    assert info(client, same) == "ok"
    with pytest.raises(ex.AerospikeError):
        info(client, same.replace("bin=n;type=numeric", "bin=s;type=string"))
    client.index_remove(NAMESPACE, "devserver_idx_n")
    with pytest.raises(ex.AerospikeError):
        client.index_remove(NAMESPACE, "devserver_idx_n")


def test_unknown_jobs_count_as_finished(client: Any) -> None:
    job = client.job_info(987654321, aerospike.JOB_QUERY)
    assert job["status"] == aerospike.JOB_STATUS_COMPLETED
