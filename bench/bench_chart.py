"""Benchmark the /stats chart: the child process that draws it, matplotlib's memory, the
per-day query and drawing.

Run: ``python bench/bench_chart.py [--questions N] [--repeats N]``. Prints, after the
machine line:

- in a process that has loaded the FAQ core as the bot does: the wall time of a chart
  drawn the bot's way (``bot.charts.draw``: a ``python -m bot.charts`` child), the
  child's peak memory and what the parent kept (nothing, it should be); then what the
  same process would keep by drawing itself: matplotlib's import, and the resident
  memory after 40 charts;
- on the review benchmark's generated database (``bench_review.build``, 3 outcomes per
  question over 90 days), per window (7, 30, 90 and 365 days): the median time of the
  /stats queries (``Store.stats`` and ``Store.daily_outcomes``), of drawing the chart in
  the process, and the PNG's size.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import memory_kb
from _report import machine
from bench_review import build

from bot.storage import OutcomeCounts, Store

KEY = b"bench-key-0123456789abcdef"
WINDOWS = (7, 30, 90, 365)


def rss_mb() -> float:
    return memory_kb(os.getpid())["VmRSS"] / 1024


async def measure_memory(repeats: int) -> None:
    from bot.charts import draw, stats_chart
    from faq.engine import FaqEngine

    FaqEngine.load().ask("apa itu milia")  # the core, loaded as the bot loads it
    gc.collect()
    core = rss_mb()
    print(f"process with the FAQ core loaded        {core:6.1f} MB RSS")
    first = datetime(2025, 1, 1).date()
    daily = {
        first + timedelta(days=i): {
            "id": OutcomeCounts(20 + i, 3, 5, 2),
            "en": OutcomeCounts(8, 1, 2, 1),
        }
        for i in range(30)
    }
    last = first + timedelta(days=29)
    walls = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        await draw(daily, first=first, last=last, title="t")
        walls.append(1000 * (time.perf_counter() - start))
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"draw() in a child process, median    {statistics.median(walls[1:]):6.0f} ms wall   "
        f"child peak {child_peak:.1f} MB   parent +{rss_mb() - core:.1f} MB"
    )

    start = time.perf_counter()
    from matplotlib.backends import backend_agg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401

    took = 1000 * (time.perf_counter() - start)
    print(f"in the process: import matplotlib     +{rss_mb() - core:6.1f} MB   {took:6.0f} ms")
    for _ in range(40):
        stats_chart(daily, first=first, last=last, title="t")
    gc.collect()
    print(f"in the process: after 40 charts       +{rss_mb() - core:6.1f} MB")


async def measure(store: Store, repeats: int) -> None:
    from bot.charts import stats_chart

    now = datetime.now(UTC)
    for days in WINDOWS:
        since = now - timedelta(days=days)
        queries, draws = [], []
        png = b""
        for _ in range(repeats + 1):  # the first run is a warm-up
            t0 = time.perf_counter()
            stats = await store.stats(since=since)
            daily = await store.daily_outcomes(since=since, until=stats.until)
            t1 = time.perf_counter()
            png = stats_chart(
                daily,
                first=stats.outcomes_since.date(),
                last=stats.until.date(),
                title=f"Statistics, last {days} days",
            )
            t2 = time.perf_counter()
            queries.append(1000 * (t1 - t0))
            draws.append(1000 * (t2 - t1))
        query, draw = statistics.median(queries[1:]), statistics.median(draws[1:])
        print(
            f"{days:>4} days: stats + daily_outcomes {query:7.1f} ms   "
            f"chart {draw:7.1f} ms   PNG {len(png) / 1024:6.1f} KiB"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    await measure_memory(args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        async with await Store.open(path, user_hash_key=KEY):
            pass  # create the schema
        start = time.perf_counter()
        build(path, args.questions, [f"entry-{i}" for i in range(80)])
        print(f"built {args.questions:,} questions in {time.perf_counter() - start:.1f} s")
        async with await Store.open(path, user_hash_key=KEY) as store:
            await measure(store, args.repeats)


if __name__ == "__main__":
    asyncio.run(main())
