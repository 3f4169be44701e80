"""Review queries of :class:`bot.storage.Store`: question groups, verdicts, phrasings.

Editors see near-identical questions grouped by ``group_key``, then attach a group to a
FAQ entry (saving its wording as a phrasing), ignore it, resolve it, or reopen it.
"""

from __future__ import annotations

from typing import Any

from bot.privacy import redact
from bot.storage.core import MAX_TEXT_CHARS, StoreCore
from bot.storage.records import (
    GroupTarget,
    Phrasing,
    QuestionGroup,
    QuestionRecord,
    ReviewStatus,
    _check,
    _group,
    _phrasing,
    _question,
)
from bot.storage.schema import _PHRASING_COLS, _QUESTION_COLS


class ReviewQueries(StoreCore):
    """Listing, grouping and marking logged questions, and the phrasings they become."""

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
