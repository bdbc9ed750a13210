"""The open-loop generator (the Rust crate in ``loadtest/loadgen``): built once, run per point.

Each run offers one fixed rate for a bounded time and prints one JSON result: per status
(``200``, ``503``... and ``connection_error``, ``timeout``, ``unsent``) the count and latency
percentiles from each request's intended send time, the achieved rate, how late the
generator sent, and its own CPU seconds.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.run import ROOT, release_binary

__all__ = ["LOADGEN_CRATE", "Load", "loadgen_binary", "offer"]

LOADGEN_CRATE = ROOT / "loadtest" / "loadgen"
SLACK_SECONDS = 30.0
"""Seconds a run may take beyond its schedule, drain and request timeout before it is killed."""


@dataclass(frozen=True)
class Load:
    """One point: a rate offered to ``target`` (host:port) for ``duration`` seconds."""

    target: str
    rate: float
    duration: float
    requests: Sequence[str]
    connections: int = 128
    keys: int = 1000
    timeout: float = 10.0
    drain: float = 1.0

    def arguments(self) -> list[str]:
        arguments = [
            f"--target={self.target}",
            f"--rate={self.rate:g}",
            f"--duration={self.duration:g}",
            f"--connections={self.connections}",
            f"--keys={self.keys}",
            f"--timeout={self.timeout:g}",
            f"--drain={self.drain:g}",
        ]
        return arguments + [f"--request={request}" for request in self.requests]


def loadgen_binary() -> Path:
    """The generator, built (release) into native/target if it is not up to date."""
    return release_binary(LOADGEN_CRATE, "loadgen")


def offer(binary: Path, load: Load) -> dict[str, Any]:
    """Runs one point and returns the generator's JSON result."""
    limit = load.duration + load.drain + load.timeout + SLACK_SECONDS
    done = subprocess.run(
        [str(binary), *load.arguments()], capture_output=True, text=True, timeout=limit
    )
    if done.returncode != 0:
        raise RuntimeError(f"loadgen failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result
