"""What a load run under a fault did, call by call, and its rates over time (and their plot)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aerospike_py import AerospikeError

BIN_S = 0.25
"""Width of a rate bin: fine enough to see the cluster's reaction, wide enough to count."""


@dataclass(frozen=True)
class Call:
    """One client call: when it began and ended (seconds into the run), and how."""

    began: float
    ended: float
    writes: bool
    name: str
    error: AerospikeError | None


def rates(calls: list[Call], until: float) -> tuple[list[float], list[float], list[float]]:
    """Bin starts, then completed and failed calls per second in each bin (by end time)."""
    bins = int(until / BIN_S) + 1
    completed, failed = [0.0] * bins, [0.0] * bins
    for call in calls:
        index = min(int(call.ended / BIN_S), bins - 1)
        (completed if call.error is None else failed)[index] += 1 / BIN_S
    return [i * BIN_S for i in range(bins)], completed, failed


def rate_between(calls: list[Call], start: float, end: float) -> float:
    """Completed calls per second that ended in ``[start, end)``."""
    done = sum(1 for c in calls if c.error is None and start <= c.ended < end)
    return done / (end - start)


def recovery_after(calls: list[Call], fault_at: float, baseline: float, share: float) -> float:
    """Seconds from ``fault_at`` to the end of the first half second after it whose completed
    rate is ``share`` of ``baseline`` again (infinity if none)."""
    end = max(c.ended for c in calls)
    start = fault_at
    while start + 0.5 <= end:
        if rate_between(calls, start, start + 0.5) >= share * baseline:
            return start + 0.5 - fault_at
        start += BIN_S
    return float("inf")


def plot(path: Path, calls: list[Call], marks: dict[str, float], title: str) -> None:
    """Requests and errors per second over the run, with a vertical line at each mark."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    until = max(c.ended for c in calls)
    times, completed, failed = rates(calls, until)
    figure, axes = pyplot.subplots(figsize=(9, 4))
    axes.step(times, completed, where="post", label="completed / s")
    axes.step(times, failed, where="post", label="errors / s", color="tab:red")
    for label, at in marks.items():
        axes.axvline(at, color="grey", linestyle="--")
        axes.annotate(label, (at, max(completed) * 1.02), ha="center")
    axes.set_xlabel("seconds")
    axes.set_ylabel(f"calls per second ({BIN_S * 1000:.0f} ms bins)")
    axes.set_title(title)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
