"""Benchmark the whole bot over HTTP, side by side with a plain python-telegram-bot echo bot.

Run: ``python bench/bench_bot.py [--questions 2000] [--paced 300] [--rate 30]
[--repeats 5] [--profile]``.

One fake Bot API process (``python -m tests.fakebotapi``, driven through its control
endpoints) serves both bots, one at a time, each in its own process: our bot as ``skinfaq
bot`` runs it but with the outgoing rate limiter off (``bench/our_bot.py``), and
``bench/echo_bot.py``. Every question comes from a different user (private chat), with
texts cycling through the development and held-out sets. For each bot and repeat:

- warm-up: 100 questions (the first ones load lazy parts such as language models);
- paced: ``--paced`` questions pushed one by one at ``--rate`` per second (by default 30,
  what Telegram lets a bot send); latency = from sending the push to the fake receiving
  the reply's sendMessage (both ``time.monotonic()``, one clock on Linux; the push round
  trip, printed, is included);
- burst: ``--questions`` pushed at once; throughput = answers / (last sendMessage - first
  push), and the latency under that load (queueing included);
- memory: the peak resident set (VmHWM) of the bot process after all that.

Repeats alternate which bot goes first; medians over the repeats are printed with the
targets: our throughput >= 45 answers/s, our paced latency's 99th percentile <= 150 ms,
our peak memory < 150 MB, no errors. Our throughput as a fraction of the echo bot's is
printed too (the median over the repeats of the fraction within each repeat, the two runs
a few seconds apart, so that the speed of a shared machine drifting over minutes cancels
out): what our bot costs beyond python-telegram-bot's own work. ``--profile`` then runs
our bot once more under cProfile through a burst and prints where its main thread spends
the time.
"""

from __future__ import annotations

import argparse
import itertools
import pstats
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    BENCH,
    FakeServer,
    bot_process,
    fake_server,
    main_thread_cpu,
    median,
    memory_kb,
    questions,
)
from _report import machine, percentile

BOTS = {"ours": BENCH / "our_bot.py", "echo": BENCH / "echo_bot.py"}
WARMUP = 100
CHUNK = 500  # updates per control push
APOLOGIES = ("Sorry, something went wrong", "Maaf, ada masalah di sistem saya")


@dataclass(frozen=True)
class Run:
    bot: str
    throughput: float  # answers per second, burst
    paced_p50: float  # ms
    paced_p99: float  # ms
    burst_p50: float  # ms, queueing included
    push_rtt: float  # ms, median round trip of one push
    peak_rss_mb: float
    errors: int  # ERROR lines in the bot's log, plus apologies sent
    cpu_ms: float  # main-thread CPU per answer in the burst


class Questions:
    """Update dicts, each from a new user, texts cycling through the evaluation sets."""

    def __init__(self) -> None:
        self.texts = questions()
        self.users = itertools.count(10_000_000)
        self.turn = itertools.count()

    def next(self) -> dict[str, Any]:
        user = next(self.users)
        text, code = self.texts[next(self.turn) % len(self.texts)]
        sender = {"id": user, "is_bot": False, "first_name": "Bench", "language_code": code}
        message = {
            "message_id": 1,
            "from": sender,
            "chat": {"id": user, "type": "private", "first_name": "Bench"},
            "date": int(time.time()),
            "text": text,
        }
        return {"message": message}

    def batch(self, count: int) -> list[dict[str, Any]]:
        return [self.next() for _ in range(count)]


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def replies(server: FakeServer) -> list[dict[str, Any]]:
    return [c for c in server.calls("sendMessage") if c["status"] == 200]


def push_all(server: FakeServer, updates: list[dict[str, Any]]) -> float:
    """Push updates in chunks; return the time the first push was sent."""
    started = time.monotonic()
    for chunk in chunks(updates, CHUNK):
        server.push(chunk)
    return started


def warm_up(server: FakeServer, source: Questions) -> None:
    server.reset()
    push_all(server, source.batch(WARMUP))
    server.wait("sendMessage", WARMUP, timeout=120)


def paced(
    server: FakeServer, source: Questions, count: int, rate: float
) -> tuple[list[float], float]:
    """Latencies (ms) of ``count`` questions pushed at ``rate`` per second, and the median
    push round trip (ms)."""
    server.reset()
    sent_at: dict[int, float] = {}
    round_trips = []
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        update = source.next()
        chat = update["message"]["chat"]["id"]
        sent_at[chat] = time.monotonic()
        server.push([update])
        round_trips.append((time.monotonic() - sent_at[chat]) * 1000)
    server.wait("sendMessage", count, timeout=120)
    latencies = [(c["time"] - sent_at[c["params"]["chat_id"]]) * 1000 for c in replies(server)]
    return latencies, median(round_trips)


def burst(server: FakeServer, source: Questions, count: int) -> tuple[float, list[float]]:
    """Throughput (answers/s) and latencies (ms) of ``count`` questions pushed at once."""
    server.reset()
    updates = source.batch(count)
    started = push_all(server, updates)
    server.wait("sendMessage", count, timeout=600)
    calls = replies(server)
    last = max(c["time"] for c in calls)
    return count / (last - started), [(c["time"] - started) * 1000 for c in calls]


def count_errors(log: Path) -> int:
    """ERROR and CRITICAL lines in a bot's log."""
    lines = log.read_text(errors="replace").splitlines()
    return sum(1 for line in lines if " ERROR " in line or " CRITICAL " in line)


def apologies(server: FakeServer) -> int:
    """Replies that are the error handler's apology instead of an answer."""
    return sum(1 for c in replies(server) if str(c["params"].get("text", "")).startswith(APOLOGIES))


def measure(
    name: str, server: FakeServer, source: Questions, workdir: Path, args: argparse.Namespace
) -> Run:
    script = BOTS[name]
    with bot_process(script, server, workdir) as proc:
        warm_up(server, source)
        paced_ms, rtt = paced(server, source, args.paced, args.rate)
        sorry = apologies(server)
        cpu_before = main_thread_cpu(proc.pid)
        throughput, burst_ms = burst(server, source, args.questions)
        cpu_ms = (main_thread_cpu(proc.pid) - cpu_before) / args.questions * 1000
        sorry += apologies(server)
        peak = memory_kb(proc.pid)["VmHWM"] / 1024
    errors = count_errors(workdir / f"{script.stem}.log") + sorry
    return Run(
        bot=name,
        throughput=throughput,
        paced_p50=percentile(paced_ms, 50),
        paced_p99=percentile(paced_ms, 99),
        burst_p50=percentile(burst_ms, 50),
        push_rtt=rtt,
        peak_rss_mb=peak,
        errors=errors,
        cpu_ms=cpu_ms,
    )


def profile(server: FakeServer, source: Questions, workdir: Path, count: int) -> None:
    """Run our bot under cProfile through a warm-up and a burst; print the top functions."""
    stats_file = workdir / "ours.prof"
    wrapper = workdir / "profiled_bot.py"
    workdir.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(
        "import cProfile, runpy, sys\n"
        f"sys.argv = [{str(BOTS['ours'])!r}]\n"
        "profiler = cProfile.Profile()\n"
        "try:\n"
        f"    profiler.runcall(runpy.run_path, {str(BOTS['ours'])!r}, run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"profiler.dump_stats({str(stats_file)!r})\n"
    )
    with bot_process(wrapper, server, workdir):
        warm_up(server, source)
        throughput, _ = burst(server, source, count)
    print(
        f"\nprofile of our bot (main thread, {count} questions, {throughput:.0f}/s under cProfile)"
    )
    stats = pstats.Stats(str(stats_file))
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(r"bot/|faq/", 25)


def table(runs: list[Run]) -> None:
    print(
        f"{'bot':<5} {'answers/s':>10} {'paced p50':>10} {'paced p99':>10} {'burst p50':>10}"
        f" {'push rtt':>9} {'peak RSS':>9} {'CPU/answer':>11} {'errors':>7}"
    )
    for r in runs:
        print(
            f"{r.bot:<5} {r.throughput:>10.0f} {r.paced_p50:>8.1f}ms {r.paced_p99:>8.1f}ms"
            f" {r.burst_p50:>8.0f}ms {r.push_rtt:>7.2f}ms {r.peak_rss_mb:>7.1f}MB"
            f" {r.cpu_ms:>9.2f}ms {r.errors:>7}"
        )


def summary(runs: list[Run]) -> bool:
    def med(bot: str, field: str) -> float:
        return median([getattr(r, field) for r in runs if r.bot == bot])

    ours = med("ours", "throughput")
    # Runs alternate ours/echo, echo/ours...: each repeat's pair ran back to back.
    pairs = [
        (mine.throughput, theirs.throughput)
        for mine, theirs in zip(
            (r for r in runs if r.bot == "ours"), (r for r in runs if r.bot == "echo"), strict=True
        )
    ]
    ratios = [mine / theirs for mine, theirs in pairs]
    fraction = median(ratios)
    # The same fraction from CPU time: steadier on a busy machine, where waiting for the
    # CPU lowers throughput but not the CPU an answer takes.
    cpu_fraction = med("echo", "cpu_ms") / med("ours", "cpu_ms")
    p99 = med("ours", "paced_p99")
    checks = [
        ("our throughput, rate limiter off", f"{ours:.0f}/s", ">= 45/s", ours >= 45),
        ("our reply latency, p99 (paced)", f"{p99:.1f} ms", "<= 150 ms", p99 <= 150),
        ("our reply latency, median (paced)", f"{med('ours', 'paced_p50'):.1f} ms", "", True),
        ("our throughput / echo bot's", f"{fraction:.2f}", "", True),
        ("our peak memory (VmHWM)", f"{med('ours', 'peak_rss_mb'):.0f} MB", "< 150 MB",
         med("ours", "peak_rss_mb") < 150),
        ("errors (log lines, apologies)", str(sum(r.errors for r in runs)), "0",
         all(r.errors == 0 for r in runs)),
    ]  # fmt: skip
    print("\nour throughput / echo bot's, per repeat: " + ", ".join(f"{r:.2f}" for r in ratios))
    print("\nmedians over the repeats")
    print(f"{'':<36} {'ours':>9} {'echo':>9}")
    for label, field, unit in (
        ("throughput (answers/s)", "throughput", "{:.0f}"),
        ("paced latency p50 (ms)", "paced_p50", "{:.1f}"),
        ("paced latency p99 (ms)", "paced_p99", "{:.1f}"),
        ("burst latency p50 (ms, queueing)", "burst_p50", "{:.0f}"),
        ("peak RSS (MB)", "peak_rss_mb", "{:.1f}"),
        ("main-thread CPU per answer (ms)", "cpu_ms", "{:.2f}"),
    ):
        print(
            f"{label:<36} {unit.format(med('ours', field)):>9} {unit.format(med('echo', field)):>9}"
        )
    print(f"echo bot's CPU per answer / ours: {cpu_fraction:.2f} (the fraction, from CPU time)")
    print("\ntargets")
    for label, value, target, ok in checks:
        verdict = ("ok" if ok else "MISSED") if target else ""
        print(f"{label:<36} {value:>9}  {target:<9} {verdict}".rstrip())
    return all(ok for *_, ok in checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=2000, help="burst size (default 2000)")
    parser.add_argument("--paced", type=int, default=300, help="paced questions (default 300)")
    parser.add_argument("--rate", type=float, default=30, help="paced rate per second (30)")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each bot (default 5)")
    parser.add_argument("--profile", action="store_true", help="then profile our bot")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print(
        f"each run: {WARMUP} warm-up, {args.paced} paced at {args.rate:g}/s, "
        f"{args.questions} at once; {args.repeats} repeats, order alternating"
    )
    source = Questions()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp, fake_server() as server:
        for repeat in range(args.repeats):
            order = ("ours", "echo") if repeat % 2 == 0 else ("echo", "ours")
            for name in order:
                run = measure(name, server, source, Path(tmp) / f"{repeat}-{name}", args)
                runs.append(run)
                print(
                    f"  run {repeat + 1} {name}: {run.throughput:.0f} answers/s, paced p50 "
                    f"{run.paced_p50:.1f} ms, peak {run.peak_rss_mb:.0f} MB",
                    flush=True,
                )
        print()
        table(runs)
        ok = summary(runs)
        if args.profile:
            profile(server, source, Path(tmp) / "profile", args.questions)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
