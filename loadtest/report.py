"""The harness's outputs from its results: JSON, a paste-ready markdown report, PNG plots.

Results are plain JSON: ``sweeps`` (per subject and scenario, every point the generator
measured and the knee) and ``overload`` (the points at multiples of a knee).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from loadtest.knee import OK_SHARE, P99_FLOOR_MS, P99_GROWTH
from loadtest.scenarios import NO_DB

__all__ = ["markdown", "plot", "write"]

Results = dict[str, Any]
PERCENTILES = ("p50", "p90", "p99", "p99_9")
TARGET_NO_DB_SHARE = 0.85
TARGET_OVER_PUBLISHED = 1.3
TARGET_P99_GROWTH = 2.0
BUSY = [
    "**The machine was busy when the run started (load average 1.0 or more): other work "
    "shared the cores, so these figures are not comparable.**",
    "",
]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _ok(result: dict[str, Any]) -> dict[str, Any] | None:
    """The 2xx summary of a point (the largest 2xx status: one per route here)."""
    ok = [s for status, s in result["statuses"].items() if status.startswith("2")]
    return max(ok, key=lambda s: s["count"], default=None)


def _knee_point(sweep: dict[str, Any]) -> dict[str, Any] | None:
    """The last point at the knee's rate: a rate offered twice counts by its second try."""
    at_knee = (p for p in reversed(sweep["points"]) if p["offered_rate"] == sweep["knee"])
    return next(at_knee, None)


def _sweep(results: Results, subject_prefix: str, scenario: str) -> dict[str, Any] | None:
    return next(
        (
            s
            for s in results["sweeps"]
            if s["subject"].startswith(subject_prefix) and s["scenario"] == scenario
        ),
        None,
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], text_columns: int) -> list[str]:
    """A markdown table; the first ``text_columns`` columns left-aligned, numbers right."""
    aligns = ["---"] * text_columns + ["---:"] * (len(header) - text_columns)
    return [f"| {' | '.join(row)} |" for row in (header, aligns, *rows)]


def _knees(results: Results) -> list[str]:
    rows = []
    for sweep in results["sweeps"]:
        point = _knee_point(sweep)
        ok = _ok(point) if point else None
        rows.append(
            [
                sweep["subject"],
                sweep["scenario"],
                _rate(sweep["knee"]),
                _rate(point["ok_rate"] if point else None),
                *(_ms(ok[p]) if ok else "-" for p in (*PERCENTILES, "max")),
            ]
        )
    header = ["configuration", "scenario", "knee (offered/s)", "2xx/s"]
    return _table([*header, "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"], rows, 2)


def _overload(results: Results) -> list[str]:
    rows = []
    for stage in results["overload"]:
        shown = {True: "on", False: "off", None: "the app's"}[stage["backpressure"]]
        if stage.get("floor"):
            shown = "none: answers only 503"

        for point in stage["points"]:
            for status, summary in sorted(point["statuses"].items()):
                rows.append(
                    [
                        stage["subject"],
                        shown,
                        status,
                        _rate(point["offered_rate"]),
                        f"{point['factor']:g}",
                        f"{summary['count']:,}",
                        *(_ms(summary[p]) for p in ("p50", "p99", "p99_9", "max")),
                    ]
                )
    header = ["configuration", "backpressure", "status", "offered/s", "x knee", "count"]
    return _table([*header, "p50 ms", "p99 ms", "p99.9 ms", "max ms"], rows, 3)


def _generator(results: Results) -> list[str]:
    rows = []
    for sweep in results["sweeps"]:
        if sweep["scenario"] != NO_DB:
            continue
        for point in sorted(sweep["points"], key=lambda p: p["offered_rate"]):
            rows.append(
                [
                    _rate(point["offered_rate"]),
                    _rate(point["achieved_rate"]),
                    _ms(point["lateness"]["p50"]),
                    _ms(point["lateness"]["p99"]),
                    f"{point['cpu_seconds']:.2f}",
                    f"{point['cpu_seconds'] / point['wall_seconds']:.0%}",
                ]
            )
    header = ["offered/s", "answered/s", "lateness p50 ms", "lateness p99 ms"]
    return _table([*header, "generator CPU s", "of one core"], rows, 0)


def _floor_p99(results: Results, rate: float) -> float | None:
    """The p99 of the app that only answers 503, at ``rate``, if the run measured it."""
    for stage in results["overload"]:
        for point in stage["points"] if stage.get("floor") else ():
            rejected = point["statuses"].get("503")
            if point["offered_rate"] == rate and rejected:
                return float(rejected["p99"])
    return None


def targets(results: Results) -> list[tuple[str, str, str, bool | None]]:
    """The issue's targets: (what, measured, wanted, met; None when not measured)."""
    rows: list[tuple[str, str, str, bool | None]] = []
    ours = _sweep(results, "ours", "get")
    ceiling = _sweep(results, "memory", "get")
    wire = _sweep(results, "wire", "get")
    published = _sweep(results, "published", "get")
    if ours and ours["knee"] and ceiling and ceiling["knee"]:
        share = ours["knee"] / ceiling["knee"]
        beside = ""
        if wire and wire["knee"]:
            beside = f" (one raw round trip and no client: {wire['knee'] / ceiling['knee']:.0%})"
        rows.append(
            (
                "ours get knee / the same route without a database (memory)",
                f"{share:.0%}{beside}",
                f">= {TARGET_NO_DB_SHARE:.0%}",
                share >= TARGET_NO_DB_SHARE,
            )
        )
    if ours and ours["knee"] and published and published["knee"]:
        ratio = ours["knee"] / published["knee"]
        wanted = f">= {TARGET_OVER_PUBLISHED:g}x"
        met = ratio >= TARGET_OVER_PUBLISHED
        rows.append(("ours get knee / published get knee", f"{ratio:.2f}x", wanted, met))
    for stage in results["overload"]:
        if stage["backpressure"] is not True or len(stage["points"]) < 2:
            continue
        half, over = stage["points"][0], stage["points"][-1]
        statuses = sorted(over["statuses"])
        failures = [s for s in statuses if s in ("connection_error", "timeout") or s[0] == "5"]
        rows.append(
            (
                f"statuses at {over['factor']:g}x knee, backpressure on",
                ", ".join(statuses),
                "no 5xx but 503, no errors",
                failures in ([], ["503"]),
            )
        )
        half_ok, over_ok = half["statuses"].get("200"), over["statuses"].get("200")
        if half_ok and over_ok:
            growth = over_ok["p99"] / half_ok["p99"]
            floor = _floor_p99(results, over["offered_rate"])
            beside = f"; answering only 503 there: {_ms(floor)} ms" if floor is not None else ""
            rows.append(
                (
                    f"p99 of 200s at {over['factor']:g}x / at {half['factor']:g}x knee",
                    f"{growth:.1f}x ({_ms(over_ok['p99'])} / {_ms(half_ok['p99'])} ms{beside})",
                    f"<= {TARGET_P99_GROWTH:g}x",
                    growth <= TARGET_P99_GROWTH,
                )
            )
    return rows


def markdown(results: Results) -> str:
    """The report: knees, targets, overload, the generator's own figures, how it was run."""
    machine = results["machine"]
    met = {True: "yes", False: "**no**", None: "-"}
    lines = [
        "# Load test",
        "",
        f"Command: `{results['command']}`  ",
        f"Started {results['started']} on {machine['cores']} cores; load average "
        f"{machine['load_before']} before, {machine['load_after']} after.",
        "",
        *(BUSY if machine["load_before"][0] >= 1.0 else []),
        "## Knees",
        "",
        f"Knee: the highest offered rate whose 2xx/s stay at least {OK_SHARE:.0%} of it and "
        f"whose 2xx p99 stays at most max({P99_FLOOR_MS:g} ms, {P99_GROWTH:g} x the p99 at "
        "the lowest rate), below the first rate that fails; a rate that fails is offered a "
        "second time, and that try counts. Latencies are counted from each request's intended "
        "send time.",
        "",
        *_knees(results),
        "",
        "## Targets",
        "",
        *_table(
            ["target", "measured", "wanted", "met"],
            ([what, got, want, met[ok]] for what, got, want, ok in targets(results)),
            4,
        ),
        "",
        "## Overload",
        "",
        *_overload(results),
        "",
        "## The generator on the no-database route",
        "",
        "Lateness: how long after its intended time a request left (it includes waiting for "
        "one of the keep-alive connections to be free).",
        "",
        *_generator(results),
        "",
    ]
    return "\n".join(lines)


def plot(results: Results, prefix: Path) -> list[Path]:
    """One PNG per configuration: 2xx latency percentiles against the offered rate (the floor,
    which answers no 2xx, is in the tables only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import ScalarFormatter

    by_subject: dict[str, list[dict[str, Any]]] = {}
    for sweep in results["sweeps"]:
        by_subject.setdefault(sweep["subject"], []).append(sweep)
    for stage in (s for s in results["overload"] if not s.get("floor")):
        shown = {True: "backpressure on", False: "backpressure off", None: "overload"}
        name = f"{stage['subject']} ({shown[stage['backpressure']]})"
        by_subject.setdefault(name, []).append({**stage, "knee": None})
    written = []
    for subject, sweeps in by_subject.items():
        figure, axes = plt.subplots(
            1, len(sweeps), figsize=(4.5 * len(sweeps), 4), squeeze=False, sharey=True
        )
        for axis, sweep in zip(axes[0], sweeps, strict=True):
            points = sorted(sweep["points"], key=lambda p: p["offered_rate"])
            rates = [p["offered_rate"] for p in points]
            for percentile in PERCENTILES:
                values = [(_ok(p) or {}).get(percentile) for p in points]
                axis.plot(rates, values, marker="o", label=percentile.replace("_", "."))
            if sweep["knee"]:
                axis.axvline(sweep["knee"], color="grey", linestyle="--", label="knee")
            axis.set_title(sweep["scenario"])
            axis.set_xlabel("offered requests/s")
            axis.set_yscale("log")
            axis.yaxis.set_major_formatter(ScalarFormatter())
            axis.grid(True, which="both", alpha=0.3)
        axes[0][0].set_ylabel("2xx latency, ms (from intended send)")
        axes[0][-1].legend(fontsize="small")
        figure.suptitle(subject)
        figure.tight_layout()
        path = prefix.with_name(f"{prefix.name}-{_slug(subject)}.png")
        figure.savefig(path, dpi=90)
        plt.close(figure)
        written.append(path)
    return written


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


def write(results: Results, prefix: Path, plots: bool = True) -> list[Path]:
    """``<prefix>.json``, ``<prefix>.md`` and the plots; the paths written."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    json_path = prefix.parent / f"{prefix.name}.json"
    markdown_path = prefix.parent / f"{prefix.name}.md"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    markdown_path.write_text(markdown(results))
    return [json_path, markdown_path, *(plot(results, prefix) if plots else [])]
