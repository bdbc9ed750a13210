"""Aerospike for FastAPI and Starlette: lifespan, dependency, backpressure to HTTP 503."""

from fastapi_aerospike.settings import AerospikeSettings, AerospikeSettingsError

__all__ = ["AerospikeSettings", "AerospikeSettingsError"]
