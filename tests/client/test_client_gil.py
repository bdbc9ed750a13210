"""The blocking client releases the GIL while Rust waits: other Python threads keep running."""

from __future__ import annotations

import threading
from typing import Any

import aerospike_py
from tests.client.stall import ThreadedRelay, wait_for_in_flight

NS = "test"


def test_a_stalled_get_does_not_hold_the_gil(threaded_relay: ThreadedRelay, set_name: str) -> None:
    outcome: dict[str, Any] = {}
    config = {"hosts": [threaded_relay.host], "total_timeout": 30_000}
    with aerospike_py.Client(config).connect() as client:
        client.put((NS, set_name, "k"), {"v": 1})
        threaded_relay.hold()

        def stalled_get() -> None:
            outcome["record"] = client.get((NS, set_name, "k"))

        getter = threading.Thread(target=stalled_get)
        getter.start()
        wait_for_in_flight(client, 1)
        # Pure Python work on this thread while the other one is inside the native get:
        # if the get held the GIL, this would never run.
        assert sum(i * i for i in range(200_000)) > 0
        assert getter.is_alive(), "the get must still be stalled behind the relay"
        threaded_relay.release()
        getter.join(timeout=30)
    assert outcome["record"].bins == {"v": 1}
