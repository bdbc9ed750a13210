"""The sample service under real gunicorn with two UvicornWorkers, on the dev server, over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aerospike_py.devserver import DevServer
from tests.polling import wait_until

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-fastapi"
READY_WITHIN_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until ``url`` answers its readiness probe; fails at once if ``process`` exits first."""

    def ready() -> bool:
        assert process.poll() is None, log.read_text(errors="replace")
        with contextlib.suppress(httpx.TransportError):
            return httpx.get(f"{url}/health/ready", timeout=1).status_code == 200
        return False

    if not wait_until(ready, READY_WITHIN_SECONDS, interval=0.2):
        log_text = log.read_text(errors="replace")
        raise AssertionError(f"not ready in {READY_WITHIN_SECONDS} s:\n{log_text}")


class Gunicorn:
    """A gunicorn master serving the sample; stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, hosts: list[tuple[str, int]], tmp: Path, *extra: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"gunicorn-{self.port}.log"
        environment = {
            **os.environ,
            "AEROSPIKE_HOSTS": ",".join(f"{h}:{p}" for h, p in hosts),
            "AEROSPIKE_RUNTIME_WORKERS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / f"metrics-{self.port}"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
            **env,
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--no-control-socket",
        ]
        command += extra
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, "service:app"], cwd=SAMPLE, env=environment, stdout=log, stderr=log
            )

    def wait_ready(self) -> None:
        wait_ready(self.url, self.process, self.log)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
                raise AssertionError(f"gunicorn ignored SIGTERM:\n{self.output()}") from None
        return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def sample_devserver() -> Iterator[DevServer]:
    """The dev server the gunicorn workers talk to over TCP (fault injection needs ours)."""
    with DevServer(port=0) as server:
        yield server


@pytest.fixture(
    scope="module",
    params=[
        ("uvicorn_worker.UvicornWorker",),
        ("uvicorn.workers.UvicornWorker",),
        ("uvicorn_worker.UvicornWorker", "--preload"),
    ],
    ids=["uvicorn_worker", "uvicorn.workers", "preload"],
)
def service(
    request: pytest.FixtureRequest,
    sample_devserver: DevServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gunicorn]:
    worker_class, *extra = request.param
    server = Gunicorn(
        sample_devserver.hosts,
        tmp_path_factory.mktemp("gunicorn"),
        *extra,
        GUNICORN_WORKER_CLASS=worker_class,
    )
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
    assert "Traceback" not in server.output(), server.output()


PROFILE = {"name": "Ada", "email": "ada@example.com", "age": 36, "score": 7, "rating": 4.5}


def test_profiles_crud_with_generation_checks_counters_and_ttl(service: Gunicorn) -> None:
    person = uuid.uuid4().hex
    with httpx.Client(base_url=service.url, timeout=10) as http:
        assert http.put(f"/profiles/{person}", json=PROFILE).status_code == 201

        read = http.get(f"/profiles/{person}")
        assert read.status_code == 200
        assert read.json() == {
            **PROFILE,
            "active": True,
            "id": person,
            "generation": 1,
            "ttl": None,
        }
        etag = read.headers["etag"]
        assert etag == '"1"'

        changed = http.patch(f"/profiles/{person}", json={"age": 37}, headers={"If-Match": etag})
        assert changed.json() == {"id": person, "generation": 2}
        stale = http.patch(f"/profiles/{person}", json={"age": 38}, headers={"If-Match": etag})
        assert (stale.status_code, stale.json()["detail"][0]["type"]) == (
            409,
            "record_generation_mismatch",
        )
        unconditional = http.patch(f"/profiles/{person}", json={"age": 38})
        assert unconditional.status_code == 428
        assert unconditional.json() == {
            "detail": [
                {
                    "type": "if_match_required",
                    "msg": "Send If-Match with the ETag of your read, so no change is lost.",
                }
            ]
        }
        assert http.get(f"/profiles/{person}").json()["age"] == 37

        assert http.post(f"/profiles/{person}/visits").json() == {"visits": 1}
        assert http.post(f"/profiles/{person}/visits").json() == {"visits": 2}
        nobody = http.post(f"/profiles/{uuid.uuid4().hex}/visits")
        assert (nobody.status_code, nobody.json()["detail"][0]["type"]) == (404, "record_not_found")

        expiring = uuid.uuid4().hex
        http.put(f"/profiles/{expiring}", json=PROFILE, params={"ttl": 100})
        assert 0 < http.get(f"/profiles/{expiring}").json()["ttl"] <= 100

        assert http.delete(f"/profiles/{person}").status_code == 204
        missing = http.get(f"/profiles/{person}")
        assert (missing.status_code, missing.json()["detail"][0]["type"]) == (
            404,
            "record_not_found",
        )
        invalid = http.put(f"/profiles/{person}", json={**PROFILE, "age": -1})
        assert invalid.status_code == 422
        assert http.get("/health/live").json() == {"status": "alive"}


def test_bad_requests_are_answered_422_never_500(service: Gunicorn) -> None:
    """Input the database would refuse is refused by the app first, with a reason."""
    person = uuid.uuid4().hex
    with httpx.Client(base_url=service.url, timeout=10) as http:
        assert http.put(f"/profiles/{person}", json=PROFILE).status_code == 201
        bad_requests = [
            http.patch(f"/profiles/{person}", json={"age": 1}, headers={"If-Match": ""}),
            http.patch(f"/profiles/{person}", json={"age": 1}, headers={"If-Match": "W/x"}),
            http.patch(f"/profiles/{person}", json={}, headers={"If-Match": '"1"'}),
            http.put(f"/profiles/{person}", json=PROFILE, params={"ttl": 2**40}),
            http.put(f"/profiles/{person}", json={**PROFILE, "score": 2**64}),
            http.put(f"/profiles/{person}", json={**PROFILE, "rating": False}),
        ]
        assert [response.status_code for response in bad_requests] == [422] * len(bad_requests)
        assert http.get(f"/profiles/{person}").json()["generation"] == 1


def test_features_batch_read_into_numpy(service: Gunicorn) -> None:
    ada, bob = uuid.uuid4().hex, uuid.uuid4().hex
    with httpx.Client(base_url=service.url, timeout=10) as http:
        http.put(f"/profiles/{ada}", json=PROFILE)
        http.put(f"/profiles/{bob}", json={**PROFILE, "name": "Bob", "score": 3, "rating": 2.5})
        features = http.get("/features", params={"ids": f"{ada},missing,{bob}"}).json()
    assert features == {"found": [ada, bob], "score_sum": 10, "rating_mean": 3.5}


def test_search_filters_on_the_server(service: Gunicorn) -> None:
    with httpx.Client(base_url=service.url, timeout=10) as http:
        http.put(f"/profiles/{uuid.uuid4().hex}", json={**PROFILE, "name": "Old", "age": 90})
        http.put(
            f"/profiles/{uuid.uuid4().hex}",
            json={**PROFILE, "name": "Off", "age": 95, "active": False},
        )
        found = http.get("/profiles", params={"min_age": 90}).json()
    assert {"name": "Old", "age": 90} in found
    assert all(row["age"] >= 90 for row in found)
    assert {"name": "Off", "age": 95} not in found


def sample_value(text: str, name: str) -> float:
    values = re.findall(rf'^{name}\{{client="aerospike"\}} (\S+)$', text, re.MULTILINE)
    return sum(float(v) for v in values)


def test_metrics_add_up_over_both_workers(service: Gunicorn) -> None:
    completed = "aerospike_operations_completed_total"
    slots = "aerospike_max_concurrent_operations"
    with httpx.Client(base_url=service.url, timeout=10) as http:
        # Each worker's client has 64 slots: only both workers' files together make 128.
        both = wait_until(lambda: sample_value(http.get("/metrics").text, slots) == 128, 10)
        assert both, http.get("/metrics").text
        before = sample_value(http.get("/metrics").text, completed)
        for _ in range(40):  # new connections: gunicorn spreads them over the workers
            httpx.put(f"{service.url}/profiles/m{uuid.uuid4().hex}", json=PROFILE, timeout=10)
        # Every worker copies its counters once a second.
        counted = wait_until(
            lambda: sample_value(http.get("/metrics").text, completed) - before >= 40, 10
        )
        assert counted, http.get("/metrics").text


def test_sigterm_during_writes_keeps_every_acknowledged_write(
    sample_devserver: DevServer, tmp_path: Path
) -> None:
    import aerospike  # the official C client checks the outcome, independently of ours

    server = Gunicorn(sample_devserver.hosts, tmp_path)
    server.wait_ready()
    acknowledged: list[str] = []
    enough = asyncio.Event()
    profile = {"name": "W", "email": "w@example.com", "age": 30}

    async def writer(http: httpx.AsyncClient) -> None:
        for _ in range(500):
            person = f"sigterm-{uuid.uuid4().hex}"
            try:
                response = await http.put(f"/profiles/{person}", json=profile)
            except httpx.TransportError:
                return  # the server is gone: nothing more can be acknowledged
            if response.status_code == 201:
                acknowledged.append(person)
                if len(acknowledged) >= 50:
                    enough.set()
            elif response.status_code != 503:
                raise AssertionError(f"{response.status_code}: {response.text}")

    async def write_then_terminate() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            writers = [asyncio.create_task(writer(http)) for _ in range(8)]
            await asyncio.wait_for(enough.wait(), 60)  # writes are under way: terminate now
            server.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(asyncio.gather(*writers), 60)

    asyncio.run(write_then_terminate())
    assert server.process.wait(timeout=40) == 0, server.output()

    client = aerospike.client({"hosts": sample_devserver.hosts}).connect()
    try:
        missing = [p for p in acknowledged if client.exists(("test", "profiles", p))[1] is None]
    finally:
        client.close()
    assert len(acknowledged) >= 50
    assert missing == []


def test_overload_is_answered_503_with_retry_after_never_500(
    sample_devserver: DevServer, tmp_path: Path
) -> None:
    """One slot per worker and a 1 ms queue, while the dev server answers reads 50 ms late: each
    admitted read holds its worker's slot far longer than a queued one may wait, so a burst of 200
    requests is answered partly 200 and partly 503, whatever the machine's speed."""
    queue_timeout_ms, total_timeout_ms = 1, 3000
    server = Gunicorn(
        sample_devserver.hosts,
        tmp_path,
        AEROSPIKE_MAX_CONCURRENT_OPERATIONS="1",
        AEROSPIKE_OPERATION_QUEUE_TIMEOUT_MS=str(queue_timeout_ms),
        AEROSPIKE_TOTAL_TIMEOUT_MS=str(total_timeout_ms),
        AEROSPIKE_RETRY_AFTER="2",
    )
    try:
        server.wait_ready()
        assert httpx.put(f"{server.url}/profiles/hot", json=PROFILE, timeout=10).is_success
        sample_devserver.inject_latency(50, commands=("read",))

        async def burst() -> list[tuple[httpx.Response, float]]:
            limits = httpx.Limits(max_connections=200)
            async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as http:

                async def one() -> tuple[httpx.Response, float]:
                    began = time.monotonic()
                    response = await http.get("/profiles/hot")
                    return response, time.monotonic() - began

                return await asyncio.gather(*(one() for _ in range(200)))

        answers = asyncio.run(burst())
        assert server.process.poll() is None
        assert httpx.get(f"{server.url}/health/live", timeout=10).status_code == 200
    finally:
        sample_devserver.clear_faults()
        server.stop()

    statuses = [response.status_code for response, _ in answers]
    assert set(statuses) == {200, 503}, statuses
    for response, _ in answers:
        if response.status_code == 503:
            assert response.headers["retry-after"] == "2"
            assert response.json() == {
                "detail": [
                    {
                        "type": "aerospike_overloaded",
                        "msg": "Too many database operations; retry later.",
                    }
                ]
            }
    # An admitted request waited at most the queue timeout for a slot, then ran within its total
    # timeout; the slack is the HTTP work of the burst itself on two shared cores.
    bound = (queue_timeout_ms + total_timeout_ms) / 1000 + 5.0
    assert max(seconds for response, seconds in answers if response.status_code == 200) < bound
    log = server.output()
    assert "Traceback" not in log, log
    assert "WORKER TIMEOUT" not in log, log


def test_make_run_serves_the_sample_on_an_embedded_dev_server(tmp_path: Path) -> None:
    port = free_port()
    environment = {
        **os.environ,
        "DEVSERVER_PORT": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_CMD_ARGS": "--no-control-socket",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(SAMPLE / "run_dev.py")],
            env=environment,
            stdout=output,
            stderr=output,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log)
        assert httpx.put(f"{url}/profiles/run", json=PROFILE, timeout=10).status_code == 201
        assert httpx.get(f"{url}/profiles/run", timeout=10).json()["name"] == "Ada"
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=60)
    assert returncode == 0, log.read_text()
    assert "aerospike dev server ready on 127.0.0.1:" in log.read_text()
