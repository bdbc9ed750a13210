"""Busy polling: a lone blocking caller polls for a reply due within ``busy_poll_us`` instead of
sleeping, and stops polling while replies come later than that.

``stats()`` counts the commands that polled and those answered while they did; the CPU time of
the calling thread shows what polling costs. What it gains is measured by ``make bench``.

Each test's dev server runs on another CPU than the caller: on the caller's CPU, the server
would preempt the caller as soon as the request is sent, and the reply would be there before
the caller ever waited for it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

import aerospike_py
from aerospike_py.devserver import DevServer

pytestmark = pytest.mark.devserver_only

KEY = ("test", "busy-poll", 1)
BUDGET_US = 10_000
"""The largest: far above a dev-server round trip, even on a busy machine; far below LATE_MS."""
LATE_MS = 60
MISSES_TO_STOP = 6
"""Each late reply moves the share of polls answered in time an eighth of the way to zero;
below half, polling stops: 1 * (7/8) ** 6 < 0.5 (after 5 if the share was not quite 1)."""
WARM_UP = 50
"""Prompt replies that bring the share close to 1, whatever the first connection cost."""
PROBE_EVERY = 32


@pytest.fixture
def devserver() -> Iterator[DevServer]:
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


@pytest.fixture
def polling_client(devserver: DevServer) -> Iterator[aerospike_py.Client]:
    config = {"hosts": devserver.hosts, "busy_poll_us": BUDGET_US}
    with aerospike_py.Client(config).connect() as connected:
        connected.put(KEY, {"a": 1})
        gets(connected, WARM_UP)
        yield connected


def gets(client: aerospike_py.Client, count: int) -> tuple[int, int]:
    """The commands that polled and those answered in time, among ``count`` gets."""
    before = client.stats()
    for _ in range(count):
        client.get(KEY)
    after = client.stats()
    return (
        after.busy_polled - before.busy_polled,
        after.busy_poll_answered - before.busy_poll_answered,
    )


def test_a_lone_caller_polls_for_prompt_replies(polling_client: aerospike_py.Client) -> None:
    polled, answered = gets(polling_client, 200)
    # Most, not all: a get that finds the driver thread holding the runtime (it does when the
    # machine is busy enough to keep this caller off its CPU) waits without polling.
    assert polled > 150
    assert answered > 0.75 * polled


def test_a_zero_budget_never_polls(devserver: DevServer) -> None:
    config = {"hosts": devserver.hosts, "busy_poll_us": 0}
    with aerospike_py.Client(config).connect() as client:
        client.put(KEY, {"a": 1})
        assert gets(client, 50) == (0, 0)


def test_polling_stops_while_replies_come_later_than_the_budget(
    devserver: DevServer, polling_client: aerospike_py.Client
) -> None:
    devserver.inject_latency(LATE_MS, commands=("read",))
    polled, answered = gets(polling_client, MISSES_TO_STOP)
    assert (polled >= MISSES_TO_STOP - 1, answered) == (True, 0)
    late = 20
    started = time.thread_time()
    assert gets(polling_client, late) == (0, 0)
    polling_each_time = late * BUDGET_US / 1e6
    assert time.thread_time() - started < polling_each_time / 2


def test_polling_resumes_once_replies_are_prompt_again(
    devserver: DevServer, polling_client: aerospike_py.Client
) -> None:
    devserver.inject_latency(LATE_MS, commands=("read",))
    gets(polling_client, MISSES_TO_STOP)
    devserver.clear_faults()
    one_by_one = [gets(polling_client, 1) for _ in range(PROBE_EVERY)]
    assert one_by_one[0] == (0, 0)
    assert one_by_one[-1] == (1, 1)  # while polling is off, one command in 32 polls anyway
    polled, answered = gets(polling_client, 50)
    assert polled >= 45
    assert answered >= 0.9 * polled
