"""Benchmark every client against one dev server, in one go: JSON and a markdown table.

    .venv/bin/python bench/run.py [--ops 20000] [--rounds 3] [--slices 5] [--out PATH]

Starts ``python -m aerospike_py.devserver`` on a free port in its own process. Then, group by
group (sync rows, 64-thread rows, async rows), it starts one bench/workloads.py process per
client: this project's client, the published aerospike-py 0.14.4 (its own venv under
bench/.venv-published, since the import name is the same) and the official C-based
``aerospike`` client (sync and a 64-thread pool: it has no asyncio). The processes take turns
at every row, in ``--slices`` slices of ``--ops / --slices`` operations, the first client
rotating, so rows compared with each other run within the same second. Last comes the Rust
crate alone (bench/ceiling, the ceiling). It does so ``--rounds`` times and reports each row's
median and range over the rounds, then the issue's targets as ratios of rows of the same
round: a 2-core machine's round trip drifts from one minute to the next more than the clients
differ. Writes ``<out>.json`` (every slice) and ``<out>.md``.

The server runs on the last CPU and every client on the others (``--no-pin`` leaves placement
to the scheduler). On a virtual machine whose idle CPUs halt, a round trip between two CPUs
costs a wake of a halted one, and one on a shared CPU does not: unpinned, a sync row swings
threefold with where the scheduler happened to put the two processes. Pinned, every client
crosses between CPUs for every round trip, as it would over a network.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PUBLISHED_VENV = BENCH / ".venv-published"
PUBLISHED = "aerospike-py==0.14.4"
CLIENTS = ("ours", "published", "official", "rust-crate")
GROUPS = ("sync", "threads", "async")
"""The row groups of bench/workloads.py (sync, 64-thread, async rows): one process per client
for each, the processes of a group taking turns slice by slice."""
TIMEOUT = 900
WORKLOADS = ("put", "get", "batch_read_100 to dicts", "batch_read_100 to numpy")
"""The workloads of bench/workloads.py; the official client has no NumPy batch."""
TARGETS = (
    *(
        (f"{workload} sync vs {other}", ("ours", workload, "sync"), (other, workload, "sync"), 1.0)
        for workload in WORKLOADS
        for other in ("published", "official")
        if not (other == "official" and workload.endswith("numpy"))
    ),
    *(
        (f"{workload} async vs {other}", ("ours", workload, "async 64 in flight"), row, bound)
        for workload in WORKLOADS
        for other, row, bound in (
            ("published", ("published", workload, "async 64 in flight"), 1.5),
            ("official's 64 threads", ("official", workload, "64 threads"), 1.0),
        )
        if not (other.startswith("official") and workload.endswith("numpy"))
    ),
    (
        "get async vs the crate",
        ("ours", "get", "async 64 in flight"),
        ("rust-crate", "get", "64 in flight"),
        0.5,
    ),
)
"""The issue's targets, as (what, our row, baseline row, bound): our row's rate over the
baseline's in the same round must reach the bound."""


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


class Stepped:
    """One client's bench/workloads.py process for one group, told a step at a time what to run."""

    def __init__(self, client: str, python: str, port: int, group: str, errors: IO[bytes]) -> None:
        self.client = client
        self.errors = errors
        self.process = subprocess.Popen(
            [python, str(BENCH / "workloads.py"), client, "--port", str(port), "--group", group],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
        )
        self.failure: str | None = None
        self._unread = b""
        ready = self._answer()
        self.workloads: list[str] = list(ready["ready"]) if ready else []

    def step(self, workload: str, ops: int) -> dict[str, Any] | None:
        """The row of ``workload`` run for ``ops`` operations, or None once the process failed."""
        if self.failure is not None:
            return None
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(
                json.dumps({"workload": workload, "ops": ops}).encode() + b"\n"
            )
            self.process.stdin.flush()
        except OSError:
            self._fail("it stopped reading its steps")
            return None
        return self._answer()

    def finish(self) -> list[dict[str, object]]:
        """Ends the process: its failure, if it had one, as an error row."""
        if self.failure is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                if self.process.wait(timeout=TIMEOUT) != 0:
                    self._fail("it failed when its steps ended")
            except subprocess.TimeoutExpired:
                self._fail(f"it did not end within {TIMEOUT} s of its last step")
        return [] if self.failure is None else [{"client": self.client, "error": self.failure}]

    def close(self) -> None:
        """Kills the process if it still runs (the bench was interrupted) and closes its pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    def _answer(self) -> dict[str, Any] | None:
        """The process's next JSON line; what a client library prints besides is skipped.

        Reads the pipe itself, keeping what follows the line, so that a wait with a time limit
        never misses lines already read.
        """
        assert self.process.stdout is not None
        pipe = self.process.stdout.fileno()
        while True:
            line, complete, rest = self._unread.partition(b"\n")
            if complete:
                self._unread = rest
                if line.startswith(b"{"):
                    answer: dict[str, Any] = json.loads(line)
                    return answer
                continue
            answered, _, _ = select.select([pipe], [], [], TIMEOUT)
            chunk = os.read(pipe, 1 << 16) if answered else b""
            if not chunk:
                self._fail(f"no answer within {TIMEOUT} s" if not answered else "it ended")
                return None
            self._unread += chunk

    def _fail(self, why: str) -> None:
        self.process.kill()
        code = self.process.wait()
        self.errors.seek(0)
        tail = " ".join(self.errors.read()[-300:].decode(errors="replace").split())
        self.failure = f"{why} (exit status {code}): {tail}"


def run_group(
    clients: Sequence[tuple[str, str]], port: int, group: str, ops: int, slices: int
) -> list[dict[str, object]]:
    """One group's rows of every client, the clients taking turns slice by slice.

    Every workload runs in ``slices`` slices of ``ops / slices`` operations, and each slice
    has every client run it once, the first of them rotating: rows compared with each other
    interleave within the same second or so, so the machine's drift falls on all of them.
    """
    rows: list[dict[str, object]] = []
    with contextlib.ExitStack() as stack:
        processes: list[Stepped] = []
        for client, python in clients:
            errors = stack.enter_context(tempfile.TemporaryFile())
            stepped = Stepped(client, python, port, group, errors)
            processes.append(stack.enter_context(contextlib.closing(stepped)))
        workloads = dict.fromkeys(w for process in processes for w in process.workloads)
        for workload in workloads:
            for number in range(slices):
                first = number % len(processes)
                for process in processes[first:] + processes[:first]:
                    if workload in process.workloads:
                        row = process.step(workload, ops // slices)
                        rows += [] if row is None else [{**row, "slice": number + 1}]
        for process in processes:
            rows += process.finish()
    return rows


def per_round(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """A round's slices of a row taken together: their operations over their seconds."""
    merged: dict[tuple[object, ...], dict[str, Any]] = {}
    failures = []
    for row in rows:
        if not isinstance(row.get("ops_per_sec"), float):
            failures.append(row)
            continue
        key = (row["round"], row["client"], row["workload"], row["mode"])
        total = merged.setdefault(key, {**row, "ops": 0, "seconds": 0.0})
        total["ops"] += row["ops"]
        total["seconds"] += row["seconds"]
        total["ops_per_sec"] = total["ops"] / total["seconds"]
    return [*merged.values(), *failures]


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


def targets(rows: list[dict[str, object]]) -> str:
    """Each target's ratio, round by round: rounds drift apart more than the clients differ."""
    rounds: dict[object, dict[tuple[str, str, str], float]] = {}
    for row in rows:
        rate = row.get("ops_per_sec")
        if isinstance(rate, float):
            key = (str(row["client"]), str(row["workload"]), str(row["mode"]))
            rounds.setdefault(row.get("round"), {})[key] = rate
    lines = [
        "| target | ratio (median over rounds) | min | max | bound | met |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for what, ours, baseline, bound in TARGETS:
        ratios = [
            rates[ours] / rates[baseline]
            for rates in rounds.values()
            if ours in rates and baseline in rates
        ]
        if not ratios:
            lines.append(f"| {what} | no paired rounds | | | {bound:.2f} | no |")
            continue
        median = statistics.median(ratios)
        met = "yes" if median >= bound else "**no**"
        spread = f"{min(ratios):.3f} | {max(ratios):.3f}"
        lines.append(f"| {what} | {median:.3f} | {spread} | {bound:.2f} | {met} |")
    return "\n".join(lines) + "\n"


def pin(cpus: set[int] | None) -> None:
    """Puts this process, and the processes it starts from now on, on ``cpus``."""
    if cpus is not None:
        os.sched_setaffinity(0, cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--out", default=str(BENCH / "results" / "latest"))
    parser.add_argument("--rounds", type=int, default=3, help="times to run every client")
    parser.add_argument(
        "--slices", type=int, default=5, help="turns the clients take at each row of a round"
    )
    parser.add_argument("--published-wheel", help="path of the aerospike-py 0.14.4 wheel")
    parser.add_argument(
        "--no-pin", action="store_true", help="leave the processes' CPUs to the scheduler"
    )
    args = parser.parse_args()
    if not 1 <= args.rounds <= 20:
        raise SystemExit(f"--rounds must be between 1 and 20, got {args.rounds}")
    if not 1 <= args.slices <= args.ops // 100:
        raise SystemExit(f"--slices must be between 1 and --ops / 100, got {args.slices}")
    ceiling = str(release_binary(BENCH / "ceiling", "aerospike-ceiling"))
    published = str(published_python(args.published_wheel))
    cpus = sorted(os.sched_getaffinity(0))
    pinned = len(cpus) >= 2 and not args.no_pin
    port = free_port()
    pin({cpus[-1]} if pinned else None)
    server = start_server(port)
    pin(set(cpus[:-1]) if pinned else None)
    clients = (("ours", sys.executable), ("published", published), ("official", sys.executable))
    rows: list[dict[str, object]] = []
    try:
        for round_number in range(1, args.rounds + 1):
            found = []
            for group in GROUPS:
                found += run_group(clients, port, group, args.ops, args.slices)
            found += rows_of("rust-crate", [ceiling, f"127.0.0.1:{port}", str(args.ops)])
            rows += [{**row, "round": round_number} for row in found]
    finally:
        server.terminate()
        server.wait(timeout=30)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    placement = (
        f"Server on CPU {cpus[-1]}, clients on CPUs {', '.join(map(str, cpus[:-1]))}."
        if pinned
        else "Processes placed by the scheduler."
    )
    rounds = per_round(rows)
    report = f"{placement}\n\n{table(rounds)}\n{targets(rounds)}"
    Path(args.out + ".json").write_text(json.dumps(rows, indent=2) + "\n")
    Path(args.out + ".md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
