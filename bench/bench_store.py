"""Benchmark bot.storage on a realistic 100,000-question database.

Run: ``python bench/bench_store.py [--questions N]``. Builds the database in a temp dir
(bulk insert with executemany, reusing the store's own INSERT statements), then prints the
median latency of list_groups (first page), stats (last 30 days) and log_question, plus the
machine it ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _report import machine

from bot import storage
from bot.privacy import user_hash
from bot.storage import Store

KEY = b"bench-key-0123456789abcdef"
DAYS = 90
WORDS = ("milia", "bayi", "mata", "krim", "laser", "hilang", "menular", "kenapa", "cara", "obat")


def build(path: Path, n_questions: int, seed: int = 7) -> None:
    """Fill the schema with questions, 3x as many outcomes, feedback and picks over DAYS days."""
    rng = random.Random(seed)
    now = int(time.time())
    users = [user_hash(KEY, 10_000_000 + i) for i in range(n_questions // 3)]
    pool = [" ".join(rng.sample(WORDS, 4)) + f" {i}" for i in range(5000)]

    def when() -> int:
        return now - rng.randrange(DAYS * 86400)

    def group() -> str:
        # Half the questions are one-offs; the rest follow a heavy tail over a pool, so a
        # few groups are asked very often (worst case for grouping: ~55k distinct keys).
        if rng.random() < 0.5:
            return " ".join(rng.sample(WORDS, 5)) + f" #{rng.randrange(10**9)}"
        return pool[min(int(rng.paretovariate(0.8)) - 1, len(pool) - 1)]

    cand = json.dumps([["entry-1", 0.61], ["entry-2", 0.44], ["entry-3", 0.3]])
    questions = [
        (when(), rng.choice(users), rng.choice(("id", "id", "en")), "private",
         rng.choice(("unanswered", "suggest")), f"{(g := group())} ?", g, cand)
        for _ in range(n_questions)
    ]  # fmt: skip
    statuses = ("answered",) * 6 + ("suggest", "unanswered", "smalltalk")
    outcomes = [
        ((t := when()) - t % 86400, rng.choice(("id", "id", "en")), (s := rng.choice(statuses)),
         f"entry-{rng.randrange(80)}" if s == "answered" else "",
         rng.choice(("private", "private", "group")), 1)
        for _ in range(3 * n_questions)
    ]  # fmt: skip
    feedback = {
        (u, f"entry-{rng.randrange(80)}"): (when(), rng.random() < 0.8)
        for u in rng.sample(users, len(users) // 2)
    }
    picks = [
        (when(), rng.choice(users), None, f"entry-{rng.randrange(80)}", "id")
        for _ in range(n_questions // 5)
    ]
    conn = sqlite3.connect(path, isolation_level=None)
    with conn:
        conn.execute("BEGIN")
        conn.executemany(storage._INSERT_QUESTION, sorted(questions))
        conn.executemany(storage._COUNT_OUTCOME, outcomes)
        conn.executemany(
            storage._UPSERT_FEEDBACK,
            [(t, u, e, int(h), "id") for (u, e), (t, h) in feedback.items()],
        )
        conn.executemany(storage._INSERT_PICK, picks)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    conn.close()


async def timed(fn: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


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
