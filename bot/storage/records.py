"""Typed results the store returns, the status literals, and how stored rows become them.

Times are stored as unix seconds (UTC) and returned as aware datetimes; candidates are
stored as JSON ``[[entry_id, score], ...]``. Nothing here talks to the database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

OutcomeStatus = Literal["answered", "suggest", "unanswered", "smalltalk"]
QuestionStatus = Literal["suggest", "unanswered"]
ReviewStatus = Literal["new", "attached", "ignored", "resolved"]
GroupTarget = str | Sequence[int]
"""A group_key (its questions still in ``from_status``) or explicit question ids."""


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


def _ts(when: datetime) -> int:
    # Naive datetimes are taken as UTC; comparing them as local time would shift windows.
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())


def _day(ts: int) -> int:
    return ts - ts % 86400


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _check(value: str, allowed: object) -> None:
    if value not in get_args(allowed):
        raise ValueError(f"{value!r} is not one of {get_args(allowed)}")


def _candidates(raw: str) -> tuple[Candidate, ...]:
    return tuple(Candidate(str(e), float(s)) for e, s in json.loads(raw))


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
