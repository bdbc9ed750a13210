"""Scans and queries on both servers: partition filters, pagination, projections, expressions,
secondary-index lifecycle and predicates, truncate and background jobs.

Truncate and background jobs finish asynchronously on a real server, so scenarios poll for their
effect with a deadline, as a user would."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import aerospike
import pytest
from aerospike import predicates as p
from aerospike_helpers import expressions as exp
from aerospike_helpers.operations import operations as op

from tests.differential.conftest import NAMESPACE
from tests.polling import wait_until

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NEVER = 0xFFFFFFFF
N_RECORDS = 24
DEADLINE = 10.0


def seed(client: Any, set_name: str, n: int = N_RECORDS) -> None:
    """Records i = 0..n-1: n = i, s = "v{i % 3}", l = [i, i + 100], m = {"k{i % 2}": i}; every
    fourth record has no "s" bin, every fifth is stored without its key."""
    for i in range(n):
        bins: dict[str, Any] = {"n": i, "l": [i, i + 100], "m": {f"k{i % 2}": i}}
        if i % 4:
            bins["s"] = f"v{i % 3}"
        policy = {"key": aerospike.POLICY_KEY_DIGEST if i % 5 == 0 else aerospike.POLICY_KEY_SEND}
        client.put((NAMESPACE, set_name, i), bins, policy=policy)


def entry(record: Any) -> Any:
    (ns, set_name, user_key, digest), meta, bins = record
    ttl = meta["ttl"]
    return (
        bytes(digest),
        ns,
        set_name,
        user_key,
        meta["gen"],
        "never" if ttl == NEVER else round(ttl / 10),
        bins,
    )


def entries(records: list[Any]) -> list[Any]:
    """Records by digest: the servers walk partitions in different orders."""
    return sorted(entry(r) for r in records)


def run_query(
    client: Any,
    set_name: str,
    bins: tuple[str, ...] = (),
    where: Any = None,
    policy: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
) -> list[Any]:
    query = client.query(NAMESPACE, set_name)
    if bins:
        query.select(*bins)
    if where is not None:
        query.where(where)
    return entries(query.results(policy or {}, options or {}))


def partition_of(client: Any, set_name: str, user_key: Any) -> int:
    return int(client.get_key_partition_id(NAMESPACE, set_name, user_key))


SCANS: dict[str, Callable[[Any, str], Any]] = {
    "whole_set": lambda c, s: run_query(c, s),
    "empty_set": lambda c, s: run_query(c, s + "_none"),
    "projection": lambda c, s: run_query(c, s, ("n", "s")),
    "projection_of_a_sometimes_missing_bin": lambda c, s: run_query(c, s, ("s",)),
    "projection_of_a_missing_bin": lambda c, s: run_query(c, s, ("nope",)),
    "no_bins": lambda c, s: run_query(c, s, options={"nobins": True}),
    "expression_filter": lambda c, s: run_query(
        c, s, policy={"expressions": exp.GT(exp.IntBin("n"), 17).compile()}
    ),
    "expression_on_missing_bin": lambda c, s: run_query(
        c, s, policy={"expressions": exp.Eq(exp.StrBin("s"), "v1").compile()}
    ),
    "expression_and_projection": lambda c, s: run_query(
        c, s, ("l",), policy={"expressions": exp.LT(exp.IntBin("n"), 3).compile()}
    ),
    "expression_on_metadata": lambda c, s: run_query(
        c, s, policy={"expressions": exp.KeyExists().compile()}
    ),
    "partition_by_id": lambda c, s: run_query(
        c, s, policy={"partition_filter": {"begin": partition_of(c, s, 3), "count": 1}}
    ),
    "partition_range": lambda c, s: run_query(
        c, s, policy={"partition_filter": {"begin": 0, "count": 2048}}
    ),
    "partition_range_upper": lambda c, s: run_query(
        c, s, policy={"partition_filter": {"begin": 2048, "count": 2048}}
    ),
    "partition_by_digest": lambda c, s: run_query(
        c,
        s,
        policy={
            "partition_filter": {
                "digest": {"init": True, "value": aerospike.calc_digest(NAMESPACE, s, 5)}
            }
        },
    ),
    "partition_filter_and_expression": lambda c, s: run_query(
        c,
        s,
        policy={
            "partition_filter": {"begin": 0, "count": 3000},
            "expressions": exp.GE(exp.IntBin("n"), 12).compile(),
        },
    ),
    "unknown_namespace": lambda c, s: c.query("nosuchns", s).results(),
}


@pytest.mark.parametrize("case", list(SCANS), ids=list(SCANS))
def test_scans(compare: Any, case: str) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        seed(client, set_name)
        return SCANS[case](client, set_name)

    compare(scenario)


def legacy_scan(client: Any, set_name: str) -> Any:
    seed(client, set_name)
    scan = client.scan(NAMESPACE, set_name)
    scan.select("n")
    return entries(scan.results())


def foreach_stops_early(client: Any, set_name: str) -> Any:
    seed(client, set_name)
    seen: list[Any] = []

    def keep(record: Any) -> bool:
        seen.append(record)
        return len(seen) < 5

    client.query(NAMESPACE, set_name).foreach(keep)
    return len(seen)


@pytest.mark.parametrize("max_records", [1, 5, 24, 100])
def test_max_records(compare: Any, max_records: int) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        seed(client, set_name)
        query = client.query(NAMESPACE, set_name)
        query.max_records = max_records
        found = entries(query.results())
        # Which records come first differs; how many, and that they are distinct, does not.
        return len(found), len({r[0] for r in found})

    compare(scenario)


@pytest.mark.parametrize("page_size", [4, 7, 30])
def test_pagination(compare: Any, page_size: int) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        seed(client, set_name)
        query = client.query(NAMESPACE, set_name)
        query.max_records = page_size
        query.paginate()
        pages: list[list[Any]] = []
        while not query.is_done() and len(pages) < 20:
            pages.append(entries(query.results()))
        sizes = [len(page) for page in pages]
        every = sorted(r for page in pages for r in page)
        # A full last page may be followed by an empty one or not, by server timing.
        return sizes[: -1 if sizes[-1] == 0 else None][:-1], every

    compare(scenario)


def resumed_partition_filter(client: Any, set_name: str) -> Any:
    """A query stopped by max_records resumes from the partition status it returned."""
    seed(client, set_name)
    first = client.query(NAMESPACE, set_name)
    first.max_records = 10
    first.paginate()
    page = entries(first.results({"partition_filter": {"begin": 0, "count": 4096}}))
    status = first.get_partitions_status()
    rest = client.query(NAMESPACE, set_name).results(
        {"partition_filter": {"begin": 0, "count": 4096, "partition_status": status}}
    )
    return len(page), sorted(page + entries(rest))


@contextmanager
def indexes(client: Any, *names: str) -> Iterator[None]:
    """Removes the scenario's indexes afterwards: a real server keeps them."""
    try:
        yield
    finally:
        for name in names:
            with suppress(aerospike.exception.AerospikeError):
                client.index_remove(NAMESPACE, name)


def attempt(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except aerospike.exception.AerospikeError as error:
        return ("error", type(error).__name__, error.code)


def info(client: Any, command: str) -> Any:
    """One node's answer to an info command, or its error (without the node's address)."""
    node = client.get_node_names()[0]["node_name"]
    try:
        return client.info_single_node(command, node).partition("\t")[2].rstrip("\n")
    except aerospike.exception.AerospikeError as error:
        return ("error", type(error).__name__, error.code, str(error.msg).partition(" from ")[0])


INDEX_KINDS = {
    "integer": "bin=n;type=numeric",
    "string": "bin=s;type=string",
    "list": "bin=l;type=numeric;indextype=list",
    "mapkeys": "bin=m;type=string;indextype=mapkeys",
    "mapvalues": "bin=m;type=numeric;indextype=mapvalues",
    "blob": "bin=b;type=blob",
    "geo": "bin=g;type=geo2dsphere",
}


def create_index(client: Any, set_name: str, name: str, definition: str) -> Any:
    """Creates an index and waits until it is built, polling as the clients do (faster)."""
    command = f"sindex-create:namespace={NAMESPACE};set={set_name};indexname={name};{definition}"
    answer = info(client, command)
    stat = f"sindex-stat:namespace={NAMESPACE};indexname={name}"
    built = answer != "ok" or wait_until(lambda: "load_pct=100" in str(info(client, stat)), 10)
    return answer, built


@pytest.mark.parametrize("kind", list(INDEX_KINDS), ids=list(INDEX_KINDS))
def test_index_lifecycle(compare: Any, kind: str) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        seed(client, set_name, 6)
        name = f"{set_name}_i"
        definition = INDEX_KINDS[kind]
        remove = f"sindex-delete:namespace={NAMESPACE};indexname={name}"
        listing = f"sindex-list:namespace={NAMESPACE}"

        def mine() -> list[str]:
            return [e for e in str(info(client, listing)).split(";") if f"set={set_name}:" in e]

        with indexes(client, name, f"{name}2"):
            steps = [
                create_index(client, set_name, name, definition),
                create_index(client, set_name, name, definition),
                create_index(client, set_name, name, "bin=other;type=numeric"),
                mine(),
                create_index(client, set_name, f"{name}2", definition),
                mine(),
                info(client, f"sindex-exists:namespace={NAMESPACE};indexname={name}"),
                info(client, f"sindex-exists:namespace={NAMESPACE};indexname={name}2"),
                info(client, remove),
                info(client, remove.replace(name, f"{name}2")),
                info(client, remove),
                mine(),
            ]
            return steps

    compare(scenario)


def client_index_api(client: Any, set_name: str) -> Any:
    """The client's own index calls (they wait for the build, about a second each)."""
    seed(client, set_name, 4)
    name = f"{set_name}_i"
    with indexes(client, name):
        created = attempt(lambda: client.index_integer_create(NAMESPACE, set_name, "n", name))
        clash = attempt(lambda: client.index_string_create(NAMESPACE, set_name, "s", name))
        removed = attempt(lambda: client.index_remove(NAMESPACE, name))
        removed_again = attempt(lambda: client.index_remove(NAMESPACE, name))
        return created, clash, removed, removed_again


def indexed(
    kind: str, where: Callable[[], Any], bins: tuple[str, ...] = (), **policy: Any
) -> Callable[[Any, str], Any]:
    def scenario(client: Any, set_name: str) -> Any:
        seed(client, set_name)
        name = f"{set_name}_i"
        with indexes(client, name):
            create_index(client, set_name, name, INDEX_KINDS[kind])
            return run_query(client, set_name, bins, where(), policy)

    return scenario


PREDICATES = {
    "equals_int": indexed("integer", lambda: p.equals("n", 7)),
    "equals_int_none": indexed("integer", lambda: p.equals("n", 1000)),
    "between": indexed("integer", lambda: p.between("n", 3, 9)),
    "between_negative": indexed("integer", lambda: p.between("n", -5, 1)),
    "between_reversed": indexed("integer", lambda: p.between("n", 9, 3)),
    "between_with_projection": indexed("integer", lambda: p.between("n", 0, 4), ("n", "s")),
    "between_with_expression": indexed(
        "integer",
        lambda: p.between("n", 0, 20),
        expressions=exp.Eq(exp.StrBin("s"), "v2").compile(),
    ),
    "equals_string": indexed("string", lambda: p.equals("s", "v1")),
    "equals_string_none": indexed("string", lambda: p.equals("s", "zzz")),
    "contains_list": indexed("list", lambda: p.contains("l", aerospike.INDEX_TYPE_LIST, 105)),
    "range_list": indexed("list", lambda: p.range("l", aerospike.INDEX_TYPE_LIST, 0, 3)),
    "contains_mapkeys": indexed(
        "mapkeys", lambda: p.contains("m", aerospike.INDEX_TYPE_MAPKEYS, "k1")
    ),
    "contains_mapvalues": indexed(
        "mapvalues", lambda: p.contains("m", aerospike.INDEX_TYPE_MAPVALUES, 4)
    ),
    "range_mapvalues": indexed(
        "mapvalues",
        lambda: p.range("m", aerospike.INDEX_TYPE_MAPVALUES, 2, 6),
    ),
    "no_index_for_bin": indexed("integer", lambda: p.equals("s", "v1")),
    "no_index_of_type": indexed("string", lambda: p.equals("s", 1)),
    "no_index_for_collection": indexed(
        "integer", lambda: p.contains("n", aerospike.INDEX_TYPE_LIST, 1)
    ),
}


@pytest.mark.parametrize("case", list(PREDICATES), ids=list(PREDICATES))
def test_index_queries(compare: Any, case: str) -> None:
    compare(PREDICATES[case])


def query_without_any_index(client: Any, set_name: str) -> Any:
    seed(client, set_name, 4)
    return run_query(client, set_name, where=p.equals("n", 1))


def query_partition_filter_with_index(client: Any, set_name: str) -> Any:
    seed(client, set_name)
    name = f"{set_name}_i"
    with indexes(client, name):
        create_index(client, set_name, name, INDEX_KINDS["integer"])
        return run_query(
            client,
            set_name,
            where=p.between("n", 0, 100),
            policy={"partition_filter": {"begin": 0, "count": 2048}},
        )


def index_sees_later_writes(client: Any, set_name: str) -> Any:
    seed(client, set_name, 4)
    name = f"{set_name}_i"
    with indexes(client, name):
        create_index(client, set_name, name, INDEX_KINDS["integer"])
        client.put((NAMESPACE, set_name, "late"), {"n": 2})
        client.put((NAMESPACE, set_name, 1), {"n": "no longer an integer"})
        client.remove((NAMESPACE, set_name, 2))
        return run_query(client, set_name, where=p.equals("n", 2)), run_query(
            client, set_name, where=p.equals("n", 1)
        )


def past_last_update() -> None:
    """Truncate spares records last updated in its own millisecond (and a real server's cutoff
    may lag by a few)."""
    time.sleep(0.05)


def gone(client: Any, keys: list[tuple[str, str, Any]]) -> Callable[[], bool]:
    return lambda: all(client.exists(k)[1] is None for k in keys)


def truncate_set(client: Any, set_name: str) -> Any:
    seed(client, set_name, 5)
    kept = (NAMESPACE, set_name + "_kept", "k")
    client.put(kept, {"a": 1})
    past_last_update()
    answer = client.truncate(NAMESPACE, set_name, 0)
    keys = [(NAMESPACE, set_name, i) for i in range(5)]
    emptied = wait_until(gone(client, keys), DEADLINE)
    survivor = client.get(kept)[2]
    past_last_update()
    client.truncate(NAMESPACE, set_name + "_kept", 0)
    rewritten = attempt(lambda: client.put(keys[0], {"a": 2}))
    return answer, emptied, survivor, rewritten, client.get(keys[0])[2]


def truncate_before_a_time(client: Any, set_name: str) -> Any:
    seed(client, set_name, 3)
    time.sleep(0.05)
    cutoff = time.time_ns()
    time.sleep(0.05)
    client.put((NAMESPACE, set_name, "new"), {"a": 1})
    answer = client.truncate(NAMESPACE, set_name, cutoff)
    emptied = wait_until(gone(client, [(NAMESPACE, set_name, i) for i in range(3)]), DEADLINE)
    return answer, emptied, run_query(client, set_name)


def truncate_namespace_before_any_record(client: Any, set_name: str) -> Any:
    """A whole-namespace truncate that cannot delete anything (the namespace is shared)."""
    seed(client, set_name, 2)
    answer = attempt(lambda: client.truncate(NAMESPACE, None, 1_300_000_000 * 10**9))
    time.sleep(0.2)
    return answer, len(run_query(client, set_name))


def truncate_errors(client: Any, set_name: str) -> Any:
    future = time.time_ns() + 3600 * 10**9
    epoch = 1_262_304_000 * 10**9
    return (
        attempt(lambda: client.truncate("nosuchns", set_name, 0)),
        attempt(lambda: client.truncate(NAMESPACE, set_name, future)),
        attempt(lambda: client.truncate(NAMESPACE, set_name, 1000)),
        attempt(lambda: client.truncate(NAMESPACE, set_name, epoch)),
        attempt(lambda: client.truncate(NAMESPACE, set_name, epoch + 10**6)),
        attempt(lambda: client.truncate(NAMESPACE, set_name, -1)),
        info(client, f"truncate:namespace={NAMESPACE}"),
        info(client, f"truncate:namespace={NAMESPACE};set="),
        info(client, f"truncate:set={set_name}"),
        info(client, f"truncate:namespace={NAMESPACE};set={set_name};lut=x"),
        info(client, f"truncate-namespace:namespace={NAMESPACE};set={set_name}"),
        info(client, "truncate-namespace:namespace=nosuchns"),
        info(client, f"truncate-undo:namespace={NAMESPACE};set={set_name}"),
    )


def run_background(
    client: Any, set_name: str, ops: list[Any], where: Any = None, **policy: Any
) -> Any:
    query = client.query(NAMESPACE, set_name)
    if where is not None:
        query.where(where)
    query.add_ops(ops)
    job = query.execute_background(policy)

    def status() -> Any:
        return client.job_info(job, aerospike.JOB_QUERY)["status"]

    finished = wait_until(lambda: status() == aerospike.JOB_STATUS_COMPLETED, DEADLINE, 0.05)
    info = client.job_info(job, aerospike.JOB_QUERY)
    return finished, info["records_read"], info["progress_pct"]


def background_increment(client: Any, set_name: str) -> Any:
    seed(client, set_name, 6)
    job = run_background(client, set_name, [op.increment("n", 100)])
    return job, run_query(client, set_name, ("n",))


def background_with_expression(client: Any, set_name: str) -> Any:
    seed(client, set_name, 6)
    job = run_background(
        client,
        set_name,
        [op.write("tag", "hit")],
        expressions=exp.LT(exp.IntBin("n"), 3).compile(),
    )
    return job, run_query(client, set_name, ("n", "tag"))


def background_with_index(client: Any, set_name: str) -> Any:
    seed(client, set_name, 6)
    name = f"{set_name}_i"
    with indexes(client, name):
        create_index(client, set_name, name, INDEX_KINDS["integer"])
        job = run_background(client, set_name, [op.write("tag", 1)], where=p.between("n", 2, 4))
        return job, run_query(client, set_name, ("n", "tag"))


def background_failing_ops(client: Any, set_name: str) -> Any:
    seed(client, set_name, 4)
    job = run_background(client, set_name, [op.increment("s", 1)])
    return job, run_query(client, set_name, ("s",))


def background_delete(client: Any, set_name: str) -> Any:
    seed(client, set_name, 4)
    job = run_background(client, set_name, [op.delete()])
    return job, run_query(client, set_name)


def background_ttl(client: Any, set_name: str) -> Any:
    seed(client, set_name, 3)
    query = client.query(NAMESPACE, set_name)
    query.add_ops([op.touch()])
    query.ttl = 5000
    job = query.execute_background()
    finished = wait_until(
        lambda: (
            client.job_info(job, aerospike.JOB_QUERY)["status"] == aerospike.JOB_STATUS_COMPLETED
        ),
        DEADLINE,
        0.05,
    )
    return finished, run_query(client, set_name, ("n",))


def unknown_job(client: Any, set_name: str) -> Any:
    return attempt(lambda: client.job_info(987654321, aerospike.JOB_QUERY))


SCENARIOS = [
    client_index_api,
    legacy_scan,
    foreach_stops_early,
    resumed_partition_filter,
    query_without_any_index,
    query_partition_filter_with_index,
    index_sees_later_writes,
    truncate_set,
    truncate_before_a_time,
    truncate_namespace_before_any_record,
    truncate_errors,
    background_increment,
    background_with_expression,
    background_with_index,
    background_failing_ops,
    background_delete,
    background_ttl,
    unknown_job,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_query_scenarios(compare: Any, scenario: Callable[[Any, str], Any]) -> None:
    compare(scenario)
