"""Waiting, in bounded time, for something a test started to happen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], seconds: float, interval: float = 0.02) -> bool:
    """Whether ``condition()`` came true within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


async def wait_until_async(condition: Callable[[], object], seconds: float) -> bool:
    """``wait_until`` on the event loop, which keeps running while it waits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.002)
    return False
