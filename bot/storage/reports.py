"""Statistics and export queries of :class:`bot.storage.Store` (``/stats``, ``/export``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import get_args

from bot.storage.core import StoreCore
from bot.storage.records import (
    EntryCount,
    ExportRow,
    FeedbackSummary,
    GroupCount,
    OutcomeCounts,
    OutcomeStatus,
    Stats,
    _day,
    _dt,
    _export_row,
    _ts,
)
from bot.storage.schema import _QUESTION_COLS

# The upper bound of an open-ended time window, in unix seconds.
_FOREVER = 2**62


class ReportQueries(StoreCore):
    """Aggregates over a time window, and every stored record for export."""

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

    async def daily_outcomes(
        self, *, since: datetime, until: datetime | None = None
    ) -> dict[date, dict[str, OutcomeCounts]]:
        """Outcome counts per UTC day and language in [since, until), oldest day first.

        The days are those :meth:`stats` counts (from the midnight before ``since``); a day
        without any outcome is left out.
        """
        await self.flush_outcomes()
        lo, hi = _ts(since), _FOREVER if until is None else _ts(until)
        rows = await self._rows(
            "SELECT day, lang, status, SUM(n) AS n FROM outcome_counts"
            " WHERE day >= ? AND day < ? GROUP BY day, lang, status ORDER BY day, lang",
            (_day(lo), hi),
        )
        raw: dict[date, dict[str, dict[str, int]]] = {}
        for r in rows:
            raw.setdefault(_dt(r["day"]).date(), {}).setdefault(r["lang"], {})[r["status"]] = r["n"]
        return {
            day: {lang: OutcomeCounts(**counts) for lang, counts in langs.items()}
            for day, langs in raw.items()
        }

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
