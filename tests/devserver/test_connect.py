"""The official client connects, tends and does basic record I/O against the server under test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aerospike import exception as ex

from aerospike_py.devserver import DevServer


def test_put_then_get_round_trips_bins(client: Any, key: tuple[str, str, str]) -> None:
    bins = {"i": 7, "s": "text", "f": 2.5, "b": bytearray(b"\x00\x01"), "l": [1, "a"]}
    client.put(key, bins)

    _, meta, record = client.get(key)

    assert record == bins
    assert meta["gen"] == 1


def test_exists_and_remove_follow_the_record(client: Any, key: tuple[str, str, str]) -> None:
    _, meta = client.exists(key)
    assert meta is None
    client.put(key, {"a": 1})
    _, meta = client.exists(key)
    assert meta is not None
    assert meta["gen"] == 1
    client.remove(key)
    with pytest.raises(ex.RecordNotFound):
        client.get(key)
    with pytest.raises(ex.RecordNotFound):
        client.remove(key)


def test_cluster_info_answers_what_clients_ask(client: Any) -> None:
    node = client.get_node_names()[0]["node_name"]
    build = client.info_single_node("build", node)
    assert build.startswith("build\t")
    assert len(build.split("\t")[1].strip().split(".")) == 4
    replicas = client.info_single_node("replicas", node).split("\t", 1)[1].strip()
    namespaces = {entry.split(":")[0]: entry for entry in replicas.split(";")}
    assert namespaces["test"].startswith("test:0,1,")
    assert len(namespaces["test"].split(",")[2]) == 684


@pytest.mark.devserver_only
def test_a_devserver_of_ones_own_listens_on_loopback(
    devserver: DevServer, make_client: Callable[[list[tuple[str, int]]], Any]
) -> None:
    [(host, port)] = devserver.hosts
    assert host == "127.0.0.1"
    assert port > 0
    c = make_client(devserver.hosts)
    c.put(("test", "s", 1), {"a": 1})
    assert c.get(("test", "s", 1))[2] == {"a": 1}


def test_unknown_namespace_is_a_client_error(client: Any) -> None:
    with pytest.raises(ex.AerospikeError):
        client.put(("no_such_ns", "s", 1), {"a": 1})
