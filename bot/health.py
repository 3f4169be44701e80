"""Liveness of a running bot, for container health checks (``skinfaq health``).

The bot touches a heartbeat file next to its database every ``HEARTBEAT_INTERVAL``
seconds from its event loop, so a stale file means a hung or dead bot, not just a
missing process. The same tick retries database writes that are still pending, so
a quiet bot does not sit on them until the next message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from bot.storage import Store

HEARTBEAT_INTERVAL = 30.0
MAX_AGE = 4 * HEARTBEAT_INTERVAL

logger = logging.getLogger(__name__)


def heartbeat_path(database: Path) -> Path:
    """Where the bot using ``database`` writes its heartbeat."""
    return database.with_name(database.name + ".heartbeat")


async def heartbeat_loop(path: Path, store: Store, interval: float = HEARTBEAT_INTERVAL) -> None:
    """Write the time to ``path`` and retry pending writes, every ``interval`` seconds."""
    while True:
        try:
            await asyncio.to_thread(path.write_text, f"{time.time():.0f}\n", encoding="utf-8")
        except OSError as exc:
            logger.warning("could not write the heartbeat %s: %s", path, exc)
        await store.flush_outcomes()
        if store.pending_count:
            # Not patient: a database still locked must not stall the handlers for seconds.
            written = await store.flush_pending(patient=False)
            logger.info("wrote %d pending records, %d still pending", written, store.pending_count)
        await asyncio.sleep(interval)


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
