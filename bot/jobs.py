"""The running bot's periodic work, as python-telegram-bot ``JobQueue`` jobs.

==================  =========================  ==========================================
job                 runs                       does
==================  =========================  ==========================================
beat                at start, then every 30 s  touches the heartbeat file (``skinfaq
                                               health``)
flush_writes        every 30 s                 writes outcome counts and records still
                                               pending
reload_phrasings    every 30 s                 teaches the engine the phrasings attached
                                               with ``skinfaq review attach`` meanwhile
purge_old_records   at start, then daily       deletes records older than the retention
                                               period
==================  =========================  ==========================================

PTB runs the jobs on the bot's event loop once the application has started, and hands
what one raises to the error handler (:func:`bot.handlers.errors.on_error`), which logs it
with the job's name; the job runs again at its next time. ``skinfaq chat`` has no
application and runs none of them: it writes what is pending when it closes its store,
and it reads the attached phrasings when it starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

from bot.context import BotApplication, BotContext
from bot.health import HEARTBEAT_INTERVAL, heartbeat_path, write_heartbeat

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobIntervals:
    """Seconds between two runs of each job."""

    heartbeat: float = HEARTBEAT_INTERVAL
    flush: float = 30.0
    phrasings: float = 30.0  # an editor's attach reaches the running bot within this
    retention: float = 24 * 60 * 60.0


DEFAULT_INTERVALS: Final = JobIntervals()


async def beat(context: BotContext) -> None:
    """Touch the heartbeat file next to the database."""
    await write_heartbeat(heartbeat_path(context.services.settings.database))


async def flush_writes(context: BotContext) -> None:
    """Write the outcome counts, and retry records the database could not take before, so
    a quiet bot does not sit on them until the next message."""
    store = context.services.store
    await store.flush_outcomes()
    if store.pending_count:
        # Not patient: a database still locked must not stall the handlers for seconds.
        written = await store.flush_pending(patient=False)
        logger.info("wrote %d pending records, %d still pending", written, store.pending_count)


async def reload_phrasings(context: BotContext) -> None:
    """Teach the engine the phrasings attached in review since the last run."""
    if learnt := await context.services.phrasings.sync():
        logger.info("learnt %d phrasing(s) attached in review", learnt)


async def purge_old_records(context: BotContext) -> None:
    """Delete questions, feedback and picks older than the retention period."""
    services = context.services
    days = services.settings.retention_days
    deleted = await services.store.purge_older_than(days)
    logger.info("retention: deleted %d records older than %d days", deleted, days)


def register_jobs(app: BotApplication, intervals: JobIntervals = DEFAULT_INTERVALS) -> None:
    """Schedule every job; they start running when the application starts."""
    job_queue = app.job_queue
    if job_queue is None:
        raise RuntimeError("the bot needs python-telegram-bot's job queue (the job-queue extra)")
    # Run a job whose time passed while the bot was still starting (the job queue starts
    # after polling has begun) late rather than not at all; never twice in a row.
    job_kwargs: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True}
    for callback, interval, at_start in (
        (beat, intervals.heartbeat, True),
        (flush_writes, intervals.flush, False),
        (reload_phrasings, intervals.phrasings, False),  # start-up has read them
        (purge_old_records, intervals.retention, True),
    ):
        name = callback.__name__
        if at_start:
            # A repeating job cannot start at once (see JobQueue.run_repeating): once first.
            job_queue.run_once(callback, 0, name=name, job_kwargs=job_kwargs)
        job_queue.run_repeating(callback, interval, name=name, job_kwargs=job_kwargs)
