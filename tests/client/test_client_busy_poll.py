"""Busy polling: a lone blocking caller polls for a reply due within ``busy_poll_us`` instead of
sleeping, and stops polling while replies come later than that.

Sleeps are counted as the calling thread's voluntary context switches, polling as its CPU time.
Each test's own dev server runs on another CPU than the caller: on the caller's CPU its reply
would preempt the caller, which would then never sleep, polling or not.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterator

import pytest

import aerospike_py
from aerospike_py.devserver import DevServer

pytestmark = pytest.mark.devserver_only

KEY = ("test", "busy-poll", 1)
GENEROUS_US = 10_000
"""The largest budget: a dev-server round trip takes well under a millisecond."""
GETS = 200
LATE_MS = 20


@pytest.fixture
def server_on_another_cpu() -> Iterator[DevServer]:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("needs two CPUs: one for the dev server, one for the caller")
    try:
        os.sched_setaffinity(0, {cpus[-1]})
        server = DevServer().start()  # its threads keep the CPU they were started on
    finally:
        os.sched_setaffinity(0, {cpus[0]})
    try:
        yield server
    finally:
        server.stop()
        os.sched_setaffinity(0, cpus)


def sleeps_per_get(client: aerospike_py.Client, gets: int = GETS) -> float:
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_nvcsw
    for _ in range(gets):
        client.get(KEY)
    return (resource.getrusage(resource.RUSAGE_THREAD).ru_nvcsw - before) / gets


def cpu_seconds(calls: Callable[[], object], times: int) -> float:
    before = time.thread_time()
    for _ in range(times):
        calls()
    return time.thread_time() - before


def connected(server: DevServer, budget_us: int) -> aerospike_py.Client:
    client = aerospike_py.Client({"hosts": server.hosts, "busy_poll_us": budget_us}).connect()
    client.put(KEY, {"a": 1})
    return client


def test_a_lone_caller_reads_a_prompt_reply_without_sleeping(
    server_on_another_cpu: DevServer,
) -> None:
    with connected(server_on_another_cpu, GENEROUS_US) as client:
        sleeps_per_get(client, 20)
        assert sleeps_per_get(client) < 0.25


def test_a_zero_budget_sleeps_for_every_reply(server_on_another_cpu: DevServer) -> None:
    with connected(server_on_another_cpu, 0) as client:
        assert sleeps_per_get(client) > 0.5


def test_polling_stops_while_replies_come_later_than_the_budget(
    server_on_another_cpu: DevServer,
) -> None:
    budget_us = 2_000
    late_gets = 20
    with connected(server_on_another_cpu, budget_us) as client:
        server_on_another_cpu.inject_latency(LATE_MS, commands=("read",))
        cpu_seconds(lambda: client.get(KEY), 12)
        polled_each_time = late_gets * budget_us / 1e6
        assert cpu_seconds(lambda: client.get(KEY), late_gets) < polled_each_time / 2


def test_polling_resumes_once_replies_are_prompt_again(server_on_another_cpu: DevServer) -> None:
    with connected(server_on_another_cpu, 2_000) as client:
        server_on_another_cpu.inject_latency(LATE_MS, commands=("read",))
        for _ in range(12):
            client.get(KEY)
        server_on_another_cpu.clear_faults()
        sleeps_per_get(client, 100)  # while polling is off, one command in 32 polls anyway
        assert sleeps_per_get(client) < 0.25
