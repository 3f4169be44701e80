"""SQLite storage for the bot; the only module that contains SQL.

One aiosqlite connection per process (WAL, synchronous=NORMAL). Users are keyed by
``privacy.user_hash``, never by Telegram id, and question text is redacted here whatever
the caller did. Logging methods never raise when the database is unavailable: the write is
kept in a bounded in-memory queue and replayed, in order, before the next write that
reaches the database, or by ``flush_pending()``.

Usage::

    async with await Store.open(path, user_hash_key=key) as store:
        await store.log_outcome(lang="id", status="answered", entry_id="e1", chat_type="private")
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
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self, get_args

import aiosqlite

from bot.privacy import redact, user_hash

logger = logging.getLogger(__name__)

OutcomeStatus = Literal["answered", "suggest", "unanswered", "smalltalk"]
QuestionStatus = Literal["suggest", "unanswered"]
ReviewStatus = Literal["new", "attached", "ignored", "resolved"]
GroupTarget = str | Sequence[int]
"""A group_key (its questions still in ``from_status``) or explicit question ids."""

MAX_TEXT_CHARS: Final = 2000
MAX_CANDIDATES: Final = 5
OUTCOME_FLUSH_SECONDS: Final = 5.0
RETRY_BUSY_TIMEOUT_MS: Final = 50
"""How long a replay of queued records waits for a lock while the database is known to be
unavailable: every handler waits behind the store, so a replay must fail fast."""

# Version N is MIGRATIONS[N - 1]; PRAGMA user_version records the last one applied.
# Never edit a released migration: append a new one. Times are unix seconds (UTC).
MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: initial schema.
    """
    CREATE TABLE outcomes (          -- anonymous: no user, no text
        id         INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        lang       TEXT NOT NULL,
        status     TEXT NOT NULL
                   CHECK (status IN ('answered', 'suggest', 'unanswered', 'smalltalk')),
        entry_id   TEXT,
        chat_type  TEXT NOT NULL
    );
    CREATE INDEX outcomes_time ON outcomes (created_at);
    CREATE TABLE questions (         -- unanswered / ambiguous questions for review
        id                INTEGER PRIMARY KEY,
        created_at        INTEGER NOT NULL,
        user_hash         TEXT NOT NULL,
        lang              TEXT NOT NULL,
        chat_type         TEXT NOT NULL,
        status            TEXT NOT NULL CHECK (status IN ('suggest', 'unanswered')),
        text              TEXT NOT NULL,                 -- redacted
        group_key         TEXT NOT NULL,                 -- redacted
        candidates        TEXT NOT NULL DEFAULT '[]',    -- JSON [[entry_id, score], ...]
        review_status     TEXT NOT NULL DEFAULT 'new'
                          CHECK (review_status IN ('new', 'attached', 'ignored', 'resolved')),
        reviewed_by       TEXT,
        reviewed_at       INTEGER,
        attached_entry_id TEXT
    );
    CREATE INDEX questions_user ON questions (user_hash);
    CREATE INDEX questions_time ON questions (created_at);
    CREATE INDEX questions_review ON questions (review_status, group_key);
    CREATE TABLE feedback (          -- one current opinion per user and entry
        id         INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        user_hash  TEXT NOT NULL,
        entry_id   TEXT NOT NULL,
        helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
        lang       TEXT NOT NULL
    );
    CREATE UNIQUE INDEX feedback_user_entry ON feedback (user_hash, entry_id);
    CREATE INDEX feedback_time ON feedback (created_at);
    CREATE TABLE picks (             -- entry chosen from "did you mean"
        id          INTEGER PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        user_hash   TEXT NOT NULL,
        question_id INTEGER REFERENCES questions (id) ON DELETE SET NULL,
        entry_id    TEXT NOT NULL,
        lang        TEXT NOT NULL
    );
    CREATE INDEX picks_user ON picks (user_hash);
    CREATE INDEX picks_time ON picks (created_at);
    CREATE INDEX picks_question ON picks (question_id);
    CREATE TABLE user_settings (
        user_hash  TEXT PRIMARY KEY,
        lang       TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE phrasings (         -- editor-approved wordings attached to FAQ entries
        id                 INTEGER PRIMARY KEY,
        created_at         INTEGER NOT NULL,
        entry_id           TEXT NOT NULL,
        lang               TEXT NOT NULL,
        text               TEXT NOT NULL,
        created_by         TEXT NOT NULL,
        source_question_id INTEGER REFERENCES questions (id) ON DELETE SET NULL
    );
    CREATE INDEX phrasings_entry ON phrasings (entry_id);
    CREATE INDEX phrasings_source ON phrasings (source_question_id);
    """,
    # 2: stats and review read every row in range. Outcomes become daily counters, so
    # stats cost grows with the window, not with traffic (hourly ones barely compress at
    # 3k messages a day), and an outcome can no longer be matched to a logged question by
    # its time. Covering indexes for the rest.
    """
    CREATE TABLE outcome_counts (
        day       INTEGER NOT NULL,           -- unix time of the UTC midnight
        lang      TEXT NOT NULL,
        status    TEXT NOT NULL
                  CHECK (status IN ('answered', 'suggest', 'unanswered', 'smalltalk')),
        entry_id  TEXT NOT NULL DEFAULT '',   -- '' = none (NULLs would defeat the key)
        chat_type TEXT NOT NULL,
        n         INTEGER NOT NULL,
        PRIMARY KEY (day, lang, status, entry_id, chat_type)
    ) WITHOUT ROWID;
    INSERT INTO outcome_counts (day, lang, status, entry_id, chat_type, n)
        SELECT created_at - created_at % 86400, lang, status, COALESCE(entry_id, ''),
               chat_type, COUNT(*)
        FROM outcomes GROUP BY 1, 2, 3, 4, 5;
    DROP TABLE outcomes;
    DROP INDEX questions_review;
    CREATE INDEX questions_review ON questions (review_status, group_key, created_at, user_hash);
    CREATE INDEX questions_status_time ON questions (status, created_at, group_key);
    DROP INDEX feedback_time;
    CREATE INDEX feedback_time ON feedback (created_at, entry_id, helpful);
    DROP INDEX picks_time;
    CREATE INDEX picks_time ON picks (created_at, entry_id);
    """,
    # 3: attaching the same wording twice made duplicate phrasings; keep the oldest.
    """
    DELETE FROM phrasings
    WHERE id NOT IN (SELECT MIN(id) FROM phrasings GROUP BY entry_id, lang, text);
    DROP INDEX phrasings_entry;
    CREATE UNIQUE INDEX phrasings_entry ON phrasings (entry_id, lang, text);
    """,
)
LATEST_VERSION: Final = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class Candidate:
    entry_id: str
    score: float


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    id: int
    created_at: datetime
    lang: str
    chat_type: str
    status: QuestionStatus
    text: str
    group_key: str
    candidates: tuple[Candidate, ...]
    review_status: ReviewStatus
    reviewed_by: str | None
    reviewed_at: datetime | None
    attached_entry_id: str | None


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Near-identical questions awaiting review; example/lang/candidates are the newest's."""

    group_key: str
    count: int
    users: int
    last_asked: datetime
    example: str
    lang: str
    candidates: tuple[Candidate, ...]
    question_ids: tuple[int, ...]  # newest first, at most ``ids_limit``


@dataclass(frozen=True, slots=True)
class Phrasing:
    id: int
    entry_id: str
    lang: str
    text: str
    created_at: datetime
    created_by: str
    source_question_id: int | None


@dataclass(frozen=True, slots=True)
class OutcomeCounts:
    answered: int = 0
    suggest: int = 0
    unanswered: int = 0
    smalltalk: int = 0

    @property
    def total(self) -> int:
        return self.answered + self.suggest + self.unanswered + self.smalltalk


@dataclass(frozen=True, slots=True)
class EntryCount:
    entry_id: str
    count: int


@dataclass(frozen=True, slots=True)
class GroupCount:
    group_key: str
    example: str
    lang: str
    count: int


@dataclass(frozen=True, slots=True)
class FeedbackSummary:
    entry_id: str
    helpful: int
    not_helpful: int


@dataclass(frozen=True, slots=True)
class Stats:
    since: datetime
    until: datetime
    outcomes_since: datetime  # outcome counts are per UTC day
    totals: OutcomeCounts
    by_lang: Mapping[str, OutcomeCounts]
    top_answered: tuple[EntryCount, ...]
    top_unanswered: tuple[GroupCount, ...]
    feedback: tuple[FeedbackSummary, ...]
    picks: tuple[EntryCount, ...]


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One flat row per question, feedback or pick; fields that do not apply are None."""

    kind: Literal["question", "feedback", "pick"]
    id: int
    created_at: datetime
    lang: str
    entry_id: str | None = None  # attached (question), rated (feedback), chosen (pick)
    chat_type: str | None = None
    status: QuestionStatus | None = None
    review_status: ReviewStatus | None = None
    group_key: str | None = None
    text: str | None = None
    candidates: tuple[Candidate, ...] = ()
    helpful: bool | None = None
    question_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Write:
    kind: str
    sql: str
    params: tuple[Any, ...]
    user_hash: str | None = None
    seq: int = field(default=0, compare=False)


def _ts(when: datetime) -> int:
    # Naive datetimes are taken as UTC; comparing them as local time would shift windows.
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())


def _day(ts: int) -> int:
    return ts - ts % 86400


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _lang_key(user_hash: str) -> int:
    """The key of a user's language choice in memory: the hash's first 64 bits."""
    return int(user_hash[:16], 16)


def _is_transient(exc: sqlite3.DatabaseError) -> bool:
    """Locked, read-only, disk full, I/O or corrupt file, as opposed to a bug in the SQL."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def _check(value: str, allowed: object) -> None:
    if value not in get_args(allowed):
        raise ValueError(f"{value!r} is not one of {get_args(allowed)}")


def _candidates(raw: str) -> tuple[Candidate, ...]:
    return tuple(Candidate(str(e), float(s)) for e, s in json.loads(raw))


def _statements(script: str) -> list[str]:
    """Split a script at statement ends (executescript would commit our transaction)."""
    out: list[str] = []
    buf = ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip())
            buf = ""
    return out


async def _scalar(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    rows = list(await db.execute_fetchall(sql, params))
    return rows[0][0] if rows else None


async def migrate(db: aiosqlite.Connection, *, target: int = LATEST_VERSION) -> int:
    """Apply migrations up to ``target`` (each in its own transaction); return the version.

    The connection must be in autocommit mode (``isolation_level=None``).
    """
    current = int(await _scalar(db, "PRAGMA user_version"))
    if current > LATEST_VERSION:
        raise RuntimeError(f"database schema v{current} is newer than code v{LATEST_VERSION}")
    for version in range(current + 1, target + 1):
        await db.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            if int(await _scalar(db, "PRAGMA user_version")) < version:
                for statement in _statements(MIGRATIONS[version - 1]):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version = {version:d}")  # pragmas take no params
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
        logger.info("database schema at version %d", version)
    return int(await _scalar(db, "PRAGMA user_version"))


def _create_private_file(path: Path) -> None:
    # The database holds (pseudonymous) personal data: create it readable by owner only;
    # SQLite gives the -wal and -shm files the same permissions.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


_COUNT_OUTCOME = (
    "INSERT INTO outcome_counts (day, lang, status, entry_id, chat_type, n)"
    " VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (day, lang, status, entry_id, chat_type) DO UPDATE SET n = n + excluded.n"
)
_INSERT_QUESTION = (
    "INSERT INTO questions (created_at, user_hash, lang, chat_type, status, text, group_key,"
    " candidates) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_FEEDBACK = (
    "INSERT INTO feedback (created_at, user_hash, entry_id, helpful, lang) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (user_hash, entry_id) DO UPDATE SET created_at = excluded.created_at,"
    " helpful = excluded.helpful, lang = excluded.lang"
)
# A link to a question that was purged or forgotten meanwhile becomes NULL instead of a
# foreign-key error, so a late button press can never fail.
_INSERT_PICK = (
    "INSERT INTO picks (created_at, user_hash, question_id, entry_id, lang)"
    " VALUES (?, ?, (SELECT id FROM questions WHERE id = ?), ?, ?)"
)
_UPSERT_LANG = (
    "INSERT INTO user_settings (user_hash, lang, updated_at) VALUES (?, ?, ?)"
    " ON CONFLICT (user_hash) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at"
)
_QUESTION_COLS = (
    "id, created_at, lang, chat_type, status, text, group_key, candidates, review_status,"
    " reviewed_by, reviewed_at, attached_entry_id"
)
_PHRASING_COLS = "id, entry_id, lang, text, created_at, created_by, source_question_id"
_FOREVER = 2**62


def _question(r: sqlite3.Row) -> QuestionRecord:
    reviewed = r["reviewed_at"]
    return QuestionRecord(
        r["id"], _dt(r["created_at"]), r["lang"], r["chat_type"], r["status"], r["text"],
        r["group_key"], _candidates(r["candidates"]), r["review_status"], r["reviewed_by"],
        None if reviewed is None else _dt(reviewed), r["attached_entry_id"],
    )  # fmt: skip


def _group(g: sqlite3.Row, users: int, ids: tuple[int, ...]) -> QuestionGroup:
    return QuestionGroup(
        g["group_key"], g["n"], users, _dt(g["last_at"]), g["text"], g["lang"],
        _candidates(g["candidates"]), ids,
    )  # fmt: skip


def _phrasing(r: sqlite3.Row) -> Phrasing:
    return Phrasing(
        r["id"], r["entry_id"], r["lang"], r["text"], _dt(r["created_at"]), r["created_by"],
        r["source_question_id"],
    )  # fmt: skip


class Store:
    """Async facade over the bot's SQLite database. Create with :meth:`open`."""

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
        async with self._lock:
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

    # -- review -----------------------------------------------------------------------------

    async def list_groups(
        self, *, status: ReviewStatus = "new", limit: int = 20, offset: int = 0, ids_limit: int = 50
    ) -> list[QuestionGroup]:
        """Groups of questions in ``status``: most frequent first, then most recent."""
        _check(status, ReviewStatus)
        async with self._lock:
            groups = list(
                await self._db.execute_fetchall(
                    """
                    WITH g AS (
                        SELECT group_key, COUNT(*) AS n, MAX(created_at) AS last_at,
                               MAX(id) AS last_id
                        FROM questions WHERE review_status = ?
                        GROUP BY group_key
                        ORDER BY n DESC, last_at DESC, last_id DESC LIMIT ? OFFSET ?)
                    SELECT g.*, q.text, q.lang, q.candidates
                    FROM g JOIN questions q ON q.id = g.last_id
                    ORDER BY g.n DESC, g.last_at DESC, g.last_id DESC
                    """,
                    (status, limit, offset),
                )
            )
            if not groups:
                return []
            keys = [g["group_key"] for g in groups]
            in_keys = f"group_key IN ({','.join('?' * len(keys))})"
            page = (status, *keys)
            # Distinct users only for this page: over all groups it would double the cost.
            user_rows = await self._db.execute_fetchall(
                "SELECT group_key, COUNT(DISTINCT user_hash) FROM questions"
                f" WHERE review_status = ? AND {in_keys} GROUP BY group_key",
                page,
            )
            id_rows = await self._db.execute_fetchall(
                f"""
                SELECT group_key, id FROM (
                    SELECT group_key, id,
                           ROW_NUMBER() OVER (PARTITION BY group_key ORDER BY id DESC) AS rn
                    FROM questions WHERE review_status = ? AND {in_keys})
                WHERE rn <= ? ORDER BY id DESC
                """,
                (*page, ids_limit),
            )
        users = {r[0]: int(r[1]) for r in user_rows}
        ids: dict[str, list[int]] = {k: [] for k in keys}
        for r in id_rows:
            ids[r[0]].append(r[1])
        return [_group(g, users[g["group_key"]], tuple(ids[g["group_key"]])) for g in groups]

    async def count_groups(self, status: ReviewStatus = "new") -> int:
        """Number of distinct groups in ``status`` (for paging)."""
        sql = "SELECT COUNT(DISTINCT group_key) FROM questions WHERE review_status = ?"
        return int((await self._rows(sql, (status,)))[0][0])

    async def get_question(self, question_id: int) -> QuestionRecord | None:
        """One logged question, or None."""
        sql = f"SELECT {_QUESTION_COLS} FROM questions WHERE id = ?"
        rows = await self._rows(sql, (question_id,))
        return _question(rows[0]) if rows else None

    @staticmethod
    def _where(target: GroupTarget, from_status: ReviewStatus) -> tuple[str, tuple[Any, ...]]:
        # A group_key selects by key rather than by id list so a huge group never hits
        # SQLite's limit on bound parameters.
        if isinstance(target, str):
            return "group_key = ? AND review_status = ?", (target, from_status)
        ids = tuple(int(i) for i in target)
        return f"id IN ({','.join('?' * len(ids))})", ids

    async def _mark(
        self, where: tuple[str, tuple[Any, ...]], status: ReviewStatus, reviewer: str,
        entry_id: str | None,
    ) -> int:  # fmt: skip
        cursor = await self._db.execute(
            "UPDATE questions SET review_status = ?, reviewed_by = ?, reviewed_at = ?,"
            f" attached_entry_id = ? WHERE {where[0]}",
            (status, reviewer, self._now(), entry_id, *where[1]),
        )
        return cursor.rowcount

    async def attach_group(
        self, target: GroupTarget, *, entry_id: str, reviewer: str, text: str | None = None,
        from_status: ReviewStatus = "new",
    ) -> Phrasing:  # fmt: skip
        """Mark the questions ``attached`` to ``entry_id`` and save their wording as a phrasing.

        ``target`` is a group_key (its questions in ``from_status``) or question ids. The
        phrasing is ``text`` (redacted) if given, else the newest question's text; attaching
        the same wording again returns the existing phrasing. LookupError if nothing matches.
        """
        where = self._where(target, from_status)
        async with self._lock, self._transaction() as db:
            rows = list(
                await db.execute_fetchall(
                    f"SELECT id, lang, text FROM questions WHERE {where[0]}"
                    " ORDER BY created_at DESC, id DESC LIMIT 1",
                    where[1],
                )
            )
            if not rows:
                raise LookupError(f"no questions match {target!r}")
            source = rows[0]
            await self._mark(where, "attached", reviewer, entry_id)
            wording = source["text"] if text is None else redact(text)[:MAX_TEXT_CHARS]
            key = (entry_id, source["lang"], wording)
            await db.execute(
                "INSERT INTO phrasings (created_at, entry_id, lang, text, created_by,"
                " source_question_id) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (entry_id, lang, text) DO NOTHING",
                (self._now(), *key, reviewer, source["id"]),
            )
            sql = f"SELECT {_PHRASING_COLS} FROM phrasings WHERE (entry_id, lang, text) = (?, ?, ?)"
            return _phrasing(next(iter(await db.execute_fetchall(sql, key))))

    async def _set_review(
        self, target: GroupTarget, status: ReviewStatus, reviewer: str, from_status: ReviewStatus
    ) -> int:
        where = self._where(target, from_status)
        async with self._lock, self._transaction():
            return await self._mark(where, status, reviewer, None)

    async def ignore_group(
        self, target: GroupTarget, *, reviewer: str, from_status: ReviewStatus = "new"
    ) -> int:
        """Mark the questions ``ignored`` (not FAQ material); return how many changed."""
        return await self._set_review(target, "ignored", reviewer, from_status)

    async def resolve_group(
        self, target: GroupTarget, *, reviewer: str, from_status: ReviewStatus = "new"
    ) -> int:
        """Mark the questions ``resolved`` (handled some other way); return how many changed."""
        return await self._set_review(target, "resolved", reviewer, from_status)

    async def reopen_group(
        self, target: GroupTarget, *, reviewer: str, from_status: ReviewStatus
    ) -> int:
        """Put reviewed questions back to ``new`` (undo); return how many changed."""
        return await self._set_review(target, "new", reviewer, from_status)

    async def list_phrasings(
        self, entry_id: str | None = None, *, lang: str | None = None
    ) -> list[Phrasing]:
        """Phrasings, optionally of one entry and/or language, by entry then age."""
        rows = await self._rows(
            f"SELECT {_PHRASING_COLS} FROM phrasings WHERE (?1 IS NULL OR entry_id = ?1)"
            " AND (?2 IS NULL OR lang = ?2) ORDER BY entry_id, id",
            (entry_id, lang),
        )
        return [_phrasing(r) for r in rows]

    async def delete_phrasing(self, phrasing_id: int) -> bool:
        """Remove a phrasing; return whether it existed."""
        async with self._lock:
            cursor = await self._db.execute("DELETE FROM phrasings WHERE id = ?", (phrasing_id,))
            return cursor.rowcount > 0

    # -- statistics and export --------------------------------------------------------------

    async def stats(
        self, *, since: datetime, until: datetime | None = None, top: int = 10
    ) -> Stats:
        """Counts of outcomes, top entries and groups, feedback and picks in [since, until).

        Outcome counts are per UTC day: they start at ``Stats.outcomes_since``, the
        midnight before ``since``; questions, feedback and picks use exact times.
        """
        await self.flush_outcomes()
        lo, hi = _ts(since), _FOREVER if until is None else _ts(until)
        span = (lo, hi)
        async with self._lock:
            outcome_rows = await self._db.execute_fetchall(
                "SELECT lang, status, entry_id, SUM(n) AS n FROM outcome_counts"
                " WHERE day >= ? AND day < ? GROUP BY lang, status, entry_id",
                (_day(lo), hi),
            )
            group_rows = await self._db.execute_fetchall(
                """
                WITH g AS (
                    SELECT group_key, COUNT(*) AS n, MAX(id) AS last_id FROM questions
                    WHERE status = 'unanswered' AND created_at >= ? AND created_at < ?
                    GROUP BY group_key ORDER BY n DESC, last_id DESC LIMIT ?)
                SELECT g.group_key, g.n, q.text, q.lang FROM g JOIN questions q ON q.id = g.last_id
                ORDER BY g.n DESC, g.last_id DESC
                """,
                (*span, top),
            )
            feedback_rows = await self._db.execute_fetchall(
                "SELECT entry_id, SUM(helpful) AS yes, COUNT(*) - SUM(helpful) AS no FROM feedback"
                " WHERE created_at >= ? AND created_at < ? GROUP BY entry_id"
                " ORDER BY COUNT(*) DESC, entry_id",
                span,
            )
            pick_rows = await self._db.execute_fetchall(
                "SELECT entry_id, COUNT(*) AS n FROM picks WHERE created_at >= ? AND created_at < ?"
                " GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?",
                (*span, top),
            )
        per_lang: dict[str, dict[str, int]] = {}
        answered: dict[str, int] = {}
        for r in outcome_rows:
            counts = per_lang.setdefault(r["lang"], {})
            counts[r["status"]] = counts.get(r["status"], 0) + r["n"]
            if r["status"] == "answered" and r["entry_id"]:
                answered[r["entry_id"]] = answered.get(r["entry_id"], 0) + r["n"]
        by_lang = {lang: OutcomeCounts(**c) for lang, c in sorted(per_lang.items())}
        totals = OutcomeCounts(
            **{s: sum(getattr(c, s) for c in by_lang.values()) for s in get_args(OutcomeStatus)}
        )
        ranked = sorted(answered.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return Stats(
            since=_dt(lo), until=until or self._clock(), outcomes_since=_dt(_day(lo)),
            totals=totals, by_lang=by_lang,
            top_answered=tuple(EntryCount(e, n) for e, n in ranked),
            top_unanswered=tuple(GroupCount(r[0], r[2], r[3], r[1]) for r in group_rows),
            feedback=tuple(FeedbackSummary(r[0], r[1], r[2]) for r in feedback_rows),
            picks=tuple(EntryCount(r[0], r[1]) for r in pick_rows),
        )  # fmt: skip

    async def export_rows(
        self, *, since: datetime, until: datetime | None = None, page_size: int = 500
    ) -> AsyncIterator[ExportRow]:
        """Questions, then feedback, then picks created in [since, until), oldest first.

        Reads page by page so the lock is never held while the consumer works.
        """
        span = (_ts(since), _FOREVER if until is None else _ts(until))
        queries: dict[str, str] = {
            "question": f"SELECT {_QUESTION_COLS} FROM questions",
            "feedback": "SELECT id, created_at, lang, entry_id, helpful FROM feedback",
            "pick": "SELECT id, created_at, lang, entry_id, question_id FROM picks",
        }
        for kind, select in queries.items():
            last_id = 0
            while True:
                rows = await self._rows(
                    f"{select} WHERE created_at >= ? AND created_at < ? AND id > ?"
                    " ORDER BY id LIMIT ?",
                    (*span, last_id, page_size),
                )
                for r in rows:
                    yield _export_row(kind, r)
                if len(rows) < page_size:
                    break
                last_id = rows[-1]["id"]

    # -- privacy and maintenance ------------------------------------------------------------

    async def forget_user(self, user_id: int) -> int:
        """Delete every record of the user, queued ones included; return how many.

        Reviewer labels that embed the user's hash (an admin's "tg:<hash>") are replaced by
        "forgotten"; the reviews themselves stay.
        """
        h = self.hash_user(user_id)
        self._langs.pop(_lang_key(h), None)
        async with self._lock:
            before = len(self._pending)
            self._pending = deque(w for w in self._pending if w.user_hash != h)
            deleted = before - len(self._pending)
            async with self._transaction() as db:
                for table in ("picks", "feedback", "questions", "user_settings"):
                    # Table names come from the literal tuple above, never from input.
                    cursor = await db.execute(f"DELETE FROM {table} WHERE user_hash = ?", (h,))
                    deleted += cursor.rowcount
                for table, column in (("questions", "reviewed_by"), ("phrasings", "created_by")):
                    await db.execute(
                        f"UPDATE {table} SET {column} = 'forgotten' WHERE instr({column}, ?) > 0",
                        (h,),
                    )
            await self._checkpoint()
        return deleted

    async def purge_older_than(self, days: float, *, now: datetime | None = None) -> int:
        """Delete questions, feedback and picks older than ``days``; return the count.

        Anonymous outcome counts, phrasings and language settings are kept.
        """
        cutoff = _ts((now or self._clock()) - timedelta(days=days))
        deleted = 0
        async with self._lock:
            async with self._transaction() as db:
                for table in ("picks", "feedback", "questions"):
                    sql = f"DELETE FROM {table} WHERE created_at < ?"  # table from the tuple
                    cursor = await db.execute(sql, (cutoff,))
                    deleted += cursor.rowcount
            await self._checkpoint()
        return deleted

    async def _checkpoint(self) -> None:
        # Old page versions with deleted text linger in the WAL until a checkpoint; this is
        # best effort because a concurrent reader (the CLI) can keep the WAL alive.
        with contextlib.suppress(sqlite3.Error):
            await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def backup(self, dest: str | os.PathLike[str]) -> Path:
        """Write a consistent copy of the live database (SQLite online backup) to ``dest``."""
        dest_path = Path(dest)
        dest_path.parent.mkdir(parents=True, exist_ok=True)
        partial = dest_path.with_name(dest_path.name + ".partial")
        partial.unlink(missing_ok=True)
        _create_private_file(partial)
        # The copy runs on aiosqlite's worker thread, hence check_same_thread=False.
        target = sqlite3.connect(partial, check_same_thread=False)
        try:
            async with self._lock:
                await self._db.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            target.close()
        os.replace(partial, dest_path)
        return dest_path


def _export_row(kind: str, r: sqlite3.Row) -> ExportRow:
    if kind == "question":
        q = _question(r)
        return ExportRow(
            "question", q.id, q.created_at, q.lang, q.attached_entry_id, q.chat_type, q.status,
            q.review_status, q.group_key, q.text, q.candidates,
        )  # fmt: skip
    if kind == "feedback":
        return ExportRow(
            "feedback", r["id"], _dt(r["created_at"]), r["lang"], r["entry_id"],
            helpful=bool(r["helpful"]),
        )  # fmt: skip
    created = _dt(r["created_at"])
    return ExportRow(
        "pick", r["id"], created, r["lang"], r["entry_id"], question_id=r["question_id"]
    )
