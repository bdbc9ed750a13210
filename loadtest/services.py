"""What the harness starts: the dev server (its own process) and each app under gunicorn.

Every app runs as ``gunicorn -k uvicorn_worker.UvicornWorker`` bound to 127.0.0.1 on a free
port, with ``--no-control-socket``, its knobs in the environment, and its output in a log
file. ``ours`` is the sample service itself; ``published``, ``official`` and ``memory`` (no
database: the framework's ceiling) serve the same routes from ``loadtest/apps`` (the published
wheel from its own venv) with the sample's models.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import httpx

from bench.run import ROOT, free_port, published_python

__all__ = ["APPS", "App", "AppConfig", "AppName", "published_web_stack"]

SAMPLE = ROOT / "examples" / "sample-fastapi"
APPS_DIR = ROOT / "loadtest" / "apps"
READY_WITHIN_SECONDS = 60.0
STOP_WITHIN_SECONDS = 30.0

AppName = Literal["ours", "published", "official", "memory", "wire", "reject"]
"""Besides the compared ``APPS``, two floors: ``wire`` (``apps/wire_app.py``), the no-database
routes plus one raw round trip to the server per get, the least any client costs here; and
``reject`` (``apps/reject_app.py``), which only answers 503, the fastest answer at overload."""
APPS: tuple[AppName, ...] = ("ours", "published", "official", "memory")


def published_web_stack() -> list[str]:
    """The web stack of our venv, pinned, so the published wheel's app runs on the same one."""
    from importlib.metadata import version

    names = ("fastapi", "pydantic", "gunicorn", "uvicorn", "uvicorn-worker", "uvloop", "httptools")
    return [f"{name}=={version(name)}" for name in names]


@dataclass(frozen=True)
class AppConfig:
    """One app and its knobs: gunicorn workers, runtime workers, admission limit and wait, and
    the event-loop lag at which ours sheds requests (0: never)."""

    app: AppName
    gunicorn_workers: int = 2
    runtime_workers: int = 2
    max_concurrent_operations: int = 64
    queue_timeout_ms: int = 5000
    shed_lag_ms: float = 50.0

    @property
    def name(self) -> str:
        """Short and unique: ``ours w2 rt2 mco64 q5000 lag50``."""
        return (
            f"{self.app} w{self.gunicorn_workers} rt{self.runtime_workers} "
            f"mco{self.max_concurrent_operations} q{self.queue_timeout_ms} lag{self.shed_lag_ms:g}"
        )

    def environment(self, hosts: str, metrics: Path) -> dict[str, str]:
        return {
            **os.environ,
            "AEROSPIKE_HOSTS": hosts,
            "AEROSPIKE_RUNTIME_WORKERS": str(self.runtime_workers),
            "AEROSPIKE_MAX_CONCURRENT_OPERATIONS": str(self.max_concurrent_operations),
            "AEROSPIKE_OPERATION_QUEUE_TIMEOUT_MS": str(self.queue_timeout_ms),
            "AEROSPIKE_SHED_EVENT_LOOP_LAG_MS": str(self.shed_lag_ms),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        }


class App:
    """One app config under gunicorn; a context manager that stops it (SIGTERM, then SIGKILL)."""

    def __init__(self, config: AppConfig, hosts: str, logs: Path) -> None:
        self.config = config
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        logs.mkdir(parents=True, exist_ok=True)
        self.log = logs / f"{config.name.replace(' ', '-')}.log"
        bind = ["--bind", self.target, "--workers", str(config.gunicorn_workers)]
        common = ["-m", "gunicorn", "--no-control-socket", *bind]
        environment = config.environment(hosts, logs / f"metrics-{self.port}")
        if config.app == "ours":
            python, cwd = sys.executable, SAMPLE
            command = [*common, "-c", "gunicorn.conf.py", "service:app"]
        else:
            python = sys.executable
            if config.app == "published":
                python = str(published_python(None, published_web_stack()))
            cwd = APPS_DIR
            worker = ["-k", "uvicorn_worker.UvicornWorker", "--pythonpath", str(SAMPLE)]
            command = [*common, *worker, f"{config.app}_app:app"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [python, *command], cwd=cwd, env=environment, stdout=log, stderr=log
            )

    def wait_ready(self) -> None:
        """Until every worker can answer: a few liveness answers in a row."""
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        answered = 0
        while time.monotonic() < deadline and answered < 3 * self.config.gunicorn_workers:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.config.name} exited:\n{self.output()}")
            try:
                live = httpx.get(f"http://{self.target}/health/live", timeout=1)
                answered = answered + 1 if live.status_code == 200 else 0
            except httpx.TransportError:
                answered = 0
            time.sleep(0.2)
        if answered == 0:
            raise RuntimeError(f"{self.config.name} not ready in {READY_WITHIN_SECONDS} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_WITHIN_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def __enter__(self) -> Self:
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
