"""SQLite storage for the bot; the only package that contains SQL.

One aiosqlite connection per process (WAL, synchronous=NORMAL). Users are keyed by
``privacy.user_hash``, never by Telegram id, and question text is redacted here whatever
the caller did. Logging methods never raise when the database is unavailable: the write is
kept in a bounded in-memory queue and replayed, in order, before the next write that
reaches the database, or by ``flush_pending()``.

Usage::

    async with await Store.open(path, user_hash_key=key) as store:
        await store.log_outcome(lang="id", status="answered", entry_id="e1", chat_type="private")

Modules, by feature: :mod:`~bot.storage.schema` (migrations and shared statements),
:mod:`~bot.storage.records` (typed results), :mod:`~bot.storage.core` (connection, write
path, logging), :mod:`~bot.storage.review`, :mod:`~bot.storage.reports` (statistics and
export) and :mod:`~bot.storage.maintenance` (privacy, retention, backup). Import from
``bot.storage`` itself: everything public is re-exported here.
"""

from __future__ import annotations

from bot.storage.core import (
    MAX_CANDIDATES,
    MAX_TEXT_CHARS,
    OUTCOME_FLUSH_SECONDS,
    RETRY_BUSY_TIMEOUT_MS,
    logger,
)
from bot.storage.maintenance import Maintenance
from bot.storage.records import (
    Candidate,
    EntryCount,
    ExportRow,
    FeedbackSummary,
    GroupCount,
    GroupTarget,
    OutcomeCounts,
    OutcomeStatus,
    Phrasing,
    QuestionGroup,
    QuestionRecord,
    QuestionStatus,
    ReviewStatus,
    Stats,
)
from bot.storage.reports import ReportQueries
from bot.storage.review import ReviewQueries
from bot.storage.schema import LATEST_VERSION, MIGRATIONS, migrate

__all__ = [
    "LATEST_VERSION",
    "MAX_CANDIDATES",
    "MAX_TEXT_CHARS",
    "MIGRATIONS",
    "OUTCOME_FLUSH_SECONDS",
    "RETRY_BUSY_TIMEOUT_MS",
    "Candidate",
    "EntryCount",
    "ExportRow",
    "FeedbackSummary",
    "GroupCount",
    "GroupTarget",
    "OutcomeCounts",
    "OutcomeStatus",
    "Phrasing",
    "QuestionGroup",
    "QuestionRecord",
    "QuestionStatus",
    "ReviewStatus",
    "Stats",
    "Store",
    "logger",
    "migrate",
]


# Defined here rather than in a submodule so it stays ``bot.storage.Store`` by name too.
class Store(ReviewQueries, ReportQueries, Maintenance):
    """Async facade over the bot's SQLite database. Create with :meth:`open`."""
