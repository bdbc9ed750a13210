"""The report's tables, from results shaped as the harness writes them."""

from __future__ import annotations

from typing import Any

from loadtest.report import markdown, targets


def measured(rate: float, p99: float, status: str = "200") -> dict[str, Any]:
    summary = {"count": 100, "p50": 1.0, "p90": 2.0, "p99": p99, "p99_9": p99, "max": p99}
    return {"offered_rate": rate, "ok_rate": rate, "statuses": {status: summary}}


def overload(
    points: list[dict[str, Any]], backpressure: bool | None, floor: bool
) -> dict[str, Any]:
    return {"subject": "s", "backpressure": backpressure, "floor": floor, "points": points}


def test_a_rate_offered_twice_reports_its_second_try_at_the_knee() -> None:
    results = {
        "command": "python -m loadtest.run",
        "started": "2026-12-01 15:00 UTC",
        "machine": {"cores": 2, "load_before": [0.1, 0.1, 0.1], "load_after": [0.2, 0.2, 0.2]},
        "sweeps": [
            {
                "subject": "ours w2 rt2",
                "knobs": {},
                "scenario": "get",
                "knee": 800.0,
                "points": [measured(400, 2.0), measured(800, 90.0), measured(800, 3.5)],
            }
        ],
        "overload": [],
    }
    row = next(line for line in markdown(results).splitlines() if line.startswith("| ours"))
    assert row.split(" | ")[2:7] == ["800", "800", "1.0", "2.0", "3.5"]


def test_the_overload_p99_target_shows_the_floor_at_the_same_rate() -> None:
    on = overload(
        [{**measured(500, 2.0), "factor": 0.5}, {**measured(3000, 30.0), "factor": 3.0}],
        backpressure=True,
        floor=False,
    )
    floor = overload([{**measured(3000, 3.2, "503"), "factor": 3.0}], None, floor=True)
    rows = targets({"sweeps": [], "overload": [on, floor]})
    assert (
        "p99 of 200s at 3x / at 0.5x knee",
        "15.0x (30.0 / 2.0 ms; answering only 503 there: 3.2 ms)",
        "<= 2x",
        False,
    ) in rows


def sweep(subject: str, knee: float) -> dict[str, Any]:
    return {"subject": subject, "scenario": "get", "knee": knee, "points": [measured(knee, 2.0)]}


def test_the_no_database_share_shows_the_wire_floor_beside_it() -> None:
    sweeps = [sweep("ours w2", 600.0), sweep("memory w2", 1000.0), sweep("wire w2", 800.0)]
    rows = targets({"sweeps": sweeps, "overload": []})
    assert (
        "ours get knee / the same route without a database (memory)",
        "60% (one raw round trip and no client: 80%)",
        ">= 85%",
        False,
    ) in rows
