"""The ``pytest11`` entry point: pytest loads it wherever the package is installed.

It adds the ``--aerospike-hosts`` option and loads the fixtures of
``fastapi_aerospike.testing`` when the ``[testing]`` extra is installed. Without the extra it
loads nothing, so a project that only runs its own tests with pytest is not broken by it; the
fixtures then say which extra is missing when ``pytest_plugins`` names them.
"""

from __future__ import annotations

import importlib.util

import pytest

__all__ = ["HOSTS_OPTION", "TESTING_MODULES", "pytest_addoption", "pytest_configure"]

HOSTS_OPTION = "--aerospike-hosts"
TESTING_MODULES = ("httpx", "pytest_asyncio", "asgi_lifespan")
"""What the fixtures import, all brought by the [testing] extra."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("fastapi-aerospike").addoption(
        HOSTS_OPTION,
        dest="aerospike_hosts",
        default=None,
        metavar="HOST:PORT[,HOST:PORT]",
        help="run the fastapi_aerospike fixtures against this real cluster instead of an "
        "embedded dev server; its namespace is truncated before each test and after the "
        "session (the variable AEROSPIKE_TEST_HOSTS does the same)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if all(importlib.util.find_spec(module) is not None for module in TESTING_MODULES):
        config.pluginmanager.import_plugin("fastapi_aerospike.testing")
