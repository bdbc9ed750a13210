"""Load shedding for the requests that use a client, decided when they ask for it.

A route that never touches the database is never shed: answering it 503 would save nothing.
A request that asks for a client (the dependency, or ``client_for``) is answered 503 with
``Retry-After`` before the route runs, on two signals in this order:

- the client's own: operations already waiting for a slot (``shed_queue_depth``). A request
  admitted now would queue behind them, and likely fail with ``BackpressureError`` after its
  wait anyway;
- the worker's own CPU: the event loop has run a 5 ms timer later than ``shed_event_loop_lag_ms``
  three ticks in a row, so it has been busy for most of the last three bounds. One slow route
  makes one late tick, and is not shed.

Both are off by default (0): a timer that sheds a lightly loaded worker with one slow route
rejects healthy traffic and saves no latency. Turn them on where a measurement of your own
says they help (docs/tuning.md).
"""

from __future__ import annotations

import asyncio

from aerospike_py import AsyncClient

__all__ = ["SUSTAINED_LAG_TICKS", "Admission", "LagMonitor"]

SAMPLE_INTERVAL_SECONDS = 0.005
SUSTAINED_LAG_TICKS = 3


class LagMonitor:
    """A timer re-armed every ``interval`` on the running loop; ``lagging`` while each of the
    last ``SUSTAINED_LAG_TICKS`` ticks fired more than ``bound`` seconds late."""

    def __init__(self, bound: float, interval: float = SAMPLE_INTERVAL_SECONDS) -> None:
        self.bound = bound
        self.interval = interval
        self.late_ticks = 0
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0

    @property
    def lagging(self) -> bool:
        return self.late_ticks >= SUSTAINED_LAG_TICKS

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._due = loop.time() + self.interval
        self._handle = loop.call_at(self._due, self._tick, loop)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        self.late_ticks = self.late_ticks + 1 if now - self._due > self.bound else 0
        self._due = now + self.interval
        self._handle = loop.call_at(self._due, self._tick, loop)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class Admission:
    """Whether a request that asks for one client is admitted; the reason when it is not."""

    def __init__(self, queue_depth: int, event_loop_lag_ms: float) -> None:
        self.queue_depth = queue_depth
        self.monitor = LagMonitor(event_loop_lag_ms / 1000) if event_loop_lag_ms > 0 else None

    def start(self) -> None:
        """Start watching the running loop (no timer when lag shedding is off)."""
        if self.monitor is not None:
            self.monitor.start()

    def stop(self) -> None:
        if self.monitor is not None:
            self.monitor.stop()

    def refusal(self, client: AsyncClient) -> str | None:
        """``None`` to admit, else the reason: ``queue_depth`` or ``event_loop_lag``."""
        if self.queue_depth and client.stats().queued >= self.queue_depth:
            return "queue_depth"
        if self.monitor is not None and self.monitor.lagging:
            return "event_loop_lag"
        return None
