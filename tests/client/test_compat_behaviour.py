"""Code written for aerospike-py 0.14.4 behaves the same here, against the server under test.

Expected values were recorded by running the same calls with aerospike-py 0.14.4 against a real
Aerospike server (the two packages share the import name, so they cannot run in one process).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import aerospike_py
from aerospike_py import bit_operations as bits
from aerospike_py import exp
from aerospike_py import hll_operations as hll
from aerospike_py import list_operations as lists
from aerospike_py import map_operations as maps
from tests.client.conftest import NAMESPACE

NEVER_EXPIRES = 0xFFFFFFFF


@pytest.fixture
def real_client(real_server_hosts: list[tuple[str, int]]) -> Iterator[aerospike_py.Client]:
    """Bit and HLL operations need a real server: the dev server does not have them."""
    with aerospike_py.Client({"hosts": real_server_hosts}).connect() as connected:
        yield connected


def test_builders_return_the_dicts_of_0_14_4() -> None:
    assert lists.list_append("l", None) == {"op": 1001, "bin": "l", "val": None}
    assert lists.list_get_by_value_range("l", 1, 5, aerospike_py.LIST_RETURN_COUNT) == {
        "op": 1021, "bin": "l", "val": 1, "val_end": 5, "return_type": 5,
    }  # fmt: skip
    assert lists.list_append("l", 1, {"order": 1}) == {
        "op": 1001, "bin": "l", "val": 1, "list_policy": {"order": 1},
    }  # fmt: skip
    assert maps.map_put("m", "k", 2) == {"op": 2002, "bin": "m", "map_key": "k", "val": 2}
    assert maps.map_get_by_rank_range("m", 0, 7) == {
        "op": 2025, "bin": "m", "rank": 0, "return_type": 7,
    }  # fmt: skip
    assert bits.bit_resize("b", 4) == {"op": 4001, "bin": "b", "byte_size": 4}
    assert bits.bit_add("b", 0, 8, 1, False, 4, 1) == {
        "op": 4011, "bin": "b", "bit_offset": 0, "bit_size": 8, "val": 1, "signed": False,
        "action": 4, "bit_policy": 1,
    }  # fmt: skip
    assert hll.hll_add("h", ["a"], 10) == {
        "op": 3002, "bin": "h", "val": ["a"], "index_bit_count": 10,
    }  # fmt: skip
    assert exp.and_(exp.ge(exp.int_bin("a"), exp.int_val(1)), exp.bin_exists("b")) == {
        "__expr__": "and",
        "exprs": [
            {"__expr__": "ge", "left": {"__expr__": "int_bin", "name": "a"},
             "right": {"__expr__": "int_val", "val": 1}},
            {"__expr__": "bin_exists", "name": "b"},
        ],
    }  # fmt: skip


def test_hand_written_operation_and_expression_dicts_work(
    client: aerospike_py.Client, set_name: str
) -> None:
    """As users of the official client write them, with integer codes and plain dicts."""
    key = (NAMESPACE, set_name, "hand")
    client.put(key, {"n": 1, "l": [3, 1, 2], "m": {"a": 1}})
    record = client.operate(
        key,
        [
            {"op": aerospike_py.OPERATOR_INCR, "bin": "n", "val": 2},
            {"op": aerospike_py.OPERATOR_READ, "bin": "n"},
            {"op": 1001, "bin": "l", "val": 9},
            {"op": 2018, "bin": "m", "map_key": "a", "return_type": aerospike_py.MAP_RETURN_VALUE},
        ],
    )
    assert record.bins == {"n": 3, "l": 4, "m": 1}
    passing = {"__expr__": "eq", "left": {"__expr__": "int_bin", "name": "n"},
               "right": {"__expr__": "int_val", "val": 3}}  # fmt: skip
    assert client.get(key, policy={"filter_expression": passing}).bins["n"] == 3


def test_bit_operations_give_what_0_14_4_gives(
    real_client: aerospike_py.Client, set_name: str
) -> None:
    key = (NAMESPACE, set_name, "bits")
    real_client.put(key, {"bb": bytes([1, 2, 3, 4, 5])})
    record = real_client.operate(
        key,
        [
            bits.bit_set("bb", 0, 8, bytes([0xFF])),
            bits.bit_get("bb", 0, 16),
            bits.bit_count("bb", 0, 40),
            bits.bit_get_int("bb", 8, 8),
            bits.bit_lscan("bb", 0, 40, True),
        ],
    )
    assert record.bins == {"bb": [b"\xff\x02", 14, 2, 0]}
    ordered = real_client.operate_ordered(
        key,
        [
            bits.bit_resize("bb", 8),
            bits.bit_add("bb", 0, 8, 1, False, aerospike_py.BIT_OVERFLOW_WRAP),
            bits.bit_get("bb", 0, 64),
            bits.bit_rscan("bb", 0, 64, True),
        ],
    )
    assert ordered.ordered_bins == [("bb", [b"\x00\x02\x03\x04\x05\x00\x00\x00", 39])]
    record = real_client.operate(
        key,
        [
            bits.bit_insert("bb", 0, bytes([9])),
            bits.bit_remove("bb", 1, 1),
            bits.bit_or("bb", 0, 8, bytes([0xF0])),
            bits.bit_xor("bb", 0, 8, bytes([1])),
            bits.bit_and("bb", 0, 8, bytes([0x7F])),
            bits.bit_not("bb", 8, 8),
            bits.bit_lshift("bb", 16, 8, 1),
            bits.bit_rshift("bb", 24, 8, 1),
            bits.bit_subtract("bb", 32, 8, 1, False, aerospike_py.BIT_OVERFLOW_WRAP),
            bits.bit_set_int("bb", 40, 8, 77),
            bits.bit_get("bb", 0, 64),
        ],
    )
    assert record.bins == {"bb": b"x\xfd\x06\x02\x04M\x00\x00"}


def test_hll_operations_give_what_0_14_4_gives(
    real_client: aerospike_py.Client, set_name: str
) -> None:
    key, other = (NAMESPACE, set_name, "hll"), (NAMESPACE, set_name, "hll2")
    record = real_client.operate(
        key,
        [
            hll.hll_init("h", 10),
            hll.hll_add("h", ["a", "b", "c"]),
            hll.hll_get_count("h"),
            hll.hll_describe("h"),
        ],
    )
    assert record.bins == {"h": [3, 3, [10, 0]]}
    assert real_client.operate(other, [hll.hll_add("h", ["c", "d"], 10)]).bins == {"h": 2}
    theirs = real_client.get(other).bins["h"]
    assert isinstance(theirs, bytes)
    record = real_client.operate(
        key,
        [
            hll.hll_get_union("h", [theirs]),
            hll.hll_get_union_count("h", [theirs]),
            hll.hll_get_intersect_count("h", [theirs]),
            hll.hll_get_similarity("h", [theirs]),
        ],
    )
    union, union_count, intersect_count, similarity = record.bins["h"]
    assert isinstance(union, bytes)
    assert len(union) == len(theirs)
    assert (union_count, intersect_count, similarity) == (4, 1, 0.25)
    record = real_client.operate(
        key,
        [
            hll.hll_set_union("h", [theirs]),
            hll.hll_get_count("h"),
            hll.hll_fold("h", 8),
            hll.hll_describe("h"),
        ],
    )
    assert record.bins == {"h": [4, [8, 0]]}
    create_only = {"flags": aerospike_py.HLL_WRITE_CREATE_ONLY}
    with pytest.raises(aerospike_py.BinExistsError):
        real_client.operate(key, [hll.hll_init("h", 10, policy=create_only)])


def test_a_record_that_never_expires_reports_the_servers_ttl(
    client: aerospike_py.Client, set_name: str
) -> None:
    key = (NAMESPACE, set_name, "forever")
    client.put(key, {"a": 1}, meta={"ttl": aerospike_py.TTL_NEVER_EXPIRE})
    assert client.get(key).meta.ttl == NEVER_EXPIRES
    assert client.batch_read([key]).batch_records[0].record.meta.ttl == NEVER_EXPIRES  # type: ignore[union-attr]


def test_with_returns_the_client_unconnected_and_closes_it(config: dict[str, Any]) -> None:
    client = aerospike_py.Client(config)
    assert client.ping() is False
    with client as entered:
        assert entered is client
        assert not client.is_connected()
        client.connect()
        assert client.ping() is True
        with pytest.raises(aerospike_py.ClientError, match="already connected"):
            client.connect()
    assert not client.is_connected()
    assert client.ping() is False
    assert client.connect() is client  # a closed client connects again
    client.close()


async def test_async_with_and_a_connect_that_is_a_coroutine(config: dict[str, Any]) -> None:
    client = aerospike_py.async_client(config)
    assert await client.ping() is False
    async with client as entered:
        assert entered is client
        assert not client.is_connected()
        assert await asyncio.create_task(client.connect()) is client
        assert await client.ping() is True
        with pytest.raises(aerospike_py.ClientError, match="already connected"):
            await client.connect()
    assert not client.is_connected()
    assert await client.ping() is False


def test_wrong_arguments_are_type_and_value_errors(client: aerospike_py.Client) -> None:
    with pytest.raises(TypeError, match=r"1\.5"):
        client.get(("test", "demo", 1.5))
    with pytest.raises(ValueError, match="ttl"):
        client.put(("test", "demo", 1), {"b": 1}, meta={"ttl": -9})
    assert issubclass(aerospike_py.InvalidArgError, aerospike_py.ClientError)


def test_the_exception_module_and_its_deprecated_aliases() -> None:
    from aerospike_py import exception

    assert exception.RecordNotFound is aerospike_py.RecordNotFound
    assert aerospike_py.TimeoutError is aerospike_py.AerospikeTimeoutError
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert exception.IndexError is aerospike_py.AerospikeIndexError  # type: ignore[attr-defined]
    assert caught[0].category is DeprecationWarning


def test_importing_beside_aerospike_py_names_the_fix(tmp_path: Path) -> None:
    """A fake aerospike-py dist-info that claims aerospike_py, on a path entry of its own."""
    dist = tmp_path / "aerospike_py-0.14.4.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: aerospike-py\nVersion: 0.14.4\n")
    (dist / "RECORD").write_text("aerospike_py/__init__.py,,\naerospike_py/_aerospike.so,,\n")
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import aerospike_py"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: aerospike-py 0.14.4 is installed too")
    assert "pip uninstall aerospike-py" in last
    alone = subprocess.run([sys.executable, "-c", "import aerospike_py"], capture_output=True)
    assert alone.returncode == 0
