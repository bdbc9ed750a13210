"""One client, one workload, in this process: prints one JSON line per measured row.

Run by ``bench/run.py`` (each client in its own process, so they never share a GIL or a
runtime). Clients: ``ours`` / ``published`` (aerospike_py: this project, or aerospike-py 0.14.4
from its own venv, same import name) and ``official`` (the C-based ``aerospike`` package).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from run import GROUPS  # bench/run.py, beside this script: the groups it has every client run

NS, SET = "test", "bench"
KEYS = 1000
BATCH = 100
OPS_PER_BATCH = 20
"""``--ops`` / this = batches per batch row: long enough (about half a second) to measure."""
IN_FLIGHT = 64
BINS = {"i": 1, "f": 1.5, "s": "x" * 50}
DTYPE = np.dtype([("i", "i8"), ("f", "f8")])


def key(i: int) -> tuple[str, str, int]:
    return (NS, SET, i % KEYS)


def report(client: str, workload: str, mode: str, ops: int, started: float) -> None:
    seconds = time.perf_counter() - started
    row = {"client": client, "workload": workload, "mode": mode, "ops": ops}
    print(json.dumps({**row, "seconds": round(seconds, 4), "ops_per_sec": round(ops / seconds, 1)}))


def timed(client: str, workload: str, mode: str, ops: int, body: Callable[[], None]) -> None:
    try:
        started = time.perf_counter()
        body()
        report(client, workload, mode, ops, started)
    except Exception as error:  # a workload the server or client cannot do is reported
        print(
            json.dumps({"client": client, "workload": workload, "mode": mode, "error": repr(error)})
        )


def batch_keys(b: int) -> list[tuple[str, str, int]]:
    return [key(b * BATCH + i) for i in range(BATCH)]


def bins_of_batch(client: Any, keys: list[Any]) -> list[Any]:
    """The bins of every found record of one batch read, as dicts."""
    records = client.batch_read(keys).batch_records
    # Every client's record is a (key, meta, bins) tuple (ours and the published one name them).
    return [r.record[2] for r in records if r.record is not None]


def sync_rows(name: str, client: Any, ops: int, numpy_batch: Callable[[Any], Any] | None) -> None:
    timed(name, "put", "sync", ops, lambda: [client.put(key(i), BINS) for i in range(ops)])
    timed(name, "get", "sync", ops, lambda: [client.get(key(i)) for i in range(ops)])
    batches = max(1, ops // OPS_PER_BATCH)
    timed(
        name,
        "batch_read_100 to dicts",
        "sync",
        batches,
        lambda: [bins_of_batch(client, batch_keys(b)) for b in range(batches)],
    )
    if numpy_batch is not None:
        timed(
            name,
            "batch_read_100 to numpy",
            "sync",
            batches,
            lambda: [
                numpy_batch(client.batch_read(batch_keys(b), bins=["i", "f"]))
                for b in range(batches)
            ],
        )


def threaded_rows(name: str, client: Any, ops: int) -> None:
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        for workload, call in (
            ("put", lambda i: client.put(key(i), BINS)),
            ("get", lambda i: client.get(key(i))),
        ):
            timed(
                name,
                workload,
                f"{IN_FLIGHT} threads",
                ops,
                lambda call=call: list(pool.map(call, range(ops))),
            )


async def async_rows(name: str, client: Any, ops: int) -> None:
    """64 coroutines, each awaiting its share of the operations in turn: 64 always in flight.

    One task per operation behind a semaphore would measure asyncio's task and semaphore
    bookkeeping (about 12 us an operation here) more than the client.
    """

    async def in_flight(call: Callable[[int], Any]) -> None:
        async def worker(first: int) -> None:
            for i in range(first, ops, IN_FLIGHT):
                await call(i)

        await asyncio.gather(*(worker(w) for w in range(IN_FLIGHT)))

    for workload, call in (
        ("put", lambda i: client.put(key(i), BINS)),
        ("get", lambda i: client.get(key(i))),
    ):
        try:
            started = time.perf_counter()
            await in_flight(call)
            report(name, workload, f"async {IN_FLIGHT} in flight", ops, started)
        except Exception as error:
            print(
                json.dumps(
                    {"client": name, "workload": workload, "mode": "async", "error": repr(error)}
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("client", choices=["ours", "published", "official"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--group", choices=GROUPS, help="only these rows (default: all)")
    args = parser.parse_args()
    groups = [args.group] if args.group else list(GROUPS)
    config = {"hosts": [(args.host, args.port)]}
    if args.client == "official":
        import aerospike

        client = aerospike.client(config).connect()
        if "sync" in groups:
            sync_rows("official", client, args.ops, None)
        if "threads" in groups:
            threaded_rows("official", client, args.ops)
        client.close()
        return
    import aerospike_py

    client = aerospike_py.client(config).connect()
    if "sync" in groups:
        sync_rows(args.client, client, args.ops, lambda result: result.to_numpy(DTYPE))
    if "threads" in groups:
        threaded_rows(args.client, client, args.ops)
    client.close()
    if "async" not in groups:
        return

    async def run_async() -> None:
        async_client = aerospike_py.AsyncClient({**config, "max_concurrent_operations": IN_FLIGHT})
        await async_client.connect()
        await async_rows(args.client, async_client, args.ops)
        await async_client.close()

    asyncio.run(run_async())


if __name__ == "__main__":
    main()
