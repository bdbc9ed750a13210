"""The integration's own pytest plugin serves these tests: a dev server and settings for it."""

from fastapi_aerospike.testing import (
    aerospike_app,
    aerospike_devserver,
    aerospike_http_client,
    aerospike_settings,
)

__all__ = ["aerospike_app", "aerospike_devserver", "aerospike_http_client", "aerospike_settings"]
