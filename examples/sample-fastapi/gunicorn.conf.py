"""gunicorn settings for the profiles service.

Run: ``gunicorn -c gunicorn.conf.py service:app`` (add ``--preload`` freely: no client or
runtime exists before the fork; each worker creates its own in its lifespan).

Sizing: every worker process has its own client, Tokio runtime and connection pools.
- threads: workers x AEROSPIKE_RUNTIME_WORKERS should not exceed the cores;
- load on the cluster: workers x AEROSPIKE_MAX_CONCURRENT_OPERATIONS operations in flight, which
  must stay below each node's connection limit (and AEROSPIKE_MAX_CONNS_PER_NODE per worker).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import Any

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# uvicorn_worker.UvicornWorker is the maintained successor of uvicorn.workers.UvicornWorker;
# both work here.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "uvicorn_worker.UvicornWorker")
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Shutdown: gunicorn waits graceful_timeout for a worker; inside it uvicorn finishes in-flight
# requests, then the lifespan drains and closes the client within AEROSPIKE_CLOSE_TIMEOUT.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
timeout = 60
keepalive = 5

# Prometheus across workers: each worker writes its metrics to files in this directory and any
# worker's /metrics reads them all. It must be set before prometheus_client is imported.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(tempfile.gettempdir(), f"profiles-metrics-{os.getpid()}"),
)


def on_starting(server: Any) -> None:
    """Start from an empty metrics directory: values of a previous run are not ours. The
    integration logs to gunicorn's error log in its format (workers inherit it): its warnings,
    and each client's settings and connection at startup; not the INFO line of every 503."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    integration = logging.getLogger("fastapi_aerospike")
    integration.setLevel(logging.WARNING)
    integration.handlers = list(server.log.error_log.handlers)
    logging.getLogger("fastapi_aerospike.lifespan").setLevel(logging.INFO)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (in flight, queued) from the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
