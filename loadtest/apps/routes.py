"""The sample service's load-tested routes over any client, for the apps it is compared with.

The sample (``examples/sample-fastapi/service.py``) runs on this project's client and
integration. The other apps (``published_app.py``, ``official_app.py``) serve the same paths
with the sample's models (``models.py``, on gunicorn's ``--pythonpath``) from here, each over
its own client, so the only difference measured is the client: ``PUT /profiles/{id}``,
``GET /profiles/{id}``, ``GET /features?ids=...`` (batch read into NumPy) and
``GET /health/live`` (no database). This module imports no Aerospike client: it also runs in
the published aerospike-py's venv.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any, Protocol

import numpy as np
from fastapi import FastAPI, Query, Request, Response, status
from fastapi.responses import JSONResponse
from models import MAX_BATCH, Profile, StoredProfile

__all__ = ["Backend", "create_app"]

RETRY_AFTER_SECONDS = "1"


class Backend(Protocol):
    """What the routes need from a client."""

    async def get(self, profile_id: str) -> StoredProfile | None: ...

    async def put(self, profile_id: str, bins: dict[str, Any]) -> None: ...

    async def features(self, profile_ids: list[str]) -> tuple[list[bool], np.ndarray]:
        """Which ids were found, and their rows as a ``FEATURES`` array."""
        ...


def create_app(
    backend: Callable[[], AbstractAsyncContextManager[Backend]],
    overloaded: tuple[type[Exception], ...] = (),
) -> FastAPI:
    """The routes over the backend the lifespan opens; ``overloaded`` errors answer 503."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with backend() as opened:
            yield {"backend": opened}

    app = FastAPI(title="profiles", lifespan=lifespan)

    for error in overloaded:
        app.add_exception_handler(error, _unavailable)

    @app.put("/profiles/{profile_id}", status_code=status.HTTP_201_CREATED)
    async def put_profile(profile_id: str, profile: Profile, request: Request) -> dict[str, str]:
        await request.state.backend.put(profile_id, profile.model_dump())
        return {"id": profile_id}

    @app.get("/profiles/{profile_id}")
    async def get_profile(profile_id: str, request: Request, response: Response) -> Any:
        stored = await request.state.backend.get(profile_id)
        if stored is None:
            return JSONResponse({"detail": "not found"}, status.HTTP_404_NOT_FOUND)
        response.headers["ETag"] = f'"{stored.generation}"'
        return stored

    @app.get("/features")
    async def features(
        request: Request, ids: Annotated[str, Query(description="Comma-separated profile ids")]
    ) -> dict[str, Any]:
        wanted = [i for i in ids.split(",") if i][:MAX_BATCH]
        found, rows = await request.state.backend.features(wanted)
        mask = np.asarray(found, dtype=bool)
        scores, ratings = rows["score"][mask], rows["rating"][mask]
        return {
            "found": [i for i, ok in zip(wanted, found, strict=True) if ok],
            "score_sum": int(scores.sum()),
            "rating_mean": float(ratings.mean()) if ratings.size else None,
        }

    @app.get("/health/live", include_in_schema=False)
    async def liveness() -> dict[str, str]:
        return {"status": "alive"}

    return app


async def _unavailable(request: Request, error: Exception) -> Response:
    return JSONResponse(
        {"code": "overloaded"},
        status.HTTP_503_SERVICE_UNAVAILABLE,
        {"Retry-After": RETRY_AFTER_SECONDS},
    )
