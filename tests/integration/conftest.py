"""The integration's own pytest plugin serves these tests: a dev server and settings for it."""

from fastapi_aerospike.testing import aerospike_devserver, aerospike_settings

__all__ = ["aerospike_devserver", "aerospike_settings"]
