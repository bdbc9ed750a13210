"""The report's tables, from results shaped as the harness writes them."""

from __future__ import annotations

from typing import Any

from loadtest.report import markdown


def measured(rate: float, p99: float) -> dict[str, Any]:
    summary = {"count": 100, "p50": 1.0, "p90": 2.0, "p99": p99, "p99_9": p99, "max": p99}
    return {"offered_rate": rate, "ok_rate": rate, "statuses": {"200": summary}}


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
