"""An embedded, in-memory server that speaks the Aerospike wire protocol, for development and tests.

Use it as a context manager in tests::

    with DevServer() as server:
        client = aerospike.client({"hosts": server.hosts}).connect()

or run it in the foreground: ``python -m aerospike_py.devserver --port 3000``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType, TracebackType
from typing import Self

from aerospike_py import _native

__all__ = ["DevServer", "main"]


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
