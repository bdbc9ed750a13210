"""Single-record commands on both servers: exists and generation policies, TTLs, generation
counting, stored keys, operate, bin types and names, and the errors of each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aerospike
import pytest
from aerospike_helpers.operations import list_operations as lo
from aerospike_helpers.operations import map_operations as mo
from aerospike_helpers.operations import operations as op

from tests.differential.conftest import NAMESPACE, outcome

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NEVER = 0xFFFFFFFF


def key(set_name: str, user_key: Any = "k") -> tuple[str, str, Any]:
    return (NAMESPACE, set_name, user_key)


def ttl_of(ttl: int) -> Any:
    """A TTL both servers agree on: remaining seconds may differ by one between them."""
    return "never" if ttl == NEVER else round(ttl / 10)


def meta_of(meta: dict[str, int] | None) -> Any:
    return None if meta is None else (meta["gen"], ttl_of(meta["ttl"]))


def state(client: Any, k: tuple[str, str, Any]) -> Any:
    """The record as a read sees it afterwards: (user key, generation, TTL, bins) or the error."""

    def read(client: Any, _: str) -> Any:
        (_, _, user_key, digest), meta, bins = client.get(k)
        return user_key, bytes(digest), meta_of(meta), bins

    return outcome(read, client, "")


def step(action: Callable[[], Any]) -> Any:
    """What one command answered: its normalised result, or its error."""
    try:
        result = action()
    except aerospike.exception.AerospikeError as error:
        return ("error", type(error).__name__, error.code)
    if isinstance(result, tuple) and len(result) == 3 and isinstance(result[1], dict):
        return meta_of(result[1]), result[2]
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict | None):
        return meta_of(result[1])
    return result


EXISTS = {
    "ignore": aerospike.POLICY_EXISTS_IGNORE,
    "create": aerospike.POLICY_EXISTS_CREATE,
    "update": aerospike.POLICY_EXISTS_UPDATE,
    "replace": aerospike.POLICY_EXISTS_REPLACE,
    "create_or_replace": aerospike.POLICY_EXISTS_CREATE_OR_REPLACE,
}

WRITES: dict[str, Callable[[Any, tuple[str, str, Any], dict[str, Any]], Any]] = {
    "put": lambda c, k, p: c.put(k, {"b": 2, "s": "new"}, policy=p),
    "put_null_bin": lambda c, k, p: c.put(k, {"a": None, "b": 2}, policy=p),
    "operate_write": lambda c, k, p: c.operate(k, [op.write("b", 2)], policy=p),
    "operate_increment": lambda c, k, p: c.operate(k, [op.increment("a", 5)], policy=p),
    "operate_append": lambda c, k, p: c.operate(k, [op.append("s", "z")], policy=p),
    "operate_touch": lambda c, k, p: c.operate(k, [op.touch(100)], policy=p),
    "operate_write_read": lambda c, k, p: c.operate(k, [op.write("b", 2), op.read("b")], policy=p),
    "operate_list_append": lambda c, k, p: c.operate(k, [lo.list_append("l", 9)], policy=p),
    "operate_delete": lambda c, k, p: c.operate(k, [op.delete()], policy=p),
    "increment": lambda c, k, p: c.increment(k, "a", 3, policy=p),
    "append": lambda c, k, p: c.append(k, "s", "z", policy=p),
    "prepend": lambda c, k, p: c.prepend(k, "s", "z", policy=p),
    "remove_bin": lambda c, k, p: c.remove_bin(k, ["a"], policy=p),
}


def seed(client: Any, k: tuple[str, str, Any]) -> None:
    client.put(k, {"a": 1, "s": "old", "l": [1]})


@pytest.mark.parametrize("existing", [False, True], ids=["missing", "existing"])
@pytest.mark.parametrize("policy", list(EXISTS), ids=list(EXISTS))
@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_exists_policies(compare: Any, write: str, policy: str, existing: bool) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        k = key(set_name)
        if existing:
            seed(client, k)
        result = step(lambda: WRITES[write](client, k, {"exists": EXISTS[policy]}))
        return result, state(client, k)

    compare(scenario)


GEN_WRITES = {
    "put": lambda c, k, p, m: c.put(k, {"b": 2}, meta=m, policy=p),
    "operate": lambda c, k, p, m: c.operate(k, [op.increment("a", 1)], meta=m, policy=p),
    "remove": lambda c, k, p, m: c.remove(k, meta=m, policy=p),
    "touch": lambda c, k, p, m: c.touch(k, 50, meta=m, policy=p),
}


@pytest.mark.parametrize("existing", [False, True], ids=["missing", "existing"])
@pytest.mark.parametrize("expected", [0, 1, 2, 3])
@pytest.mark.parametrize("gen_policy", ["eq", "gt"])
@pytest.mark.parametrize("write", list(GEN_WRITES), ids=list(GEN_WRITES))
def test_generation_policies(
    compare: Any, write: str, gen_policy: str, expected: int, existing: bool
) -> None:
    policy = {"gen": aerospike.POLICY_GEN_EQ if gen_policy == "eq" else aerospike.POLICY_GEN_GT}

    def scenario(client: Any, set_name: str) -> Any:
        k = key(set_name)
        if existing:
            seed(client, k)
            client.put(k, {"a": 1})
        result = step(lambda: GEN_WRITES[write](client, k, policy, {"gen": expected}))
        return result, state(client, k)

    compare(scenario)


TTLS = {
    "namespace_default": 0,
    "never": -1,
    "dont_update": -2,
    "client_default": -3,
    "explicit_100": 100,
    "explicit_3600": 3600,
    "ten_years": 315360000,
    "past_ten_years": 315360001,
    "huge": 2**31,
}


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing_ttl_500"])
@pytest.mark.parametrize("ttl", list(TTLS), ids=list(TTLS))
def test_ttl_values_on_put(compare: Any, ttl: str, existing: bool) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        k = key(set_name)
        if existing:
            client.put(k, {"a": 1}, meta={"ttl": 500})
        return step(lambda: client.put(k, {"b": 1}, meta={"ttl": TTLS[ttl]})), state(client, k)

    compare(scenario)


@pytest.mark.parametrize("ttl", list(TTLS), ids=list(TTLS))
def test_ttl_values_on_touch_and_operate(compare: Any, ttl: str) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        k = key(set_name)
        client.put(k, {"a": 1}, meta={"ttl": 500})
        touched = step(lambda: client.touch(k, TTLS[ttl]))
        after_touch = state(client, k)
        operated = step(lambda: client.operate(k, [op.increment("a", 1)], meta={"ttl": TTLS[ttl]}))
        return touched, after_touch, operated, state(client, k)

    compare(scenario)


def generation_counting(client: Any, set_name: str) -> Any:
    k = key(set_name)
    seen = []
    for _ in range(3):
        client.put(k, {"a": 1})
        seen.append(client.exists(k)[1]["gen"])
    client.touch(k)
    seen.append(client.get(k)[1]["gen"])
    client.operate(k, [op.read("a")])
    seen.append(client.get(k)[1]["gen"])
    seen.append(step(lambda: client.put(k, {"a": 1}, policy={"exists": EXISTS["create"]})))
    seen.append(client.get(k)[1]["gen"])
    seen.append(step(lambda: client.increment(k, "s", 1)))
    client.put(k, {"s": "x"})
    seen.append(step(lambda: client.increment(k, "s", 1)))
    seen.append(client.get(k)[1]["gen"])
    client.remove(k)
    client.put(k, {"a": 1})
    seen.append(client.get(k)[1]["gen"])
    return seen


def durable_delete(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1})
    removed = step(lambda: client.remove(k, policy={"durable_delete": True}))
    written = step(lambda: client.put(k, {"a": 2}, policy={"durable_delete": True}))
    operated = step(lambda: client.operate(k, [op.delete()], policy={"durable_delete": True}))
    return removed, written, operated, state(client, k)


def durable_delete_of_missing(client: Any, set_name: str) -> Any:
    return step(lambda: client.remove(key(set_name), policy={"durable_delete": True}))


def send_key_then_digest_only(client: Any, set_name: str) -> Any:
    k = key(set_name, "user-key")
    client.put(k, {"a": 1}, policy={"key": aerospike.POLICY_KEY_SEND})
    first = state(client, k)
    client.put(k, {"a": 2})
    by_digest = (NAMESPACE, set_name, None, aerospike.calc_digest(NAMESPACE, set_name, "user-key"))
    return first, state(client, k), state(client, by_digest)


def digest_only_then_send_key(client: Any, set_name: str) -> Any:
    k = key(set_name, 77)
    client.put(k, {"a": 1})
    first = state(client, k)
    client.put(k, {"a": 2}, policy={"key": aerospike.POLICY_KEY_SEND})
    return first, state(client, k)


@pytest.mark.parametrize(
    "user_key",
    [0, -1, 2**63 - 1, "", "ключ", b"\x00\x01", bytearray(b"raw")],
    ids=["zero", "minus_one", "int_max", "empty_string", "unicode", "bytes", "bytearray"],
)
def test_sent_keys_come_back(compare: Any, user_key: Any) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        k = key(set_name, user_key)
        written = step(lambda: client.put(k, {"a": 1}, policy={"key": aerospike.POLICY_KEY_SEND}))
        return written, state(client, k), step(lambda: client.operate(k, [op.read("a")]))

    compare(scenario)


def operate_mixed(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1, "s": "x", "l": [3, 1]})
    result = client.operate(
        k,
        [
            op.increment("a", 2),
            op.read("a"),
            op.append("s", "y"),
            op.read("s"),
            op.write("n", 1.5),
            op.read("missing"),
            op.prepend("s", "w"),
            op.read("s"),
        ],
    )
    return step(lambda: result), state(client, k)


def operate_ordered(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1})
    _, meta, bins = client.operate_ordered(
        k, [op.read("a"), op.increment("a", 1), op.read("a"), op.read("nope")]
    )
    return meta_of(meta), bins


def operate_read_all(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1, "s": "x", "l": [1]})
    return step(lambda: client.operate(k, [op.read("")]))


def operate_write_then_read_all(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1, "s": "x"})
    return step(lambda: client.operate(k, [op.write("b", 2), op.read("")])), state(client, k)


def operate_list_op_then_read_all(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1, "l": [1, 2]})
    result = step(lambda: client.operate(k, [lo.list_append("l", 3), op.read("")]))
    return result, state(client, k)


def operate_list_read_then_read_all(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1, "l": [1, 2]})
    return step(lambda: client.operate(k, [lo.list_size("l"), op.read("")]))


def operate_read_all_twice(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1})
    return step(lambda: client.operate(k, [op.read(""), op.read("")]))


def operate_read_all_and_bin(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1, "b": 2})
    return step(lambda: client.operate(k, [op.read("a"), op.read("")]))


def operate_map_ops(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"m": {"x": 1}})
    result = client.operate(
        k, [mo.map_put("m", "y", 2), mo.map_size("m"), mo.map_get_by_key("m", "x", 7)]
    )
    return step(lambda: result), state(client, k)


def operate_missing_record_read(client: Any, set_name: str) -> Any:
    return step(lambda: client.operate(key(set_name), [op.read("a")]))


def operate_missing_record_touch(client: Any, set_name: str) -> Any:
    return step(lambda: client.operate(key(set_name), [op.touch()])), state(client, key(set_name))


def operate_delete_then_write(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1, "b": 2})
    return step(lambda: client.operate(k, [op.delete(), op.write("c", 3)])), state(client, k)


def operate_no_ops(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1})
    return step(lambda: client.operate(k, []))


def empty_put_on_missing(client: Any, set_name: str) -> Any:
    return step(lambda: client.put(key(set_name), {})), state(client, key(set_name))


def empty_put_on_existing(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1})
    return step(lambda: client.put(k, {})), state(client, k)


def null_bins_on_missing(client: Any, set_name: str) -> Any:
    k = key(set_name)
    return step(lambda: client.put(k, {"a": None})), state(client, k)


def removing_every_bin_deletes(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1, "b": 2})
    first = step(lambda: client.remove_bin(k, ["a"]))
    second = step(lambda: client.remove_bin(k, ["b"]))
    return first, second, state(client, k), step(lambda: client.exists(k))


def remove_missing(client: Any, set_name: str) -> Any:
    return step(lambda: client.remove(key(set_name)))


def remove_existing_twice(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1})
    return step(lambda: client.remove(k)), step(lambda: client.remove(k)), state(client, k)


def touch_missing(client: Any, set_name: str) -> Any:
    return step(lambda: client.touch(key(set_name))), state(client, key(set_name))


def exists_missing_and_existing(client: Any, set_name: str) -> Any:
    k = key(set_name)
    missing = step(lambda: client.exists(k))
    client.put(k, {"a": 1}, meta={"ttl": 300})
    return missing, step(lambda: client.exists(k))


def select_bins(client: Any, set_name: str) -> Any:
    k = key(set_name)
    client.put(k, {"a": 1, "b": "two", "c": [3]})
    return (
        step(lambda: client.select(k, ["a", "c"])),
        step(lambda: client.select(k, ["missing"])),
        step(lambda: client.select(k, ["a", "a"])),
        step(lambda: client.select(key(set_name, "nope"), ["a"])),
    )


def get_missing(client: Any, set_name: str) -> Any:
    return step(lambda: client.get(key(set_name)))


def put_then_get_in_other_set(client: Any, set_name: str) -> Any:
    client.put(key(set_name), {"a": 1})
    return step(lambda: client.get((NAMESPACE, set_name + "x", "k")))


def put_without_set(client: Any, set_name: str) -> Any:
    k = (NAMESPACE, None, f"noset-{set_name}")
    written = step(lambda: client.put(k, {"a": 1}))
    read = state(client, k)
    client.remove(k)
    return written, read


def unknown_namespace(client: Any, set_name: str) -> Any:
    k = ("nosuchns", set_name, "k")
    return (
        step(lambda: client.put(k, {"a": 1})),
        step(lambda: client.get(k)),
        step(lambda: client.remove(k)),
        step(lambda: client.operate(k, [op.read("a")])),
    )


SCENARIOS = [
    generation_counting,
    durable_delete,
    durable_delete_of_missing,
    send_key_then_digest_only,
    digest_only_then_send_key,
    operate_mixed,
    operate_ordered,
    operate_read_all,
    operate_write_then_read_all,
    operate_list_op_then_read_all,
    operate_list_read_then_read_all,
    operate_read_all_twice,
    operate_read_all_and_bin,
    operate_map_ops,
    operate_missing_record_read,
    operate_missing_record_touch,
    operate_delete_then_write,
    operate_no_ops,
    empty_put_on_missing,
    empty_put_on_existing,
    null_bins_on_missing,
    removing_every_bin_deletes,
    remove_missing,
    remove_existing_twice,
    touch_missing,
    exists_missing_and_existing,
    select_bins,
    get_missing,
    put_then_get_in_other_set,
    put_without_set,
    unknown_namespace,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_record_scenarios(compare: Any, scenario: Callable[[Any, str], Any]) -> None:
    compare(scenario)


BIN_VALUES = {
    "int": 7,
    "negative_int": -(2**63),
    "float": 2.5,
    "string": "text",
    "empty_string": "",
    "unicode": "ünïcødé ✓",
    "bytes": b"\x00\xff",
    "empty_bytes": b"",
    "bytearray": bytearray(b"ba"),
    "true": True,
    "false": False,
    "list": [1, "a", 2.5, [None], {"k": b"v"}],
    "empty_list": [],
    "map": {"a": 1, 2: "b", "nested": {"x": [1]}},
    "empty_map": {},
    "geojson": aerospike.GeoJSON({"type": "Point", "coordinates": [1.5, 2.5]}),
    "big_string": "x" * 100_000,
}


@pytest.mark.parametrize("value", list(BIN_VALUES), ids=list(BIN_VALUES))
def test_bins_of_every_type(compare: Any, value: str) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        k = key(set_name)
        written = step(lambda: client.put(k, {"v": BIN_VALUES[value], "other": 1}))
        read = step(lambda: client.get(k))
        via_operate = step(lambda: client.operate(k, [op.read("v")]))
        return written, repr(read), repr(via_operate)

    compare(scenario)


@pytest.mark.parametrize("length", [1, 14, 15, 16, 20])
@pytest.mark.parametrize("how", ["put", "operate_write", "increment", "select", "operate_read"])
def test_bin_name_lengths(compare: Any, how: str, length: int) -> None:
    name = "b" * length

    def scenario(client: Any, set_name: str) -> Any:
        k = key(set_name)
        client.put(k, {"a": 1})
        action = {
            "put": lambda: client.put(k, {name: 1}),
            "operate_write": lambda: client.operate(k, [op.write(name, 1)]),
            "increment": lambda: client.increment(k, name, 1),
            "select": lambda: client.select(k, [name]),
            "operate_read": lambda: client.operate(k, [op.read(name)]),
        }[how]
        return step(action), state(client, k)

    compare(scenario)


TYPE_ERRORS = {
    "increment_string": ({"v": "s"}, lambda c, k: c.increment(k, "v", 1)),
    "increment_float_by_int": ({"v": 1.5}, lambda c, k: c.increment(k, "v", 1)),
    "increment_int_by_float": ({"v": 1}, lambda c, k: c.increment(k, "v", 1.5)),
    "increment_float_by_float": ({"v": 1.5}, lambda c, k: c.increment(k, "v", 1.25)),
    "increment_list": ({"v": [1]}, lambda c, k: c.increment(k, "v", 1)),
    "increment_wraps": ({"v": 2**63 - 1}, lambda c, k: c.increment(k, "v", 1)),
    "increment_missing_bin": ({"w": 1}, lambda c, k: c.increment(k, "v", 4)),
    "increment_by_string": ({"v": 1}, lambda c, k: c.operate(k, [op.increment("v", "x")])),
    "append_int": ({"v": 1}, lambda c, k: c.append(k, "v", "x")),
    "prepend_int": ({"v": 1}, lambda c, k: c.prepend(k, "v", "x")),
    "append_bytes_to_string": ({"v": "s"}, lambda c, k: c.append(k, "v", b"x")),
    "append_string_to_bytes": ({"v": b"s"}, lambda c, k: c.append(k, "v", "x")),
    "append_bytes_to_bytes": ({"v": b"s"}, lambda c, k: c.append(k, "v", b"x")),
    "prepend_bytes_to_bytes": ({"v": b"s"}, lambda c, k: c.prepend(k, "v", b"x")),
    "append_missing_bin": ({"w": 1}, lambda c, k: c.append(k, "v", "x")),
    "append_int_operand": ({"v": "s"}, lambda c, k: c.operate(k, [op.append("v", 5)])),
    "append_list": ({"v": [1]}, lambda c, k: c.append(k, "v", "x")),
    "list_op_on_int": ({"v": 1}, lambda c, k: c.operate(k, [lo.list_append("v", 1)])),
    "map_op_on_string": ({"v": "s"}, lambda c, k: c.operate(k, [mo.map_put("v", "a", 1)])),
    "list_read_on_map": ({"v": {"a": 1}}, lambda c, k: c.operate(k, [lo.list_size("v")])),
    "error_rolls_back": (
        {"v": "s", "n": 1},
        lambda c, k: c.operate(k, [op.increment("n", 1), op.increment("v", 1)]),
    ),
}


@pytest.mark.parametrize("case", list(TYPE_ERRORS), ids=list(TYPE_ERRORS))
def test_wrong_type_operations(compare: Any, case: str) -> None:
    bins, action = TYPE_ERRORS[case]

    def scenario(client: Any, set_name: str) -> Any:
        k = key(set_name)
        client.put(k, bins)
        return step(lambda: action(client, k)), state(client, k)

    compare(scenario)
