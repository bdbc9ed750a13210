"""The integration's own pytest plugin serves these tests: a dev server, settings for it, a
clean namespace per test. This suite opts in to a real server through ``AEROSPIKE_HOSTS``
(``make test-real``), as ``--aerospike-hosts`` would."""

from __future__ import annotations

import pytest

from fastapi_aerospike.testing import (
    aerospike_app,
    aerospike_client,
    aerospike_devserver,
    aerospike_http_client,
    aerospike_server_hosts,
    aerospike_settings,
)
from tests.conftest import _hosts_from_environment

__all__ = [
    "aerospike_app",
    "aerospike_client",
    "aerospike_cluster_hosts",
    "aerospike_devserver",
    "aerospike_http_client",
    "aerospike_server_hosts",
    "aerospike_settings",
]


@pytest.fixture(scope="session")
def aerospike_cluster_hosts() -> list[tuple[str, int]] | None:
    """The real server of ``make test-real``, else the plugin's dev server."""
    return _hosts_from_environment()
