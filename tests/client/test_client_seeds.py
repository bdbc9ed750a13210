"""The tuning guide's snippets (the seeds), run as written with `import aerospike_py as aerospike`.

Names the snippets assume (``client``, ``key``, ``keys``, ``bins``, ``now``) are provided; hosts
they name ("node1", "aerospike") are replaced by the server under test only where the snippet
connects.
"""

from __future__ import annotations

import ast
import asyncio
import textwrap
import time
from typing import Any

import aerospike_py as aerospike

CONNECTION_POOL = """
config = {
"hosts": [("node1", 3000), ("node2", 3000)],
"max_conns_per_node": 300, # default: 256
"min_conns_per_node": 10, # pre-warm
"idle_timeout": 55, # below server proto-fd-idle-ms (60s)
}
"""

SELECT_SPECIFIC_BINS = """
# Reads ALL bins from server
record = client.get(key)
# Reads only what you need (less network I/O)
record = client.select(key, ["name", "age"])
"""

COMBINE_OPERATIONS = """
# Two round-trips
client.put(key, {"counter": 1})
client.put(key, {"updated_at": now})
# Single round-trip
ops = [
{"op": aerospike.OPERATOR_WRITE, "bin": "counter", "val": 1},
{"op": aerospike.OPERATOR_WRITE, "bin": "updated_at", "val": now},
]
client.operate(key, ops)
"""

TTL_STRATEGY = """
client.put(key, bins, meta={"ttl": aerospike.TTL_NEVER_EXPIRE}) # never expire
client.put(key, bins, meta={"ttl": aerospike.TTL_DONT_UPDATE}) # keep existing TTL
client.put(key, bins, meta={"ttl": aerospike.TTL_NAMESPACE_DEFAULT}) # use namespace default
"""

BACKPRESSURE_CONFIG = """
config = {
# "aerospike" = service name in your Podman/compose file; use 127.0.0.1 for local dev
"hosts": [("aerospike", 3000)],
"max_concurrent_operations": 64, # at most 64 in-flight ops
"operation_queue_timeout_ms": 5000, # raise BackpressureError after 5s
}
"""

QUICK_BEFORE_AFTER = """
# Before: 100 concurrent FastAPI requests calling batch_read each
# may stall on the Tokio queue with default 2 workers and no cap.
# After (env): export AEROSPIKE_RUNTIME_WORKERS=4
# AND (programmatic):
import aerospike_py
client = aerospike_py.AsyncClient({
# "aerospike" = service name in your Podman/compose file; use 127.0.0.1 for local dev
"hosts": [("aerospike", 3000)],
"max_concurrent_operations": 64, # caps in-flight ops
"operation_queue_timeout_ms": 5000,
})
await client.connect()
"""

ASYNC_CLIENT = """
import asyncio
async def main() -> None:
    client = aerospike.AsyncClient({
        "hosts": [("127.0.0.1", 3000)],
        "max_concurrent_operations": 64, # prevent pool exhaustion
    })
    await client.connect()
    keys = [("test", "demo", f"key{i}") for i in range(1000)]
    results = await asyncio.gather(*(client.get(k) for k in keys))
    await client.close()
"""


def run(snippet: str, names: dict[str, Any]) -> dict[str, Any]:
    scope = {"aerospike": aerospike, **names}
    exec(textwrap.dedent(snippet), scope)
    return scope


def test_connection_pool_config(client: aerospike.Client) -> None:
    scope = run(CONNECTION_POOL, {})
    assert aerospike.Client(scope["config"]).stats().in_flight == 0


def test_backpressure_config() -> None:
    scope = run(BACKPRESSURE_CONFIG, {})
    assert aerospike.Client(scope["config"]).stats().max_concurrent_operations == 64


def test_read_snippets(client: aerospike.Client, set_name: str) -> None:
    key = ("test", set_name, "user")
    client.put(key, {"name": "Ada", "age": 36, "city": "London"})
    scope = run(SELECT_SPECIFIC_BINS, {"client": client, "key": key})
    assert scope["record"].bins == {"name": "Ada", "age": 36}


def test_write_snippets(client: aerospike.Client, set_name: str) -> None:
    key = ("test", set_name, "combined")
    now = int(time.time())
    run(COMBINE_OPERATIONS, {"client": client, "key": key, "now": now})
    assert client.get(key).bins == {"counter": 1, "updated_at": now}
    run(TTL_STRATEGY, {"client": client, "key": key, "bins": {"v": 1}})
    assert client.get(key).bins["v"] == 1


def test_async_snippet(aerospike_hosts: list[tuple[str, int]]) -> None:
    with aerospike.Client({"hosts": aerospike_hosts}).connect() as client:
        for i in range(1000):
            client.put(("test", "demo", f"key{i}"), {"i": i})
    host, port = aerospike_hosts[0]
    snippet = ASYNC_CLIENT.replace('("127.0.0.1", 3000)', f"({host!r}, {port})")
    scope = run(snippet, {})
    asyncio.run(scope["main"]())


def test_quick_before_after_snippet(aerospike_hosts: list[tuple[str, int]]) -> None:
    """Written for an asyncio REPL or notebook: its ``await`` is at the top level."""
    host, port = aerospike_hosts[0]
    snippet = QUICK_BEFORE_AFTER.replace('("aerospike", 3000)', f"({host!r}, {port})")
    code = compile(snippet, "<seed>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    scope: dict[str, Any] = {}

    async def main() -> None:
        await eval(code, scope)
        client = scope["client"]
        assert client.is_connected()
        assert client.stats().max_concurrent_operations == 64
        await client.close()

    asyncio.run(main())
