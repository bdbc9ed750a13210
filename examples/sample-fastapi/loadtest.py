"""Open-loop load on one URL at a fixed offered rate, latency measured from each intended send.

Measuring from the intended send time (not the actual one) keeps a stalled server from hiding
its stall (coordinated omission). Latencies go to one HdrHistogram per status. Example::

    python loadtest.py --url http://127.0.0.1:8000/profiles/hot --rate 500 --duration 10

Prints, per status, the count and p50/p90/p99/p99.9/max in milliseconds, then the achieved
rate and how late the generator itself sent (if that is large, the generator is the bottleneck
and the figures say nothing about the server).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict

import httpx
from hdrh.histogram import HdrHistogram

PERCENTILES = (50.0, 90.0, 99.0, 99.9)
HIGHEST_MICROSECONDS = 60_000_000


def new_histogram() -> HdrHistogram:
    return HdrHistogram(1, HIGHEST_MICROSECONDS, 3)


async def offer(url: str, rate: float, duration: float, connections: int) -> None:
    histograms: dict[str, HdrHistogram] = defaultdict(new_histogram)
    lateness = new_histogram()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    total = int(rate * duration)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:

        async def one(intended: float) -> None:
            try:
                status = str((await http.get(url)).status_code)
            except httpx.HTTPError as error:
                status = type(error).__name__
            elapsed = time.monotonic() - intended
            histograms[status].record_value(min(max(1, int(elapsed * 1e6)), HIGHEST_MICROSECONDS))

        start = time.monotonic()
        tasks = []
        for index in range(total):
            intended = start + index / rate
            delay = intended - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            lateness.record_value(max(1, int((time.monotonic() - intended) * 1e6)))
            tasks.append(asyncio.create_task(one(intended)))
        await asyncio.gather(*tasks)
        wall = time.monotonic() - start

    header = "status  count " + " ".join(f"{f'p{p:g}':>8}" for p in PERCENTILES) + "      max"
    print(header)
    for status, histogram in sorted(histograms.items()):
        cells = " ".join(f"{histogram.get_value_at_percentile(p) / 1000:8.1f}" for p in PERCENTILES)
        print(
            f"{status:>6} {histogram.get_total_count():6d} {cells} "
            f"{histogram.get_max_value() / 1000:8.1f}"
        )
    print(f"offered {rate:g}/s for {duration:g} s; achieved {total / wall:.0f}/s")
    print(f"generator lateness p99 {lateness.get_value_at_percentile(99) / 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds (at most 600)")
    parser.add_argument("--connections", type=int, default=256)
    args = parser.parse_args()
    if not 0 < args.duration <= 600 or not 0 < args.rate <= 100_000:
        parser.error("duration must be in (0, 600] s and rate in (0, 100000] per second")
    asyncio.run(offer(args.url, args.rate, args.duration, args.connections))


if __name__ == "__main__":
    main()
