"""The bench's clients take turns slice by slice, each in its own process, on a real server."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.run import run_group


def test_clients_take_turns_at_every_slice_the_first_rotating(
    aerospike_hosts: list[tuple[str, int]],
) -> None:
    port = aerospike_hosts[0][1]
    clients = [("ours", sys.executable), ("official", sys.executable)]
    rows = run_group(clients, port, "sync", ops=400, slices=2)
    turns = [(row["workload"], row["slice"], row["client"]) for row in rows]
    assert turns == [
        ("put", 1, "ours"),
        ("put", 1, "official"),
        ("put", 2, "official"),
        ("put", 2, "ours"),
        ("get", 1, "ours"),
        ("get", 1, "official"),
        ("get", 2, "official"),
        ("get", 2, "ours"),
        ("batch_read_100 to dicts", 1, "ours"),
        ("batch_read_100 to dicts", 1, "official"),
        ("batch_read_100 to dicts", 2, "official"),
        ("batch_read_100 to dicts", 2, "ours"),
        # The C client has no NumPy batch: ours runs it alone.
        ("batch_read_100 to numpy", 1, "ours"),
        ("batch_read_100 to numpy", 2, "ours"),
    ]
    for row in rows:
        ops = 200 if row["workload"] in ("put", "get") else 200 // 20
        assert (row["mode"], row["ops"]) == ("sync", ops), row
        rate = row["ops_per_sec"]
        assert isinstance(rate, float), row
        assert rate > 0, row


def test_a_client_whose_process_fails_is_reported_as_an_error_row(
    aerospike_hosts: list[tuple[str, int]],
) -> None:
    port = aerospike_hosts[0][1]
    rows = run_group([("ours", "false")], port, "sync", ops=400, slices=2)
    assert rows == [{"client": "ours", "error": "it ended (exit status 1): "}]


def test_lines_a_client_prints_besides_its_answers_are_skipped(tmp_path: Path) -> None:
    """A library's banner may share a write with an answer: the answer is still read."""
    row = '{"client": "chatty", "workload": "get", "mode": "sync", "ops": 1, "seconds": 0.5}'
    chatty = tmp_path / "chatty"
    chatty.write_text(
        "#!/bin/sh\n"
        """printf 'banner\\n{"ready": ["get"]}\\n'\n"""
        f"while read step; do printf 'noise\\n{row}\\n'; done\n"
    )
    chatty.chmod(0o755)
    rows = run_group([("chatty", str(chatty))], port=1, group="sync", ops=200, slices=2)
    assert [(row["workload"], row["slice"]) for row in rows] == [("get", 1), ("get", 2)]
