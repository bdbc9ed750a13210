"""The load-test harness: ``make loadtest`` (full comparison), ``make loadtest-quick``.

    .venv/bin/python -m loadtest.run [--quick] [--apps ours,published,official,memory]
        [--scenarios get,write,batch,mixed] [--rates 200,400] [--duration 4]
        [--gunicorn-workers 2] [--runtime-workers 2] [--max-concurrent-operations 64]
        [--queue-timeout-ms 5000] [--url http://127.0.0.1:8000 --hosts 127.0.0.1:3000]
        [--out loadtest/results/latest]

Starts one dev server (its own process), preloads the records, starts every compared app config
(under gunicorn) at once, and offers each app and scenario rising rates open-loop with the Rust
generator until it finds the knee (``loadtest/knee.py``). The sweeps take turns point by point,
so a machine that speeds up or slows down during the run does so for every app alike. It ends
with overload at 3x ours' single-get knee with backpressure on and off, and the floor (an app
that only answers 503) at that rate. ``--url`` and ``--hosts`` target an app and cluster
already running instead (loopback only). Writes ``<out>.json``, ``<out>.md`` and
``<out>-*.png``.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
import shlex
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench.run import ROOT, free_port, start_server
from loadtest import plan
from loadtest.generator import Load, loadgen_binary, offer
from loadtest.knee import Point, knee, needs_second_try, next_rate
from loadtest.report import write
from loadtest.scenarios import SCENARIOS, preload
from loadtest.services import APPS, App, AppConfig, AppName

__all__ = ["main"]

DEFAULT_OUT = ROOT / "loadtest" / "results" / "latest"
WARMUP_RATE, WARMUP_SECONDS = 100.0, 1.0
PAUSE_SECONDS = 0.5
"""Between points, so what one point left queued does not spill into the next."""
QUICK = plan.Pace(duration=1.5, max_points=5)


def _loopback(host: str) -> str:
    """``host`` if it resolves to a loopback address; the harness sends nowhere else."""
    address = socket.getaddrinfo(host, None)[0][4][0]
    if not ipaddress.ip_address(address).is_loopback:
        raise SystemExit(f"{host} is not a loopback address: the harness only loads this machine")
    return host


def _hosts(text: str) -> str:
    for entry in text.split(","):
        host, _, port = entry.strip().rpartition(":")
        if not port.isdigit():
            raise SystemExit(f"AEROSPIKE_HOSTS entry {entry!r} is not host:port")
        _loopback(host.strip("[]"))
    return text


def _csv(choices: Sequence[str]) -> Any:
    def parse(text: str) -> tuple[str, ...]:
        values = tuple(v.strip() for v in text.split(",") if v.strip())
        unknown = [v for v in values if v not in choices]
        if unknown or not values:
            raise argparse.ArgumentTypeError(f"{unknown or text!r}: choose from {choices}")
        return values

    return parse


def _rates(text: str) -> tuple[float, ...]:
    try:
        rates = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of rates") from None
    if not rates or not all(0 < r <= 100_000 for r in rates):
        raise argparse.ArgumentTypeError(f"rates {text!r} must be in (0, 100000]")
    return rates


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.run", description=(__doc__ or "").splitlines()[0]
    )
    scenarios = [name for name in SCENARIOS if name != "no-db"]
    parser.add_argument("--quick", action="store_true", help="a short comparison (~2 min)")
    parser.add_argument("--apps", type=_csv(APPS), default=APPS)
    parser.add_argument("--scenarios", type=_csv(scenarios), default=tuple(scenarios))
    parser.add_argument("--rates", type=_rates, help="fixed offered rates instead of a sweep")
    parser.add_argument("--duration", type=float, help="seconds per point (3; quick 1.5)")
    parser.add_argument("--max-points", type=int, help="points per sweep at most (9; quick 5)")
    parser.add_argument("--start-rate", type=float, default=plan.Pace.start_rate)
    parser.add_argument("--connections", type=int, default=128)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--runtime-workers", type=int, default=2)
    parser.add_argument("--max-concurrent-operations", type=int, default=64)
    parser.add_argument("--queue-timeout-ms", type=int, default=5000)
    parser.add_argument(
        "--overload-max-concurrent-operations",
        type=int,
        default=4,
        help="the admission limit with backpressure on, at overload",
    )
    parser.add_argument("--overload-queue-timeout-ms", type=int, default=10)
    parser.add_argument(
        "--shed-lag-ms",
        type=float,
        default=50.0,
        help="event-loop lag at which ours answers 503 (AEROSPIKE_SHED_EVENT_LOOP_LAG_MS)",
    )
    parser.add_argument(
        "--overload-shed-lag-ms",
        type=float,
        default=2.0,
        help="the same with backpressure on, at overload",
    )
    parser.add_argument("--url", help="an app already running (loopback), instead of ours")
    parser.add_argument("--hosts", help="its cluster (default: $AEROSPIKE_HOSTS)")
    parser.add_argument("--namespace", default=os.environ.get("AEROSPIKE_NAMESPACE", "test"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output path prefix")
    parser.add_argument("--no-plots", action="store_true")
    return parser


def _pace(args: argparse.Namespace) -> plan.Pace:
    base = QUICK if args.quick else plan.Pace()
    duration = args.duration if args.duration is not None else base.duration
    max_points = args.max_points if args.max_points is not None else base.max_points
    if not 0 < duration <= 60 or not 1 <= max_points <= 20:
        raise SystemExit("--duration must be in (0, 60] s and --max-points in 1..20")
    return plan.Pace(
        duration=duration,
        max_points=max_points,
        start_rate=args.start_rate,
        rates=args.rates or (),
        connections=args.connections,
    )


def _stages(args: argparse.Namespace) -> list[plan.Stage]:
    if args.url:
        split = urlsplit(args.url)
        if split.scheme != "http" or not split.hostname or not split.port:
            raise SystemExit(f"--url {args.url!r} is not http://host:port")
        return plan.external(f"{_loopback(split.hostname)}:{split.port}", args.scenarios)
    base = AppConfig(
        "ours",
        gunicorn_workers=args.gunicorn_workers,
        runtime_workers=args.runtime_workers,
        max_concurrent_operations=args.max_concurrent_operations,
        queue_timeout_ms=args.queue_timeout_ms,
        shed_lag_ms=args.shed_lag_ms,
    )
    apps: tuple[AppName, ...] = args.apps
    overload = (
        args.overload_max_concurrent_operations,
        args.overload_queue_timeout_ms,
        args.overload_shed_lag_ms,
    )
    if args.quick:
        return plan.quick(base, apps, overload)
    return plan.full(base, args.scenarios, apps, overload)


@contextmanager
def _cluster(args: argparse.Namespace) -> Iterator[str]:
    """``host:port,...`` of the cluster: the user's, or a dev server of our own."""
    if args.url:
        hosts = args.hosts or os.environ.get("AEROSPIKE_HOSTS")
        if not hosts:
            raise SystemExit("--url needs --hosts (or AEROSPIKE_HOSTS) to preload records")
        yield _hosts(hosts)
        return
    port = free_port()
    server = start_server(port)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def _serving(subject: plan.Subject, hosts: str, logs: Path) -> Iterator[str]:
    """The subject's host:port while it serves."""
    if isinstance(subject, plan.External):
        yield subject.target
        return
    with App(subject, hosts, logs) as app:
        yield app.target


@dataclass
class Sweep:
    """One subject and scenario on its way to the knee."""

    target: str
    subject: plan.Subject
    scenario: str
    points: list[Point] = field(default_factory=list)
    measured: list[dict[str, Any]] = field(default_factory=list)


class Runner:
    """Runs the points (the sweeps' in turns, then the overload stages'), with a progress bar,
    collecting the results."""

    def __init__(self, binary: Path, pace: plan.Pace, progress: Progress, task: Any) -> None:
        self.binary, self.pace, self.progress, self.task = binary, pace, progress, task
        self.results: dict[str, Any] = {"sweeps": [], "overload": []}
        self.knees: dict[tuple[str, str], float | None] = {}

    def point(self, target: str, scenario: str, rate: float, label: str) -> dict[str, Any]:
        self.progress.update(self.task, description=f"{label} {scenario} {rate:,.0f}/s")
        started = time.monotonic()
        load = Load(
            target,
            rate,
            self.pace.duration,
            SCENARIOS[scenario],
            connections=self.pace.connections,
            timeout=self.pace.timeout,
        )
        result = offer(self.binary, load)
        time.sleep(PAUSE_SECONDS)
        self.progress.advance(self.task, time.monotonic() - started)
        statuses = ", ".join(
            f"{s} {v['count']} p99 {v['p99']:.1f} ms" for s, v in result["statuses"].items()
        )
        self.progress.console.print(
            f"{label} | {scenario} | offered {rate:,.0f}/s, "
            f"2xx {result['ok_rate']:,.0f}/s | {statuses}",
            soft_wrap=True,
        )
        return result

    def sweeps(self, sweeps: Sequence[Sweep]) -> None:
        """Every sweep to its knee, one point of each in turn."""
        running = list(sweeps)
        while running:
            for sweep in list(running):
                rate = self.next_rate(sweep.points)
                if rate is None:
                    running.remove(sweep)
                else:
                    self.sweep_point(sweep, rate)
        for sweep in sweeps:
            found = knee(sweep.points)
            self.knees[(sweep.subject.name, sweep.scenario)] = found.offered if found else None
            self.results["sweeps"].append(
                {
                    "subject": sweep.subject.name,
                    "knobs": _knobs(sweep.subject),
                    "scenario": sweep.scenario,
                    "knee": found.offered if found else None,
                    "points": sweep.measured,
                }
            )

    def next_rate(self, points: Sequence[Point]) -> float | None:
        if self.pace.rates:
            return self.pace.rates[len(points)] if len(points) < len(self.pace.rates) else None
        return next_rate(points, self.pace.start_rate, self.pace.max_points)

    def sweep_point(self, sweep: Sweep, rate: float) -> None:
        """One point of ``sweep``, offered twice if it fails the first time."""
        name = sweep.subject.name
        result = self.point(sweep.target, sweep.scenario, rate, name)
        sweep.measured.append(result)
        if not self.pace.rates and needs_second_try(sweep.points, Point.of(result)):
            result = self.point(sweep.target, sweep.scenario, rate, f"{name} (second try)")
            sweep.measured.append(result)
        sweep.points.append(Point.of(result))

    def overload(self, target: str, stage: plan.OverloadStage) -> None:
        reference = self.knees.get(stage.reference)
        if not reference:
            self.progress.console.print(f"{stage.subject.name}: no knee for {stage.reference}")
            return
        points = []
        for factor in stage.factors:
            result = self.point(target, stage.scenario, reference * factor, stage.subject.name)
            points.append({"factor": factor, **result})
        self.results["overload"].append(
            {
                "subject": stage.subject.name,
                "knobs": _knobs(stage.subject),
                "backpressure": stage.backpressure,
                "floor": stage.floor,
                "scenario": stage.scenario,
                "reference": list(stage.reference),
                "reference_knee": reference,
                "points": points,
            }
        )

    def warm_up(self, target: str) -> None:
        """Every worker's client connected and its code paths run once, unmeasured."""
        offer(self.binary, Load(target, WARMUP_RATE, WARMUP_SECONDS, SCENARIOS["mixed"]))


def _knobs(subject: plan.Subject) -> dict[str, Any] | None:
    if isinstance(subject, plan.External):
        return None
    return {
        "app": subject.app,
        "gunicorn_workers": subject.gunicorn_workers,
        "runtime_workers": subject.runtime_workers,
        "max_concurrent_operations": subject.max_concurrent_operations,
        "queue_timeout_ms": subject.queue_timeout_ms,
        "shed_lag_ms": subject.shed_lag_ms,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    pace = _pace(args)
    stages = _stages(args)
    console = Console(stderr=True)
    estimate = pace.estimate(stages)
    console.print(f"{len(stages)} stages; at most about {estimate / 60:.0f} min")
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = [round(x, 2) for x in os.getloadavg()]
    binary = loadgen_binary()
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with (
        _cluster(args) as hosts,
        tempfile.TemporaryDirectory(prefix="loadtest-") as logs,
        Progress(*columns, console=console) as progress,
    ):
        preload(
            [(h.rpartition(":")[0], int(h.rpartition(":")[2])) for h in hosts.split(",")],
            args.namespace,
        )
        task = progress.add_task("starting", total=estimate)
        runner = Runner(binary, pace, progress, task)
        with ExitStack() as serving:
            sweeps = []
            for stage in stages:
                if isinstance(stage, plan.SweepStage):
                    progress.update(task, description=f"starting {stage.subject.name}")
                    target = serving.enter_context(_serving(stage.subject, hosts, Path(logs)))
                    runner.warm_up(target)
                    sweeps += [Sweep(target, stage.subject, s) for s in stage.scenarios]
            runner.sweeps(sweeps)
        for stage in stages:
            if isinstance(stage, plan.OverloadStage):
                progress.update(task, description=f"starting {stage.subject.name}")
                with _serving(stage.subject, hosts, Path(logs)) as target:
                    runner.warm_up(target)
                    runner.overload(target, stage)
        progress.update(task, completed=estimate)
    results = {
        "command": shlex.join(["python", "-m", "loadtest.run", *(argv or sys.argv[1:])]),
        "started": started,
        "machine": {
            "cores": os.cpu_count(),
            "load_before": load_before,
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
        **runner.results,
    }
    for path in write(results, args.out, plots=not args.no_plots):
        console.print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
