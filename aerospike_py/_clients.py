"""``AsyncClient`` as aerospike-py shapes it: ``connect()`` is a coroutine function, so its
result can be handed to ``asyncio.create_task``, which takes coroutines only."""

from __future__ import annotations

from typing import Self

from aerospike_py import _native


class AsyncClient(_native.AsyncClient):
    """The asyncio client: every command returns an awaitable; cancelling it cancels the command."""

    async def connect(self, username: str | None = None, password: str | None = None) -> Self:
        """Connects (starting the runtime on first use); returns the client.

        ``username``/``password`` replace the config's ``user``/``password``. A connected
        client refuses a second connect with ``ClientError``: close it first.
        """
        await super().connect(username, password)
        return self
