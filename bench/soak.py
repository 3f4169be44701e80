"""Soak test: our bot under a steady load for minutes, watching its memory.

Run: ``python bench/soak.py [--seconds 600] [--rate 50] [--every 10] [--max-growth 10]``.

Starts the fake Bot API (``python -m tests.fakebotapi``) and our bot (``bench/our_bot.py``:
``skinfaq bot`` with the outgoing rate limiter off, which would cap it at 30 messages a
second), warms the bot up, then pushes ``--rate`` questions a second (each from a new user,
texts cycling through the evaluation sets) for ``--seconds``. Every ``--every`` seconds it
samples the bot's resident memory (VmRSS) and how many questions are answered, and prints
the series. At the end it prints the growth between the mean of the first and of the last
minute, and exits 1 if that is over ``--max-growth`` MB, if the bot fell behind (questions
not answered within 30 s of the end), or if it logged errors (each apology comes with one).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH, bot_process, fake_server, memory_kb
from _report import machine
from bench_bot import Questions, count_errors

MINUTE = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600, help="load duration (600)")
    parser.add_argument("--rate", type=float, default=50, help="questions per second (50)")
    parser.add_argument("--every", type=float, default=10, help="sampling interval, s (10)")
    parser.add_argument(
        "--max-growth", type=float, default=10, help="allowed RSS growth, MB (default 10)"
    )
    args = parser.parse_args(argv)
    if args.seconds < 2 * MINUTE:
        parser.error("--seconds must be at least 120: growth compares the first and last minute")
    print(f"machine: {machine()}")
    print(f"load: {args.rate:g} questions/s for {args.seconds:g} s, sampled every {args.every:g} s")
    source = Questions()
    samples: list[tuple[float, float, int]] = []  # (seconds, RSS MB, answered)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp, fake_server() as server:
        workdir = Path(tmp) / "ours"
        script = BENCH / "our_bot.py"
        with bot_process(script, server, workdir) as proc:
            server.reset()
            server.push(source.batch(200))  # warm-up: lazy models, caches, connections
            server.wait("sendMessage", 200, timeout=120)
            server.reset()
            pushed = 0
            start = time.monotonic()
            next_sample = start
            print(f"{'t (s)':>6} {'RSS (MB)':>9} {'answered':>9} {'behind':>7}")
            while (now := time.monotonic()) - start < args.seconds:
                due = int((now - start) * args.rate) - pushed
                if due > 0:
                    server.push(source.batch(due))
                    pushed += due
                if now >= next_sample:
                    answered = server.count("sendMessage")
                    rss = memory_kb(proc.pid)["VmRSS"] / 1024
                    samples.append((now - start, rss, answered))
                    print(
                        f"{now - start:>6.0f} {rss:>9.1f} {answered:>9} {pushed - answered:>7}",
                        flush=True,
                    )
                    next_sample += args.every
                time.sleep(0.02)
            try:
                server.wait("sendMessage", pushed, timeout=30)
                drained = True
            except RuntimeError:
                drained = False
            answered = server.count("sendMessage")
            peak = memory_kb(proc.pid)["VmHWM"] / 1024
            final = memory_kb(proc.pid)["VmRSS"] / 1024
        errors = count_errors(workdir / f"{script.stem}.log")

    first = [rss for t, rss, _ in samples if t < MINUTE]
    last = [rss for t, rss, _ in samples if t >= samples[-1][0] - MINUTE]
    growth = sum(last) / len(last) - sum(first) / len(first)
    span = samples[-1][0] - samples[0][0]
    per_hour = growth / span * 3600 if span > 0 else 0.0
    print(
        f"\npushed {pushed} questions in {args.seconds:g} s ({pushed / args.seconds:.1f}/s); "
        f"{'all answered' if drained else f'{pushed - answered} NOT answered 30 s after the end'}"
    )
    first_mb, last_mb = sum(first) / len(first), sum(last) / len(last)
    print(
        f"RSS first minute {first_mb:.1f} MB, last minute {last_mb:.1f} MB, "
        f"end {final:.1f} MB, peak (VmHWM) {peak:.1f} MB"
    )
    print(
        f"growth {growth:+.1f} MB ({per_hour:+.1f} MB/hour at this rate), "
        f"limit {args.max_growth:g} MB"
    )
    print(f"errors logged (an apology is always logged as one): {errors}")
    ok = growth <= args.max_growth and drained and errors == 0
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
