"""Clients of the server under test (see tests/conftest.py), and a unique set per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import aerospike_py

NAMESPACE = "test"


@pytest.fixture
def set_name() -> str:
    """A set no other test writes to."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def config(aerospike_hosts: list[tuple[str, int]]) -> dict[str, Any]:
    return {"hosts": aerospike_hosts, "timeout": 5000}


@pytest.fixture
def client(config: dict[str, Any]) -> Iterator[aerospike_py.Client]:
    with aerospike_py.Client(config) as connected:
        yield connected


@pytest.fixture
async def async_client(config: dict[str, Any]) -> AsyncIterator[aerospike_py.AsyncClient]:
    async with aerospike_py.AsyncClient(config) as connected:
        yield connected
