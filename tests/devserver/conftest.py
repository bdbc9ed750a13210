"""Conformance tests: the official C-based ``aerospike`` client drives the server under test."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import aerospike
import pytest

from tests.conftest import unique_name

NAMESPACE = "test"
_next_key = itertools.count()


def connect(hosts: list[tuple[str, int]]) -> Any:
    """A connected official client (no user: the server answers "security not enabled")."""
    config = {"hosts": hosts, "policies": {"total_timeout": 5000}}
    return aerospike.client(config).connect()


@pytest.fixture(scope="session")
def client(aerospike_hosts: list[tuple[str, int]]) -> Iterator[Any]:
    c = connect(aerospike_hosts)
    yield c
    c.close()


@pytest.fixture
def make_client() -> Iterator[Callable[[list[tuple[str, int]]], Any]]:
    """Connects extra clients (to a test's own dev server); closes them after the test."""
    made: list[Any] = []

    def make(hosts: list[tuple[str, int]]) -> Any:
        made.append(connect(hosts))
        return made[-1]

    yield make
    for c in made:
        c.close()


@pytest.fixture
def key(request: pytest.FixtureRequest) -> tuple[str, str, str]:
    """A key no other test uses, in a set named after the test module and the run."""
    return (
        NAMESPACE,
        unique_name(request.module.__name__.rpartition(".")[2]),
        f"k{next(_next_key)}",
    )
