"""Liveness of a running bot, for container health checks (``skinfaq health``).

The bot touches a heartbeat file next to its database every ``HEARTBEAT_INTERVAL``
seconds, a job of its event loop (see :mod:`bot.jobs`), so a stale file means a hung or
dead bot, not just a missing process.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

HEARTBEAT_INTERVAL = 30.0
MAX_AGE = 4 * HEARTBEAT_INTERVAL


def heartbeat_path(database: Path) -> Path:
    """Where the bot using ``database`` writes its heartbeat."""
    return database.with_name(database.name + ".heartbeat")


async def write_heartbeat(path: Path) -> None:
    """Write the time to ``path`` (off the event loop: a slow disk must not stall it)."""
    await asyncio.to_thread(path.write_text, f"{time.time():.0f}\n", encoding="utf-8")


def check(database: Path, *, now: float | None = None, max_age: float = MAX_AGE) -> str | None:
    """None when the bot's heartbeat is fresh, else what is wrong."""
    path = heartbeat_path(database)
    try:
        beat = float(path.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        return f"no heartbeat at {path}: the bot has not started"
    except (OSError, ValueError) as exc:
        return f"cannot read the heartbeat {path}: {exc}"
    age = (time.time() if now is None else now) - beat
    if age > max_age:
        return f"the last heartbeat is {age:.0f} s old (limit {max_age:.0f} s)"
    return None
