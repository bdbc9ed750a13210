"""Benchmark every client against one dev server, in one go: JSON and a markdown table.

    .venv/bin/python bench/run.py [--ops 20000] [--rounds 3] [--out bench/results/latest]

Starts ``python -m aerospike_py.devserver`` on a free port in its own process, then runs, one
process at a time: this project's client (sync, a 64-thread pool, and async at 64 in flight),
the published aerospike-py 0.14.4 (the same; its own venv under bench/.venv-published, since the
import name is the same), the official C-based ``aerospike`` client (sync, and a 64-thread pool)
and the Rust crate alone (bench/ceiling, the ceiling), the clients taking turns group by group
(sync rows, 64-thread rows, async rows). It does so ``--rounds`` times and reports
each row's median and range, since a 2-core machine's round trip drifts from one minute to the
next. Writes ``<out>.json`` (every round) and ``<out>.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PUBLISHED_VENV = BENCH / ".venv-published"
PUBLISHED = "aerospike-py==0.14.4"
CLIENTS = ("ours", "published", "official", "rust-crate")
GROUPS = ("sync", "threads", "async")
"""The row groups of bench/workloads.py (sync, 64-thread, async rows), taken in turn by every
client: rows compared with each other run seconds apart, while this machine's speed drifts
over minutes."""
TIMEOUT = 900


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "aerospike_py.devserver", "--port", str(port)],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"the dev server did not listen on port {port}")


def published_python(wheel: str | None, extra: Sequence[str] = ()) -> Path:
    """The Python of a venv with aerospike-py 0.14.4 (or ``wheel``), numpy and ``extra``.

    Shared with the load-test harness, which adds the web stack; installs only what is new.
    """
    python = PUBLISHED_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PUBLISHED_VENV)], check=True)
    stamp = PUBLISHED_VENV / "installed.txt"
    installed = set(stamp.read_text().split()) if stamp.exists() else set()
    wanted = [wheel or PUBLISHED, "numpy", *extra]
    if not set(wanted) <= installed:
        subprocess.run([str(python), "-m", "pip", "install", "-q", *wanted], check=True)
        stamp.write_text("\n".join(sorted(installed | set(wanted))) + "\n")
    return python


def release_binary(crate: Path, name: str) -> Path:
    """Builds ``crate`` (a workspace of its own) in release mode into native/target."""
    target = ROOT / "native" / "target"
    env = {**os.environ, "CARGO_TARGET_DIR": str(target)}
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=crate, env=env, check=True)
    return target / "release" / name


def rows_of(name: str, command: list[str]) -> list[dict[str, object]]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0:
        failure = f"exit status {done.returncode}: {done.stderr.strip()[-300:]}"
        rows.append({"client": name, "error": failure})
    return rows


def table(rows: list[dict[str, object]]) -> str:
    """One line per client, workload and mode: the median ops/s over the rounds, and the range."""
    rates: dict[tuple[str, str, str], list[float]] = {}
    errors: dict[tuple[str, str, str], str] = {}
    for row in rows:
        key = (str(row["client"]), str(row.get("workload", "")), str(row.get("mode", "")))
        rate = row.get("ops_per_sec")
        if isinstance(rate, float):
            rates.setdefault(key, []).append(rate)
        else:
            errors[key] = f"error: {row.get('error')}"
    lines = [
        "| client | workload | mode | ops/s (median) | min | max |",
        "|---|---|---|---:|---:|---:|",
    ]
    for key in sorted(dict.fromkeys([*rates, *errors]), key=lambda key: CLIENTS.index(key[0])):
        found = rates.get(key)
        if found:
            shown = f"{statistics.median(found):,.0f} | {min(found):,.0f} | {max(found):,.0f}"
        else:
            shown = f"{errors[key]} | | "
        lines.append(f"| {' | '.join(key)} | {shown} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--out", default=str(BENCH / "results" / "latest"))
    parser.add_argument("--rounds", type=int, default=3, help="times to run every client")
    parser.add_argument("--published-wheel", help="path of the aerospike-py 0.14.4 wheel")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 20:
        raise SystemExit(f"--rounds must be between 1 and 20, got {args.rounds}")
    port = free_port()
    server = start_server(port)
    workloads = str(BENCH / "workloads.py")
    common = ["--port", str(port), "--ops", str(args.ops)]
    rows: list[dict[str, object]] = []
    ceiling = str(release_binary(BENCH / "ceiling", "aerospike-ceiling"))
    published = str(published_python(args.published_wheel))
    try:
        for round_number in range(1, args.rounds + 1):
            found = []
            for group in GROUPS:
                each = [*common, "--group", group]
                found += rows_of("ours", [sys.executable, workloads, *each, "ours"])
                found += rows_of("published", [published, workloads, *each, "published"])
                if group != "async":
                    found += rows_of("official", [sys.executable, workloads, *each, "official"])
            found += rows_of("rust-crate", [ceiling, f"127.0.0.1:{port}", str(args.ops)])
            rows += [{**row, "round": round_number} for row in found]
    finally:
        server.terminate()
        server.wait(timeout=30)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".json").write_text(json.dumps(rows, indent=2) + "\n")
    Path(args.out + ".md").write_text(table(rows))
    print(table(rows))


if __name__ == "__main__":
    main()
