"""A three-node real Aerospike cluster on loopback (../shared/aerospike-server/cluster), which
the node-loss tests kill and restart nodes of, and read statistics from over raw info requests
(independently of the client under test)."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.polling import wait_until

SCRIPT = Path(__file__).resolve().parents[3] / "shared" / "aerospike-server" / "cluster"
NODES = 3
HEARTBEAT_TIMEOUT_S = 1.5
"""The script's heartbeat: interval 150 ms x timeout 10 beats, how long the cluster takes to
notice a dead node."""


def info(port: int, command: str) -> str:
    """One info command's answer from the node on ``port`` (protocol version 2, type 1)."""
    body = f"{command}\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
        connection.sendall(struct.pack(">Q", (2 << 56) | (1 << 48) | len(body)) + body)
        size = struct.unpack(">Q", _read(connection, 8))[0] & ((1 << 48) - 1)
        answer = _read(connection, size).decode()
    return answer.partition("\t")[2].strip()


def _read(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the node closed the info connection")
        data += chunk
    return data


def stats(port: int, command: str) -> dict[str, str]:
    """An info answer of ``key=value;...`` pairs as a dict."""
    pairs = (item.partition("=") for item in info(port, command).split(";"))
    return {key: value for key, _, value in pairs if key}


class Cluster:
    """Three nodes on ``port``, ``port + 10``, ``port + 20`` (replication factor 2), in a
    directory of their own; stopped and removed on exit."""

    def __init__(self, port: int) -> None:
        self.ports = [port + 10 * node for node in range(NODES)]
        self.hosts = [("127.0.0.1", p) for p in self.ports]
        self._home = tempfile.mkdtemp(prefix="faults-asd-")
        self._env = {**os.environ, "ASD_HOME": self._home, "ASD_PORT": str(port)}

    def _run(self, *args: str) -> None:
        command = ["bash", str(SCRIPT), *args]
        subprocess.run(command, env=self._env, check=True, timeout=60, capture_output=True)

    def kill(self, node: int) -> None:
        """SIGKILL: the node's sockets close at once, its in-memory records are gone."""
        self._run("kill", str(node))

    def restart(self, node: int) -> None:
        """Starts the node again (empty); returns once its port is open."""
        self._run("restart", str(node))

    def settled(self) -> bool:
        """Whether every node sees all three and no partition is left to migrate."""
        try:
            for port in self.ports:
                if stats(port, "statistics")["cluster_size"] != str(NODES):
                    return False
                namespace = stats(port, "namespace/test")
                remaining = ("migrate_tx_partitions_remaining", "migrate_rx_partitions_remaining")
                if any(namespace[name] != "0" for name in remaining):
                    return False
        except (OSError, KeyError):
            return False
        return True

    def wait_settled(self, seconds: float = 60) -> None:
        if not wait_until(self.settled, seconds, interval=0.2):
            raise AssertionError(f"the cluster did not settle within {seconds} s")

    def served(self) -> list[int]:
        """Reads and writes each node has served (namespace ``test``), by node index."""
        names = ("client_read_success", "client_read_not_found", "client_write_success")
        counts = []
        for port in self.ports:
            namespace = stats(port, "namespace/test")
            counts.append(sum(int(namespace.get(name, 0)) for name in names))
        return counts

    def __enter__(self) -> Self:
        self._run("start", str(NODES))
        self.wait_settled()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._run("stop")
        shutil.rmtree(self._home, ignore_errors=True)
