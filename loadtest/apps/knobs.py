"""The compared apps' settings, from the same ``AEROSPIKE_*`` variables the sample reads."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Knobs"]


@dataclass(frozen=True)
class Knobs:
    """Where the cluster is and how hard a worker may push it."""

    hosts: list[tuple[str, int]]
    namespace: str
    max_concurrent_operations: int
    operation_queue_timeout_ms: int
    threads: int

    @classmethod
    def from_env(cls) -> Knobs:
        """``AEROSPIKE_HOSTS`` (host:port,...), namespace, admission limits; thread-pool size."""
        hosts = []
        for entry in os.environ.get("AEROSPIKE_HOSTS", "127.0.0.1:3000").split(","):
            host, _, port = entry.strip().rpartition(":")
            hosts.append((host, int(port)))
        return cls(
            hosts=hosts,
            namespace=os.environ.get("AEROSPIKE_NAMESPACE", "test"),
            max_concurrent_operations=int(
                os.environ.get("AEROSPIKE_MAX_CONCURRENT_OPERATIONS", "64")
            ),
            operation_queue_timeout_ms=int(
                os.environ.get("AEROSPIKE_OPERATION_QUEUE_TIMEOUT_MS", "5000")
            ),
            threads=int(os.environ.get("LOADTEST_THREADS", "32")),
        )
