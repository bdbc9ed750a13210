"""Record UDFs on both servers through the official client: return values of every type, the
record API (create, update, remove, exists, metadata), failures and their messages, the batch
rows of ``batch_apply``, and the udf-put/udf-list/udf-get/udf-remove info commands.

A failure message that starts with a Lua position names the module's path on the server, which
differs from server to server: it is compared from the module's file name on.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import aerospike
import pytest
from aerospike_helpers.batch import records as br

from tests.conftest import unique_name
from tests.differential.conftest import NAMESPACE

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MODULE = unique_name("dudf")

SOURCE = """\
function echo(rec, ...)
  return ...
end

function boom(rec)
  error("boom")
end

function boom_table(rec)
  error({code = 5})
end

function add(rec, a, b)
  return a + b
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

function create(rec)
  rec["c"] = 1
  return aerospike:create(rec)
end

function update(rec)
  rec["u"] = 1
  return aerospike:update(rec)
end

function remove(rec)
  return aerospike:remove(rec)
end

function clear_bins(rec)
  for _, name in ipairs({"a", "b", "c", "u"}) do rec[name] = nil end
  return aerospike:update(rec)
end

function meta(rec)
  return list{record.ttl(rec), record.gen(rec), record.setname(rec), record.key(rec)}
end

function digest(rec)
  return record.digest(rec)
end

function objects(rec)
  local l = list{1, "two", 3.5, false}
  list.append(l, list{9})
  local m = map{a = 1}
  m["l"] = l
  local b = bytes(4)
  b[2] = 65
  return list{l, m, b, #l, list.size(l), map.size(m), bytes.size(b), l[2]}
end

function ret_table(rec)
  return {1, 2}
end

function types(rec, ...)
  local out = list()
  for _, v in ipairs({...}) do list.append(out, type(v)) end
  return out
end

function arith(rec)
  return list{7 / 2, 8 / 2, 7 // 2, 2^10, math.floor(3.7), string.upper("x")}
end

function forever(rec)
  while true do end
end
"""


@pytest.fixture(scope="module", autouse=True)
def registered(real_client: Any, dev_client: Any) -> Iterator[None]:
    # With the udf-put command itself: a module the official client's udf_put registered is
    # listed by the real server but answers "function not found" (seen with 8.1.2.0).
    for client in (real_client, dev_client):
        client.info_random_node(f"udf-put:filename={MODULE}.lua;{content(SOURCE)};udf-type=LUA;")
    yield
    for client in (real_client, dev_client):
        client.udf_remove(f"{MODULE}.lua")


def normalized(value: Any) -> Any:
    """A failure string from the module's file name on (the path before it is the server's)."""
    if isinstance(value, str) and f"/{MODULE}.lua:" in value:
        return value[value.index(f"{MODULE}.lua:") :]
    return value


def apply(function: str, args: list[Any] | None = None, **kw: Any) -> Callable[[Any, str], Any]:
    def scenario(client: Any, set_name: str) -> Any:
        key = (NAMESPACE, set_name, "k")
        try:
            answer = client.apply(key, MODULE, function, args or [], **kw)
        except aerospike.exception.UDFError as error:
            answer = ("udf error", error.code, normalized(error.msg.split(" ", 1)[1]))
        _, meta, bins = client.get(key) if client.exists(key)[1] else (None, None, None)
        return answer, meta and meta["gen"], bins

    return scenario


def seeded(scenario: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    def run(client: Any, set_name: str) -> Any:
        client.put(
            (NAMESPACE, set_name, "k"),
            {"a": 1, "b": "x"},
            policy={"key": aerospike.POLICY_KEY_SEND},
        )
        return scenario(client, set_name)

    return run


CASES: dict[str, Callable[[Any, str], Any]] = {
    "echo_values": apply("echo", [1, "s", 2.5, [1, [2]], {"a": {"b": 1}}, bytearray(b"xy"), True]),
    "echo_nothing": apply("echo"),
    "types": apply("types", [1, "s", 2.5, [1], {"a": 1}, bytearray(b"x"), False]),
    "add": apply("add", [2, 3]),
    "add_floats": apply("add", [2.5, 3]),
    "add_string": apply("add", ["x", 3]),
    "add_nil": apply("add"),
    "boom": apply("boom"),
    "boom_table": apply("boom_table"),
    "no_function": apply("nosuch"),
    "objects": apply("objects"),
    "ret_table": apply("ret_table"),
    "arith": apply("arith"),
    "meta_missing": apply("meta"),
    "meta": seeded(apply("meta")),
    "digest": seeded(apply("digest")),
    "put_new": apply("put_bin", ["n", [1, {"k": "v"}]]),
    "put_existing": seeded(apply("put_bin", ["a", 2])),
    "put_nil_removes": seeded(apply("put_bin", ["a", None])),
    "no_update_missing": apply("no_update", ["a", 5]),
    "no_update_existing": seeded(apply("no_update", ["a", 5])),
    "create_missing": apply("create"),
    "create_existing": seeded(apply("create")),
    "update_missing": apply("update"),
    "update_existing": seeded(apply("update")),
    "remove_missing": apply("remove"),
    "remove_existing": seeded(apply("remove")),
    "clear_bins_deletes": seeded(apply("clear_bins")),
    "boom_after_seed": seeded(apply("boom")),
    "timeout": apply("forever", policy={"total_timeout": 0, "socket_timeout": 0}),
}


@pytest.mark.parametrize("case", CASES)
def test_apply(compare: Any, case: str) -> None:
    compare(CASES[case])


def test_missing_module(compare: Any) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        try:
            return client.apply((NAMESPACE, set_name, "k"), "nosuch_module", "f", [])
        except aerospike.exception.UDFError as error:
            return error.code, error.msg.split(" ", 1)[1]

    compare(scenario)


def rows(result: Any) -> Any:
    out = []
    for row in result.batch_records:
        record = None
        if row.record is not None:
            _, meta, bins = row.record
            bins = {name: normalized(value) for name, value in (bins or {}).items()}
            record = (meta and meta["gen"], bins)
        out.append((row.result, row.key[2], record))
    return result.result, out


def batch_apply(client: Any, set_name: str) -> Any:
    keys = [(NAMESPACE, set_name, i) for i in range(4)]
    client.put(keys[0], {"a": 1})
    batch = [
        br.Apply(keys[0], MODULE, "put_bin", ["a", 2]),
        br.Apply(keys[1], MODULE, "add", [1, 2]),
        br.Apply(keys[2], MODULE, "boom", []),
        br.Apply(keys[3], "nosuch_module", "f", []),
        br.Apply(keys[1], MODULE, "nosuch", []),
    ]
    result = client.batch_write(br.BatchRecords(batch))
    return rows(result), [client.exists(k)[1] and client.exists(k)[1]["gen"] for k in keys]


def batch_apply_one_function(client: Any, set_name: str) -> Any:
    keys = [(NAMESPACE, set_name, i) for i in range(3)]
    client.put(keys[1], {"a": 1})
    return rows(client.batch_apply(keys, MODULE, "put_bin", ["z", 1]))


@pytest.mark.parametrize("scenario", [batch_apply, batch_apply_one_function])
def test_batch_apply(compare: Any, scenario: Callable[[Any, str], Any]) -> None:
    compare(scenario)


def info(client: Any, command: str) -> str:
    try:
        answer = client.info_random_node(command)
    except aerospike.exception.AerospikeError as error:
        return f"error {error.code} {error.msg.split(' from ', 1)[0]}"
    return str(answer)


def content(text: str) -> str:
    encoded = base64.b64encode(text.encode()).decode()
    return f"content={encoded};content-len={len(encoded)}"


INFO_CASES = {
    "put_get_list_remove": [
        f"udf-put:filename={MODULE}_i.lua;{content('function f(rec) return 1 end')};udf-type=LUA;",
        f"udf-get:filename={MODULE}_i.lua;",
        f"udf-remove:filename={MODULE}_i.lua;",
        f"udf-get:filename={MODULE}_i.lua;",
        f"udf-remove:filename={MODULE}_i.lua;",
    ],
    "refused_puts": [
        f"udf-put:filename={MODULE}_b.lua;{content('function f(rec) return 1')};udf-type=LUA;",
        f"udf-put:filename={MODULE}_b;{content('x = 1')};udf-type=LUA;",
        f"udf-put:filename={MODULE}_b.lua;{content('x = 1')};udf-type=PY;",
        f"udf-put:filename={MODULE}_b.lua;content=eA==;content-len=3;udf-type=LUA;",
        f"udf-put:filename={MODULE}_b.lua;content=;content-len=0;udf-type=LUA;",
        "udf-get",
        "udf-remove",
    ],
}


@pytest.mark.parametrize("case", INFO_CASES)
def test_udf_info_commands(compare: Any, case: str) -> None:
    compare(lambda client, _: [info(client, command) for command in INFO_CASES[case]])


def test_udf_list_names_the_module_with_the_servers_hash(compare: Any) -> None:
    def scenario(client: Any, _: str) -> Any:
        listed = info(client, "udf-list").strip().split("\t")[-1].split(";")
        return [entry for entry in listed if f"filename={MODULE}.lua," in entry]

    compare(scenario)
