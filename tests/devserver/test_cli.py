"""``python -m aerospike_py.devserver`` runs in the foreground and stops cleanly on signals."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest


@pytest.mark.devserver_only
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_cli_prints_one_ready_line_serves_and_stops_on_signal(
    stop_signal: signal.Signals, make_client: Callable[[list[tuple[str, int]]], Any]
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "aerospike_py.devserver", "--port", "0", "--namespace", "cli"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("aerospike dev server ready on 127.0.0.1:"), line
        port = int(line.rsplit(":", 1)[1])
        client = make_client([("127.0.0.1", port)])
        client.put(("cli", "s", "k"), {"a": 1})
        assert client.get(("cli", "s", "k"))[2] == {"a": 1}

        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.devserver_only
def test_cli_reports_a_port_in_use_and_exits_nonzero() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "aerospike_py.devserver", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr
