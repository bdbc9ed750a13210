"""Aerospike for FastAPI and Starlette: lifespan, dependency, backpressure to HTTP 503."""

__all__: list[str] = []
