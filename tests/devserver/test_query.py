"""Scans, queries, secondary indexes and background jobs driven by the official C-based client:
partition filters, pagination, max records, projections, expressions and index predicates."""

from __future__ import annotations

import itertools
from typing import Any

import aerospike
import pytest
from aerospike import exception as ex
from aerospike import predicates as p
from aerospike_helpers import expressions as exp
from aerospike_helpers.operations import operations as op

from tests.conftest import unique_name
from tests.polling import wait_until

NAMESPACE = "test"
_next_set = itertools.count()

Record = tuple[Any, dict[str, Any], dict[str, Any]]

# The typed index helpers are what most code still calls.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:index_(integer|string)_create\(\) is deprecated:DeprecationWarning"
)


@pytest.fixture
def seeded(client: Any) -> tuple[str, int]:
    """A set of its own holding records i = 0..59 with s = "v{i % 3}", stored with their keys."""
    set_name = unique_name(f"test_query_{next(_next_set)}")
    for i in range(60):
        client.put(
            (NAMESPACE, set_name, i),
            {"i": i, "s": f"v{i % 3}"},
            policy={"key": aerospike.POLICY_KEY_SEND},
        )
    return set_name, 60


def values(records: list[Record], bin_name: str = "i") -> list[int]:
    return sorted(bins[bin_name] for _, _, bins in records)


def test_scan_results_and_foreach_see_every_record(client: Any, seeded: tuple[str, int]) -> None:
    set_name, n = seeded
    records = client.scan(NAMESPACE, set_name).results()
    assert values(records) == list(range(n))
    for key, meta, bins in records:
        assert key[0] == NAMESPACE
        assert key[1] == set_name
        assert key[2] == bins["i"]
        assert len(key[3]) == 20
        assert meta["gen"] == 1

    seen: list[int] = []
    client.query(NAMESPACE, set_name).foreach(lambda record: seen.append(record[2]["i"]))
    assert sorted(seen) == list(range(n))


def test_select_projects_bins(client: Any, seeded: tuple[str, int]) -> None:
    set_name, n = seeded
    client.put((NAMESPACE, set_name, "no_s"), {"z": 1})
    query = client.query(NAMESPACE, set_name)
    query.select("s")
    records = query.results()
    assert len(records) == n, "the record without bin s is not sent"
    assert all(set(bins) == {"s"} for _, _, bins in records)


def test_partition_filters_only_return_their_partitions(
    client: Any, seeded: tuple[str, int]
) -> None:
    set_name, n = seeded
    halves = [{"begin": 0, "count": 2048}, {"begin": 2048, "count": 2048}]
    found: list[int] = []
    for partitions in halves:
        query = client.query(NAMESPACE, set_name)
        found.extend(values(query.results(policy={"partition_filter": partitions})))
    assert sorted(found) == list(range(n))


def test_max_records_and_paginate_return_each_record_once(
    client: Any, seeded: tuple[str, int]
) -> None:
    set_name, n = seeded
    query = client.query(NAMESPACE, set_name)
    query.max_records = 7
    assert len(query.results()) == 7

    query = client.query(NAMESPACE, set_name)
    query.max_records = 8
    query.paginate()
    seen: list[int] = []
    for _ in range(20):
        page = query.results()
        assert len(page) <= 8
        seen.extend(values(page))
        if query.is_done():
            break
    assert sorted(seen) == list(range(n))


def test_expressions_filter_scans(client: Any, seeded: tuple[str, int]) -> None:
    set_name, _ = seeded
    expression = exp.GE(exp.IntBin("i"), 55).compile()
    records = client.query(NAMESPACE, set_name).results(policy={"expressions": expression})
    assert values(records) == [55, 56, 57, 58, 59]


def test_index_queries_need_an_index_and_match(client: Any, seeded: tuple[str, int]) -> None:
    set_name, _ = seeded
    query = client.query(NAMESPACE, set_name)
    query.where(p.between("i", 10, 14))
    with pytest.raises(ex.IndexNotFound):
        query.results()

    client.index_integer_create(NAMESPACE, set_name, "i", f"{set_name}_i")
    client.index_string_create(NAMESPACE, set_name, "s", f"{set_name}_s")
    try:
        query = client.query(NAMESPACE, set_name)
        query.where(p.between("i", 10, 14))
        assert values(query.results()) == [10, 11, 12, 13, 14]

        query = client.query(NAMESPACE, set_name)
        query.where(p.equals("i", 33))
        assert values(query.results()) == [33]

        query = client.query(NAMESPACE, set_name)
        query.select("i")
        query.where(p.equals("s", "v2"))
        expression = exp.LT(exp.IntBin("i"), 12).compile()
        assert values(query.results(policy={"expressions": expression})) == [2, 5, 8, 11]
    finally:
        client.index_remove(NAMESPACE, f"{set_name}_i")
        client.index_remove(NAMESPACE, f"{set_name}_s")
    query = client.query(NAMESPACE, set_name)
    query.where(p.equals("i", 33))
    with pytest.raises(ex.IndexNotFound):
        query.results()


def test_background_query_updates_matching_records(client: Any, seeded: tuple[str, int]) -> None:
    set_name, n = seeded
    query = client.query(NAMESPACE, set_name)
    query.add_ops([op.increment("i", 1000), op.write("touched", 1)])
    job_id = query.execute_background(policy={"expressions": exp.LT(exp.IntBin("i"), 10).compile()})
    # A real server runs the job in the background.
    assert wait_until(
        lambda: (
            client.job_info(job_id, aerospike.JOB_QUERY)["status"] == aerospike.JOB_STATUS_COMPLETED
        ),
        10,
    )
    records = client.scan(NAMESPACE, set_name).results()
    touched = sorted(bins["i"] for _, _, bins in records if "touched" in bins)
    assert touched == list(range(1000, 1010))
    assert len(records) == n


def test_collection_indexes_match_list_items_and_map_values(client: Any) -> None:
    set_name = unique_name(f"test_query_{next(_next_set)}")
    for i in range(6):
        client.put((NAMESPACE, set_name, i), {"i": i, "l": [i, i + 10], "m": {"k": f"v{i}"}})
    client.index_list_create(NAMESPACE, set_name, "l", aerospike.INDEX_NUMERIC, f"{set_name}_l")
    client.index_map_values_create(
        NAMESPACE, set_name, "m", aerospike.INDEX_STRING, f"{set_name}_mv"
    )
    try:
        query = client.query(NAMESPACE, set_name)
        query.where(p.contains("l", aerospike.INDEX_TYPE_LIST, 13))
        assert values(query.results()) == [3]

        query = client.query(NAMESPACE, set_name)
        query.where(p.range("l", aerospike.INDEX_TYPE_LIST, 4, 11))
        assert values(query.results()) == [0, 1, 4, 5]

        query = client.query(NAMESPACE, set_name)
        query.where(p.contains("m", aerospike.INDEX_TYPE_MAPVALUES, "v4"))
        assert values(query.results()) == [4]
    finally:
        client.index_remove(NAMESPACE, f"{set_name}_l")
        client.index_remove(NAMESPACE, f"{set_name}_mv")
