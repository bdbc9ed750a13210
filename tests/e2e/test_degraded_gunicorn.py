"""A degraded start under real gunicorn: with the cluster down the workers start and serve
liveness, a killed worker is replaced instead of stopping the server, and the service recovers
by itself when the cluster comes up."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import httpx

from aerospike_py.devserver import DevServer
from tests.e2e.test_sample_gunicorn import PROFILE, Gunicorn, free_port
from tests.polling import wait_until

WITHIN_SECONDS = 30.0


def status(url: str) -> int | None:
    with contextlib.suppress(httpx.TransportError):
        return httpx.get(url, timeout=2).status_code
    return None


def workers_of(master: int) -> list[int]:
    """The pids of the gunicorn master's children, from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == master:
                    children.append(int(entry.name))
    return children


def test_cluster_down_a_worker_killed_and_the_service_recovers(tmp_path: Path) -> None:
    port = free_port()
    server = Gunicorn(
        [("127.0.0.1", port)],
        tmp_path,
        AEROSPIKE_CONNECT_TIMEOUT="1",
        AEROSPIKE_RECONNECT_MAX_INTERVAL="1",
        AEROSPIKE_RETRY_AFTER="3",
    )
    try:
        live = f"{server.url}/health/live"
        assert wait_until(lambda: status(live) == 200, WITHIN_SECONDS, 0.2), server.output()
        assert wait_until(lambda: len(workers_of(server.process.pid)) == 2, WITHIN_SECONDS)
        assert status(f"{server.url}/health/ready") == 503
        down = httpx.get(f"{server.url}/profiles/ada", timeout=10)
        assert (down.status_code, down.headers["retry-after"]) == (503, "3")
        assert down.json()["detail"][0]["type"] == "aerospike_unavailable"

        killed = workers_of(server.process.pid)[0]
        os.kill(killed, signal.SIGKILL)
        replaced = wait_until(
            lambda: len([p for p in workers_of(server.process.pid) if p != killed]) == 2,
            WITHIN_SECONDS,
            0.2,
        )
        assert replaced, server.output()
        time.sleep(1.5)  # the new worker's first connect attempt has failed by now
        assert server.process.poll() is None, server.output()
        assert status(live) == 200

        with DevServer(port=port):
            ready = f"{server.url}/health/ready"
            # Each worker answers for itself: a run of 200s means both have connected.
            assert wait_until(
                lambda: all(status(ready) == 200 for _ in range(6)), WITHIN_SECONDS, 0.3
            ), server.output()
            put = httpx.put(f"{server.url}/profiles/ada", json=PROFILE, timeout=10)
            assert put.status_code == 201
    finally:
        server.stop()
    log = server.output()
    assert "Traceback" not in log, log
    assert "Worker failed to boot" not in log, log
    assert "could not connect to 127.0.0.1" in log
