"""Backpressure, cancellation and the fork guard: the guarantees a web service relies on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import textwrap
import threading

import pytest

import aerospike_py
from aerospike_py import BackpressureError
from aerospike_py.devserver import DevServer
from tests.client.stall import StallingRelay, ThreadedRelay, wait_for_in_flight
from tests.polling import wait_until_async

NS = "test"


async def test_in_flight_never_exceeds_the_cap_and_excess_is_rejected(
    aerospike_hosts: list[tuple[str, int]], set_name: str
) -> None:
    keys = [(NS, set_name, i) for i in range(64)]
    async with StallingRelay(aerospike_hosts[0]) as relay:
        config = {
            "hosts": [relay.host],
            "max_concurrent_operations": 2,
            "operation_queue_timeout_ms": 1,
            "total_timeout": 10_000,
        }
        async with await aerospike_py.AsyncClient(config).connect() as client:
            relay.hold()  # the first two writes keep their slots until every other one gave up
            writes = asyncio.gather(
                *(client.put(key, {"v": key[2]}) for key in keys), return_exceptions=True
            )
            assert await wait_until_async(lambda: client.stats().rejected == len(keys) - 2, 5)
            assert client.stats().in_flight == 2
            relay.release()
            outcomes = await writes
            stats = client.stats()
    rejected = [o for o in outcomes if isinstance(o, BackpressureError)]
    assert outcomes.count(None) == 2
    assert all(e.limit == 2 and e.waited_ms >= 1 for e in rejected)
    assert stats.rejected == len(rejected) == len(keys) - 2
    assert stats.completed == 2
    assert (stats.in_flight, stats.queued, stats.max_concurrent_operations) == (0, 0, 2)


async def test_a_stalled_slot_rejects_with_the_time_waited(
    aerospike_hosts: list[tuple[str, int]], set_name: str
) -> None:
    async with StallingRelay(aerospike_hosts[0]) as relay:
        config = {
            "hosts": [relay.host],
            "max_concurrent_operations": 1,
            "operation_queue_timeout_ms": 50,
            "total_timeout": 10_000,
        }
        async with await aerospike_py.AsyncClient(config).connect() as client:
            relay.hold()
            stalled = asyncio.ensure_future(client.put((NS, set_name, "a"), {"v": 1}))
            assert await wait_until_async(lambda: client.stats().in_flight == 1, 5)
            with pytest.raises(BackpressureError) as raised:
                await client.get((NS, set_name, "a"))
            assert raised.value.limit == 1
            assert raised.value.waited_ms >= 50
            relay.release()
            await stalled
            assert (await client.get((NS, set_name, "a"))).bins == {"v": 1}


def test_sync_backpressure_while_a_thread_holds_the_slot(
    threaded_relay: ThreadedRelay, set_name: str
) -> None:
    config = {
        "hosts": [threaded_relay.host],
        "max_concurrent_operations": 1,
        "operation_queue_timeout_ms": 20,
        "total_timeout": 30_000,
    }
    with aerospike_py.Client(config).connect() as client:
        client.put((NS, set_name, "k"), {"v": 1})
        threaded_relay.hold()
        holder = threading.Thread(target=client.get, args=((NS, set_name, "k"),))
        holder.start()
        wait_for_in_flight(client, 1)
        with pytest.raises(BackpressureError) as raised:
            client.put((NS, set_name, "other"), {"v": 2})
        assert (raised.value.limit, raised.value.waited_ms >= 20) == (1, True)
        threaded_relay.release()
        holder.join(timeout=30)
        client.put((NS, set_name, "other"), {"v": 2})
        assert client.stats().rejected == 1


@pytest.mark.devserver_only
async def test_a_cancelled_command_never_leaves_its_reply_to_the_next(
    devserver: DevServer,
) -> None:
    """A connection whose reply was still on its way must not go back to the pool: the next
    command on it would read the cancelled one's record."""
    keys = [(NS, "cancelled", i) for i in range(50)]
    async with await aerospike_py.AsyncClient({"hosts": devserver.hosts}).connect() as client:
        for i, key in enumerate(keys):
            await client.put(key, {"i": i})
        devserver.inject_latency(100, commands=("read",))
        pending = [asyncio.ensure_future(client.get(key)) for key in keys]
        assert await wait_until_async(lambda: client.stats().in_flight == len(keys), 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        devserver.clear_faults()
        await asyncio.sleep(0.2)  # the cancelled replies have arrived by now
        for round_ in range(3):
            records = await asyncio.gather(*(client.get(key) for key in keys))
            assert [record.bins["i"] for record in records] == list(range(50)), round_


@pytest.mark.parametrize("waiting", ["one", "more than the runtime's workers"])
async def test_cancelling_frees_the_slot(
    aerospike_hosts: list[tuple[str, int]], set_name: str, waiting: str
) -> None:
    # While fewer commands are in flight than the runtime has workers, a command starts on the
    # caller's thread; the others start on the runtime. Cancelling must free both kinds.
    async with StallingRelay(aerospike_hosts[0]) as relay:
        config = {
            "hosts": [relay.host],
            "max_concurrent_operations": 1,
            "operation_queue_timeout_ms": 10_000,
            "total_timeout": 10_000,
        }
        async with await aerospike_py.AsyncClient(config).connect() as client:
            await client.put((NS, set_name, "k"), {"v": 1})
            queued_count = 1 if waiting == "one" else (aerospike_py.runtime_workers() or 0) + 1
            relay.hold()
            running = asyncio.ensure_future(client.get((NS, set_name, "k")))
            queued = [
                asyncio.ensure_future(client.get((NS, set_name, "k"))) for _ in range(queued_count)
            ]
            assert await wait_until_async(
                lambda: (client.stats().in_flight, client.stats().queued) == (1, queued_count), 5
            )
            for task in (*queued, running):
                task.cancel()
            for task in (*queued, running):
                with pytest.raises(asyncio.CancelledError):
                    await task
            assert await wait_until_async(
                lambda: (client.stats().in_flight, client.stats().queued) == (0, 0), 5
            )
            # Only the command that was in flight counts as failed; the queued ones never ran.
            assert client.stats().failed == 1
            relay.release()
            # The freed slot serves the next command at once (the queue would wait 10 s).
            record = await asyncio.wait_for(client.get((NS, set_name, "k")), timeout=5)
            assert record.bins == {"v": 1}


def run_script(script: str, hosts: list[tuple[str, int]], env: dict[str, str] | None = None) -> str:
    """What ``script`` prints, run in a fresh interpreter with ``hosts`` as its argument."""
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps(hosts)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    return out.stdout


FORK_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, os, sys
    import aerospike_py

    hosts = [tuple(h) for h in json.loads(sys.argv[1])]
    KEY = ("test", "fork", "k")

    async def async_get(client):
        return (await client.get(KEY)).bins

    async def connect(client):
        await client.connect()

    async def fresh_async_get():
        async with await aerospike_py.AsyncClient({"hosts": hosts}).connect() as client:
            return await async_get(client)

    parent = aerospike_py.Client({"hosts": hosts}).connect()
    parent.put(KEY, {"v": 1})
    loop = asyncio.new_event_loop()
    parent_async = aerospike_py.AsyncClient({"hosts": hosts})
    loop.run_until_complete(connect(parent_async))
    loop.run_until_complete(async_get(parent_async))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        report = {}
        try:
            parent.get(KEY)
            report["inherited"] = "worked"
        except aerospike_py.ClientError as error:
            report["inherited"] = str(error)
        try:
            asyncio.run(async_get(parent_async))
            report["inherited_async"] = "worked"
        except aerospike_py.ClientError as error:
            report["inherited_async"] = str(error)
        child = aerospike_py.Client({"hosts": hosts}).connect()
        report["new_client"] = child.get(KEY).bins
        child.close()
        report["new_async_client"] = asyncio.run(fresh_async_get())
        report["child_runtime"] = aerospike_py.runtime_workers()
        os.write(write, json.dumps(report).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    report = json.loads(os.read(read, 65536))
    report["parent_after"] = parent.get(KEY).bins
    report["parent_async_after"] = loop.run_until_complete(async_get(parent_async))
    print(json.dumps(report))
    """
)


def test_fork_guard(aerospike_hosts: list[tuple[str, int]]) -> None:
    """Clients made before a fork refuse to run in the child; new ones there work, on fresh
    runtimes (the parent's threads do not exist in the child); the parent's keep working."""
    report = json.loads(run_script(FORK_SCRIPT, aerospike_hosts))
    assert "created in process" in report["inherited"]
    assert "created in process" in report["inherited_async"]
    assert report["new_client"] == report["new_async_client"] == {"v": 1}
    assert report["child_runtime"] == 2
    assert report["parent_after"] == report["parent_async_after"] == {"v": 1}


RUNTIME_SIZE_SCRIPT = (
    "import asyncio, json, sys, warnings, aerospike_py\n"
    "hosts = [tuple(h) for h in json.loads(sys.argv[1])]\n"
    "async def connect(config):\n"
    "    await aerospike_py.AsyncClient({'hosts': hosts, **config}).connect()\n"
    "{body}"
    "print(aerospike_py.runtime_workers())\n"
)


def run_sizing(hosts: list[tuple[str, int]], body: str, env: dict[str, str] | None = None) -> str:
    return run_script(RUNTIME_SIZE_SCRIPT.replace("{body}", body), hosts, env)


def test_runtime_workers_config_applies_to_a_fresh_process(
    aerospike_hosts: list[tuple[str, int]],
) -> None:
    body = (
        "asyncio.run(connect({'runtime_workers': 3}))\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    asyncio.run(connect({'runtime_workers': 5}))\n"
        "print(len(caught))\n"
    )
    assert run_sizing(aerospike_hosts, body).split() == ["1", "3"]


def test_a_blocking_client_starts_no_worker_runtime(
    aerospike_hosts: list[tuple[str, int]],
) -> None:
    """It drives its I/O on the calling thread; runtime_workers on it is warned about."""
    body = (
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    client = aerospike_py.Client({'hosts': hosts, 'runtime_workers': 3}).connect()\n"
        "    client.put(('test', 'sizing', 1), {'v': 1})\n"
        "print(str(caught[0].message).split(' has ')[0])\n"
    )
    assert run_sizing(aerospike_hosts, body).split() == ["runtime_workers=3", "None"]


def test_env_var_sizes_the_runtime(aerospike_hosts: list[tuple[str, int]]) -> None:
    env = {**os.environ, "AEROSPIKE_RUNTIME_WORKERS": "4"}
    assert run_sizing(aerospike_hosts, "asyncio.run(connect({}))\n", env).strip() == "4"


async def test_time_queued_for_a_slot_counts_in_the_total_timeout(
    devserver: DevServer, set_name: str
) -> None:
    """One deadline per call: 300 ms queued + 300 ms served overruns a 450 ms total_timeout."""
    key = (NS, set_name, "k")
    config = {"hosts": devserver.hosts, "max_concurrent_operations": 1}
    async with await aerospike_py.AsyncClient(config).connect() as client:
        await client.put(key, {"v": 1})
        devserver.inject_latency(300, commands=("read",))
        holder = asyncio.ensure_future(client.get(key, policy={"total_timeout": 5000}))
        assert await wait_until_async(lambda: client.stats().in_flight == 1, 5)
        with pytest.raises(aerospike_py.AerospikeTimeoutError) as raised:
            await client.get(key, policy={"total_timeout": 450})
        assert "queued" in str(raised.value)
        assert (await holder).bins == {"v": 1}
        assert client.stats().failed == 1


async def test_a_call_still_queued_at_its_deadline_gives_up(
    devserver: DevServer, set_name: str
) -> None:
    """With no queue timeout (the default) the wait still ends at the call's total_timeout."""
    key = (NS, set_name, "k")
    config = {"hosts": devserver.hosts, "max_concurrent_operations": 1}
    async with await aerospike_py.AsyncClient(config).connect() as client:
        await client.put(key, {"v": 1})
        devserver.stall(commands=("read",))
        holder = asyncio.ensure_future(client.get(key, policy={"total_timeout": 10_000}))
        assert await wait_until_async(lambda: client.stats().in_flight == 1, 5)
        with pytest.raises(BackpressureError) as raised:
            await client.get(key, policy={"total_timeout": 200})
        assert 200 <= raised.value.waited_ms < 2000
        devserver.clear_faults()
        holder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await holder
