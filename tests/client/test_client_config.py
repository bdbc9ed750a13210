"""Config and argument checking: every mistake raises InvalidArgError naming the value.

These run without a server: arguments are checked before anything is sent.
"""

import asyncio
from typing import Any

import pytest

import aerospike_py
from aerospike_py import InvalidArgError
from aerospike_py.list_operations import list_append_items, list_insert_items

HOSTS = [("127.0.0.1", 3000)]


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"hosts": HOSTS, "policies_typo": 1}, "policies_typo"),
        ({"hosts": HOSTS, "max_conns_per_node": "many"}, "max_conns_per_node"),
        ({"hosts": HOSTS, "max_concurrent_operations": -1}, "max_concurrent_operations"),
        ({"hosts": HOSTS, "send_key": 1}, "send_key"),
        ({"hosts": HOSTS, "runtime_workers": 0}, "runtime_workers"),
        ({"hosts": HOSTS, "busy_poll_us": -1}, "busy_poll_us"),
        ({"hosts": HOSTS, "busy_poll_us": 10_001}, "busy_poll_us"),
        ({"hosts": HOSTS, "busy_poll_us": 0.5}, "busy_poll_us"),
        ({"hosts": HOSTS, "policies": {"reed": {}}}, "reed"),
        ({"hosts": HOSTS, "policies": {"read": {"total_timeout": "1s"}}}, "total_timeout"),
        ({"hosts": HOSTS, "policies": {"write": {"exists": 9}}}, "exists"),
        ({"hosts": "127.0.0.1:3000"}, "hosts"),
        ({"hosts": [("127.0.0.1", "port")]}, "hosts"),
        ({}, "hosts"),
        ({"hosts": HOSTS, "user": "admin"}, "password"),
        ({"hosts": HOSTS, "min_conns_per_node": 10, "max_conns_per_node": 5}, "min_conns_per_node"),
    ],
)
def test_bad_config_names_the_key(config: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidArgError, match=named):
        aerospike_py.Client(config)


def test_documented_keys_are_accepted() -> None:
    config: aerospike_py.ClientConfig = {
        "hosts": [("127.0.0.1", 3000), "localhost:3100"],
        "cluster_name": "dev",
        "timeout": 1000,
        "idle_timeout": 55,
        "max_conns_per_node": 300,
        "min_conns_per_node": 10,
        "conn_pools_per_node": 1,
        "tend_interval": 1000,
        "use_services_alternate": False,
        "max_error_rate": 100,
        "error_rate_window": 1,
        "max_concurrent_operations": 64,
        "operation_queue_timeout_ms": 5000,
        "runtime_workers": 2,
        "busy_poll_us": 500,
        "socket_timeout": 1000,
        "total_timeout": 2000,
        "max_retries": 2,
        "sleep_between_retries": 0,
        "send_key": True,
        "policies": {
            "read": {"total_timeout": 500, "replica": aerospike_py.POLICY_REPLICA_SEQUENCE},
            "write": {"key": aerospike_py.POLICY_KEY_SEND, "durable_delete": False},
            "batch": {"allow_inline": True},
            "query": {"max_records": 10},
            "scan": {"records_per_second": 0},
        },
    }
    client = aerospike_py.Client(dict(config))
    assert not client.is_connected()
    assert client.stats().max_concurrent_operations == 64


def test_nothing_starts_at_import_or_construction() -> None:
    aerospike_py.Client({"hosts": HOSTS})
    aerospike_py.AsyncClient({"hosts": HOSTS})
    assert aerospike_py.runtime_workers() is None or aerospike_py.runtime_workers() >= 1


def test_async_methods_called_outside_an_event_loop_say_what_to_use(
    aerospike_hosts: list[tuple[str, int]],
) -> None:
    # connect() is a coroutine function, as in aerospike-py: called outside a loop, it only
    # makes a coroutine (the commands, which return futures, say what to use instead).
    aerospike_py.AsyncClient({"hosts": aerospike_hosts}).connect().close()

    async def connected() -> aerospike_py.AsyncClient:
        return await aerospike_py.AsyncClient({"hosts": aerospike_hosts}).connect()

    client = asyncio.run(connected())
    with pytest.raises(RuntimeError, match="while an event loop runs"):
        client.get(("test", "demo", 1))

    async def close() -> None:
        await client.close()

    asyncio.run(close())


def test_commands_before_connect_raise_client_error() -> None:
    client = aerospike_py.Client({"hosts": HOSTS})
    with pytest.raises(aerospike_py.ClientError, match="not connected"):
        client.get(("test", "demo", 1))


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda c: c.get(["test", "demo", 1]), "key must be a tuple"),
        (lambda c: c.get(("test", "demo")), "key must be a tuple"),
        (lambda c: c.get((1, "demo", 1)), "namespace"),
        (lambda c: c.get(("test", "demo", 1.5)), "1.5"),
        (lambda c: c.get(("test", "demo", None, b"short")), "digest"),
        (lambda c: c.put(("test", "demo", 1), {"a_bin_name_too_long": 1}), "a_bin_name_too_long"),
        (lambda c: c.put(("test", "demo", 1), {"b": object()}), "object"),
        (lambda c: c.put(("test", "demo", 1), {"b": 2**70}), str(2**70)),
        (lambda c: c.put(("test", "demo", 1), [1]), "bins must be a dict"),
        (lambda c: c.put(("test", "demo", 1), {"b": 1}, policy={"ttl": "1h"}), "ttl"),
        (lambda c: c.put(("test", "demo", 1), {"b": 1}, policy={"colour": 1}), "colour"),
        (lambda c: c.put(("test", "demo", 1), {"b": 1}, meta={"ttl": -9}), "ttl"),
        (lambda c: c.get(("test", "demo", 1), policy=[1]), "policy must be a dict"),
        (lambda c: c.increment(("test", "demo", 1), "n", "1"), "increment"),
        (lambda c: c.operate(("test", "demo", 1), [{"op": 99, "bin": "b"}]), "99"),
        (lambda c: c.operate(("test", "demo", 1), [{"op": "list_nope", "bin": "b"}]), "list_nope"),
        (lambda c: c.operate(("test", "demo", 1), [list_append_items("l", [])]), "not be empty"),
        (lambda c: c.operate(("test", "demo", 1), [list_insert_items("l", 0, [])]), "not be empty"),
        (
            lambda c: c.operate(
                ("test", "demo", 1), [{"op": "list_set", "bin": "l", "index": 0, "val": None}]
            ),
            "not be None",
        ),
        (
            lambda c: c.get(("test", "demo", 1), policy={"filter_expression": {"expr": "zz"}}),
            "zz",
        ),
        (lambda c: c.batch_read([("test", "demo", 1), "k"]), "key must be a tuple"),
        (lambda c: c.put(("test", "demo", 1), {"b": "x\ud800"}), r"'x\\ud800' .*surrogate"),
        (lambda c: c.put(("test", "demo", 1), {"\udc00": 1}), r"bin name '\\udc00'"),
        (lambda c: c.get(("te\ud800st", "demo", 1)), "key namespace"),
        (lambda c: c.get(("test", "demo", "\ud800")), "surrogate"),
    ],
)
def test_bad_arguments_name_the_value(call: Any, named: str) -> None:
    client = aerospike_py.Client({"hosts": HOSTS})
    with pytest.raises(InvalidArgError, match=named):
        call(client)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.put(("test", "demo", 1), list(range(100_000))),
        lambda c: c.get(tuple(range(100_000))),
        lambda c: c.put(("test", "demo", 1), {"b" * 100_000: 1}),
        lambda c: c.put(("test", "demo", 1), {"b": 1}, policy={"ttl": "x" * 100_000}),
    ],
)
def test_a_huge_bad_argument_makes_a_short_message(call: Any) -> None:
    """The message shows the start of the value, not all of it (logs, memory)."""
    client = aerospike_py.Client({"hosts": HOSTS})
    with pytest.raises(InvalidArgError) as raised:
        call(client)
    assert len(str(raised.value)) < 300
    assert "..." in str(raised.value)
