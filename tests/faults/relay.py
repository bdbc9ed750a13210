"""A TCP relay in front of a dev-server node for the faults its own injection has no words for: a
reply cut off mid-way, a connection reset, a login refused. It counts the data requests it
relays, so a test can tell how many attempts a call made.

Info answers are rewritten so the node advertises the relay's address (otherwise the client
would discover the node's own address and go around the relay)."""

from __future__ import annotations

import asyncio
import socket
import struct
from types import TracebackType
from typing import Self

HEADER = 8
INFO, ADMIN, MESSAGE = 1, 2, 3
INVALID_CREDENTIAL = 65


class FaultyRelay:
    """Relays 127.0.0.1:<port> to ``upstream``; set ``cut_next``, ``reset_next`` or
    ``refuse_logins`` to break what follows."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.cut_next = 0
        """Data replies to cut off after half their bytes (the connection is then closed)."""
        self.reset_next = 0
        """Data replies replaced by a TCP reset."""
        self.refuse_logins = False
        """Answer every login with INVALID_CREDENTIAL instead of relaying it."""
        self.requests = 0
        """Data requests relayed so far."""
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def host(self) -> tuple[str, int]:
        assert self._server is not None
        address: tuple[str, int] = self._server.sockets[0].getsockname()[:2]
        return address

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        for pump in (self._requests(reader, up_writer, writer), self._answers(up_reader, writer)):
            task = asyncio.create_task(pump)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _requests(
        self,
        source: asyncio.StreamReader,
        upstream: asyncio.StreamWriter,
        client: asyncio.StreamWriter,
    ) -> None:
        try:
            while True:
                header, body = await _message(source)
                if header[1] == ADMIN and self.refuse_logins:
                    refusal = bytes([0, INVALID_CREDENTIAL]) + bytes(14)
                    client.write(header[:2] + len(refusal).to_bytes(6, "big") + refusal)
                    continue
                if header[1] == MESSAGE:
                    self.requests += 1
                upstream.write(header + body)
                await upstream.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            upstream.close()

    async def _answers(self, source: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        node = f"{self.upstream[0]}:{self.upstream[1]}".encode()
        relay = f"{self.host[0]}:{self.host[1]}".encode()
        try:
            while True:
                header, body = await _message(source)
                if header[1] == INFO:
                    body = body.replace(node, relay)
                    header = header[:2] + len(body).to_bytes(6, "big")
                elif self.reset_next:
                    self.reset_next -= 1
                    linger = struct.pack("ii", 1, 0)  # close with RST, not FIN
                    client.get_extra_info("socket").setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, linger
                    )
                    return
                elif self.cut_next:
                    self.cut_next -= 1
                    whole = header + body
                    client.write(whole[: len(whole) // 2])
                    await client.drain()
                    return
                client.write(header + body)
                await client.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            client.close()


async def _message(source: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One protocol message: its 8-byte header and its body."""
    header = await source.readexactly(HEADER)
    return header, await source.readexactly(int.from_bytes(header[2:], "big"))
