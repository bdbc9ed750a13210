"""Liveness and readiness routes for orchestrators and load balancers.

Liveness never touches the database: a slow cluster must not get healthy workers restarted.
Readiness pings every client of the app with a short timeout and answers 503 while the app is
starting, draining, or cannot reach a cluster, so traffic goes elsewhere meanwhile. A client
whose ``readiness`` setting is ``optional`` is reported but never makes it 503 (one optional
cluster down must not take every pod out of the load balancer); ``ignored`` leaves it out. (Uvicorn
stops accepting connections before the lifespan drains, so behind it a probe sees the drain
as refused connections instead.)
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from aerospike_py import AerospikeError
from fastapi_aerospike.lifespan import Lifecycle, Phase, lifecycles

__all__ = ["health_routes", "liveness", "readiness"]


async def liveness(request: Request) -> JSONResponse:
    """200 as long as the worker answers HTTP at all."""
    return JSONResponse({"status": "alive"})


async def readiness(request: Request) -> JSONResponse:
    """200 when every required client serves and its cluster answers a ping in time, else
    503."""
    every = lifecycles(request.scope.get("state", {}))
    if not every:
        return JSONResponse({"status": "starting", "clients": {}}, 503)
    found = [lifecycle for lifecycle in every if lifecycle.settings.readiness != "ignored"]
    checks = await asyncio.gather(*(_check(lifecycle) for lifecycle in found))
    clients = {lifecycle.name: check for lifecycle, check in zip(found, checks, strict=True)}
    ready = all(
        check == "ok"
        for lifecycle, check in zip(found, checks, strict=True)
        if lifecycle.settings.readiness == "required"
    )
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "clients": clients},
        200 if ready else 503,
    )


async def _check(lifecycle: Lifecycle) -> str:
    """``ok``, or a short public reason (the phase, ``timeout``, ``unreachable``)."""
    if lifecycle.phase is not Phase.SERVING:
        return lifecycle.phase.value
    try:
        # A ping takes no operation slot: a worker whose slots are all busy is still ready.
        answered = await asyncio.wait_for(
            lifecycle.client.ping(), lifecycle.settings.readiness_timeout
        )
    except TimeoutError:
        return "timeout"
    except AerospikeError:
        return "unreachable"
    return "ok" if answered else "unreachable"


def health_routes(prefix: str = "/health") -> list[Route]:
    """``{prefix}/live`` and ``{prefix}/ready``, for ``Starlette(routes=...)`` or ``install``."""
    return [
        Route(f"{prefix}/live", liveness, methods=["GET"], include_in_schema=False),
        Route(f"{prefix}/ready", readiness, methods=["GET"], include_in_schema=False),
    ]
