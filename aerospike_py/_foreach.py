"""The coroutine behind ``AsyncQuery.foreach``: records reach the callback as they arrive.

The native feed hands over small batches (see ``native/python/src/stream.rs``), so memory stays
bounded however large the result is. Returning False from the callback, raising from it, or
cancelling the awaiting task closes the feed, which stops the query on the server.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Protocol

from aerospike_py.types import Record


class RecordFeed(Protocol):
    def next_batch(self) -> Awaitable[list[Record]]: ...

    def close(self) -> None: ...


async def drive(feed: RecordFeed, callback: Callable[[Record], object]) -> None:
    """Calls ``callback`` per record until the query ends or the callback returns False; an
    ``async def`` callback is awaited, one record at a time."""
    try:
        while batch := await feed.next_batch():
            for record in batch:
                answer = callback(record)
                if inspect.isawaitable(answer):
                    answer = await answer
                if answer is False:
                    return
    finally:
        feed.close()
