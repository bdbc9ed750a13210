"""Where the tests find an Aerospike server: ``AEROSPIKE_HOSTS=host:port[,host:port]`` when set
(a real cluster), otherwise an embedded dev server started once per session.

A real server keeps what a run wrote, so every name a test writes under carries ``RUN_TAG``: the
suite passes twice in a row, and in any order, on one server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from aerospike_py.devserver import DevServer

HOSTS_VARIABLE = "AEROSPIKE_HOSTS"
RUN_TAG = uuid.uuid4().hex[:8]


def unique_name(label: str) -> str:
    """``label`` made unique to this run (set, index and key names; sets hold up to 63 bytes)."""
    return f"{label[:50]}_{RUN_TAG}"


def _hosts_from_environment() -> list[tuple[str, int]] | None:
    text = os.environ.get(HOSTS_VARIABLE, "").strip()
    if not text:
        return None
    hosts = []
    for item in text.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise pytest.UsageError(f"{HOSTS_VARIABLE} entry {item!r} is not host:port")
        hosts.append((host, int(port)))
    return hosts


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if _hosts_from_environment() is None:
        return
    skip = pytest.mark.skip(reason=f"needs the embedded dev server; {HOSTS_VARIABLE} is set")
    for item in items:
        if item.get_closest_marker("devserver_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def aerospike_hosts() -> Iterator[list[tuple[str, int]]]:
    """The seed hosts of the server under test."""
    hosts = _hosts_from_environment()
    if hosts is not None:
        yield hosts
        return
    with DevServer() as server:
        yield server.hosts


@pytest.fixture(scope="session")
def real_server_hosts() -> list[tuple[str, int]]:
    """The seed hosts of a real server, for tests that compare it with the dev server."""
    hosts = _hosts_from_environment()
    if hosts is None:
        pytest.skip(f"needs a real server beside the dev server: {HOSTS_VARIABLE} (make test-real)")
    return hosts


@pytest.fixture
def devserver() -> Iterator[DevServer]:
    """A fresh embedded dev server of one's own, for tests of dev-server-only features."""
    if _hosts_from_environment() is not None:
        pytest.skip(f"needs the embedded dev server; {HOSTS_VARIABLE} is set")
    with DevServer() as server:
        yield server
