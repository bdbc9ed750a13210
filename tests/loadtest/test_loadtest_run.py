"""The harness end to end, bounded: dev server, the sample under gunicorn, the real generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtest.run import main

pytestmark = pytest.mark.devserver_only


def test_a_quick_run_writes_json_markdown_and_plots(tmp_path: Path) -> None:
    out = tmp_path / "result"
    args = ["--quick", "--apps", "ours", "--rates", "100", "--duration", "0.5"]
    assert main([*args, "--out", str(out)]) == 0

    results = json.loads((tmp_path / "result.json").read_text())
    assert [(s["scenario"], s["knee"]) for s in results["sweeps"]] == [
        ("no-db", 100.0),
        ("get", 100.0),
    ]
    points = [p for s in results["sweeps"] for p in s["points"]]
    points += [p for stage in results["overload"] for p in stage["points"]]
    assert len(points) == 2 + 2 * 2 + 1
    for point in points:
        counted = sum(summary["count"] for summary in point["statuses"].values())
        assert counted == point["planned"] == round(point["offered_rate"] * 0.5)
        unsent = point["statuses"].get("unsent", {}).get("count", 0)
        assert point["sent"] == counted - unsent
        answered = point["statuses"].get("200") or point["statuses"]["503"]
        assert {"p50", "p90", "p99", "p99_9", "max"} <= set(answered)
    assert [(s["backpressure"], s["floor"]) for s in results["overload"]] == [
        (True, False),
        (False, False),
        (None, True),
    ]
    assert [p["offered_rate"] for p in results["overload"][0]["points"]] == [50.0, 300.0]
    floor = results["overload"][2]["points"]
    assert [(p["offered_rate"], set(p["statuses"])) for p in floor] == [(300.0, {"503"})]

    report = (tmp_path / "result.md").read_text()
    assert "| ours w2 rt2 mco64 q5000 lag50 | get | 100 |" in report
    assert "## Overload" in report
    assert "## The generator on the no-database route" in report
    plots = sorted(p.name for p in tmp_path.glob("result-*.png"))
    assert len(plots) == 3
    assert all((tmp_path / p).stat().st_size > 10_000 for p in plots)
