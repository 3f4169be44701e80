"""Privacy and maintenance of :class:`bot.storage.Store`: /forget, retention, backups."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path

from bot.storage.core import StoreCore, _create_private_file, _lang_key
from bot.storage.records import _ts


class Maintenance(StoreCore):
    """Deleting a user's or old records, and copying the live database."""

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
