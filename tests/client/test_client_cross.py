"""What the official C-based client writes, ours reads back identically, and the reverse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aerospike
import pytest

import aerospike_py

NS = "test"

VALUES: dict[str, Any] = {
    "int": -(2**62),
    "float": 3.25,
    "str": "naïve ✓",
    "bytes": b"\x00\x01\xfe\xff",
    "bool": True,
    "list": [1, "a", 2.5, b"b", [None, False]],
    "map": {"a": 1, "b": {"c": [1, 2]}, 3: "int key"},
    "nested": [{"k": [{"deep": 1.5}]}, {"x": {"y": {"z": "w"}}}],
}


@pytest.fixture
def official(aerospike_hosts: list[tuple[str, int]]) -> Iterator[Any]:
    official_client = aerospike.client({"hosts": aerospike_hosts}).connect()
    yield official_client
    official_client.close()


@pytest.mark.parametrize("name", sorted(VALUES))
def test_official_writes_ours_reads(
    client: aerospike_py.Client, official: Any, set_name: str, name: str
) -> None:
    key = (NS, set_name, f"from-official-{name}")
    official.put(key, {"v": VALUES[name]})
    assert client.get(key).bins == {"v": VALUES[name]}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_ours_writes_official_reads(
    client: aerospike_py.Client, official: Any, set_name: str, name: str
) -> None:
    key = (NS, set_name, f"from-ours-{name}")
    client.put(key, {"v": VALUES[name]})
    _, meta, bins = official.get(key)
    assert bins == {"v": VALUES[name]}
    assert meta["gen"] == 1


@pytest.mark.parametrize("user_key", [7, "seven", b"seven"])
def test_both_clients_address_the_same_record(
    client: aerospike_py.Client, official: Any, set_name: str, user_key: Any
) -> None:
    key = (NS, set_name, user_key)
    client.put(key, {"v": 1})
    # The official client hashes a bytes key as a Python object; a bytearray is its blob key.
    blob_key = (NS, set_name, bytearray(user_key) if isinstance(user_key, bytes) else user_key)
    _, _, bins = official.get(blob_key)
    assert bins == {"v": 1}
    official_key, _ = official.exists(blob_key)
    assert official_key[3] == client.get(key).key.digest  # type: ignore[union-attr]
