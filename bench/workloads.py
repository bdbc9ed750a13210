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
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from run import GROUPS, WORKLOADS  # bench/run.py, beside this script: what it asks for

NS, SET = "test", "bench"
KEYS = 1000
BATCH = 100
OPS_PER_BATCH = 20
"""A batch row runs ``ops`` / this batches: about as long as the single-record rows."""
IN_FLIGHT = 64
MODES = {"sync": "sync", "threads": f"{IN_FLIGHT} threads", "async": f"async {IN_FLIGHT} in flight"}
BINS = {"i": 1, "f": 1.5, "s": "x" * 50}
DTYPE = np.dtype([("i", "i8"), ("f", "f8")])

Workloads = Mapping[str, Callable[[int], object]]
"""Workloads by name: each runs about ``ops`` operations, as one measured step."""
Call = Callable[[int], object]
"""One operation (the i-th put or get) or one batch (the i-th batch_read of 100 keys)."""
AsyncCall = Callable[[int], Awaitable[object]]


PUT, GET, TO_DICTS, TO_NUMPY = WORKLOADS


def key(i: int) -> tuple[str, str, int]:
    return (NS, SET, i % KEYS)


def batch_keys(b: int) -> list[tuple[str, str, int]]:
    return [key(b * BATCH + i) for i in range(BATCH)]


def units(workload: str, ops: int) -> range:
    """The calls that make ``ops`` operations of ``workload``: batch rows count batches."""
    return range(max(1, ops // OPS_PER_BATCH) if workload in (TO_DICTS, TO_NUMPY) else ops)


def bins_of(result: Any) -> list[Any]:
    """The bins of every found record of one batch read, as dicts."""
    # Every client's record is a (key, meta, bins) tuple (ours and the published one name them).
    return [r.record[2] for r in result.batch_records if r.record is not None]


def to_numpy(result: Any) -> Any:
    return result.to_numpy(DTYPE)


def calls(client: Any, numpy: bool) -> dict[str, Call]:
    found: dict[str, Call] = {
        PUT: lambda i: client.put(key(i), BINS),
        GET: lambda i: client.get(key(i)),
        TO_DICTS: lambda b: bins_of(client.batch_read(batch_keys(b))),
    }
    if numpy:
        found[TO_NUMPY] = lambda b: to_numpy(client.batch_read(batch_keys(b), bins=["i", "f"]))
    return found


def async_calls(client: Any) -> dict[str, AsyncCall]:
    async def dicts(b: int) -> object:
        return bins_of(await client.batch_read(batch_keys(b)))

    async def numpy(b: int) -> object:
        return to_numpy(await client.batch_read(batch_keys(b), bins=["i", "f"]))

    return {
        PUT: lambda i: client.put(key(i), BINS),
        GET: lambda i: client.get(key(i)),
        TO_DICTS: dicts,
        TO_NUMPY: numpy,
    }


def in_turn(workload: str, call: Call, ops: int) -> None:
    for i in units(workload, ops):
        call(i)


def on_threads(pool: ThreadPoolExecutor, workload: str, call: Call, ops: int) -> None:
    list(pool.map(call, units(workload, ops)))


async def in_flight(workload: str, call: AsyncCall, ops: int) -> None:
    """64 coroutines, each awaiting its share of the calls in turn: 64 always in flight.

    One task per call behind a semaphore would measure asyncio's task and semaphore
    bookkeeping (about 12 us a call here) more than the client.
    """
    todo = units(workload, ops)

    async def worker(first: int) -> None:
        for i in todo[first::IN_FLIGHT]:
            await call(i)

    await asyncio.gather(*(worker(w) for w in range(IN_FLIGHT)))


def row_of(client: str, workload: str, mode: str, ops: int, seconds: float) -> dict[str, object]:
    ops = len(units(workload, ops))
    row = {"client": client, "workload": workload, "mode": mode, "ops": ops}
    return {**row, "seconds": round(seconds, 4), "ops_per_sec": round(ops / seconds, 1)}


def say(line: dict[str, object]) -> None:
    print(json.dumps(line), flush=True)


def serve(client: str, mode: str, workloads: Workloads) -> None:
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


async def awaited(call: Callable[[], Awaitable[object]]) -> object:
    """Calls ``call`` inside the loop: ours' awaitables are futures of the running loop."""
    return await call()


def run_on(runner: asyncio.Runner, workload: str, call: AsyncCall, ops: int) -> None:
    runner.run(in_flight(workload, call, ops))


def serve_async(name: str, mode: str, config: dict[str, Any]) -> None:
    """Serves the async workloads from one event loop, kept from step to step."""
    import aerospike_py

    with asyncio.Runner() as runner:
        client = aerospike_py.AsyncClient({**config, "max_concurrent_operations": IN_FLIGHT})
        runner.run(awaited(client.connect))
        workloads: Workloads = {
            workload: functools.partial(run_on, runner, workload, call)
            for workload, call in async_calls(client).items()
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

        # Its first batch_read imports this module; 64 threads doing that at once crash the
        # client (a segfault in aerospike 19.3.0, about one fresh process in ten here).
        import aerospike_helpers.batch.records  # noqa: F401

        client = aerospike.client(config).connect()
    else:
        import aerospike_py

        client = aerospike_py.client(config).connect()
    found = calls(client, numpy=args.client != "official")
    if args.group == "sync":
        serve(args.client, mode, {w: functools.partial(in_turn, w, c) for w, c in found.items()})
    else:
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            on_pool = {w: functools.partial(on_threads, pool, w, c) for w, c in found.items()}
            serve(args.client, mode, on_pool)
    client.close()


if __name__ == "__main__":
    main()
