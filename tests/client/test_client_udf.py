"""UDFs on the server under test: registering and removing a Lua module, ``apply`` and
``batch_apply`` with the record API UDF authors use, and what a failing UDF raises.

Each test registers a module of its own (removed afterwards) and writes to a set of its own.
Failures are what aerospike-py 0.14.4 raises: ``ClientError`` whose message is
``UDF Bad Response: <the server's FAILURE string>``; a failure string starting with a Lua
position names the module's path on the server, which differs from server to server.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

import aerospike_py
from tests.client.conftest import NAMESPACE
from tests.conftest import unique_name

MODULE_SOURCE = """\
function echo(rec, ...)
  return ...
end

function add(rec, a, b)
  return a + b
end

function boom(rec)
  error("boom")
end

function put_bin(rec, name, value)
  rec[name] = value
  if aerospike:exists(rec) then
    return aerospike:update(rec)
  end
  return aerospike:create(rec)
end

function no_update(rec, name, value)
  rec[name] = value
  return rec[name]
end

function get_bin(rec, name)
  return rec[name]
end

function incr(rec, name, by)
  rec[name] = (rec[name] or 0) + by
  aerospike:update(rec)
  return rec[name]
end

function meta(rec)
  return list{record.gen(rec), record.setname(rec), record.key(rec)}
end

function digest_size(rec)
  return bytes.size(record.digest(rec))
end

function remove(rec)
  return aerospike:remove(rec)
end

function exists(rec)
  return aerospike:exists(rec)
end

function collections(rec)
  local l = list{1, "two", 3.5}
  list.append(l, true)
  local m = map{a = 1}
  m["b"] = l
  local b = bytes(2)
  b[1] = 104
  b[2] = 105
  return map{size = list.size(l), last = l[4], m = m, b = b}
end

function forever(rec)
  local i = 0
  while true do i = i + 1 end
end
"""


def new_module(directory: Path) -> Path:
    name = unique_name("udf_" + uuid.uuid4().hex[:8])
    path = directory / f"{name}.lua"
    path.write_text(MODULE_SOURCE)
    return path


@pytest.fixture
def module(client: aerospike_py.Client, tmp_path: Path) -> Iterator[str]:
    """A registered module of this test's own; its name."""
    path = new_module(tmp_path)
    client.udf_put(str(path))
    yield path.stem
    client.udf_remove(path.stem)


@pytest.fixture
async def async_module(
    async_client: aerospike_py.AsyncClient, tmp_path: Path
) -> AsyncIterator[str]:
    path = new_module(tmp_path)
    await async_client.udf_put(str(path))
    yield path.stem
    await async_client.udf_remove(path.stem)


def key_of(set_name: str, user_key: Any = "k") -> tuple[str, str, Any]:
    return (NAMESPACE, set_name, user_key)


@pytest.mark.parametrize(
    "args",
    [
        [7],
        ["text"],
        [2.5],
        [True],
        [[1, "a", [2]]],
        [{"a": 1, "b": [1, 2]}],
        [b"\x00\xff"],
    ],
)
def test_apply_passes_arguments_and_returns_the_value(
    client: aerospike_py.Client, module: str, set_name: str, args: list[Any]
) -> None:
    assert client.apply(key_of(set_name), module, "echo", args) == args[0]


def test_apply_without_arguments_and_without_a_result(
    client: aerospike_py.Client, module: str, set_name: str
) -> None:
    assert client.apply(key_of(set_name), module, "echo") is None
    assert client.apply(key_of(set_name), module, "echo", []) is None
    assert client.apply(key_of(set_name), module, "add", [2, 3]) == 5


def test_the_lua_objects_come_back_as_python_values(
    client: aerospike_py.Client, module: str, set_name: str
) -> None:
    answer = client.apply(key_of(set_name), module, "collections")
    assert answer == {
        "size": 4,
        "last": True,
        "m": {"a": 1, "b": [1, "two", 3.5, True]},
        "b": b"hi",
    }


def test_a_udf_creates_and_updates_its_record(
    client: aerospike_py.Client, module: str, set_name: str
) -> None:
    key = key_of(set_name)
    assert client.apply(key, module, "exists") is False
    assert client.apply(key, module, "put_bin", ["a", 1]) == 0
    assert client.apply(key, module, "put_bin", ["b", [1, 2]]) == 0
    _, meta, bins = client.get(key)
    assert bins == {"a": 1, "b": [1, 2]}
    assert meta.gen == 2
    assert client.apply(key, module, "incr", ["a", 10]) == 11
    assert client.apply(key, module, "get_bin", ["a"]) == 11
    assert client.apply(key, module, "exists") is True


def test_assignments_without_update_are_dropped(
    client: aerospike_py.Client, module: str, set_name: str
) -> None:
    key = key_of(set_name)
    client.put(key, {"a": 1})
    assert client.apply(key, module, "no_update", ["a", 2]) == 2
    assert client.get(key).bins == {"a": 1}
    assert client.get(key).meta.gen == 1


def test_record_metadata_and_digest(
    client: aerospike_py.Client, module: str, set_name: str
) -> None:
    key = key_of(set_name, "user-1")
    assert client.apply(key, module, "meta") == [0]
    client.put(key, {"a": 1}, policy={"key": aerospike_py.POLICY_KEY_SEND})
    client.put(key, {"a": 2})
    assert client.apply(key, module, "meta") == [2, set_name, "user-1"]
    assert client.apply(key, module, "digest_size") == 20


def test_a_udf_removes_its_record(client: aerospike_py.Client, module: str, set_name: str) -> None:
    key = key_of(set_name)
    assert client.apply(key, module, "remove") == 1
    client.put(key, {"a": 1})
    assert client.apply(key, module, "remove") == 0
    assert client.exists(key).meta is None


@pytest.mark.parametrize(
    ("function", "module_name", "ending"),
    [
        ("boom", None, ".lua:10: boom"),
        ("add", None, ".lua:6: attempt to perform arithmetic on a nil value (local 'a')"),
        ("nosuch", None, "function not found"),
        ("echo", "nosuch_module", "UDF: Execution Error 1"),
    ],
)
def test_a_failing_udf_raises_the_servers_failure(
    client: aerospike_py.Client,
    module: str,
    set_name: str,
    function: str,
    module_name: str | None,
    ending: str,
) -> None:
    key = key_of(set_name)
    client.put(key, {"a": 1})
    with pytest.raises(aerospike_py.ClientError) as raised:
        client.apply(key, module_name or module, function)
    message = str(raised.value)
    assert message.startswith("UDF Bad Response: ")
    assert message.endswith(ending)
    assert client.get(key).meta.gen == 1


def test_a_udf_that_never_ends_is_stopped_by_the_server(
    client: aerospike_py.Client, module: str, set_name: str
) -> None:
    # Without a client timeout the server's own limit (1 s) ends it.
    policy = {"total_timeout": 0, "socket_timeout": 0}
    with pytest.raises(aerospike_py.ClientError, match="UDF Execution Timeout"):
        client.apply(key_of(set_name), module, "forever", policy=policy)


def test_batch_apply_with_per_record_overrides_and_errors(
    client: aerospike_py.Client, module: str, set_name: str
) -> None:
    keys = [key_of(set_name, i) for i in range(4)]
    result = client.batch_apply(
        [
            keys[0],
            (keys[1], {"args": [5, 5]}),
            (keys[2], {"function": "boom"}),
            (keys[3], {"module": "nosuch_module"}),
        ],
        module,
        "add",
        [1, 1],
    )
    assert isinstance(result, aerospike_py.BatchWriteResult)
    rows = result.batch_records
    assert [row.key.user_key for row in rows if row.key] == [0, 1, 2, 3]
    assert [row.result for row in rows] == [0, 0, 100, 100]
    bins = [row.record.bins if row.record else None for row in rows]
    assert bins[:2] == [{"SUCCESS": 2}, {"SUCCESS": 10}]
    assert bins[2] is not None
    assert bins[2]["FAILURE"].endswith(".lua:10: boom")
    assert bins[3] == {"FAILURE": "UDF: Execution Error 1"}


def test_batch_apply_writes_records(
    client: aerospike_py.Client, module: str, set_name: str
) -> None:
    keys = [key_of(set_name, i) for i in range(3)]
    result = client.batch_apply(keys, module, "put_bin", ["n", 7])
    assert [row.result for row in result.batch_records] == [0, 0, 0]
    assert [client.get(k).bins for k in keys] == [{"n": 7}] * 3
    assert client.batch_apply([], module, "add").batch_records == []


def test_a_removed_module_is_gone(
    client: aerospike_py.Client, tmp_path: Path, set_name: str
) -> None:
    path = new_module(tmp_path)
    client.udf_put(str(path))
    assert client.apply(key_of(set_name), path.stem, "add", [1, 2]) == 3
    client.udf_remove(path.stem)
    with pytest.raises(aerospike_py.ClientError, match="UDF: Execution Error 1"):
        client.apply(key_of(set_name), path.stem, "add", [1, 2])
    client.udf_remove(path.stem)
    client.udf_remove(f"{path.stem}.lua")


def test_a_module_that_does_not_compile_is_refused(
    client: aerospike_py.Client, tmp_path: Path
) -> None:
    path = tmp_path / f"{unique_name('udf_bad')}.lua"
    path.write_text("function f(rec) return 1\n")
    with pytest.raises(aerospike_py.ServerError, match="compile_error"):
        client.udf_put(str(path))


def test_bad_arguments_raise_before_anything_is_sent(
    client: aerospike_py.Client, module: str, set_name: str, tmp_path: Path
) -> None:
    key = key_of(set_name)
    with pytest.raises(aerospike_py.ClientError, match=r"nosuch\.lua"):
        client.udf_put(str(tmp_path / "nosuch.lua"))
    with pytest.raises(aerospike_py.InvalidArgError, match="udf_type=1"):
        client.udf_put(str(tmp_path / "nosuch.lua"), 1)
    with pytest.raises(aerospike_py.InvalidArgError, match=r"\(1, 2\)"):
        client.apply(key, module, "add", (1, 2))  # type: ignore[arg-type]
    with pytest.raises(aerospike_py.InvalidArgError, match="apply module"):
        client.apply(key, 5, "add")  # type: ignore[arg-type]
    with pytest.raises(aerospike_py.InvalidArgError, match='"bogus"'):
        client.batch_apply([(key, {"bogus": 1})], module, "add")  # type: ignore[typeddict-unknown-key]
    with pytest.raises(aerospike_py.InvalidArgError, match="meta 'args' must be a list"):
        client.batch_apply([(key, {"args": 5})], module, "add")  # type: ignore[typeddict-item]


async def test_async_apply_and_batch_apply(
    async_client: aerospike_py.AsyncClient, async_module: str, set_name: str
) -> None:
    key = key_of(set_name)
    assert await async_client.apply(key, async_module, "put_bin", ["a", 3]) == 0
    assert await async_client.apply(key, async_module, "get_bin", ["a"]) == 3
    result = await async_client.batch_apply(
        [key, (key_of(set_name, "other"), {"function": "add", "args": [2, 2]})],
        async_module,
        "get_bin",
        ["a"],
    )
    assert [row.record.bins if row.record else None for row in result.batch_records] == [
        {"SUCCESS": 3},
        {"SUCCESS": 4},
    ]
    with pytest.raises(aerospike_py.ClientError, match=r"boom$"):
        await async_client.apply(key, async_module, "boom")
