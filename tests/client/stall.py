"""A TCP relay in front of the server whose answers can be held back or rewritten: it makes a
command stay in flight for as long as a test needs, or hands the client bytes no server would
send, without mocking client or server.

Info answers are rewritten so the server advertises the relay's address (otherwise the client
would discover the server's own address and go around the relay)."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

import aerospike_py
from tests.polling import wait_until

HEADER = 8
INFO_TYPE = 1


class StallingRelay:
    """Relays 127.0.0.1:<port> to ``upstream``; while ``hold()`` is on, answers wait."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._rewrites: list[tuple[bytes, bytes]] = []

    @property
    def host(self) -> tuple[str, int]:
        assert self._server is not None
        address: tuple[str, int] = self._server.sockets[0].getsockname()[:2]
        return address

    def hold(self) -> None:
        self._flowing.clear()

    def release(self) -> None:
        self._flowing.set()

    def rewrite_answers(self, old: bytes, new: bytes) -> None:
        """From now on, ``old`` becomes ``new`` in every answer to a data command."""
        self._rewrites.append((old, new))

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        for source, sink, answers in ((reader, up_writer, False), (up_reader, writer, True)):
            task = asyncio.create_task(self._pump(source, sink, answers))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, answers: bool
    ) -> None:
        """Copies whole protocol messages; answers wait while held, then are rewritten."""
        upstream = f"{self.upstream[0]}:{self.upstream[1]}".encode()
        relay = f"{self.host[0]}:{self.host[1]}".encode()
        try:
            while True:
                header = await source.readexactly(HEADER)
                size = int.from_bytes(header[2:], "big")
                body = await source.readexactly(size)
                if answers:
                    await self._flowing.wait()
                    rewrites = [(upstream, relay)] if header[1] == INFO_TYPE else self._rewrites
                    for old, new in rewrites:
                        body = body.replace(old, new)
                    header = header[:2] + len(body).to_bytes(6, "big")
                sink.write(header + body)
                await sink.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            sink.close()


class ThreadedRelay:
    """A StallingRelay on its own event loop thread, for tests of the blocking client."""

    def __init__(self, relay: StallingRelay, loop: asyncio.AbstractEventLoop) -> None:
        self.relay = relay
        self.loop = loop

    @property
    def host(self) -> tuple[str, int]:
        return self.relay.host

    def hold(self) -> None:
        self.loop.call_soon_threadsafe(self.relay.hold)

    def release(self) -> None:
        self.loop.call_soon_threadsafe(self.relay.release)

    def rewrite_answers(self, old: bytes, new: bytes) -> None:
        self.loop.call_soon_threadsafe(self.relay.rewrite_answers, old, new)


def wait_for_in_flight(client: aerospike_py.Client, count: int) -> None:
    """Polls the client's counters until ``count`` commands are in flight (at most 5 s)."""
    if not wait_until(lambda: client.stats().in_flight == count, 5, interval=0.001):
        raise AssertionError(f"never saw {count} commands in flight")
