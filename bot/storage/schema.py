"""The database schema as numbered migrations, applied by ``PRAGMA user_version``.

Also the statements every writer shares because they follow the table layout: the live
store's writes and the benchmark's bulk loads (``bench/bench_review.py``) use the same
INSERTs, and the column lists match the row converters in :mod:`bot.storage.records`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import Any, Final

import aiosqlite

# Log as "bot.storage", the name the storage module has always logged under (log lines
# show it; tests and operators filter on it), not as this submodule.
logger = logging.getLogger("bot.storage")

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
