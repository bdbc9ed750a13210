"""Fault injection driven from Python and over info, observed by the official C client:
latency and stalls time requests out, injected result codes arrive as such, closed
connections are recovered."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from typing import Any

import pytest
from aerospike import exception as ex

from aerospike_py.devserver import DevServer

pytestmark = pytest.mark.devserver_only

KEY = ("test", "faults", "k")
SHORT = {"total_timeout": 150, "max_retries": 0}

MakeClient = Callable[[list[tuple[str, int]]], Any]


def info_frame(command: str) -> bytes:
    body = f"{command}\n".encode()
    return struct.pack(">Q", (2 << 56) | (1 << 48) | len(body)) + body


def test_latency_times_out_short_requests_until_cleared(
    devserver: DevServer, make_client: MakeClient
) -> None:
    client = make_client(devserver.hosts)
    client.put(KEY, {"a": 1})
    devserver.inject_latency(400, commands=("read",))
    with pytest.raises(ex.TimeoutError):
        client.get(KEY, policy=SHORT)
    client.put(KEY, {"a": 2}, policy=SHORT)
    devserver.clear_faults()
    assert client.get(KEY, policy=SHORT)[2] == {"a": 2}


def test_fail_next_answers_the_injected_code_then_serves(
    devserver: DevServer, make_client: MakeClient
) -> None:
    client = make_client(devserver.hosts)
    devserver.fail_next(2, 14, commands=("write",))
    for _ in range(2):
        with pytest.raises(ex.AerospikeError) as failure:
            client.put(KEY, {"a": 1})
        assert failure.value.code == 14
    client.put(KEY, {"a": 3})
    assert client.get(KEY)[2] == {"a": 3}


def test_a_stall_holds_requests_until_cleared_while_tending_goes_on(
    devserver: DevServer, make_client: MakeClient
) -> None:
    client = make_client(devserver.hosts)
    client.put(KEY, {"a": 1})
    devserver.stall(commands=("read",))
    with pytest.raises(ex.TimeoutError):
        client.get(KEY, policy=SHORT)
    client.put(KEY, {"a": 2}, policy=SHORT)
    assert client.info_all("node")
    devserver.clear_faults()
    assert client.get(KEY, policy=SHORT)[2] == {"a": 2}


def test_dropped_connections_close_and_the_client_recovers(
    devserver: DevServer, make_client: MakeClient
) -> None:
    client = make_client(devserver.hosts)
    client.put(KEY, {"a": 1})
    with socket.create_connection(devserver.hosts[0], timeout=5) as raw:
        raw.sendall(info_frame("node"))
        assert raw.recv(1024)
        devserver.drop_connections()
        assert raw.recv(1024) == b"", "the server closed the connection"
    client.put(KEY, {"a": 2})
    assert client.get(KEY)[2] == {"a": 2}


def test_idle_connections_are_reaped_once_proto_fd_idle_ms_is_set(
    devserver: DevServer, make_client: MakeClient
) -> None:
    client = make_client(devserver.hosts)
    client.put(KEY, {"a": 1})
    node = client.get_node_names()[0]["node_name"]
    reaping = "set-config:context=service;proto-fd-idle-ms="
    with pytest.raises(ex.InvalidRequest, match='must be milliseconds, got "soon"'):
        client.info_single_node(reaping + "soon", node)
    assert client.info_single_node(reaping + "100", node)
    with (
        socket.create_connection(devserver.hosts[0], timeout=5) as idle,
        socket.create_connection(devserver.hosts[0], timeout=5) as busy,
    ):
        for _ in range(6):
            busy.sendall(info_frame("node"))
            assert busy.recv(1024)
            time.sleep(0.05)
        assert idle.recv(1024) == b"", "the server closed the idle connection"
        busy.sendall(info_frame("node"))
        assert busy.recv(1024), "a connection in use is kept"
    time.sleep(0.2)
    assert client.get(KEY)[2] == {"a": 1}
    assert client.info_single_node(reaping + "0", node)
    with (
        socket.create_connection(devserver.hosts[0], timeout=0.4) as idle,
        pytest.raises(TimeoutError),
    ):
        idle.recv(1024)  # 0 turns reaping off again: neither closed nor answered


def test_close_next_fails_one_attempt_and_a_retry_succeeds(
    devserver: DevServer, make_client: MakeClient
) -> None:
    client = make_client(devserver.hosts)
    client.put(KEY, {"a": 1})
    devserver.close_next(1, commands=("read",))
    with pytest.raises(ex.AerospikeError):
        client.get(KEY, policy={"max_retries": 0})
    devserver.close_next(1, commands=("read",))
    assert client.get(KEY, policy={"max_retries": 2})[2] == {"a": 1}


def test_faults_can_be_set_over_info(devserver: DevServer, make_client: MakeClient) -> None:
    client = make_client(devserver.hosts)
    client.put(KEY, {"a": 1})
    answers = client.info_all("devserver-fault:action=fail;count=1;code=22;commands=read")
    assert [reply for _, reply in answers.values()] == ["ok\n"]
    with pytest.raises(ex.AerospikeError) as failure:
        client.get(KEY)
    assert failure.value.code == 22
    assert client.get(KEY)[2] == {"a": 1}
    with pytest.raises(ex.AerospikeError, match="action=explode"):
        client.info_all("devserver-fault:action=explode")
    with pytest.raises(ex.AerospikeError, match="commands= does not apply to action=clear"):
        client.info_all("devserver-fault:action=clear;commands=read")


def test_fault_arguments_are_checked(devserver: DevServer) -> None:
    with pytest.raises(ValueError, match=r"result_code must be .* got 0"):
        devserver.fail_next(1, 0)
    with pytest.raises(ValueError, match='unknown command class "scan"'):
        devserver.stall(commands=("scan",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not the string 'read'"):
        devserver.stall(commands="read")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n must be >= 0, got -1"):
        devserver.close_next(-1)
    with pytest.raises(ValueError, match="node 1 does not exist"):
        devserver.drop_connections(node=1)
    with pytest.raises(ValueError, match="ms must be a finite number"):
        devserver.inject_latency(float("nan"))
