"""One client's workloads in this process, run a step at a time as bench/run.py asks.

Run by ``bench/run.py``, each client in its own process so that they never share a GIL or a
runtime. Clients: ``ours`` / ``published`` (aerospike_py: this project, or aerospike-py 0.14.4
from its own venv, same import name) and ``official`` (the C-based ``aerospike`` package).

The process first prints ``{"ready": [workloads]}``: the workloads of its ``--group`` that this
client has. Then, for every line ``{"workload": ..., "ops": n}`` on its standard input, it runs
that workload for about ``n`` operations and prints one JSON row, until its input ends. So the
clients' processes can take turns slice by slice, and compared rows run in the same seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from run import GROUPS  # bench/run.py, beside this script: the groups it has every client run

NS, SET = "test", "bench"
KEYS = 1000
BATCH = 100
OPS_PER_BATCH = 20
"""A batch row runs ``ops`` / this batches: about as long as the single-record rows."""
IN_FLIGHT = 64
MODES = {"sync": "sync", "threads": f"{IN_FLIGHT} threads", "async": f"async {IN_FLIGHT} in flight"}
BINS = {"i": 1, "f": 1.5, "s": "x" * 50}
DTYPE = np.dtype([("i", "i8"), ("f", "f8")])

Blocking = dict[str, Callable[[int], object]]
Concurrent = dict[str, Callable[[int], Coroutine[Any, Any, object]]]


def key(i: int) -> tuple[str, str, int]:
    return (NS, SET, i % KEYS)


def batch_keys(b: int) -> list[tuple[str, str, int]]:
    return [key(b * BATCH + i) for i in range(BATCH)]


def batches(ops: int) -> range:
    return range(max(1, ops // OPS_PER_BATCH))


def bins_of_batch(client: Any, keys: list[Any]) -> list[Any]:
    """The bins of every found record of one batch read, as dicts."""
    records = client.batch_read(keys).batch_records
    # Every client's record is a (key, meta, bins) tuple (ours and the published one name them).
    return [r.record[2] for r in records if r.record is not None]


def sync_workloads(client: Any, numpy_batch: Callable[[Any], Any] | None) -> Blocking:
    workloads: Blocking = {
        "put": lambda ops: [client.put(key(i), BINS) for i in range(ops)],
        "get": lambda ops: [client.get(key(i)) for i in range(ops)],
        "batch_read_100 to dicts": lambda ops: [
            bins_of_batch(client, batch_keys(b)) for b in batches(ops)
        ],
    }
    if numpy_batch is not None:
        workloads["batch_read_100 to numpy"] = lambda ops: [
            numpy_batch(client.batch_read(batch_keys(b), bins=["i", "f"])) for b in batches(ops)
        ]
    return workloads


def threaded_workloads(client: Any, pool: ThreadPoolExecutor) -> Blocking:
    return {
        "put": lambda ops: list(pool.map(lambda i: client.put(key(i), BINS), range(ops))),
        "get": lambda ops: list(pool.map(client.get, map(key, range(ops)))),
    }


def async_workloads(client: Any) -> Concurrent:
    """64 coroutines, each awaiting its share of the operations in turn: 64 always in flight.

    One task per operation behind a semaphore would measure asyncio's task and semaphore
    bookkeeping (about 12 us an operation here) more than the client.
    """

    def in_flight(
        call: Callable[[int], Awaitable[object]],
    ) -> Callable[[int], Coroutine[Any, Any, object]]:
        async def run(ops: int) -> object:
            async def worker(first: int) -> None:
                for i in range(first, ops, IN_FLIGHT):
                    await call(i)

            return await asyncio.gather(*(worker(w) for w in range(IN_FLIGHT)))

        return run

    return {
        "put": in_flight(lambda i: client.put(key(i), BINS)),
        "get": in_flight(lambda i: client.get(key(i))),
    }


def row_of(client: str, workload: str, mode: str, ops: int, seconds: float) -> dict[str, object]:
    if workload.startswith("batch"):
        ops = len(batches(ops))
    row = {"client": client, "workload": workload, "mode": mode, "ops": ops}
    return {**row, "seconds": round(seconds, 4), "ops_per_sec": round(ops / seconds, 1)}


def say(line: dict[str, object]) -> None:
    print(json.dumps(line), flush=True)


def serve(client: str, mode: str, workloads: Blocking) -> None:
    """Announces ``workloads``, then runs each step asked on standard input and reports it."""
    say({"ready": list(workloads)})
    for line in sys.stdin:
        step = json.loads(line)
        workload, ops = step["workload"], step["ops"]
        try:
            started = time.perf_counter()
            workloads[workload](ops)
            say(row_of(client, workload, mode, ops, time.perf_counter() - started))
        except Exception as error:  # a workload the server or client cannot do is reported
            say({"client": client, "workload": workload, "mode": mode, "error": repr(error)})


def to_numpy(result: Any) -> Any:
    return result.to_numpy(DTYPE)


async def awaited(call: Callable[[], Awaitable[object]]) -> object:
    """Calls ``call`` inside the loop: ours' awaitables are futures of the running loop."""
    return await call()


def run_on(
    runner: asyncio.Runner, workload: Callable[[int], Coroutine[Any, Any, object]], ops: int
) -> object:
    return runner.run(workload(ops))


def serve_async(name: str, mode: str, config: dict[str, Any]) -> None:
    """Serves the async workloads from one event loop, kept from step to step."""
    import aerospike_py

    with asyncio.Runner() as runner:
        client = aerospike_py.AsyncClient({**config, "max_concurrent_operations": IN_FLIGHT})
        runner.run(awaited(client.connect))
        workloads: Blocking = {
            workload: functools.partial(run_on, runner, run)
            for workload, run in async_workloads(client).items()
        }
        serve(name, mode, workloads)
        runner.run(awaited(client.close))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("client", choices=["ours", "published", "official"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--group", choices=GROUPS, required=True)
    args = parser.parse_args()
    mode = MODES[args.group]
    config = {"hosts": [(args.host, args.port)]}
    if args.group == "async":
        if args.client == "official":
            serve(args.client, mode, {})  # the C client has no asyncio API
        else:
            serve_async(args.client, mode, config)
        return
    client: Any
    if args.client == "official":
        import aerospike

        client = aerospike.client(config).connect()
    else:
        import aerospike_py

        client = aerospike_py.client(config).connect()
    if args.group == "sync":
        numpy_batch = None if args.client == "official" else to_numpy
        serve(args.client, mode, sync_workloads(client, numpy_batch))
    else:
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            serve(args.client, mode, threaded_workloads(client, pool))
    client.close()


if __name__ == "__main__":
    main()
