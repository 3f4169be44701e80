"""What the bot benchmarks share: the machine line, the fake Bot API as a separate process
driven through its control endpoints, bot processes, their memory, and the questions.

Everything listens on 127.0.0.1; nothing contacts Telegram. Times compared across
processes come from ``time.monotonic()``, which on Linux is one clock for the whole
machine (CLOCK_MONOTONIC), so the fake's record of a call and the driver's push agree.
"""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TOKEN = "123456:BENCH-token-for-the-fake-api"
HASH_KEY = "bench-user-hash-key-0123456789"
READY = re.compile(r"fakebotapi ready base_url=(\S+)")


def questions() -> list[tuple[str, str]]:
    """(text, Telegram language_code) of the development and held-out sets, in file order:
    FAQ questions, small talk, red flags and out-of-scope ones, in both languages."""
    found = []
    for name in ("dev.jsonl", "heldout.jsonl"):
        for line in (ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            found.append((row["q"], "en" if row["lang"] == "en" else "id"))
    return found


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in kB, from /proc."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def main_thread_cpu(pid: int) -> float:
    """CPU seconds (user + system) the main thread of a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class FakeServer:
    """``python -m tests.fakebotapi`` in its own process, and a client for its control API."""

    def __init__(self, proc: subprocess.Popen[str], base_url: str) -> None:
        self.proc = proc
        self.base_url = base_url  # PTB's base_url: .../bot
        self.url = base_url.removesuffix("/bot")
        self.http = httpx.Client(base_url=self.url, timeout=120)

    def _result(self, response: httpx.Response) -> Any:
        body = response.json()
        if not body.get("ok"):
            raise RuntimeError(f"fake Bot API: {body.get('description')}")
        return body["result"]

    def push(self, updates: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return list(self._result(self.http.post("/_control/push", json=list(updates))))

    def build(self, builder: str, kwargs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Build and queue updates, e.g. ``build("text_message", [{"text": "hi"}])``."""
        return list(self._result(self.http.post(f"/_control/build/{builder}", json=list(kwargs))))

    def wait(self, method: str, count: int, timeout: float) -> None:
        """Block until ``count`` answered ``method`` calls were recorded (since the reset)."""
        params = {"method": method, "count": count, "timeout": timeout}
        self._result(self.http.get("/_control/wait", params=params, timeout=timeout + 10))

    def calls(self, method: str) -> list[dict[str, Any]]:
        """The recorded calls of ``method`` since the last reset, with params and times."""
        params = {"method": method, "records": "1"}
        return list(self._result(self.http.get("/_control/calls", params=params))["records"])

    def count(self, method: str) -> int:
        return int(
            self._result(self.http.get("/_control/calls", params={"method": method}))["total"]
        )

    def reset(self) -> None:
        """Forget recorded calls and faults (the chats and messages stay)."""
        self._result(self.http.post("/_control/reset"))


@contextmanager
def fake_server() -> Iterator[FakeServer]:
    """Start the fake Bot API on a free port; stop it (SIGTERM) afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakebotapi", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until ready (or the process died)
        match = READY.search(line)
        if match is None:
            raise RuntimeError(f"the fake Bot API did not start: {line!r}")
        server = FakeServer(proc, match.group(1))
        try:
            yield server
        finally:
            server.http.close()
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen[Any], timeout: float = 30) -> int:
    """SIGTERM, then SIGKILL if it does not exit within ``timeout`` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return int(proc.returncode)


def bot_env(server: FakeServer, database: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process talking to ``server``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SKINFAQ_", "TELEGRAM_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": server.base_url,
        "SKINFAQ_DATABASE": str(database),
        "SKINFAQ_USER_HASH_KEY": HASH_KEY,
        "SKINFAQ_LOG_LEVEL": "INFO",
        # the one setting a benchmark run chooses: words only, or meaning too
        "SKINFAQ_ENCODER": os.environ.get("SKINFAQ_ENCODER", "none"),
        "PYTHONPATH": str(ROOT),
    }
    env |= extra
    return env


@contextmanager
def bot_process(
    script: Path, server: FakeServer, workdir: Path, *, ready_timeout: float = 60
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a bot script against ``server`` (logging to ``workdir/<name>.log``) until it
    polls; SIGTERM it afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = (workdir / f"{script.stem}.log").open("wb")
    polls_before = server.count("getUpdates")
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=workdir,
        env=bot_env(server, workdir / "bot.sqlite3"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + ready_timeout
        while server.count("getUpdates") <= polls_before:  # bounded: ready_timeout
            if proc.poll() is not None:
                raise RuntimeError(f"{script.name} exited with {proc.returncode}; see {log.name}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{script.name} did not start polling in {ready_timeout} s")
            time.sleep(0.05)
        yield proc
    finally:
        stop_process(proc)
        log.close()
