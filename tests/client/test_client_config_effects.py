"""Config keys change what the client does on the wire, not only what it accepts.

Each test watches an effect a user relies on: the key stored with a record, a default policy
applied to a command, a refused cluster, connections opened ahead of need, a command timed out
or retried. Tests that inject faults need the embedded dev server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

import aerospike_py
from aerospike_py import exp
from aerospike_py.devserver import DevServer
from tests.polling import wait_until

NS = "test"
LATENCY_MS = 300
SHORT = 100
GENEROUS = 1500
KEY = (NS, "config-effects", "k")


def connected(config: dict[str, Any], **extra: Any) -> aerospike_py.Client:
    return aerospike_py.Client({**config, **extra}).connect()


def stored_user_keys(client: aerospike_py.Client, set_name: str) -> dict[Any, Any]:
    """Bin ``v`` to the user key the server stored with each record of the set. A scan returns
    the stored key (or only the digest); a read by key echoes the key it was given instead."""
    records = client.query(NS, set_name).results()
    return {r.bins["v"]: r.key.user_key for r in records if r.bins and r.key}


@pytest.fixture
def slow_reads(devserver: DevServer) -> Iterator[DevServer]:
    """A dev server holding KEY, that answers reads LATENCY_MS late."""
    with aerospike_py.Client({"hosts": devserver.hosts}).connect() as client:
        client.put(KEY, {"a": 1})
    devserver.inject_latency(LATENCY_MS, commands=("read",))
    try:
        yield devserver
    finally:
        devserver.clear_faults()


# send_key


@pytest.mark.parametrize(
    ("config_extra", "policy", "sent"),
    [
        ({}, None, False),
        ({"send_key": False}, None, False),
        ({"send_key": True}, None, True),
        ({"policies": {"write": {"key": aerospike_py.POLICY_KEY_SEND}}}, None, True),
        ({}, {"key": aerospike_py.POLICY_KEY_SEND}, True),
        ({"send_key": True}, {"key": aerospike_py.POLICY_KEY_DIGEST}, False),
    ],
    ids=["default", "off", "config", "policies", "per-call", "per-call-wins"],
)
def test_send_key_stores_the_user_key_with_the_record(
    config: dict[str, Any],
    set_name: str,
    config_extra: dict[str, Any],
    policy: dict[str, Any] | None,
    sent: bool,
) -> None:
    """Only a stored key comes back from a scan; without it, only the digest does."""
    with connected(config, **config_extra) as client:
        client.put((NS, set_name, "by-put"), {"v": 1}, policy=policy)
        write = [{"op": aerospike_py.OPERATOR_WRITE, "bin": "v", "val": 2}]
        client.operate((NS, set_name, 42), write, policy=policy)
        client.batch_write([((NS, set_name, b"batch"), {"v": 3})], policy=policy)
        stored = stored_user_keys(client, set_name)
    assert stored == ({1: "by-put", 2: 42, 3: b"batch"} if sent else dict.fromkeys((1, 2, 3)))


# Default policies from the config


def test_default_write_exists_action_applies_until_a_call_overrides_it(
    config: dict[str, Any], set_name: str
) -> None:
    create_only = {"write": {"exists": aerospike_py.POLICY_EXISTS_CREATE_ONLY}}
    with connected(config, policies=create_only) as client:
        key = (NS, set_name, "once")
        client.put(key, {"v": 1})
        with pytest.raises(aerospike_py.RecordExistsError):
            client.put(key, {"v": 2})
        assert client.get(key).bins == {"v": 1}
        client.put(key, {"v": 3}, policy={"exists": aerospike_py.POLICY_EXISTS_IGNORE})
        assert client.get(key).bins == {"v": 3}


def test_default_read_filter_expression_applies_until_a_call_overrides_it(
    config: dict[str, Any], set_name: str
) -> None:
    adults = {"read": {"filter_expression": exp.ge(exp.int_bin("age"), exp.int_val(18))}}
    with connected(config, policies=adults) as client:
        child, adult = (NS, set_name, "child"), (NS, set_name, "adult")
        client.put(child, {"age": 9})
        client.put(adult, {"age": 40})
        assert client.get(adult).bins == {"age": 40}
        with pytest.raises(aerospike_py.FilteredOut):
            client.get(child)
        assert client.get(child, policy={"filter_expression": None}).bins == {"age": 9}


def test_default_write_ttl_applies_to_writes_without_meta(
    config: dict[str, Any], set_name: str
) -> None:
    with connected(config, policies={"write": {"ttl": 4000}}) as client:
        put_key, operate_key = (NS, set_name, "put"), (NS, set_name, "operate")
        client.put(put_key, {"v": 1})
        client.operate(operate_key, [{"op": aerospike_py.OPERATOR_WRITE, "bin": "v", "val": 1}])
        for key in (put_key, operate_key):
            meta = client.get(key).meta
            assert meta is not None
            assert 3990 <= meta.ttl <= 4000
        client.put(put_key, {"v": 2}, meta={"ttl": 100})
        meta = client.get(put_key).meta
        assert meta is not None
        assert 90 <= meta.ttl <= 100


# cluster_name


def test_cluster_name_must_match_the_cluster(
    client: aerospike_py.Client, config: dict[str, Any], set_name: str
) -> None:
    """The dev server's cluster is named "devserver"; a client for another cluster must not
    write to it."""
    name = client.info_all("cluster-name")[0].response.strip()
    with connected(config, cluster_name=name) as right:
        right.put((NS, set_name, 1), {"v": 1})
        assert right.get((NS, set_name, 1)).bins == {"v": 1}
    wrong = aerospike_py.Client({**config, "cluster_name": name + "-other", "timeout": 1000})
    with pytest.raises(aerospike_py.ClusterError, match=f'cluster "{name}-other"') as raised:
        wrong.connect()
    assert raised.value.result_code == -10
    assert not wrong.is_connected()


# min_conns_per_node


@pytest.mark.devserver_only
def test_min_conns_per_node_opens_connections_at_connect(devserver: DevServer) -> None:
    """Without it a client opens 3 connections at connect (seed, tend, first pooled one)."""
    wanted = 8
    with aerospike_py.Client({"hosts": devserver.hosts, "min_conns_per_node": wanted}).connect():
        assert wait_until(lambda: devserver.connections_accepted[0] >= wanted, 1.5), (
            devserver.connections_accepted
        )
        assert devserver.commands_served == [0]


# Default timeouts and retries (dev server fault injection)


@pytest.mark.devserver_only
@pytest.mark.parametrize(
    "config_extra",
    [
        {"total_timeout": SHORT, "max_retries": 0},
        {"socket_timeout": SHORT, "max_retries": 0},
        {"policies": {"read": {"total_timeout": SHORT, "max_retries": 0}}},
        {"total_timeout": GENEROUS, "policies": {"read": {"total_timeout": SHORT}}},
    ],
    ids=["total_timeout", "socket_timeout", "policies-read", "policies-win-over-shared"],
)
def test_a_short_default_timeout_times_a_slow_read_out(
    slow_reads: DevServer, config_extra: dict[str, Any]
) -> None:
    """The crate's own defaults (1 s total) would wait for the slow answer."""
    with (
        aerospike_py.Client({"hosts": slow_reads.hosts, **config_extra}).connect() as client,
        pytest.raises(aerospike_py.AerospikeTimeoutError),
    ):
        client.get(KEY)


@pytest.mark.devserver_only
@pytest.mark.parametrize(
    ("config_extra", "policy"),
    [
        ({}, None),
        ({"total_timeout": GENEROUS}, None),
        ({"total_timeout": SHORT, "policies": {"read": {"total_timeout": GENEROUS}}}, None),
        ({"total_timeout": SHORT, "max_retries": 0}, {"total_timeout": GENEROUS}),
    ],
    ids=["crate-defaults", "total_timeout", "policies-win-over-shared", "call-wins"],
)
def test_a_generous_timeout_waits_for_a_slow_read(
    slow_reads: DevServer, config_extra: dict[str, Any], policy: dict[str, Any] | None
) -> None:
    with aerospike_py.Client({"hosts": slow_reads.hosts, **config_extra}).connect() as client:
        assert client.get(KEY, policy=policy).bins == {"a": 1}


@pytest.mark.devserver_only
def test_a_call_policy_wins_over_a_generous_default(slow_reads: DevServer) -> None:
    config = {"hosts": slow_reads.hosts, "policies": {"read": {"total_timeout": GENEROUS}}}
    with (
        aerospike_py.Client(config).connect() as client,
        pytest.raises(aerospike_py.AerospikeTimeoutError),
    ):
        client.get(KEY, policy={"total_timeout": SHORT, "max_retries": 0})


@pytest.mark.devserver_only
@pytest.mark.parametrize("family", ["read", "write"])
def test_family_timeouts_apply_to_their_family_only(devserver: DevServer, family: str) -> None:
    config = {
        "hosts": devserver.hosts,
        "policies": {family: {"total_timeout": SHORT, "max_retries": 0}},
    }
    with aerospike_py.Client(config).connect() as client:
        client.put(KEY, {"a": 1})
        devserver.inject_latency(LATENCY_MS, commands=("read", "write"))
        try:
            read = lambda: client.get(KEY)  # noqa: E731
            write = lambda: client.put(KEY, {"a": 2})  # noqa: E731
            short, default = (read, write) if family == "read" else (write, read)
            with pytest.raises(aerospike_py.AerospikeTimeoutError):
                short()
            default()
        finally:
            devserver.clear_faults()


@pytest.mark.devserver_only
async def test_async_client_applies_the_default_timeout(slow_reads: DevServer) -> None:
    config = {"hosts": slow_reads.hosts, "total_timeout": SHORT, "max_retries": 0}
    async with await aerospike_py.AsyncClient(config).connect() as client:
        with pytest.raises(aerospike_py.AerospikeTimeoutError):
            await client.get(KEY)


@pytest.mark.devserver_only
@pytest.mark.parametrize(
    ("config_extra", "recovers"),
    [
        ({}, True),
        ({"max_retries": 0}, False),
        ({"policies": {"read": {"max_retries": 0}}}, False),
        ({"max_retries": 0, "policies": {"read": {"max_retries": 2}}}, True),
    ],
    ids=["crate-default-2", "config-0", "policies-0", "policies-win-over-shared"],
)
def test_default_max_retries_decides_whether_a_dropped_read_is_retried(
    devserver: DevServer, config_extra: dict[str, Any], recovers: bool
) -> None:
    with aerospike_py.Client({"hosts": devserver.hosts, **config_extra}).connect() as client:
        client.put(KEY, {"a": 1})
        devserver.close_next(2, commands=("read",))
        try:
            if recovers:
                assert client.get(KEY).bins == {"a": 1}
            else:
                with pytest.raises(aerospike_py.ClusterError):
                    client.get(KEY)
        finally:
            devserver.clear_faults()


@pytest.mark.devserver_only
def test_default_sleep_between_retries_spaces_the_retries(devserver: DevServer) -> None:
    config = {"hosts": devserver.hosts, "max_retries": 2, "sleep_between_retries": 150}
    with aerospike_py.Client(config).connect() as client:
        client.put(KEY, {"a": 1})
        devserver.close_next(2, commands=("read",))
        try:
            started = time.monotonic()
            assert client.get(KEY).bins == {"a": 1}
            assert time.monotonic() - started >= 0.3
        finally:
            devserver.clear_faults()
