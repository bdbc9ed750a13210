"""Queries (secondary-index predicates), scans, partition filters and expression filters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import aerospike_py
from aerospike_py import exp, predicates

NS = "test"


def fill(client: aerospike_py.Client, set_name: str, count: int) -> None:
    for i in range(count):
        client.put(
            (NS, set_name, i),
            {"age": i, "active": i % 2 == 0, "name": f"n{i}"},
            policy={"key": aerospike_py.POLICY_KEY_SEND},
        )


def test_scan_returns_every_record_with_its_sent_key(
    client: aerospike_py.Client, set_name: str
) -> None:
    fill(client, set_name, 20)
    records = client.query(NS, set_name).results()
    assert sorted(r.bins["age"] for r in records if r.bins) == list(range(20))
    assert sorted(r.key.user_key for r in records if r.key) == list(range(20))


def test_seed_expression_filter_snippet(client: aerospike_py.Client, set_name: str) -> None:
    fill(client, set_name, 10)
    scope: dict[str, Any] = {"aerospike": aerospike_py, "client": client, "exp": exp}
    snippet = (
        'results = client.query("test", "demo").results()\n'
        'active = [r for r in results if r.bins.get("active")]\n'
        'expr = exp.eq(exp.bool_bin("active"), exp.bool_val(True))\n'
        'results = client.query("test", "demo").results(policy={"filter_expression": expr})\n'
    ).replace('"demo"', repr(set_name))
    exec(snippet, scope)
    assert len(scope["active"]) == 5
    assert sorted(r.bins["age"] for r in scope["results"]) == [0, 2, 4, 6, 8]


def test_where_with_a_secondary_index(client: aerospike_py.Client, set_name: str) -> None:
    fill(client, set_name, 30)
    index = "age_" + uuid.uuid4().hex[:8]
    client.index_integer_create(NS, set_name, "age", index)
    try:
        query = client.query(NS, set_name)
        query.select("age")
        query.where(predicates.between("age", 10, 14))
        assert sorted(r.bins["age"] for r in query.results()) == [10, 11, 12, 13, 14]
        with pytest.raises(aerospike_py.InvalidArgError, match="already has a where"):
            query.where(predicates.equals("age", 7))  # it would silently replace the first
        query = client.query(NS, set_name)
        query.where(predicates.equals("age", 7))
        assert [r.bins["age"] for r in query.results()] == [7]
    finally:
        client.index_remove(NS, index)


def test_foreach_stops_when_the_callback_returns_false(
    client: aerospike_py.Client, set_name: str
) -> None:
    fill(client, set_name, 10)
    seen: list[int] = []

    def collect(record: aerospike_py.Record) -> bool:
        seen.append(record.bins["age"] if record.bins else -1)
        return len(seen) < 3

    client.query(NS, set_name).foreach(collect)
    assert len(seen) == 3


def test_partition_filters_split_a_scan(client: aerospike_py.Client, set_name: str) -> None:
    fill(client, set_name, 40)
    halves = [
        aerospike_py.partition_filter_by_range(0, 2048),
        aerospike_py.partition_filter_by_range(2048, 2048),
    ]
    parts = [
        client.query(NS, set_name).results(policy={"partition_filter": half}) for half in halves
    ]
    ages = sorted(r.bins["age"] for part in parts for r in part if r.bins)
    assert ages == list(range(40))
    assert all(parts)


async def test_async_query(async_client: aerospike_py.AsyncClient, set_name: str) -> None:
    for i in range(8):
        await async_client.put((NS, set_name, i), {"age": i})
    records = await async_client.query(NS, set_name).results()
    assert sorted(r.bins["age"] for r in records if r.bins) == list(range(8))
