"""Info commands on both servers: identity, cluster discovery, namespace and set statistics and
the secondary-index commands. Keys and formats are compared; volatile numbers are not."""

from __future__ import annotations

import re
from typing import Any

import aerospike
import pytest

from tests.differential.conftest import NAMESPACE
from tests.polling import wait_until


def info(client: Any, command: str) -> Any:
    """One node's answer, or its error with the server's message (minus the node address)."""
    node = client.get_node_names()[0]["node_name"]
    try:
        name, _, value = client.info_single_node(command, node).rstrip("\n").partition("\t")
    except aerospike.exception.AerospikeError as error:
        return ("error", type(error).__name__, error.code, str(error.msg).partition(" from ")[0])
    assert name == command
    return value


def shape(text: str) -> str:
    """The text with every number replaced: what stays is keys, separators and words."""
    return re.sub(r"\d+(\.\d+)?", "N", text)


def keys_of(text: str, separator: str = ";") -> list[str]:
    return sorted(item.partition("=")[0] for item in text.split(separator) if item)


EXACT = [
    "build",
    "version",
    "edition",
    "namespaces",
    "status",
    "features",
    "partitions",
    "partition-generation",
    "peers-generation",
    "sindex-exists:namespace=test;indexname=nope",
    "sindex-stat:namespace=test;indexname=nope",
    "sindex-stat:namespace=nosuchns;indexname=nope",
    "sindex-stat:namespace=test",
    "sindex/test/nope",
    "sindex-exists:namespace=nosuchns;indexname=nope",
    "sindex-exists:namespace=test",
    "sindex-list:namespace=nosuchns",
    "sindex-delete:namespace=test;indexname=nope",
    "sindex-delete:namespace=nosuchns;indexname=nope",
    "sindex-delete:namespace=test",
    "sindex-delete:indexname=nope",
    "sindex-create:namespace=test;set=s;bin=n;type=numeric",
    "sindex-create:indexname=x;bin=n;type=numeric",
    "sindex-create:namespace=test;set=s;indexname=x;type=numeric",
    "sindex-create:namespace=test;set=s;indexname=x;bin=n",
    "sindex-create:namespace=test;set=s;indexname=x;bin=n;type=decimal",
    "sindex-create:namespace=test;set=s;indexname=x;bin=n;type=numeric;indextype=tree",
    "query-show:id=12345",
    "query-show:id=abc",
    "namespace/nosuchns",
    "namespace",
    "sets/nosuchns",
    "bogus-command",
    "truncate:namespace=test",
    "truncate:set=s",
    "truncate-namespace:set=s",
]


@pytest.mark.parametrize("command", EXACT)
def test_exact_answers(compare: Any, command: str) -> None:
    compare(lambda client, _: info(client, command))


SHAPED = [
    "replicas",
    "replicas-all",
    "replicas-master",
    "peers-clear-std",
    "peers-clear-alt",
    "peers-tls-std",
    "partition-generation",
]


@pytest.mark.parametrize("command", SHAPED)
def test_answers_up_to_numbers(compare: Any, command: str) -> None:
    compare(lambda client, _: shape(str(info(client, command))))


def test_node_is_a_node_id(compare: Any) -> None:
    compare(lambda client, _: bool(re.fullmatch(r"[0-9A-F]{15}", info(client, "node"))))


@pytest.mark.parametrize("size", ["", ":size=1", ":size=2"])
def test_cluster_stable_is_a_cluster_key(compare: Any, size: str) -> None:
    def scenario(client: Any, _: str) -> Any:
        answer = info(client, f"cluster-stable{size}")
        return answer if isinstance(answer, tuple) else bool(re.fullmatch(r"[0-9A-F]{12}", answer))

    compare(scenario)


def test_release_names_the_edition_and_version(compare: Any) -> None:
    def scenario(client: Any, _: str) -> Any:
        fields = dict(item.split("=", 1) for item in info(client, "release").split(";"))
        return sorted(fields), fields["edition"], fields["version"]

    compare(scenario)


def test_namespace_statistics_keys(compare: Any) -> None:
    """The keys clients and tools read from ``namespace/<ns>`` are all there."""
    wanted = {
        "objects",
        "tombstones",
        "data_used_bytes",
        "replication-factor",
        "default-ttl",
        "max-record-size",
        "nsup-period",
        "strong-consistency",
        "stop_writes",
        "ns_cluster_size",
    }

    def scenario(client: Any, _: str) -> Any:
        answer = info(client, f"namespace/{NAMESPACE}")
        stats = dict(item.split("=", 1) for item in answer.split(";"))
        return sorted(wanted - set(stats)), stats["strong-consistency"], stats["default-ttl"]

    compare(scenario)


def test_set_statistics(compare: Any) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        for i in range(3):
            client.put((NAMESPACE, set_name, i), {"n": i})
        one = info(client, f"sets/{NAMESPACE}/{set_name}")
        every = [e for e in info(client, f"sets/{NAMESPACE}").split(";") if set_name in e]
        stats = dict(item.split("=", 1) for item in one.rstrip(";").split(":"))
        return (
            keys_of(one.rstrip(";"), ":"),
            stats["objects"],
            stats["sindexes"],
            [shape(e) for e in every],
            info(client, f"sets/{NAMESPACE}/{set_name}_none"),
        )

    compare(scenario)


def test_index_listing_and_statistics(compare: Any) -> None:
    def scenario(client: Any, set_name: str) -> Any:
        for i in range(4):
            client.put((NAMESPACE, set_name, i), {"n": i, "s": f"v{i}"})
        name = f"{set_name}_n"
        create = f"sindex-create:namespace={NAMESPACE};set={set_name};indexname={name}"
        answers = [info(client, f"{create};bin=n;type=numeric")]
        answers.append(info(client, f"{create}l;bin=s;type=string;indextype=list"))
        try:
            # A real server lists an index as write-only (WO) until it is built.
            for index in (name, f"{name}l"):
                stat = f"sindex-stat:namespace={NAMESPACE};indexname={index}"
                wait_until(lambda stat=stat: "load_pct=100" in str(info(client, stat)), 10)
            listing = [
                e
                for e in info(client, f"sindex-list:namespace={NAMESPACE}").split(";")
                if f"set={set_name}:" in e
            ]
            stat = info(client, f"sindex-stat:namespace={NAMESPACE};indexname={name}")
            legacy = info(client, f"sindex/{NAMESPACE}/{name}")
            sets = info(client, f"sets/{NAMESPACE}/{set_name}")
            return (
                answers,
                sorted(listing),
                keys_of(stat),
                keys_of(legacy),
                "sindexes=2:" in sets,
                info(client, f"sindex-exists:namespace={NAMESPACE};indexname={name}"),
            )
        finally:
            info(client, f"sindex-delete:namespace={NAMESPACE};indexname={name}")
            info(client, f"sindex-delete:namespace={NAMESPACE};indexname={name}l")

    compare(scenario)


def test_unknown_commands_in_a_batch_of_commands(compare: Any) -> None:
    def scenario(client: Any, _: str) -> Any:
        node = client.get_node_names()[0]["node_name"]
        answer = client.info_single_node("build\nstatus\nedition\n", node)
        return answer.split("\n")

    compare(scenario)
