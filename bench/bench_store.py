"""Benchmark bot.storage on a realistic 100,000-question database.

Run: ``python bench/bench_store.py [--questions N]``. Builds the database in a temp dir
(bulk insert with executemany, reusing the store's own INSERT statements), then prints the
median latency of list_groups (first page), stats (last 30 days) and log_question, plus the
machine it ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _report import machine
from bench_review import build as build_database
from bench_review import timed

from bot.storage import Store

KEY = b"bench-key-0123456789abcdef"
DAYS = 90
WORDS = ("milia", "bayi", "mata", "krim", "laser", "hilang", "menular", "kenapa", "cara", "obat")


def build(path: Path, n_questions: int, seed: int = 7) -> None:
    """The review benchmark's generated database, with synthetic entry ids."""
    build_database(path, n_questions, [f"entry-{i}" for i in range(80)], seed=seed)


def report(name: str, samples: list[float]) -> None:
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)
    print(f"{name:<32} median {statistics.median(samples):8.3f} ms   p95 {p95:8.3f} ms")


async def measure(store: Store) -> None:
    # Realistic review state: the most common groups have already been handled.
    for group in await store.list_groups(limit=200):
        await store.ignore_group(group.group_key, reviewer="bench")
    print(f"groups awaiting review: {await store.count_groups():,}")
    since = datetime.now(UTC) - timedelta(days=30)
    report("list_groups (first page)", await timed(lambda: store.list_groups(), 20))
    report("count_groups", await timed(lambda: store.count_groups(), 20))
    report("stats(since=30 days ago)", await timed(lambda: store.stats(since=since), 20))
    users = iter(range(10**9))

    def log_question() -> Awaitable[int | None]:
        return store.log_question(
            user_id=next(users), text="apakah milia bisa hilang sendiri? wa 0812 3456 7890",
            group_key="milia hilang sendiri", lang="id", chat_type="private",
            status="unanswered", candidates=[("entry-1", 0.5), ("entry-2", 0.4)],
        )  # fmt: skip

    def log_outcome() -> Awaitable[None]:
        return store.log_outcome(lang="id", status="answered", entry_id="e1", chat_type="private")

    report("log_question", await timed(log_question, 500))
    report("log_outcome", await timed(log_outcome, 500))
    start = time.perf_counter()
    await asyncio.gather(*(log_question() for _ in range(500)))
    total = 1000 * (time.perf_counter() - start)
    print(f"{'500 concurrent log_question':<32} total  {total:8.1f} ms")
    assert store.pending_count == 0, "writes were queued: the numbers above are not real"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=100_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        async with await Store.open(path, user_hash_key=KEY):
            pass  # create the schema
        start = time.perf_counter()
        build(path, args.questions)
        took, size = time.perf_counter() - start, path.stat().st_size / 1e6
        print(f"built {args.questions:,} questions in {took:.1f} s ({size:.0f} MB)")
        async with await Store.open(path, user_hash_key=KEY) as store:
            await measure(store)


if __name__ == "__main__":
    asyncio.run(main())
