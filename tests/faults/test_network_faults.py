"""Network faults on the dev server (its own injection, and a relay for what it has no words
for): every call ends in the documented exception within its total_timeout, reads are retried
per policy and writes only when max_retries says so, the pool recovers, no file descriptor is
left behind, and an app's readiness answers 503, never 500."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

import aerospike_py
from aerospike_py import AerospikeError, AerospikeTimeoutError, ClusterError
from aerospike_py.devserver import DevServer
from fastapi_aerospike import AerospikeClient, AerospikeSettings, install
from fastapi_aerospike.testing import serving
from tests.faults.relay import FaultyRelay
from tests.polling import wait_until_async

TOTAL_TIMEOUT_MS = 500
SOCKET_TIMEOUT_MS = 150
DEADLINE_MARGIN_S = 0.05
KEY = ("test", "faults", "k")
CONFIG: dict[str, Any] = {
    "total_timeout": TOTAL_TIMEOUT_MS,
    "socket_timeout": SOCKET_TIMEOUT_MS,
    "tend_interval": 100,  # closed clients give their sockets back at the next tend
    "policies": {"read": {"max_retries": 2}, "write": {"max_retries": 0}},
}


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
async def descriptors(devserver: DevServer) -> AsyncIterator[None]:
    """Fails the test if, once its clients are closed, more descriptors are open than before."""
    # The first connect of the process starts the runtime, whose descriptors stay.
    async with await aerospike_py.AsyncClient({**CONFIG, "hosts": devserver.hosts}).connect():
        pass
    await asyncio.sleep(0.5)
    baseline = _open_descriptors()
    yield
    back = await wait_until_async(lambda: _open_descriptors() <= baseline, 5)
    assert back, f"{_open_descriptors()} descriptors open, {baseline} before"


@asynccontextmanager
async def connected(hosts: list[tuple[str, int]]) -> AsyncIterator[aerospike_py.AsyncClient]:
    async with await aerospike_py.AsyncClient({**CONFIG, "hosts": hosts}).connect() as client:
        yield client


async def timed(call: Awaitable[object]) -> tuple[AerospikeError | None, float]:
    """The error a call raised (None if it succeeded) and its duration in seconds."""
    began = time.monotonic()
    try:
        await call
    except AerospikeError as error:
        return error, time.monotonic() - began
    return None, time.monotonic() - began


async def test_a_node_that_never_answers_times_out_by_the_deadline(
    devserver: DevServer, descriptors: None
) -> None:
    async with connected(devserver.hosts) as client:
        await client.put(KEY, {"v": 1})
        devserver.stall()
        try:
            attempts = []
            outcomes = []
            for call in (
                lambda: client.get(KEY),
                lambda: client.put(KEY, {"v": 2}),
                lambda: client.put(KEY, {"v": 3}, policy={"max_retries": 2}),
            ):
                served = sum(devserver.commands_served)
                outcomes.append(await timed(call()))
                attempts.append(sum(devserver.commands_served) - served)
        finally:
            devserver.clear_faults()
        assert attempts == [3, 1, 3]
        for (error, seconds), in_doubt in zip(outcomes, [False, True, True], strict=True):
            assert isinstance(error, AerospikeTimeoutError), error
            assert error.in_doubt is in_doubt
            assert seconds <= TOTAL_TIMEOUT_MS / 1000 + DEADLINE_MARGIN_S
        # The pool recovers: the stalled connections are replaced. (A write the client gave
        # up on, in doubt, was dropped by the server when the client closed its connection.)
        values = {(await client.get(KEY)).bins["v"] for _ in range(20)}
        assert len(values) == 1, values
        assert values <= {1, 2, 3}, values


async def test_a_write_the_server_timed_out_is_in_doubt(
    devserver: DevServer, descriptors: None
) -> None:
    """A server answers a write with TIMEOUT (9) when a replica does not acknowledge in time,
    after the master may have applied it (as seen in the node-loss test)."""
    async with connected(devserver.hosts) as client:
        devserver.fail_next(1, 9, commands=["write"])
        devserver.fail_next(1, 9, commands=["read"])
        write, _ = await timed(client.put(KEY, {"v": 1}))
        read, _ = await timed(client.get(KEY, policy={"max_retries": 0}))
    assert isinstance(write, AerospikeTimeoutError), write
    assert isinstance(read, AerospikeTimeoutError), read
    assert (write.in_doubt, read.in_doubt) == (True, False)


@pytest.fixture
async def relay(devserver: DevServer) -> AsyncIterator[FaultyRelay]:
    async with FaultyRelay(devserver.hosts[0]) as started:
        yield started


@pytest.mark.parametrize("fault", ["closed before the reply", "cut mid-reply", "reset"])
async def test_a_broken_connection_retries_reads_and_writes_only_when_allowed(
    devserver: DevServer, relay: FaultyRelay, descriptors: None, fault: str
) -> None:
    def break_next(commands: tuple[aerospike_py.devserver.CommandName, ...]) -> None:
        if fault == "closed before the reply":
            devserver.close_next(1, commands=commands)
        elif fault == "cut mid-reply":
            relay.cut_next = 1
        else:
            relay.reset_next = 1

    async with connected([relay.host]) as client:
        await client.put(KEY, {"v": 1})
        attempts = []
        outcomes = []
        for commands, call in (
            (("read",), lambda: client.get(KEY)),
            (("write",), lambda: client.put(KEY, {"v": 2})),
            (("write",), lambda: client.put(KEY, {"v": 3}, policy={"max_retries": 1})),
        ):
            break_next(commands)
            sent = relay.requests
            outcomes.append(await timed(call()))
            attempts.append(relay.requests - sent)
        assert attempts == [2, 1, 2]
        read, write, retried_write = (error for error, _ in outcomes)
        assert (read, retried_write) == (None, None)
        assert isinstance(write, ClusterError), write
        assert write.in_doubt
        assert max(seconds for _, seconds in outcomes) <= TOTAL_TIMEOUT_MS / 1000
        assert [(await client.get(KEY)).bins for _ in range(20)] == [{"v": 3}] * 20


def _refused_ports(count: int) -> list[int]:
    """Ports nothing listens on (bound, then let go)."""
    ports = []
    for _ in range(count):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    return ports


@pytest.fixture
def silent_host() -> Iterator[tuple[str, int]]:
    """A host that accepts connections (the kernel does) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as listener:
        yield listener.getsockname()[:2]


@pytest.mark.parametrize("hosts", ["refusing", "silent"])
async def test_a_seed_list_that_cannot_be_reached_fails_connect_within_its_timeout(
    descriptors: None, silent_host: tuple[str, int], hosts: str
) -> None:
    seeds = [("127.0.0.1", port) for port in _refused_ports(2)]
    if hosts == "silent":
        seeds = [silent_host]
    config = {**CONFIG, "hosts": seeds, "timeout": 1000}
    error, seconds = await timed(aerospike_py.AsyncClient(config).connect())
    assert isinstance(error, ClusterError), error
    assert seconds <= 1.0 + DEADLINE_MARGIN_S


@asynccontextmanager
async def record_app(hosts: list[tuple[str, int]]) -> AsyncIterator[httpx.AsyncClient]:
    """An app on the integration with one route that reads ``KEY``."""
    app = FastAPI()
    settings = AerospikeSettings(
        hosts=tuple(hosts),
        total_timeout_ms=TOTAL_TIMEOUT_MS,
        socket_timeout_ms=SOCKET_TIMEOUT_MS,
        tend_interval_ms=100,
    )
    install(app, settings, registry=CollectorRegistry())

    @app.get("/record")
    async def record(client: AerospikeClient) -> dict[str, Any]:
        return (await client.get(KEY)).bins or {}

    async with serving(app) as http:
        yield http


async def test_readiness_answers_503_never_500_while_the_cluster_is_unreachable(
    devserver: DevServer, descriptors: None
) -> None:
    async with record_app(devserver.hosts) as http:
        await (await aerospike_py.AsyncClient({"hosts": devserver.hosts}).connect()).put(
            KEY, {"v": 1}
        )
        assert (await http.get("/health/ready")).status_code == 200
        devserver.stall(commands=["info", "read", "write", "batch", "query"])
        try:
            stalled = [(await http.get(path)).status_code for path in ("/health/ready", "/record")]
        finally:
            devserver.clear_faults()
        devserver.stop_node(0)
        try:
            down = [(await http.get(path)).status_code for path in ("/health/ready", "/record")]
        finally:
            devserver.start_node(0)

        async def ready() -> bool:
            return (await http.get("/health/ready")).status_code == 200

        recovered = False
        for _ in range(100):  # bounded: 10 s
            if recovered := await ready():
                break
            await asyncio.sleep(0.1)
        assert stalled == [503, 504]
        assert down == [503, 503]
        assert recovered
        assert (await http.get("/record")).json() == {"v": 1}
