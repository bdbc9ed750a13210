"""The bench's verdicts: each target is judged on ratios of rows measured in the same round."""

from __future__ import annotations

from bench.run import targets


def rows(*rounds: dict[tuple[str, str, str], float]) -> list[dict[str, object]]:
    return [
        {"client": client, "workload": workload, "mode": mode, "ops_per_sec": rate, "round": n}
        for n, rates in enumerate(rounds, start=1)
        for (client, workload, mode), rate in rates.items()
    ]


def cells_of(report: str, what: str) -> list[str]:
    """The cells after ``what`` in its line of the report."""
    found = [line for line in report.splitlines() if line.startswith(f"| {what} |")]
    assert len(found) == 1, report
    return [cell.strip() for cell in found[0].strip("|").split("|")][1:]


OURS, OFFICIAL = ("ours", "get", "sync"), ("official", "get", "sync")


def test_a_target_is_met_by_the_median_of_ratios_paired_within_rounds() -> None:
    # The machine slowed down in round 3 while ours ran: medians of the rates taken apart
    # (50 vs 60) would put ours behind, but ours led in two rounds of three.
    report = targets(
        rows(
            {OURS: 100.0, OFFICIAL: 90.0},
            {OURS: 50.0, OFFICIAL: 45.0},
            {OURS: 10.0, OFFICIAL: 60.0},
        )
    )
    assert cells_of(report, "get sync vs official") == ["1.11", "0.17", "1.11", "1.00", "yes"]


def test_a_target_below_its_bound_is_marked_unmet() -> None:
    report = targets(rows({OURS: 95.0, OFFICIAL: 100.0}))
    assert cells_of(report, "get sync vs official") == ["0.95", "0.95", "0.95", "1.00", "**no**"]


def test_a_target_whose_rows_never_ran_in_one_round_is_unmet() -> None:
    report = targets(rows({OURS: 100.0}, {OFFICIAL: 100.0}))
    assert cells_of(report, "get sync vs official") == ["no paired rounds", "", "", "1.00", "no"]
