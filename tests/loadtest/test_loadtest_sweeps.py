"""The sweeps take turns point by point, so a machine that drifts does so for every app alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.progress import Progress

from loadtest.plan import STARTUP_SECONDS, External, Pace, SweepStage
from loadtest.run import Runner, Sweep


class ScriptedRunner(Runner):
    """Answers each point from ``capacity`` (target -> the rate it keeps up with), in order."""

    def __init__(self, pace: Pace, capacity: dict[str, float]) -> None:
        progress = Progress(disable=True)
        super().__init__(Path("loadgen"), pace, progress, progress.add_task("t"))
        self.capacity = capacity
        self.offered: list[tuple[str, float]] = []

    def point(self, target: str, scenario: str, rate: float, label: str) -> dict[str, Any]:
        self.offered.append((target, rate))
        ok_rate = min(rate, self.capacity[target])
        summary = {"count": 1, "p50": 1.0, "p90": 1.0, "p99": 2.0, "p99_9": 2.0, "max": 2.0}
        return {"offered_rate": rate, "ok_rate": ok_rate, "statuses": {"200": summary}}


def sweep(target: str) -> Sweep:
    return Sweep(target, External(target), "get")


def test_fixed_rates_alternate_between_the_sweeps() -> None:
    runner = ScriptedRunner(Pace(rates=(100.0, 200.0)), {"a": 1e9, "b": 1e9})
    runner.sweeps([sweep("a"), sweep("b")])
    assert runner.offered == [("a", 100.0), ("b", 100.0), ("a", 200.0), ("b", 200.0)]
    assert [(s["subject"], s["knee"]) for s in runner.results["sweeps"]] == [
        ("app at a", 200.0),
        ("app at b", 200.0),
    ]


def test_a_sweep_that_ends_early_leaves_the_others_running() -> None:
    runner = ScriptedRunner(Pace(start_rate=100.0, max_points=3), {"a": 150.0, "b": 1e9})
    runner.sweeps([sweep("a"), sweep("b")])
    # a fails at 200 (offered a second time), bisects to 141 and stops at three points.
    assert runner.offered == [
        ("a", 100.0),
        ("b", 100.0),
        ("a", 200.0),
        ("a", 200.0),
        ("b", 200.0),
        ("a", 141.4213562373095),
        ("b", 400.0),
    ]
    assert runner.knees == {("app at a", "get"): 141.4213562373095, ("app at b", "get"): 400.0}


def test_the_printed_bound_covers_a_sweep_whose_every_point_fails_once() -> None:
    pace = Pace(start_rate=1000.0, max_points=5)
    runner = ScriptedRunner(pace, {"a": 0.0})
    runner.sweeps([sweep("a")])
    # Nothing holds: the rate halves at every point and each is offered twice.
    assert runner.offered == [("a", 1000.0 / 2**i) for i in range(5) for _ in range(2)]
    stage = SweepStage(External("a"), ("get",))
    assert pace.estimate([stage]) == STARTUP_SECONDS + len(runner.offered) * pace.point_seconds()
