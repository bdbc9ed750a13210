"""The knee of a rate sweep, and the sweep that looks for it (pure functions).

The rule: a point *holds* when its 2xx answers per second reach ``OK_SHARE`` (95%) of the
offered rate and the p99 of its 2xx stays at most ``max(P99_FLOOR_MS, P99_GROWTH x`` the p99
at the lowest rate swept``)``. The knee is the highest offered rate of the points that hold,
going up from the lowest, before the first point that does not: past it the service either
drops behind the offered load or queues it.

The sweep starts at a rate, doubles while points hold, then bisects (geometric mean) between
the knee and the first failing rate until they are within ``RESOLUTION`` or the points run out;
if even the first point fails it halves. A point that fails is offered once more, and only
its second try counts (``needs_second_try``): on a small shared machine one stall of another
process can push a single p99 past the bound, and one such stall must not set the knee.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "OK_SHARE",
    "P99_FLOOR_MS",
    "P99_GROWTH",
    "Point",
    "holds",
    "knee",
    "needs_second_try",
    "next_rate",
]

OK_SHARE = 0.95
P99_GROWTH = 5.0
P99_FLOOR_MS = 25.0
RESOLUTION = 1.1
"""Finer than the targets' margins (85% of the ceiling is one 1.18x step below it)."""
MIN_RATE = 10.0
MAX_RATE = 50_000.0


@dataclass(frozen=True)
class Point:
    """One offered rate and what came back: 2xx per second and their p99 (None: no 2xx)."""

    offered: float
    ok_rate: float
    ok_p99_ms: float | None

    @classmethod
    def of(cls, result: dict[str, Any]) -> Point:
        """From a generator result: the 2xx statuses merged by their worst p99."""
        ok = [s for status, s in result["statuses"].items() if status.startswith("2")]
        p99 = max((s["p99"] for s in ok), default=None)
        return cls(float(result["offered_rate"]), float(result["ok_rate"]), p99)


def holds(point: Point, baseline_p99_ms: float) -> bool:
    """Whether the service kept up at this point (see the module's rule)."""
    if point.ok_p99_ms is None or point.ok_rate < OK_SHARE * point.offered:
        return False
    return point.ok_p99_ms <= max(P99_FLOOR_MS, P99_GROWTH * baseline_p99_ms)


def _split(points: Sequence[Point]) -> tuple[Point | None, Point | None]:
    """The knee and the first point above it that fails, in ascending order of rate."""
    ordered = sorted(points, key=lambda p: p.offered)
    if not ordered:
        return None, None
    baseline = ordered[0].ok_p99_ms
    best = None
    for point in ordered:
        if baseline is None or not holds(point, baseline):
            return best, point
        best = point
    return best, None


def needs_second_try(points: Sequence[Point], new: Point) -> bool:
    """Whether ``new`` fails against the sweep so far (``points``), so it is offered again."""
    ordered = sorted([*points, new], key=lambda p: p.offered)
    baseline = ordered[0].ok_p99_ms
    return baseline is None or not holds(new, baseline)


def knee(points: Sequence[Point]) -> Point | None:
    """The highest rate that held before the first that did not; None if none held."""
    return _split(points)[0]


def next_rate(points: Sequence[Point], start: float, max_points: int) -> float | None:
    """The next rate to offer, or None when the knee is found closely enough."""
    if not points:
        return start
    if len(points) >= max_points:
        return None
    best, failed = _split(points)
    if failed is None:
        assert best is not None
        doubled = best.offered * 2
        return doubled if doubled <= MAX_RATE else None
    if best is None:
        halved = failed.offered / 2
        return halved if halved >= MIN_RATE else None
    if failed.offered / best.offered <= RESOLUTION:
        return None
    return math.sqrt(best.offered * failed.offered)
