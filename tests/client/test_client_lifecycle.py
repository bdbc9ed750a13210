"""Connect and close: one cluster client per Client, whatever the order of calls."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import textwrap
import threading

import pytest

import aerospike_py
from aerospike_py.devserver import DevServer
from tests.polling import wait_until, wait_until_async


@pytest.mark.devserver_only
async def test_overlapping_connects_make_one_cluster_client(devserver: DevServer) -> None:
    """Each extra connect() would open its own connections, never closed again."""
    client = aerospike_py.AsyncClient({"hosts": devserver.hosts, "tend_interval": 60_000})
    outcomes = await asyncio.gather(*(client.connect() for _ in range(5)), return_exceptions=True)
    refused = [o for o in outcomes if isinstance(o, aerospike_py.ClientError)]
    assert len(refused) == 4
    assert all("already connecting" in str(error) for error in refused)
    assert client.is_connected()
    opened = devserver.connections_accepted[0]
    await client.close()
    assert await client.connect() is client  # a closed client connects again
    assert devserver.connections_accepted[0] > opened
    await client.close()


@pytest.mark.devserver_only
async def test_close_while_connecting_is_refused(devserver: DevServer) -> None:
    client = aerospike_py.AsyncClient({"hosts": devserver.hosts})
    connecting = asyncio.ensure_future(client.connect())
    await asyncio.sleep(0)
    with pytest.raises(aerospike_py.ClientError, match="connecting"):
        await client.close()
    await connecting
    await client.close()
    assert not client.is_connected()


def test_a_failed_connect_can_be_retried(aerospike_hosts: list[tuple[str, int]]) -> None:
    client = aerospike_py.Client({"hosts": [("127.0.0.1", 1)], "timeout": 300})
    with pytest.raises(aerospike_py.ClusterError):
        client.connect()
    with pytest.raises(aerospike_py.ClusterError):
        client.connect()  # not "already connecting": the failed attempt is over


@pytest.mark.devserver_only
def test_blocking_connects_from_threads_make_one_cluster_client(devserver: DevServer) -> None:
    client = aerospike_py.Client({"hosts": devserver.hosts})
    errors: list[BaseException] = []

    def connect() -> None:
        try:
            client.connect()
        except aerospike_py.ClientError as error:
            errors.append(error)

    threads = [threading.Thread(target=connect) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert client.is_connected()
    assert all("already connecting" in str(error) for error in errors)
    assert wait_until(lambda: client.stats().in_flight == 0, 5)
    client.close()


async def test_a_command_that_cannot_start_fails_at_await(
    async_client: aerospike_py.AsyncClient, set_name: str
) -> None:
    """As from a coroutine: gather(..., return_exceptions=True) keeps the other results."""
    await async_client.put(("test", set_name, 1), {"v": 1})
    calls = [async_client.get(("test", set_name, 1)), async_client.get(("test",))]
    good, bad = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(good, aerospike_py.Record)
    assert isinstance(bad, aerospike_py.InvalidArgError)
    unconnected = aerospike_py.AsyncClient({"hosts": [("127.0.0.1", 1)]})
    pending = unconnected.get(("test", set_name, 1))
    with pytest.raises(aerospike_py.ClientError, match="not connected"):
        await pending


@pytest.mark.devserver_only
async def test_a_command_queued_when_the_client_closes_fails_as_closed(
    devserver: DevServer,
) -> None:
    config = {"hosts": devserver.hosts, "max_concurrent_operations": 1, "total_timeout": 500}
    client = await aerospike_py.AsyncClient(config).connect()
    await client.put(("test", "closing", 1), {"v": 1})
    devserver.stall()
    running = asyncio.ensure_future(client.get(("test", "closing", 1)))
    # Still queued when the close comes: its own deadline lies past the running one's.
    patient = {"total_timeout": 5000}
    queued = asyncio.ensure_future(client.get(("test", "closing", 1), policy=patient))
    assert await wait_until_async(lambda: client.stats().queued == 1, 5)
    await client.close()
    with pytest.raises(aerospike_py.ClientError, match="closed before this command was sent"):
        await queued
    with pytest.raises(aerospike_py.AerospikeTimeoutError):
        await running
    devserver.clear_faults()


def test_event_loops_taking_turns_in_one_thread_reuse_their_doorbells(
    aerospike_hosts: list[tuple[str, int]], set_name: str
) -> None:
    """Each loop gets one socket that wakes it; switching loops used to open a new one."""

    loops = [asyncio.new_event_loop(), asyncio.new_event_loop()]
    client = aerospike_py.AsyncClient({"hosts": aerospike_hosts})
    key = ("test", set_name, 1)

    async def connect_and_put() -> None:
        await client.connect()
        await client.put(key, {"v": 1})

    async def get() -> None:
        assert (await client.get(key)).bins == {"v": 1}

    loops[0].run_until_complete(connect_and_put())
    for turn in range(4):  # every loop has its doorbell once
        loops[turn % 2].run_until_complete(get())
    descriptors = len(os.listdir("/proc/self/fd"))
    for turn in range(200):
        loops[turn % 2].run_until_complete(get())
    assert len(os.listdir("/proc/self/fd")) <= descriptors + 2

    async def close() -> None:
        await client.close()

    loops[0].run_until_complete(close())
    for loop in loops:
        loop.close()


def interrupted_after(setup: str, call: str) -> bool:
    """Whether ``call``, run after ``setup`` in a fresh interpreter that receives SIGINT half
    a second later, raises KeyboardInterrupt (within the 20 s a hang would exceed)."""
    script = "\n".join(
        [
            "import os, signal, threading",
            "import aerospike_py",
            textwrap.dedent(setup),
            "threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()",
            "try:",
            f"    {call}",
            "except KeyboardInterrupt:",
            "    print('interrupted')",
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=20
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "interrupted"


@pytest.mark.devserver_only
def test_ctrl_c_interrupts_a_foreach_whose_query_never_answers() -> None:
    setup = """
        from aerospike_py.devserver import DevServer
        server = DevServer().start()
        client = aerospike_py.Client({"hosts": server.hosts}).connect()
        client.put(("test", "held", 1), {"v": 1})
        server.stall(commands=["query"])
        """
    assert interrupted_after(setup, 'client.query("test", "held").foreach(lambda record: None)')


def test_ctrl_c_interrupts_a_blocking_connect_to_a_host_that_never_answers() -> None:
    """The connect timeout is 30 s; Ctrl-C must not wait for it."""
    setup = """
        import socket
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts in the kernel, never answers
        client = aerospike_py.Client({"hosts": [silent.getsockname()], "timeout": 30_000})
        """
    assert interrupted_after(setup, "client.connect()")


async def test_a_close_cancelled_at_once_still_closes_everything(
    aerospike_hosts: list[tuple[str, int]],
) -> None:
    """A lifespan's drain may give close() a millisecond: the tend task and the connections
    must go all the same, or each restart of a worker's client leaks them."""

    def open_descriptors() -> int:
        return len(os.listdir("/proc/self/fd"))

    config = {"hosts": aerospike_hosts, "min_conns_per_node": 4}
    # the runtime's own descriptors stay
    async with await aerospike_py.AsyncClient(config).connect():
        pass
    baseline = open_descriptors()
    client = aerospike_py.AsyncClient(config)
    await client.connect()
    assert open_descriptors() > baseline
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(client.close(), 0.001)
    assert not client.is_connected()
    assert await wait_until_async(lambda: open_descriptors() <= baseline, 10)
