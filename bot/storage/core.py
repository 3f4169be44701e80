"""The core of :class:`bot.storage.Store`: connection, resilient write path, logging.

Opening sets up the one shared connection and migrates it. Every write goes through
``_write``: when the database is unavailable the record is kept in a bounded in-memory
queue and replayed, in order, before the next write that reaches the database, or by
``flush_pending()``. The logging methods (outcomes, questions, feedback, picks, language
choices) are the bot's only writes and never raise on an unavailable database. The review,
report and maintenance queries build on this class in their own modules.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import logging
import math
import os
import sqlite3
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

import aiosqlite

from bot.privacy import redact, user_hash
from bot.storage.records import OutcomeStatus, QuestionStatus, _check, _day, _ts
from bot.storage.schema import (
    _COUNT_OUTCOME,
    _INSERT_PICK,
    _INSERT_QUESTION,
    _UPSERT_FEEDBACK,
    _UPSERT_LANG,
    migrate,
)

# Log as "bot.storage", the name the storage module has always logged under (log lines
# show it; tests and operators filter on it), not as this submodule.
logger = logging.getLogger("bot.storage")

MAX_TEXT_CHARS: Final = 2000
MAX_CANDIDATES: Final = 5
OUTCOME_FLUSH_SECONDS: Final = 5.0
RETRY_BUSY_TIMEOUT_MS: Final = 50
"""How long a replay of queued records waits for a lock while the database is known to be
unavailable: every handler waits behind the store, so a replay must fail fast."""


@dataclass(frozen=True, slots=True)
class _Write:
    kind: str
    sql: str
    params: tuple[Any, ...]
    user_hash: str | None = None
    seq: int = field(default=0, compare=False)


def _lang_key(user_hash: str) -> int:
    """The key of a user's language choice in memory: the hash's first 64 bits."""
    return int(user_hash[:16], 16)


def _is_transient(exc: sqlite3.DatabaseError) -> bool:
    """Locked, read-only, disk full, I/O or corrupt file, as opposed to a bug in the SQL."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def _create_private_file(path: Path) -> None:
    # The database holds (pseudonymous) personal data: create it readable by owner only;
    # SQLite gives the -wal and -shm files the same permissions.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class StoreCore:
    """Connection, write path and logging; :class:`bot.storage.Store` adds the queries."""

    def __init__(
        self,
        db: aiosqlite.Connection,
        path: Path,
        *,
        user_hash_key: bytes,
        max_pending: int,
        retry_interval: float,
        clock: Callable[[], datetime],
        busy_timeout_ms: int = 5000,
    ) -> None:
        self._db = db
        self.path = path
        self._key = user_hash_key
        self._clock = clock
        # One connection is shared by all coroutines; the lock keeps another coroutine's
        # statement from landing inside (and being rolled back with) our transaction.
        self._lock = asyncio.Lock()
        self._pending: deque[_Write] = deque()
        self._max_pending = max_pending
        self._seq = itertools.count(1)
        self._retry_interval = retry_interval
        self._retry_at = 0.0
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._closed = False
        # Anonymous outcome counts are added up in memory and written every few seconds:
        # a committed write per message would cost more than answering it. A crash loses at
        # most those seconds of statistics, never a question or a user's data.
        self._outcomes: Counter[tuple[int, str, str, str, str]] = Counter()
        self._outcomes_at = time.monotonic()
        self._outcomes_lock = asyncio.Lock()
        # Every stored language choice, read on every message: all of them live in memory
        # (loaded at open, about 100 bytes per user who chose), so a message costs no
        # database round trip, even from a first-time user. This process is the only
        # writer of the settings. Keys are the first 64 bits of the user hash.
        self._langs: dict[int, str] = {}

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        user_hash_key: bytes,
        busy_timeout_ms: int = 5000,
        max_pending: int = 1000,
        retry_interval: float = 1.0,
        clock: Callable[[], datetime] | None = None,
    ) -> Self:
        """Open (creating file and parent directory on first run) and migrate the database.

        After a failed write, writes within ``retry_interval`` seconds are queued at once
        instead of each waiting ``busy_timeout_ms`` for a lock that is still held; the next
        write after that replays the queue, waiting at most ``RETRY_BUSY_TIMEOUT_MS`` for the
        lock. ``flush_pending`` and ``close`` wait the full ``busy_timeout_ms``.
        """
        if not user_hash_key:
            raise ValueError("user_hash_key must not be empty")
        db_path = Path(path)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        _create_private_file(db_path)
        db = await aiosqlite.connect(db_path, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms):d}")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            # Overwrite deleted rows so /forget and purges leave no text in free pages.
            await db.execute("PRAGMA secure_delete = ON")
            await migrate(db)
            choices = await db.execute_fetchall("SELECT user_hash, lang FROM user_settings")
        except BaseException:
            await db.close()
            raise
        store = cls(
            db, db_path, user_hash_key=user_hash_key, max_pending=max_pending,
            retry_interval=retry_interval, clock=clock or (lambda: datetime.now(UTC)),
            busy_timeout_ms=busy_timeout_ms,
        )  # fmt: skip
        store._langs = {_lang_key(str(h)): str(lang) for h, lang in choices}
        return store

    async def close(self) -> None:
        """Try once more to write queued records, then close the connection (idempotent)."""
        # The outcome lock first, as flush_outcomes takes them: a flush under way finishes
        # its writes before the connection closes.
        async with self._outcomes_lock, self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue_outcomes()
            if self._pending:
                await self._flush_locked()
            if self._pending:
                logger.error("closing with %d unwritten records; they are lost", len(self._pending))
            await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        await self.close()

    def hash_user(self, user_id: int) -> str:
        """The pseudonym this store uses for ``user_id`` (e.g. for reviewer labels)."""
        return user_hash(self._key, user_id)

    def _now(self) -> int:
        return _ts(self._clock())

    # -- resilient writes -----------------------------------------------------------------

    @property
    def pending_count(self) -> int:
        """Records waiting in memory because the database could not be written."""
        return len(self._pending)

    async def flush_pending(self, *, patient: bool = True) -> int:
        """Write queued records now; return how many reached the database.

        ``patient=False`` waits at most ``RETRY_BUSY_TIMEOUT_MS`` for a lock, for periodic
        retries from a running bot: every handler waits behind the store meanwhile.
        """
        async with self._lock:
            if patient:
                return await self._flush_locked()
            return await self._flush_locked(busy_timeout_ms=RETRY_BUSY_TIMEOUT_MS)

    def _enqueue(self, write: _Write, exc: BaseException | None) -> None:
        if len(self._pending) >= self._max_pending:
            self._pending.popleft()
            logger.error("storage retry queue full (%d); dropped the oldest", self._max_pending)
        self._pending.append(dataclasses.replace(write, seq=next(self._seq)))
        if exc is not None:  # the message is SQLite's own ("database is locked"), never data
            # Only a failure moves the next retry: a record queued behind others must not,
            # or steady traffic (one write a second) would postpone the replay forever.
            self._retry_at = time.monotonic() + self._retry_interval
            logger.warning("storage unavailable (%s), %s queued: %d pending", exc, write.kind,
                           len(self._pending))  # fmt: skip

    async def _write(self, write: _Write) -> int | None:
        if self._pending and time.monotonic() < self._retry_at:
            self._enqueue(write, None)
            return None
        async with self._lock:
            if self._pending:
                await self._flush_locked(busy_timeout_ms=RETRY_BUSY_TIMEOUT_MS)
            if self._pending:  # still unavailable: keep order behind the older records
                self._enqueue(write, None)
                return None
            try:
                cursor = await self._db.execute(write.sql, write.params)
            except sqlite3.DatabaseError as exc:
                if not _is_transient(exc):
                    raise
                self._enqueue(write, exc)
                return None
            return cursor.lastrowid

    async def _flush_locked(self, *, busy_timeout_ms: int | None = None) -> int:
        """Replay the queue in one transaction; ``busy_timeout_ms`` caps the wait for the lock."""
        batch = list(self._pending)
        if not batch:
            return 0
        if busy_timeout_ms is not None and busy_timeout_ms < self._busy_timeout_ms:
            async with self._busy_timeout(busy_timeout_ms):
                return await self._flush_locked()
        written = 0
        try:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                for write in batch:
                    try:
                        await self._db.execute(write.sql, write.params)
                        written += 1
                    except sqlite3.DatabaseError as exc:
                        if _is_transient(exc):
                            raise
                        # Retrying cannot fix a constraint error; don't block the queue.
                        logger.error("dropping queued %s record: %s", write.kind, exc)
                await self._db.commit()
            except BaseException:
                await self._rollback_quietly()
                raise
        except sqlite3.DatabaseError as exc:
            if not _is_transient(exc):
                raise
            self._retry_at = time.monotonic() + self._retry_interval
            logger.warning("storage still unavailable (%s): %d pending", exc, len(batch))
            return 0
        # Records may have been queued (never removed) while we awaited: drop by sequence.
        last = batch[-1].seq
        while self._pending and self._pending[0].seq <= last:
            self._pending.popleft()
        logger.info("wrote %d queued records", written)
        return written

    @contextlib.asynccontextmanager
    async def _busy_timeout(self, ms: int) -> AsyncIterator[None]:
        await self._db.execute(f"PRAGMA busy_timeout = {int(ms):d}")  # pragmas take no params
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                await self._db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms:d}")

    async def _rollback_quietly(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            await self._db.rollback()

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; the caller must hold ``self._lock``."""
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            await self._db.commit()
        except BaseException:
            await self._rollback_quietly()
            raise

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock:
            return list(await self._db.execute_fetchall(sql, params))

    # -- logging (never raises on an unavailable database) ---------------------------------

    async def log_outcome(
        self, *, lang: str, status: OutcomeStatus, entry_id: str | None, chat_type: str
    ) -> None:
        """Count one handled message for statistics: no user, no text, a per-day counter."""
        _check(status, OutcomeStatus)
        self._outcomes[(_day(self._now()), lang, status, entry_id or "", chat_type)] += 1
        if time.monotonic() - self._outcomes_at >= OUTCOME_FLUSH_SECONDS:
            await self.flush_outcomes()

    async def flush_outcomes(self) -> None:
        """Write the outcome counts added up in memory (done every few seconds anyway).

        When it returns, every count made before the call is on disk or queued, even those
        a concurrent flush (the heartbeat's) took out of memory first.
        """
        async with self._outcomes_lock:
            counts, self._outcomes = self._outcomes, Counter()
            self._outcomes_at = time.monotonic()
            for key, n in counts.items():
                await self._write(_Write("outcome", _COUNT_OUTCOME, (*key, n)))

    def _queue_outcomes(self) -> None:
        """Queue the in-memory counts behind the pending writes (at close, under the lock)."""
        for key, n in self._outcomes.items():
            self._enqueue(_Write("outcome", _COUNT_OUTCOME, (*key, n)), None)
        self._outcomes.clear()

    async def log_question(
        self,
        *,
        user_id: int,
        text: str,
        group_key: str,
        lang: str,
        chat_type: str,
        status: QuestionStatus,
        candidates: Sequence[tuple[str, float]] = (),
    ) -> int | None:
        """Store a question for review (redacted); return its id, or None if queued."""
        _check(status, QuestionStatus)
        finite = [(str(e), float(s)) for e, s in candidates if math.isfinite(s)]
        top = sorted(finite, key=lambda c: -c[1])[:MAX_CANDIDATES]
        cand = [[e, round(s, 4)] for e, s in top]
        h = self.hash_user(user_id)
        params = (
            self._now(), h, lang, chat_type, status, redact(text)[:MAX_TEXT_CHARS],
            redact(group_key)[:MAX_TEXT_CHARS], json.dumps(cand, ensure_ascii=False),
        )  # fmt: skip
        return await self._write(_Write("question", _INSERT_QUESTION, params, h))

    async def record_feedback(
        self, *, user_id: int, entry_id: str, helpful: bool, lang: str
    ) -> None:
        """Record whether an answer helped; a user's later vote on the same entry replaces it."""
        h = self.hash_user(user_id)
        params = (self._now(), h, entry_id, int(bool(helpful)), lang)
        await self._write(_Write("feedback", _UPSERT_FEEDBACK, params, h))

    async def record_pick(
        self, *, user_id: int, question_id: int | None, entry_id: str, lang: str
    ) -> None:
        """Record the entry a user chose from suggestions, linked to its logged question."""
        h = self.hash_user(user_id)
        params = (self._now(), h, question_id, entry_id, lang)
        await self._write(_Write("pick", _INSERT_PICK, params, h))

    async def set_user_lang(self, user_id: int, lang: str) -> None:
        """Remember the user's language choice."""
        h = self.hash_user(user_id)
        self._langs[_lang_key(h)] = lang  # in effect at once, even while the write is queued
        await self._write(_Write("setting", _UPSERT_LANG, (h, lang, self._now()), h))

    def get_user_lang(self, user_id: int) -> str | None:
        """The user's chosen language, or None: from memory, without a database read."""
        return self._langs.get(_lang_key(self.hash_user(user_id)))
