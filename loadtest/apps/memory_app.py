"""The load-tested routes over a dict in each worker: the framework's ceiling for each route.

The same FastAPI routes, models and serialization as the other apps, with no database and no
client: what a client adds to a route is the difference between its knee and this one's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
from models import FEATURES, StoredProfile
from profiles import KEYS, profile
from routes import create_app

__all__ = ["app"]


class MemoryBackend:
    """Profiles and their generations in a dict, filled with the preloaded profiles."""

    def __init__(self) -> None:
        self.records: dict[str, tuple[dict[str, Any], int]] = {
            f"p{i}": (profile(i), 1) for i in range(KEYS)
        }

    async def get(self, profile_id: str) -> StoredProfile | None:
        found = self.records.get(profile_id)
        if found is None:
            return None
        bins, generation = found
        return StoredProfile(id=profile_id, generation=generation, ttl=-1, **bins)

    async def put(self, profile_id: str, bins: dict[str, Any]) -> None:
        generation = self.records.get(profile_id, ({}, 0))[1]
        self.records[profile_id] = (bins, generation + 1)

    async def features(self, profile_ids: list[str]) -> tuple[list[bool], np.ndarray]:
        rows = np.zeros(len(profile_ids), FEATURES)
        found = []
        for index, profile_id in enumerate(profile_ids):
            record = self.records.get(profile_id)
            found.append(record is not None)
            if record is not None:
                rows[index] = (record[0]["score"], record[0]["rating"])
        return found, rows


@asynccontextmanager
async def memory_backend() -> AsyncIterator[MemoryBackend]:
    yield MemoryBackend()


app = create_app(memory_backend)
