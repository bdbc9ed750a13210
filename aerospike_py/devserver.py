"""An embedded, in-memory server that speaks the Aerospike wire protocol, for development and tests.

Use it as a context manager in tests::

    with DevServer() as server:
        client = aerospike.client({"hosts": server.hosts}).connect()

or run it in the foreground: ``python -m aerospike_py.devserver --port 3000``.

Several nodes (``DevServer(nodes=3)``) share one store and deal the partitions among the running
ones; ``stop_node``/``start_node`` move partitions as a real cluster does, without losing records.
Fault injection (``inject_latency``, ``fail_next``, ``close_next``, ``stall``,
``drop_connections``, ``clear_faults``) lets tests exercise timeouts, retries and reconnects.
Faults target data commands unless ``commands`` says otherwise, and every node unless ``node``
names one. The info command ``devserver-fault`` sets the same faults over the wire.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterable, Sequence
from types import FrameType, TracebackType
from typing import Literal, Self

from aerospike_py import _native

__all__ = ["DATA_COMMANDS", "CommandName", "DevServer", "main"]

CommandName = Literal["info", "read", "write", "batch", "query"]
"""The kinds of request a fault can target (``query`` covers scans too)."""

DATA_COMMANDS: tuple[CommandName, ...] = ("read", "write", "batch", "query")
"""What faults target by default: every data command, so that cluster tending keeps working."""


def _command_list(commands: Iterable[CommandName]) -> list[str]:
    if isinstance(commands, str):
        raise TypeError(f"commands must be a sequence of names, not the string {commands!r}")
    return list(commands)


def _count(name: str, value: int) -> int:
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _node(node: int | None) -> int | None:
    return None if node is None else _count("node", node)


class DevServer:
    """A dev-server cluster of ``nodes`` nodes sharing one in-memory store.

    ``port=0`` picks free ports. Listens on ``host`` (loopback unless told otherwise).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        nodes: int = 1,
        namespaces: Sequence[str] = ("test",),
    ) -> None:
        if isinstance(namespaces, str):
            raise TypeError(
                f"namespaces must be a sequence of names, not the string {namespaces!r}"
            )
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {port}")
        self._server = _native.DevServer(host, port, nodes, list(namespaces))

    @property
    def hosts(self) -> list[tuple[str, int]]:
        """``(host, port)`` of every node, as clients should connect; empty until started."""
        return self._server.hosts

    def start(self) -> Self:
        """Binds the listeners and starts serving (a second call does nothing)."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stops every node and drops open connections (a second call does nothing)."""
        self._server.stop()

    def advance_clock(self, seconds: float) -> None:
        """Moves the server clock forward, so records with a TTL expire without waiting."""
        self._server.advance_clock(seconds)

    @property
    def running_nodes(self) -> list[bool]:
        """Whether each node (by index, as in ``hosts``) is running; empty until started."""
        return self._server.running_nodes

    @property
    def commands_served(self) -> list[int]:
        """How many data commands each node has served, by index: shows where clients route."""
        return self._server.commands_served

    @property
    def connections_accepted(self) -> list[int]:
        """How many client connections each node has accepted, by index: shows pool reuse."""
        return self._server.connections_accepted

    def stop_node(self, index: int) -> None:
        """Stops node ``index``: its listener and connections close, the running nodes take over
        its partitions (new partition and peers generations), no record is lost."""
        self._server.stop_node(_count("index", index))

    def start_node(self, index: int) -> None:
        """Starts node ``index`` again on its address with its node id; it rejoins the cluster."""
        self._server.start_node(_count("index", index))

    def inject_latency(
        self,
        ms: float,
        commands: Iterable[CommandName] = DATA_COMMANDS,
        node: int | None = None,
    ) -> None:
        """Answers ``commands`` ``ms`` milliseconds late (latencies of several calls add up)."""
        self._server.inject_latency(ms, _command_list(commands), _node(node))

    def fail_next(
        self,
        n: int,
        result_code: int,
        commands: Iterable[CommandName] = DATA_COMMANDS,
        node: int | None = None,
    ) -> None:
        """Answers the next ``n`` of ``commands`` with ``result_code`` instead of executing them."""
        self._server.fail_next(_count("n", n), result_code, _command_list(commands), _node(node))

    def close_next(
        self,
        n: int,
        commands: Iterable[CommandName] = DATA_COMMANDS,
        node: int | None = None,
    ) -> None:
        """Closes the connection instead of answering the next ``n`` of ``commands``."""
        self._server.close_next(_count("n", n), _command_list(commands), _node(node))

    def stall(
        self, commands: Iterable[CommandName] = DATA_COMMANDS, node: int | None = None
    ) -> None:
        """Holds ``commands`` unanswered until ``clear_faults`` or until the client disconnects."""
        self._server.stall(_command_list(commands), _node(node))

    def hold_index_builds(self, node: int | None = None) -> None:
        """Reports every secondary index as still building (``load_pct=0``) until
        ``clear_faults``, as a real server does while it populates a new index: clients that
        wait for an index to be ready keep waiting."""
        self._server.hold_index_builds(_node(node))

    def drop_connections(self, node: int | None = None) -> None:
        """Closes every open client connection (of one node, or all) before returning."""
        self._server.drop_connections(_node(node))

    def clear_faults(self, node: int | None = None) -> None:
        """Removes the faults that apply to ``node`` (all faults when ``None``); stalled requests
        are answered."""
        self._server.clear_faults(_node(node))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m aerospike_py.devserver",
        description="Run the embedded Aerospike dev server in the foreground.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=3000, help="port of the first node (0 = any)")
    parser.add_argument("--nodes", type=int, default=1, help="number of nodes")
    parser.add_argument(
        "--namespace",
        action="append",
        dest="namespaces",
        metavar="NAME",
        help="a namespace to serve (repeatable; default: test)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs until SIGINT or SIGTERM, after printing one line with the node addresses."""
    args = _parse_args(argv)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        server = DevServer(args.host, args.port, args.nodes, args.namespaces or ["test"])
        server.start()
    except (OSError, ValueError, TypeError) as error:
        print(f"devserver: {error}", file=sys.stderr)
        return 1
    try:
        addresses = ",".join(f"{host}:{port}" for host, port in server.hosts)
        print(f"aerospike dev server ready on {addresses}", flush=True)
        # Wake up regularly so that signals are handled promptly on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
