"""Clients of the server under test (see tests/conftest.py), and a unique set per test."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import aerospike_py
from tests.client.stall import StallingRelay, ThreadedRelay

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
    with aerospike_py.Client(config).connect() as connected:
        yield connected


@pytest.fixture
async def async_client(config: dict[str, Any]) -> AsyncIterator[aerospike_py.AsyncClient]:
    async with await aerospike_py.AsyncClient(config).connect() as connected:
        yield connected


@pytest.fixture
def threaded_relay(aerospike_hosts: list[tuple[str, int]]) -> Iterator[ThreadedRelay]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    relay = StallingRelay(aerospike_hosts[0])
    asyncio.run_coroutine_threadsafe(relay.__aenter__(), loop).result(timeout=10)
    try:
        yield ThreadedRelay(relay, loop)
    finally:
        asyncio.run_coroutine_threadsafe(relay.__aexit__(None, None, None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
