"""What each scenario sends (weighted request mixes for the generator), and the records it needs.

Every app serves the same paths (the sample service and ``apps/routes.py``). ``{key}`` is
replaced by the generator with a random number below ``KEYS``; ``preload`` writes those
profiles (``apps/profiles.py``) first, so reads find them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence

import aerospike_py
from loadtest.apps.profiles import KEYS, profile

__all__ = ["BATCH_SIZE", "KEYS", "NO_DB", "SCENARIOS", "preload"]

BATCH_SIZE = 100
SET = "profiles"

NO_DB = "no-db"
"""The route that does no database work: the framework's ceiling and the generator's proof."""

_PROFILE = {"name": "profile {key}", "email": "p{key}@example.com", "age": 42, "score": 7}
_WRITE = "PUT /profiles/p{key} " + json.dumps({**_PROFILE, "rating": 4.5})


def _batches(count: int) -> list[str]:
    """``count`` feature requests, each for ``BATCH_SIZE`` distinct preloaded ids."""
    picks = random.Random(7)
    return [
        "GET /features?ids=" + ",".join(f"p{i}" for i in picks.sample(range(KEYS), BATCH_SIZE))
        for _ in range(count)
    ]


SCENARIOS: dict[str, tuple[str, ...]] = {
    NO_DB: ("1 GET /health/live",),
    "get": ("1 GET /profiles/p{key}",),
    "write": (f"1 {_WRITE}",),
    "batch": tuple(f"1 {request}" for request in _batches(4)),
    # Reads mostly, some writes, a few batch reads: 70% / 20% / 10%.
    "mixed": (
        "14 GET /profiles/p{key}",
        f"4 {_WRITE}",
        *(f"1 {request}" for request in _batches(2)),
    ),
}


def preload(hosts: Sequence[tuple[str, int]], namespace: str = "test") -> None:
    """Writes the ``KEYS`` profiles every scenario reads."""
    client = aerospike_py.client({"hosts": list(hosts)}).connect()
    try:
        for i in range(KEYS):
            client.put((namespace, SET, f"p{i}"), profile(i))
    finally:
        client.close()
