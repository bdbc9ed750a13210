"""The knee rule and the sweep's next rate, as pure functions."""

from __future__ import annotations

from loadtest.knee import P99_FLOOR_MS, Point, holds, knee, needs_second_try, next_rate


def point(offered: float, ok_rate: float | None = None, p99: float | None = 2.0) -> Point:
    return Point(offered, offered if ok_rate is None else ok_rate, p99)


def test_a_point_holds_while_it_keeps_up_and_its_p99_stays_bounded() -> None:
    assert holds(point(1000, ok_rate=960), baseline_p99_ms=2.0)
    assert not holds(point(1000, ok_rate=940), baseline_p99_ms=2.0)
    assert holds(point(1000, p99=P99_FLOOR_MS), baseline_p99_ms=1.0)
    assert not holds(point(1000, p99=P99_FLOOR_MS + 1), baseline_p99_ms=1.0)
    assert holds(point(1000, p99=49.0), baseline_p99_ms=10.0)  # 5 x the baseline
    assert not holds(point(1000, p99=None), baseline_p99_ms=1.0)  # no 2xx at all


def test_the_knee_is_the_last_rate_that_held_before_the_first_that_did_not() -> None:
    points = [point(200), point(1600, ok_rate=1000), point(400), point(800, p99=3.0)]
    assert knee(points) == point(800, p99=3.0)
    # A later rate that happens to hold again does not move the knee past a failure.
    assert knee([*points, point(3200)]) == point(800, p99=3.0)
    assert knee([point(200, ok_rate=10)]) is None
    assert knee([]) is None


def test_the_sweep_doubles_then_bisects_then_stops() -> None:
    assert next_rate([], start=200, max_points=7) == 200
    assert next_rate([point(200), point(400)], start=200, max_points=7) == 800
    failed = [point(200), point(400), point(800, ok_rate=500)]
    assert round(next_rate(failed, start=200, max_points=7) or 0) == 566  # sqrt(400 x 800)
    assert next_rate(failed, start=200, max_points=3) is None
    close = [point(400), point(436, ok_rate=100)]
    assert next_rate(close, start=400, max_points=7) is None  # within 1.1x: found
    assert next_rate([point(400), point(460, ok_rate=100)], start=400, max_points=7) is not None


def test_the_sweep_halves_when_even_the_first_rate_fails() -> None:
    assert next_rate([point(200, ok_rate=50)], start=200, max_points=7) == 100
    assert next_rate([point(10, ok_rate=1)], start=10, max_points=7) is None


def test_a_failing_point_gets_a_second_try_judged_against_the_lowest_rate() -> None:
    swept = [point(400, p99=2.0), point(800, p99=2.5)]
    assert not needs_second_try(swept, point(1600, p99=9.0))
    assert needs_second_try(swept, point(1600, p99=P99_FLOOR_MS + 1))
    assert needs_second_try(swept, point(1600, ok_rate=1000))
    assert not needs_second_try([], point(400, p99=80.0))  # the first point is its own baseline
    assert needs_second_try([], point(400, ok_rate=100))
    # A halving sweep judges a new, lower rate against itself as the new baseline.
    assert not needs_second_try([point(400, ok_rate=100)], point(200, p99=30.0))
