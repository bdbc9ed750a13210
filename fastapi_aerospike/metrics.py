"""Prometheus metrics of the clients' admission control (in flight, queued, rejected, latency)
and of the worker's load shedding.

The numbers come from ``AsyncClient.stats()`` (atomics in the native core, cheap to read). Each
worker copies them into prometheus-client metrics on a timer and right before a scrape, so under
gunicorn with ``PROMETHEUS_MULTIPROC_DIR`` every worker's values reach the shared files and any
worker's ``/metrics`` answers for all (the gunicorn config must call
``prometheus_client.multiprocess.mark_process_dead`` in ``child_exit``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import weakref
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from aerospike_py import AsyncClient, ClientStats
from fastapi_aerospike.extras import missing_extra
from fastapi_aerospike.lifespan import Lifecycle, lifecycles

try:
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        CollectorRegistry,
        Counter,
        Gauge,
        Histogram,
        generate_latest,
    )
    from prometheus_client.multiprocess import MultiProcessCollector
except ModuleNotFoundError as missing:
    raise missing_extra("Prometheus metrics (/metrics)", "metrics", missing) from None

__all__ = ["AerospikeMetrics"]

logger = logging.getLogger("fastapi_aerospike")

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
SHED_REASONS = ("queue_depth", "event_loop_lag")


@dataclass
class _Families:
    """The metric families of one registry, made once: a second app on the same registry (an
    app factory called for every test, the default ``REGISTRY``) shares them instead of failing
    on duplicate names."""

    in_flight: Gauge
    queued: Gauge
    limit: Gauge
    completed: Counter
    failed: Counter
    rejected: Counter
    shed: Counter
    latency: Histogram | None = None
    """Made at the first refresh: the buckets are the client's own bounds."""


_FAMILIES: weakref.WeakKeyDictionary[CollectorRegistry, _Families] = weakref.WeakKeyDictionary()


def _families(registry: CollectorRegistry) -> _Families:
    families = _FAMILIES.get(registry)
    if families is not None:
        return families
    labels = ["client"]
    families = _Families(
        in_flight=Gauge(
            "aerospike_operations_in_flight",
            "Operations dispatched to the cluster and not yet answered.",
            labels,
            registry=registry,
            multiprocess_mode="livesum",
        ),
        queued=Gauge(
            "aerospike_operations_queued",
            "Operations waiting for a slot under max_concurrent_operations.",
            labels,
            registry=registry,
            multiprocess_mode="livesum",
        ),
        limit=Gauge(
            "aerospike_max_concurrent_operations",
            "Configured slots (0: unlimited); summed over workers it is the load on the cluster.",
            labels,
            registry=registry,
            multiprocess_mode="livesum",
        ),
        completed=Counter(
            "aerospike_operations_completed",
            "Operations that succeeded.",
            labels,
            registry=registry,
        ),
        failed=Counter(
            "aerospike_operations_failed",
            "Operations that failed after being dispatched.",
            labels,
            registry=registry,
        ),
        rejected=Counter(
            "aerospike_operations_rejected",
            "Operations refused with BackpressureError (answered 503).",
            labels,
            registry=registry,
        ),
        # Labelled, like every family here: a child is made (and, under gunicorn, its file)
        # in the worker that uses it, never in a --preload master before the directory exists.
        shed=Counter(
            "http_requests_shed",
            "Requests for a client answered 503 before the route ran (load shedding).",
            ["reason"],
            registry=registry,
        ),
    )
    _FAMILIES[registry] = families
    return families


class AerospikeMetrics:
    """The metric families, in ``registry`` (a private one unless given), and their refresh."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.families = _families(self.registry)
        self._previous: dict[str, tuple[AsyncClient, ClientStats]] = {}

    def count_shed(self, reason: str) -> None:
        """One more request shed for ``reason`` (a client lifecycle's ``on_shed``)."""
        self.families.shed.labels(reason).inc()

    def refresh(self, found: Iterable[Lifecycle]) -> None:
        """Copy the clients' current stats into the metrics."""
        for lifecycle in found:
            stats = lifecycle.client.stats()
            previous = self._previous.get(lifecycle.name)
            before = previous[1] if previous and previous[0] is lifecycle.client else None
            self._previous[lifecycle.name] = (lifecycle.client, stats)
            self._record(lifecycle.name, stats, before)

    def _record(self, name: str, stats: ClientStats, before: ClientStats | None) -> None:
        families = self.families
        families.in_flight.labels(name).set(stats.in_flight)
        families.queued.labels(name).set(stats.queued)
        families.limit.labels(name).set(stats.max_concurrent_operations)
        for counter, now, then in (
            (families.completed, stats.completed, before.completed if before else 0),
            (families.failed, stats.failed, before.failed if before else 0),
            (families.rejected, stats.rejected, before.rejected if before else 0),
        ):
            child = counter.labels(name)  # exposed at 0 before the first operation
            if now > then:
                child.inc(now - then)
        latency = self._latency_histogram(stats.latency_bucket_bounds)
        series = latency.labels(name)
        if len(series._buckets) != len(stats.latency_bucket_counts):
            logger.warning("latency buckets of client %r do not match the histogram", name)
            return
        counts_before = before.latency_bucket_counts if before else None
        # prometheus-client keeps a histogram as one non-cumulative value per bucket plus the
        # sum, exactly as the client reports it; adding the increments keeps multiprocess files
        # right without observing each operation again.
        for index, count in enumerate(stats.latency_bucket_counts):
            increment = count - (counts_before[index] if counts_before else 0)
            if increment > 0:
                series._buckets[index].inc(increment)
        sum_increment = stats.latency_sum_seconds - (before.latency_sum_seconds if before else 0.0)
        if sum_increment > 0:
            series._sum.inc(sum_increment)

    def _latency_histogram(self, bounds: tuple[float, ...]) -> Histogram:
        """Made at the first refresh: the buckets are the client's own bounds."""
        if self.families.latency is None:
            self.families.latency = Histogram(
                "aerospike_operation_duration_seconds",
                "Time from admission (a free slot) to completion of each operation.",
                ["client"],
                buckets=bounds,
                registry=self.registry,
            )
        return self.families.latency

    @contextlib.asynccontextmanager
    async def refreshing(
        self, state: Mapping[str, Any], interval: float = 1.0
    ) -> AsyncIterator[None]:
        """Refresh every ``interval`` seconds while the app runs, and once more at shutdown;
        count the requests the clients shed."""
        found = lifecycles(dict(state))
        for reason in SHED_REASONS:
            self.families.shed.labels(reason)  # exposed at 0 from the start
        for lifecycle in found:
            lifecycle.on_shed = self.count_shed

        async def loop() -> None:
            while True:
                self.refresh(found)
                await asyncio.sleep(interval)

        task = asyncio.create_task(loop(), name="fastapi_aerospike metrics")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.refresh(found)

    def exposition(self) -> bytes:
        """The text format, for every worker when ``PROMETHEUS_MULTIPROC_DIR`` is set."""
        if os.environ.get(MULTIPROC_DIR_VARIABLE):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)

    async def endpoint(self, request: Request) -> Response:
        """``GET /metrics``: refresh this worker's values, then expose."""
        self.refresh(lifecycles(request.scope.get("state", {})))
        return Response(self.exposition(), media_type=CONTENT_TYPE_LATEST)
