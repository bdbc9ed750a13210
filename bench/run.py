"""Benchmark every client against one dev server, in one go: JSON and a markdown table.

    .venv/bin/python bench/run.py [--ops 20000] [--out bench/results/latest]

Starts ``python -m aerospike_py.devserver`` on a free port in its own process, then runs, one
process at a time: this project's client (sync, a 64-thread pool, and async at 64 in flight),
the published aerospike-py 0.14.4 (the same; its own venv under bench/.venv-published, since the
import name is the same), the official C-based ``aerospike`` client (sync, and a 64-thread pool)
and the Rust crate alone (bench/ceiling, the ceiling). Writes ``<out>.json`` and ``<out>.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PUBLISHED_VENV = BENCH / ".venv-published"
PUBLISHED = "aerospike-py==0.14.4"
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
        rows.append({"client": name, "error": done.stderr.strip()[-300:]})
    return rows


def table(rows: list[dict[str, object]]) -> str:
    lines = ["| client | workload | mode | ops/s |", "|---|---|---|---:|"]
    for row in rows:
        rate = row.get("ops_per_sec")
        shown = f"{rate:,.0f}" if isinstance(rate, float) else f"error: {row.get('error')}"
        lines.append(
            f"| {row['client']} | {row.get('workload', '')} | {row.get('mode', '')} | {shown} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--out", default=str(BENCH / "results" / "latest"))
    parser.add_argument("--published-wheel", help="path of the aerospike-py 0.14.4 wheel")
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    workloads = str(BENCH / "workloads.py")
    common = ["--port", str(port), "--ops", str(args.ops)]
    rows: list[dict[str, object]] = []
    try:
        rows += rows_of("ours", [sys.executable, workloads, *common, "ours"])
        rows += rows_of(
            "published",
            [str(published_python(args.published_wheel)), workloads, *common, "published"],
        )
        rows += rows_of("official", [sys.executable, workloads, *common, "official"])
        rows += rows_of(
            "rust-crate",
            [
                str(release_binary(BENCH / "ceiling", "aerospike-ceiling")),
                f"127.0.0.1:{port}",
                str(args.ops),
            ],
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".json").write_text(json.dumps(rows, indent=2) + "\n")
    Path(args.out + ".md").write_text(table(rows))
    print(table(rows))


if __name__ == "__main__":
    main()
