"""The blocking client releases the GIL while Rust waits: other Python threads keep running."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import aerospike_py
from tests.client.stall import StallingRelay

NS = "test"


def test_a_stalled_get_does_not_hold_the_gil(
    aerospike_hosts: list[tuple[str, int]], set_name: str
) -> None:
    loop = asyncio.new_event_loop()
    relay_thread = threading.Thread(target=loop.run_forever, daemon=True)
    relay_thread.start()
    relay = asyncio.run_coroutine_threadsafe(
        StallingRelay(aerospike_hosts[0]).__aenter__(), loop
    ).result(timeout=10)
    outcome: dict[str, Any] = {}
    try:
        config = {"hosts": [relay.host], "total_timeout": 30_000}
        with aerospike_py.Client(config) as client:
            client.put((NS, set_name, "k"), {"v": 1})
            loop.call_soon_threadsafe(relay.hold)

            def stalled_get() -> None:
                outcome["record"] = client.get((NS, set_name, "k"))

            getter = threading.Thread(target=stalled_get)
            getter.start()
            for _ in range(5000):
                if client.stats().in_flight == 1:
                    break
                threading.Event().wait(0.001)
            assert client.stats().in_flight == 1
            # Pure Python work on this thread while the other one is inside the native get:
            # if the get held the GIL, this would never run.
            total = sum(i * i for i in range(200_000))
            assert total > 0
            assert getter.is_alive(), "the get must still be stalled behind the relay"
            loop.call_soon_threadsafe(relay.release)
            getter.join(timeout=30)
        assert outcome["record"].bins == {"v": 1}
    finally:
        asyncio.run_coroutine_threadsafe(relay.__aexit__(None, None, None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        relay_thread.join(timeout=10)
        loop.close()
