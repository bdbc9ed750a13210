"""The load-tested routes over the official C-based ``aerospike`` client in a thread pool.

That client is synchronous: each call runs in a pool of ``LOADTEST_THREADS`` threads (32 by
default) so the event loop keeps serving. The client is created in the lifespan, after
gunicorn forks. It has no admission limit, so it never answers 503.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aerospike

# Its first batch_read imports this module; pool threads doing that at once crash the client
# (a segfault in aerospike 19.3.0), so it is imported before any thread runs.
import aerospike_helpers.batch.records  # noqa: F401
import numpy as np
from aerospike import exception as official_errors
from knobs import Knobs
from models import FEATURES, PROFILES, StoredProfile
from routes import create_app

__all__ = ["app"]

T = TypeVar("T")


class OfficialBackend:
    """The routes' backend over one connected ``aerospike.Client`` and its thread pool."""

    def __init__(self, client: Any, namespace: str, pool: ThreadPoolExecutor) -> None:
        self.client = client
        self.namespace = namespace
        self.pool = pool

    def key(self, profile_id: str) -> tuple[str, str, str]:
        return (self.namespace, PROFILES, profile_id)

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)

    async def get(self, profile_id: str) -> StoredProfile | None:
        try:
            _, meta, bins = await self.call(self.client.get, self.key(profile_id))
        except official_errors.RecordNotFound:
            return None
        return StoredProfile(id=profile_id, generation=meta["gen"], ttl=meta["ttl"], **bins)

    async def put(self, profile_id: str, bins: dict[str, Any]) -> None:
        await self.call(self.client.put, self.key(profile_id), bins)

    async def features(self, profile_ids: list[str]) -> tuple[list[bool], np.ndarray]:
        keys = [self.key(i) for i in profile_ids]
        batch = await self.call(self.client.batch_read, keys, ["score", "rating"])
        records = [row.record for row in batch.batch_records]
        found = [record is not None and record[2] is not None for record in records]
        rows = np.zeros(len(keys), FEATURES)
        for index, record in enumerate(records):
            if found[index]:
                rows[index] = (record[2]["score"], record[2]["rating"])
        return found, rows


@asynccontextmanager
async def official_backend() -> AsyncIterator[OfficialBackend]:
    knobs = Knobs.from_env()
    with ThreadPoolExecutor(knobs.threads, thread_name_prefix="aerospike") as pool:
        client = await asyncio.get_running_loop().run_in_executor(
            pool, lambda: aerospike.client({"hosts": knobs.hosts}).connect()
        )
        try:
            yield OfficialBackend(client, knobs.namespace, pool)
        finally:
            client.close()


app = create_app(official_backend)
