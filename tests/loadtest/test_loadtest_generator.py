"""The Rust generator against the sample under real gunicorn on a dev server that holds reads.

Reads take at least 50 ms (the dev server's latency injection); one gunicorn worker admits
one operation at a time and lets the others wait 5 ms for it (backpressure on).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aerospike_py.devserver import DevServer
from loadtest.generator import Load, loadgen_binary, offer
from loadtest.scenarios import SCENARIOS, preload
from loadtest.services import App, AppConfig

HELD_MS = 50.0
BACKPRESSURE_ON = AppConfig(
    "ours", gunicorn_workers=1, runtime_workers=1, max_concurrent_operations=1, queue_timeout_ms=5
)

pytestmark = pytest.mark.devserver_only


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with DevServer(port=0) as server:
        preload(server.hosts)
        server.inject_latency(HELD_MS, commands=("read",))
        hosts = ",".join(f"{host}:{port}" for host, port in server.hosts)
        with App(BACKPRESSURE_ON, hosts, tmp_path_factory.mktemp("logs")) as app:
            yield app.target


@pytest.fixture(scope="module")
def binary() -> Path:
    return loadgen_binary()


def counts(result: dict[str, Any]) -> dict[str, int]:
    return {status: summary["count"] for status, summary in result["statuses"].items()}


def test_backpressure_answers_only_200_and_503_each_with_its_own_latencies(
    target: str, binary: Path
) -> None:
    result = offer(binary, Load(target, 100, 1.0, SCENARIOS["get"], connections=16))
    seen = counts(result)
    assert set(seen) == {"200", "503"}, result
    assert sum(seen.values()) == result["planned"] == result["sent"] == 100
    assert result["statuses"]["200"]["p50"] >= HELD_MS, "a 200 waited for a read held 50 ms"


def test_latency_counts_from_the_intended_send_time(target: str, binary: Path) -> None:
    """One connection, 40 requests due 25 ms apart, each answered after at least 50 ms.

    Request i cannot finish before 50 (i + 1) ms but was due at 25 i ms: from its intended
    time it took at least 25 i + 50 ms, so the median (i = 20) at least 550 ms; counted from
    when it actually left it would be about 50 ms.
    """
    load = Load(target, 40, 1.0, SCENARIOS["get"], connections=1, drain=5.0)
    result = offer(binary, load)
    assert counts(result) == {"200": 40}, result
    assert result["statuses"]["200"]["p50"] >= 500
    assert result["lateness"]["p50"] >= 200
