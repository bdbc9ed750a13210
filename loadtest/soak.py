"""The soak: ``make soak`` (``SOAK_SECONDS``, 600 by default).

    .venv/bin/python -m loadtest.soak [--seconds 600] [--rate 400] [--out loadtest/results/soak]

Mixed traffic (``loadtest/scenarios.py``: 70% get, 20% write, 10% batch) through the sample
service under gunicorn on its own dev server, offered open-loop by the load generator at half
the service's mixed knee (a short sweep finds it, unless ``--rate`` is given), for a bounded
time. Meanwhile the gunicorn processes' resident memory and open descriptors are sampled from
/proc (Linux). After the warm-up, both must stay flat (under ``GROWTH_BOUND``: the median of the
last samples against the median of the first ones after warm-up), every answer must be a 2xx,
and no worker may be replaced. Writes ``<out>.json`` and ``<out>.png``; exits 1 when a bound
fails.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from bench.run import ROOT, free_port, start_server
from loadtest.generator import Load, loadgen_binary, offer
from loadtest.plan import HALF_KNEE, Pace
from loadtest.run import Runner, Sweep
from loadtest.scenarios import SCENARIOS, preload
from loadtest.services import App, AppConfig

__all__ = ["GROWTH_BOUND", "Sample", "Soak", "growth", "main", "soak"]

DEFAULT_OUT = ROOT / "loadtest" / "results" / "soak"
GROWTH_BOUND = 0.05
WARMUP_SHARE = 0.3
"""The first share of the run: allocator arenas, connection pools and caches fill up."""
SAMPLE_SECONDS = 1.0
WINDOW = 5
"""Samples whose median makes each end of the comparison (one stray sample does not count)."""
KNEE_PACE = Pace(duration=1.5, max_points=5, start_rate=200.0)
SCENARIO = "mixed"


@dataclass(frozen=True)
class Sample:
    """The gunicorn master and workers at one moment: resident memory and open descriptors."""

    seconds: float
    rss_bytes: int
    descriptors: int
    pids: tuple[int, ...]


@dataclass
class Soak:
    """What one soak measured, and whether it held."""

    rate: float
    knee: float | None
    seconds: float
    warmup_seconds: float
    samples: list[Sample] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    workers_replaced: bool = False
    rss_growth: float = 0.0
    descriptor_growth: float = 0.0

    @property
    def holds(self) -> bool:
        flat = max(self.rss_growth, self.descriptor_growth) < GROWTH_BOUND
        return flat and self.errors == 0 and not self.workers_replaced


def _process_tree(master: int) -> list[int]:
    """The master and its children (the workers)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *(int(pid) for pid in children)]


def _resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def sample(master: int, started: float) -> Sample:
    pids = _process_tree(master)
    return Sample(
        seconds=time.monotonic() - started,
        rss_bytes=sum(_resident_bytes(pid) for pid in pids),
        descriptors=sum(len(list(Path(f"/proc/{pid}/fd").iterdir())) for pid in pids),
        pids=tuple(sorted(pids)),
    )


def growth(values: Sequence[float]) -> float:
    """How much the last ``WINDOW`` values' median exceeds the first ``WINDOW``'s (0: flat)."""
    window = min(WINDOW, len(values) // 2) or 1
    first = statistics.median(values[:window])
    last = statistics.median(values[-window:])
    return max(0.0, last / first - 1) if first else 0.0


def _mixed_knee(binary: Path, target: str, config: AppConfig, console: Console) -> float | None:
    """The mixed scenario's knee, by a short sweep (``loadtest.run``'s rule and runner)."""
    with Progress(console=console, transient=True) as progress:
        runner = Runner(binary, KNEE_PACE, progress, progress.add_task("knee"))
        runner.sweeps([Sweep(target, config, SCENARIO)])
    return runner.knees[(config.name, SCENARIO)]


def soak(seconds: float, rate: float | None = None, console: Console | None = None) -> Soak:
    """Start a dev server and the sample under gunicorn, find the rate, soak, measure."""
    console = console or Console(stderr=True)
    binary = loadgen_binary()
    config = AppConfig("ours", shed_lag_ms=0)  # the sample's own default: no shedding
    port = free_port()
    server = start_server(port)
    try:
        hosts = f"127.0.0.1:{port}"
        preload([("127.0.0.1", port)])
        with (
            tempfile.TemporaryDirectory(prefix="soak-") as logs,
            App(config, hosts, Path(logs)) as app,
        ):
            knee = None
            if rate is None:
                knee = _mixed_knee(binary, app.target, config, console)
                if knee is None:
                    raise RuntimeError(f"no rate held on the mixed scenario:\n{app.output()}")
                rate = knee * HALF_KNEE
            console.print(f"soaking at {rate:,.0f}/s (knee {knee or '-'}) for {seconds:g} s")
            result = _soak(binary, app, rate, seconds)
            result.knee = knee
            result.errors += app.log.read_text(errors="replace").count("Traceback")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return result


def _soak(binary: Path, app: App, rate: float, seconds: float) -> Soak:
    result = Soak(rate=rate, knee=None, seconds=seconds, warmup_seconds=seconds * WARMUP_SHARE)
    load = Load(app.target, rate, seconds, SCENARIOS[SCENARIO])
    measured: dict[str, Any] = {}
    generator = threading.Thread(target=lambda: measured.update(offer(binary, load)))
    started = time.monotonic()
    generator.start()
    while generator.is_alive():
        result.samples.append(sample(app.process.pid, started))
        generator.join(timeout=SAMPLE_SECONDS)
    if not measured:
        raise RuntimeError("the load generator failed; see its error above")
    result.statuses = {status: s["count"] for status, s in measured["statuses"].items()}
    result.errors = sum(n for status, n in result.statuses.items() if not status.startswith("2"))
    steady = [s for s in result.samples if result.warmup_seconds <= s.seconds <= seconds]
    result.workers_replaced = len({s.pids for s in result.samples}) > 1
    result.rss_growth = growth([s.rss_bytes for s in steady])
    result.descriptor_growth = growth([s.descriptors for s in steady])
    return result


def plot(result: Soak, path: Path) -> None:
    """Resident memory and open descriptors against time, the warm-up shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = [s.seconds for s in result.samples]
    figure, (memory, descriptors) = plt.subplots(2, 1, sharex=True, figsize=(8, 5))
    memory.plot(times, [s.rss_bytes / 2**20 for s in result.samples], color="tab:blue")
    memory.set_ylabel("resident MiB")
    descriptors.plot(times, [s.descriptors for s in result.samples], color="tab:orange")
    descriptors.set_ylabel("open descriptors")
    descriptors.set_xlabel("seconds")
    for axes in (memory, descriptors):
        axes.axvspan(0, result.warmup_seconds, color="grey", alpha=0.15, label="warm-up")
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
    memory.legend(loc="lower right")
    figure.suptitle(
        f"soak: mixed at {result.rate:,.0f}/s, gunicorn master + 2 workers "
        f"(RSS {result.rss_growth:+.1%}, descriptors {result.descriptor_growth:+.1%})"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.soak", description=__doc__)
    parser.add_argument("--seconds", type=float, default=600.0, help="of traffic (10..3600)")
    parser.add_argument("--rate", type=float, help="offered/s instead of half the mixed knee")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output path prefix")
    args = parser.parse_args(argv)
    if not 10 <= args.seconds <= 3600:
        raise SystemExit("--seconds must be in 10..3600")
    console = Console(stderr=True)
    result = soak(args.seconds, args.rate, console)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(asdict(result), indent=2) + "\n")
    plot(result, args.out.with_suffix(".png"))
    first, last = result.samples[0], result.samples[-1]
    console.print(
        f"{'held' if result.holds else 'FAILED'}: {sum(result.statuses.values()):,} requests "
        f"at {result.rate:,.0f}/s, statuses {result.statuses}, errors {result.errors}; "
        f"RSS {first.rss_bytes / 2**20:.0f} -> {last.rss_bytes / 2**20:.0f} MiB, growth after "
        f"warm-up {result.rss_growth:+.1%}; descriptors {first.descriptors} -> "
        f"{last.descriptors}, growth {result.descriptor_growth:+.1%}; workers replaced: "
        f"{result.workers_replaced}; wrote {args.out}.json and .png"
    )
    return 0 if result.holds else 1


if __name__ == "__main__":
    sys.exit(main())
