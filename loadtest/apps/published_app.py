"""The load-tested routes over the published aerospike-py 0.14.4 wheel (its own venv).

Run by the harness as ``gunicorn -k uvicorn_worker.UvicornWorker published_app:app`` with
``bench/.venv-published``'s Python: that wheel has the same import name as this project's
client. Its ``AsyncClient`` takes the same admission knobs; ``BackpressureError`` answers 503.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
from knobs import Knobs
from models import FEATURES, PROFILES, StoredProfile
from routes import create_app

import aerospike_py

__all__ = ["app"]


class PublishedBackend:
    """The routes' backend over one connected ``aerospike_py.AsyncClient`` (0.14.4)."""

    def __init__(self, client: Any, namespace: str) -> None:
        self.client = client
        self.namespace = namespace

    def key(self, profile_id: str) -> tuple[str, str, str]:
        return (self.namespace, PROFILES, profile_id)

    async def get(self, profile_id: str) -> StoredProfile | None:
        try:
            record = await self.client.get(self.key(profile_id))
        except aerospike_py.RecordNotFound:
            return None
        return StoredProfile(
            id=profile_id, generation=record.meta.gen, ttl=record.meta.ttl, **record.bins
        )

    async def put(self, profile_id: str, bins: dict[str, Any]) -> None:
        await self.client.put(self.key(profile_id), bins)

    async def features(self, profile_ids: list[str]) -> tuple[list[bool], np.ndarray]:
        keys = [self.key(i) for i in profile_ids]
        batch = await self.client.batch_read(keys, bins=["score", "rating"])
        columns = batch.to_numpy(FEATURES)
        # 0.14.4 marks each row with its result code (0: found) where ours has ``found``.
        return [code == 0 for code in columns.result_codes.tolist()], columns.batch_records


@asynccontextmanager
async def published_backend() -> AsyncIterator[PublishedBackend]:
    knobs = Knobs.from_env()
    client = aerospike_py.AsyncClient(
        {
            "hosts": knobs.hosts,
            "max_concurrent_operations": knobs.max_concurrent_operations,
            "operation_queue_timeout_ms": knobs.operation_queue_timeout_ms,
        }
    )
    await client.connect()
    try:
        yield PublishedBackend(client, knobs.namespace)
    finally:
        await client.close()


app = create_app(published_backend, overloaded=(aerospike_py.BackpressureError,))
