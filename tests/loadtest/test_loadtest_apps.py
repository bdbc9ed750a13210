"""The wire floor app under gunicorn: the memory routes, each get paying one raw round trip."""

from __future__ import annotations

from pathlib import Path

import httpx

from bench.run import free_port
from loadtest.scenarios import preload
from loadtest.services import App, AppConfig

WIRE = AppConfig(app="wire", gunicorn_workers=1)


def test_the_wire_floor_answers_gets_after_a_round_trip_to_the_server(
    aerospike_hosts: list[tuple[str, int]], tmp_path: Path
) -> None:
    preload(aerospike_hosts)
    hosts = ",".join(f"{host}:{port}" for host, port in aerospike_hosts)
    with App(WIRE, hosts, tmp_path) as app:
        found = httpx.get(f"http://{app.target}/profiles/p7")
        missing = httpx.get(f"http://{app.target}/profiles/nobody")
    assert found.status_code == 200
    assert (found.json()["name"], found.headers["etag"]) == ("profile 7", '"1"')
    assert missing.status_code == 404


def test_the_wire_floor_fails_without_a_server(tmp_path: Path) -> None:
    with App(WIRE, f"127.0.0.1:{free_port()}", tmp_path) as app:
        answer = httpx.get(f"http://{app.target}/profiles/p7")
    assert answer.status_code == 500
