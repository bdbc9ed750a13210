"""What a user sees for each first-hour mistake, under real gunicorn: one line that says what is
wrong and what to change, never a traceback (docs/mistakes.md quotes these lines)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from aerospike_py.devserver import DevServer
from tests.e2e.test_sample_gunicorn import SAMPLE, Gunicorn, free_port


def failed_startup(hosts: list[tuple[str, int]], tmp_path: Path, **env: str) -> list[str]:
    """The lines naming the failed connect of a gunicorn that must exit non-zero by itself
    (fail-fast: by default a worker starts degraded instead).

    One worker: when two fail to boot at once, gunicorn 27's master may raise its own
    HaltServer a second time while halting, with a traceback of its own (exit 1)."""
    server = Gunicorn(
        hosts, tmp_path, AEROSPIKE_STARTUP_MODE="fail_fast", WEB_CONCURRENCY="1", **env
    )
    try:
        returncode = server.process.wait(timeout=60)
    finally:
        server.stop()
    log = server.output()
    assert returncode == 3, log
    assert "Traceback" not in log, log
    lines = [line for line in log.splitlines() if "could not connect to" in line]
    assert len(lines) == 1, log
    return lines


def test_nothing_listening_is_named_refused_with_the_time_spent(tmp_path: Path) -> None:
    port = free_port()
    for line in failed_startup([("127.0.0.1", port)], tmp_path):
        assert f"could not connect to 127.0.0.1:{port} after 0." in line
        assert line.endswith(
            f"127.0.0.1:{port} refused the connection (nothing listens on that port)"
        )


def test_a_misspelt_host_is_named_a_dns_failure(tmp_path: Path) -> None:
    for line in failed_startup([("no-such-host.invalid", 3000)], tmp_path):
        assert line.endswith("'no-such-host.invalid' is not a known host name (DNS lookup failed)")


@pytest.mark.devserver_only
def test_a_wrong_cluster_name_is_named(devserver: DevServer, tmp_path: Path) -> None:
    for line in failed_startup(devserver.hosts, tmp_path, AEROSPIKE_CLUSTER_NAME="prod"):
        assert line.endswith("answered but is not cluster 'prod' (cluster_name)")


@pytest.mark.devserver_only
def test_a_misspelt_variable_is_named_and_secrets_are_masked(
    devserver: DevServer, tmp_path: Path
) -> None:
    server = Gunicorn(
        devserver.hosts,
        tmp_path,
        AEROSPIKE_MAX_CONCURENT_OPERATIONS="8",
        AEROSPIKE_USER="app",
        AEROSPIKE_PASSWORD="s3cret-value",
    )
    try:
        server.wait_ready()
    finally:
        server.stop()
    log = server.output()
    typo = (
        "[WARNING] AEROSPIKE_MAX_CONCURENT_OPERATIONS is not an Aerospike setting (did you mean "
        "AEROSPIKE_MAX_CONCURRENT_OPERATIONS?); ignored (AEROSPIKE_UNKNOWN_VARIABLES=error "
        "refuses it)"
    )
    assert typo in log, log
    assert "Aerospike client 'aerospike' settings: hosts=" in log
    assert "user=app password=******** " in log
    assert "s3cret-value" not in log


@pytest.mark.devserver_only
def test_a_refused_variable_ends_startup_in_one_line(devserver: DevServer, tmp_path: Path) -> None:
    """The sample reads its settings when a worker starts, not at import: no traceback.

    One worker: when two fail to boot at once, gunicorn 27's master may raise its own
    HaltServer a second time while halting, with a traceback of its own (exit 1)."""
    server = Gunicorn(
        devserver.hosts,
        tmp_path,
        AEROSPIKE_UNKNOWN_VARIABLES="error",
        AEROSPIKE_MAX_CONCURENT_OPERATIONS="8",
        WEB_CONCURRENCY="1",
    )
    try:
        returncode = server.process.wait(timeout=60)
    finally:
        server.stop()
    log = server.output()
    assert returncode == 3, log
    assert "Traceback" not in log, log
    refused = (
        "[ERROR] AEROSPIKE_MAX_CONCURENT_OPERATIONS is not an Aerospike setting (did you mean "
        "AEROSPIKE_MAX_CONCURRENT_OPERATIONS?)"
    )
    assert refused in log, log


def test_a_busy_port_ends_make_run_in_one_line(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "DEVSERVER_PORT": "0"}
        run = subprocess.run(
            [sys.executable, str(SAMPLE / "run_dev.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 1
        assert run.stdout == ""
        assert run.stderr == (
            f"make run: port {port} (the app's, GUNICORN_BIND=127.0.0.1:{port}) is in use; "
            f"choose another with GUNICORN_BIND=127.0.0.1:{port + 1} make run\n"
        )
        env = {
            **os.environ,
            "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
            "DEVSERVER_PORT": str(port),
        }
        run = subprocess.run(
            [sys.executable, str(SAMPLE / "run_dev.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (run.returncode, run.stdout) == (1, "")
        assert run.stderr == (
            f"make run: port {port} (the dev server's, DEVSERVER_PORT) is in use; "
            f"choose another with DEVSERVER_PORT={port + 1} make run\n"
        )
