"""What every benchmark prints: the machine, and percentiles. Standard library only, so
importing it does not change the memory a benchmark measures."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path


def cpu_model() -> str:
    """The CPU model (Linux reports it in /proc/cpuinfo; platform.processor() is often empty)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    """One line: platform, CPUs, CPU model, and the versions the figures depend on."""
    try:
        ptb = metadata.version("python-telegram-bot")
    except metadata.PackageNotFoundError:
        ptb = "not installed"
    return (
        f"{platform.system()} {platform.machine()} ({platform.release()}), "
        f"{os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, python-telegram-bot {ptb}"
    )


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]
