"""What one harness run does, in order, and how long it may take (decided before anything runs).

The full comparison: every app (ours, published, official, and memory: the same routes with
no database, the framework's ceiling) on the same dev server through a rate sweep per
scenario, the wire floor (memory's get plus one raw round trip to the server: what no client
avoids), the no-database route on ours (the generator's proof), ours with runtime workers 1
and 4, then overload at ``OVERLOAD_FACTOR`` x ours' single-get knee
(and at half the knee, the reference) with backpressure on and off, and the floor: an app that
only answers 503, at the overload rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from loadtest.scenarios import NO_DB
from loadtest.services import AppConfig, AppName

__all__ = [
    "External",
    "OverloadStage",
    "Pace",
    "Stage",
    "Subject",
    "SweepStage",
    "external",
    "full",
    "quick",
]

OVERLOAD_FACTOR = 3.0
HALF_KNEE = 0.5
STARTUP_SECONDS = 8.0
"""Seconds to start an app and warm it up, as counted in the estimate."""


@dataclass(frozen=True)
class External:
    """An app already running at ``target`` (host:port) on a cluster of the user's."""

    target: str

    @property
    def name(self) -> str:
        return f"app at {self.target}"


Subject = AppConfig | External


@dataclass(frozen=True)
class SweepStage:
    """One subject, a rate sweep for each scenario."""

    subject: Subject
    scenarios: tuple[str, ...]


@dataclass(frozen=True)
class OverloadStage:
    """One subject at half and at ``OVERLOAD_FACTOR`` x the reference sweep's knee."""

    subject: Subject
    backpressure: bool | None
    """On, off, or None: the external app's own setting."""
    reference: tuple[str, str]
    """(subject name, scenario) of the sweep whose knee sets the rates."""
    scenario: str = "get"
    factors: tuple[float, ...] = (HALF_KNEE, OVERLOAD_FACTOR)
    floor: bool = False
    """The app only answers 503: the fastest any app can answer at these rates here."""


Stage = SweepStage | OverloadStage


@dataclass(frozen=True)
class Pace:
    """How each point runs: seconds per point, sweep start and length, or fixed rates."""

    duration: float = 3.0
    max_points: int = 9
    start_rate: float = 400.0
    rates: tuple[float, ...] = ()
    connections: int = 128
    timeout: float = 10.0

    def point_seconds(self) -> float:
        """A point's wall time: its schedule, the drain and the process around it."""
        return self.duration + 1.5

    def estimate(self, stages: Sequence[Stage]) -> float:
        """Seconds the stages take at most: every sweep using all its points, and every point
        of a sweep failing once and being offered a second time."""
        points_per_sweep = len(self.rates) or 2 * self.max_points
        seconds = 0.0
        for stage in stages:
            seconds += STARTUP_SECONDS
            if isinstance(stage, SweepStage):
                seconds += len(stage.scenarios) * points_per_sweep * self.point_seconds()
            else:
                seconds += len(stage.factors) * (self.point_seconds() + self.timeout)
        return seconds


def _wire_floor(base: AppConfig, scenarios: Sequence[str], apps: Sequence[AppName]) -> list[Stage]:
    """The get route with one raw round trip and no client, beside the route with none."""
    if "get" in scenarios and "memory" in apps:
        return [SweepStage(replace(base, app="wire"), ("get",))]
    return []


def _overload(base: AppConfig, mco: int, queue_ms: int, shed_lag_ms: float) -> list[Stage]:
    """Backpressure on: the admission limit and load shedding; off: neither; then the floor."""
    reference = (base.name, "get")
    on = replace(
        base, max_concurrent_operations=mco, queue_timeout_ms=queue_ms, shed_lag_ms=shed_lag_ms
    )
    off = replace(base, max_concurrent_operations=0, shed_lag_ms=0)
    floor = OverloadStage(
        replace(base, app="reject"), None, reference, factors=(OVERLOAD_FACTOR,), floor=True
    )
    return [OverloadStage(on, True, reference), OverloadStage(off, False, reference), floor]


def full(
    base: AppConfig,
    scenarios: Sequence[str],
    apps: Sequence[AppName],
    overload: tuple[int, int, float],
) -> list[Stage]:
    """The whole comparison for the chosen apps and scenarios.

    ``overload``: the admission limit, its queue timeout and the shedding lag (ms) when on.
    """
    stages: list[Stage] = []
    for app in apps:
        config = replace(base, app=app)
        extra = (NO_DB,) if app == "ours" else ()
        stages.append(SweepStage(config, (*extra, *scenarios)))
    stages += _wire_floor(base, scenarios, apps)
    if "ours" in apps:
        ours = replace(base, app="ours")
        for runtime_workers in (1, 2, 4):
            if runtime_workers != base.runtime_workers:
                chosen = tuple(s for s in scenarios if s in ("get", "batch"))
                stages.append(SweepStage(replace(ours, runtime_workers=runtime_workers), chosen))
        if "get" in scenarios:
            stages += _overload(ours, *overload)
    return [s for s in stages if not isinstance(s, SweepStage) or s.scenarios]


def quick(
    base: AppConfig, apps: Sequence[AppName], overload: tuple[int, int, float]
) -> list[Stage]:
    """A short comparison: single get on each app, the no-database route, overload."""
    stages: list[Stage] = [
        SweepStage(replace(base, app=app), (NO_DB, "get") if app == "ours" else ("get",))
        for app in apps
    ]
    stages += _wire_floor(base, ("get",), apps)
    if "ours" in apps:
        stages += _overload(replace(base, app="ours"), *overload)
    return stages


def external(target: str, scenarios: Sequence[str]) -> list[Stage]:
    """Sweeps and overload against an app the user runs (its knobs are its own)."""
    subject = External(target)
    stages: list[Stage] = [SweepStage(subject, (NO_DB, *scenarios))]
    if "get" in scenarios:
        stages.append(OverloadStage(subject, None, (subject.name, "get")))
    return stages
