"""Benchmark the work behind the admin commands on a 100,000-question database.

Run: ``python bench/bench_review.py [--questions N] [--runs N]``. Builds a database in a
temp dir (bulk insert with executemany, reusing the store's own INSERT statements, real
entry ids from the FAQ tree), then prints the median and p95 latency of:

* ``/review``: count_groups + list_groups (first page) + render_page; target < 200 ms;
* a group card: get_question + list_groups + render_group;
* ``/stats``: store.stats (last 30 days) + render_stats; target < 200 ms;
* ``/export``: export_rows (last 30 days) + write_csv, for information;

and the machine it ran on. Rerunnable: every run builds a fresh database.
"""

from __future__ import annotations

import argparse
import asyncio
import io
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

from bot.export import write_csv
from bot.handlers.admin import PAGE_SIZE, TOP, render_group, render_page, render_stats
from bot.i18n import texts
from bot.privacy import user_hash
from bot.storage import Store, records, schema
from faq.engine import FaqEngine

KEY = b"bench-review-key-0123456789"
DAYS = 90
TARGET_MS = 200.0
# Words the generated questions are made of, Indonesian and English.
VOCABULARY = """
milia bayi mata krim laser hilang sendiri menular kenapa apa cara obat dokter
white bumps eyes cream remove baby why how doctor go away contagious price
"""
WORDS = VOCABULARY.split()


def build(path: Path, n_questions: int, entry_ids: list[str], seed: int = 11) -> None:
    """Questions over DAYS days (a heavy tail of repeated groups), 3x outcomes, feedback.

    Outcome rows go through the store's own per-day counter upsert.
    """
    rng = random.Random(seed)
    now = int(time.time())
    users = [user_hash(KEY, 20_000_000 + i) for i in range(max(n_questions // 3, 1))]
    pool = [" ".join(rng.sample(WORDS, 4)) + f" {i}" for i in range(5000)]

    def when() -> int:
        return now - rng.randrange(DAYS * 86400)

    def group() -> str:
        # Half are one-offs, the rest a heavy tail: ~55k distinct keys, a few very frequent.
        if rng.random() < 0.5:
            return " ".join(rng.sample(WORDS, 5)) + f" #{rng.randrange(10**9)}"
        return pool[min(int(rng.paretovariate(0.8)) - 1, len(pool) - 1)]

    def candidates() -> str:
        picked = rng.sample(entry_ids, 3)
        return json.dumps(
            [[e, round(s, 4)] for e, s in zip(picked, (0.61, 0.44, 0.3), strict=True)]
        )

    questions = []
    for _ in range(n_questions):
        key = group()
        questions.append((
            when(), rng.choice(users), rng.choice(("id", "id", "en")), "private",
            rng.choice(("unanswered", "suggest")), f"{key} ?", key, candidates(),
        ))  # fmt: skip
    statuses = ("answered",) * 6 + ("suggest", "unanswered", "smalltalk")
    outcomes = []  # per-day counters: each row adds one to (day, lang, status, entry, chat)
    for _ in range(3 * n_questions):
        status = rng.choice(statuses)
        entry = rng.choice(entry_ids) if status == "answered" else ""
        day = records._day(when())
        outcomes.append((day, rng.choice(("id", "id", "en")), status, entry, "private", 1))
    feedback = {
        (u, rng.choice(entry_ids)): (when(), rng.random() < 0.8)
        for u in rng.sample(users, len(users) // 2)
    }
    picks = [
        (when(), rng.choice(users), None, rng.choice(entry_ids), "id")
        for _ in range(n_questions // 5)
    ]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.executemany(schema._INSERT_QUESTION, sorted(questions))
        conn.executemany(schema._COUNT_OUTCOME, outcomes)
        conn.executemany(
            schema._UPSERT_FEEDBACK,
            [(t, u, e, int(h), "id") for (u, e), (t, h) in feedback.items()],
        )
        conn.executemany(schema._INSERT_PICK, picks)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def timed(fn: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    """Milliseconds per call, after one warm-up call."""
    await fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float], target: float | None = None) -> bool:
    """Print median and p95; return whether the median meets ``target``."""
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)
    verdict = ""
    if target is not None:
        verdict = f"   target < {target:.0f} ms: {'ok' if median < target else 'MISSED'}"
    print(f"{name:<44} median {median:8.2f} ms   p95 {p95:8.2f} ms{verdict}")
    return target is None or median < target


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--lang", choices=("id", "en"), default="id", help="admin language")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    engine = FaqEngine.load()
    tr = texts(args.lang)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        async with await Store.open(path, user_hash_key=KEY):
            pass  # create the schema
        start = time.perf_counter()
        build(path, args.questions, sorted(engine.tree.entries))
        size = path.stat().st_size / 1e6
        elapsed = time.perf_counter() - start
        print(f"built {args.questions:,} questions in {elapsed:.1f} s ({size:.0f} MB)")
        async with await Store.open(path, user_hash_key=KEY) as store:
            print(f"groups awaiting review: {await store.count_groups():,}")

            async def review_page() -> None:
                total = await store.count_groups("new")
                groups = await store.list_groups(limit=PAGE_SIZE, ids_limit=1)
                render_page(groups, total, 0, tr)

            first = (await store.list_groups(limit=1, ids_limit=1))[0].question_ids[0]

            async def group_card() -> None:
                record = await store.get_question(first)
                assert record is not None
                groups = await store.list_groups(limit=PAGE_SIZE, ids_limit=1)
                group = next((g for g in groups if g.group_key == record.group_key), None)
                render_group(record, group, 0, tr, engine)

            async def stats() -> None:
                since = datetime.now(UTC) - timedelta(days=30)
                render_stats(await store.stats(since=since, top=TOP), 30, tr, engine)

            async def export() -> None:
                since = datetime.now(UTC) - timedelta(days=30)
                rows = [r async for r in store.export_rows(since=since)]
                write_csv(rows, io.StringIO(newline=""))

            runs = args.runs
            ok &= report(
                "/review: count + list_groups + render", await timed(review_page, runs), TARGET_MS
            )
            report("group card: get_question + list + render", await timed(group_card, runs))
            ok &= report("/stats: stats(30 days) + render", await timed(stats, runs), TARGET_MS)
            report("/export: export_rows(30 days) + write_csv", await timed(export, 3))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
