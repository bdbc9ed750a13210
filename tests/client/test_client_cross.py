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


USER_KEYS = [7, -(2**63), "seven", "naïve", b"seven", bytearray(b"seven"), b"", b"\xff\xfe"]


@pytest.mark.parametrize("user_key", USER_KEYS, ids=repr)
def test_both_clients_address_the_same_record(
    client: aerospike_py.Client, official: Any, set_name: str, user_key: Any
) -> None:
    """Each client finds what the other wrote under every key type: the digests agree."""
    by_ours, by_official = (NS, set_name, user_key), (NS, f"{set_name}o", user_key)
    client.put(by_ours, {"v": 1})
    official.put(by_official, {"v": 2})
    assert official.get(by_ours)[2] == {"v": 1}
    assert client.get(by_official).bins == {"v": 2}
    assert official.exists(by_ours)[0][3] == client.exists(by_ours).key.digest  # type: ignore[union-attr]
