"""Aerospike for FastAPI and Starlette: lifespan, dependency, backpressure to HTTP 503.

Everything but the FastAPI dependencies works with Starlette alone; ``get_client``,
``client_dependency`` and ``AerospikeClient`` import FastAPI when first used, and
``AerospikeMetrics`` imports prometheus-client (the ``[metrics]`` extra) when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fastapi_aerospike.errors import AerospikeErrorHandler
from fastapi_aerospike.extras import MissingExtraError
from fastapi_aerospike.health import health_routes
from fastapi_aerospike.install import install
from fastapi_aerospike.lifespan import (
    AerospikeLifespan,
    AerospikeNotConfiguredError,
    AerospikeStartupError,
    AerospikeUnavailableError,
    ServerOverloadedError,
    client_for,
)
from fastapi_aerospike.middleware import AerospikeErrorMiddleware
from fastapi_aerospike.settings import AerospikeSettings, AerospikeSettingsError

if TYPE_CHECKING:
    from fastapi_aerospike.dependencies import (
        AerospikeClient,
        client_dependency,
        get_client,
    )
    from fastapi_aerospike.metrics import AerospikeMetrics

__all__ = [
    "AerospikeClient",
    "AerospikeErrorHandler",
    "AerospikeErrorMiddleware",
    "AerospikeLifespan",
    "AerospikeMetrics",
    "AerospikeNotConfiguredError",
    "AerospikeSettings",
    "AerospikeSettingsError",
    "AerospikeStartupError",
    "AerospikeUnavailableError",
    "MissingExtraError",
    "ServerOverloadedError",
    "client_dependency",
    "client_for",
    "get_client",
    "health_routes",
    "install",
]

_IMPORTED_WHEN_USED = {
    "AerospikeClient": "dependencies",
    "client_dependency": "dependencies",
    "get_client": "dependencies",
    "AerospikeMetrics": "metrics",
}


def __getattr__(name: str) -> Any:
    if name in _IMPORTED_WHEN_USED:
        module = importlib.import_module(f"fastapi_aerospike.{_IMPORTED_WHEN_USED[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'fastapi_aerospike' has no attribute {name!r}")
