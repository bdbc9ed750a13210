"""The real three-node cluster of the node-loss tests: started by the fixture on
``FAULTS_CLUSTER_PORT`` (``make test-faults`` sets it), skipped when that is unset or when
../shared/aerospike-server/ is absent."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from tests.faults.cluster import SCRIPT, Cluster

PORT_VARIABLE = "FAULTS_CLUSTER_PORT"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A fresh three-node cluster for the module; its nodes are killed and restarted."""
    if not SCRIPT.is_file():
        pytest.skip(f"no real Aerospike server at {SCRIPT.parent}")
    port = os.environ.get(PORT_VARIABLE, "")
    if not port.isdigit():
        pytest.skip(f"the real-cluster fault tests run with make test-faults ({PORT_VARIABLE})")
    for node in range(3):  # each node takes four ports from port + 10 * node
        for offset in range(4):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", int(port) + 10 * node + offset)) == 0:
                    pytest.fail(
                        f"port {int(port) + 10 * node + offset} is taken: set {PORT_VARIABLE}"
                    )
    with Cluster(int(port)) as started:
        yield started
