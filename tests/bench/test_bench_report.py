"""The bench's report: slices make a round's row, and each target is judged on ratios of rows
measured in the same round."""

from __future__ import annotations

from bench.run import per_round, targets


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
    assert cells_of(report, "get sync vs official") == ["1.111", "0.167", "1.111", "1.00", "yes"]


def test_a_target_below_its_bound_is_marked_unmet() -> None:
    report = targets(rows({OURS: 95.0, OFFICIAL: 100.0}))
    assert cells_of(report, "get sync vs official") == ["0.950", "0.950", "0.950", "1.00", "**no**"]


def test_a_target_whose_rows_never_ran_in_one_round_is_unmet() -> None:
    report = targets(rows({OURS: 100.0}, {OFFICIAL: 100.0}))
    assert cells_of(report, "get sync vs official") == ["no paired rounds", "", "", "1.00", "no"]


def test_a_rounds_slices_make_one_row_of_their_operations_over_their_seconds() -> None:
    def sliced(round_number: int, ops: int, seconds: float) -> dict[str, object]:
        row = {"client": "ours", "workload": "get", "mode": "sync", "round": round_number}
        return {**row, "ops": ops, "seconds": seconds, "ops_per_sec": ops / seconds}

    failure = {"client": "official", "error": "it ended (exit status 1): ", "round": 1}
    merged = per_round([sliced(1, 100, 0.01), sliced(1, 100, 0.03), failure, sliced(2, 50, 0.01)])
    assert [(row["round"], row["ops"], row["ops_per_sec"]) for row in merged[:2]] == [
        (1, 200, 200 / 0.04),
        (2, 50, 50 / 0.01),
    ]
    assert merged[2:] == [failure]
