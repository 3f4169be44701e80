"""Tests for bot.storage and bot.export. Every test gets its own database in tmp_path."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import math
import os
import sqlite3
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot import storage
from bot.export import COLUMNS, write_csv, write_jsonl
from bot.privacy import user_hash
from bot.storage import LATEST_VERSION, MIGRATIONS, Candidate, Store, migrate, schema
from tests.clock import Clock

KEY = b"test-key-0123456789abcdef"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
USER_TABLES = ("questions", "feedback", "picks", "user_settings")


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


@pytest.fixture
async def store(db_path: Path, clock: Clock) -> AsyncIterator[Store]:
    s = await Store.open(db_path, user_hash_key=KEY, clock=clock, retry_interval=0)
    yield s
    await s.close()


class Raw:
    """A plain sqlite3 connection to inspect what really is on disk.

    It connects on first use so that the store, not this helper, creates the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn: sqlite3.Connection | None = None

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        if self.conn is None:
            self.conn = sqlite3.connect(self.path, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
        return self.conn.execute(sql, params)

    def tuples(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        return [tuple(r) for r in self.execute(sql, params)]


@pytest.fixture
def raw(db_path: Path) -> Iterator[Raw]:
    helper = Raw(db_path)
    yield helper
    if helper.conn is not None:
        helper.conn.close()


async def ask(
    s: Store, text: str, *, user: int = 1, key: str | None = None, lang: str = "id",
    status: storage.QuestionStatus = "unanswered",
) -> int:  # fmt: skip
    qid = await s.log_question(
        user_id=user, text=text, group_key=key or text, lang=lang, chat_type="private",
        status=status, candidates=[("entry-a", 0.41), ("entry-b", 0.77)],
    )  # fmt: skip
    assert qid is not None
    return qid


def db_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


# --- open and migrations ----------------------------------------------------------------


async def test_open_creates_private_file_in_wal_mode(db_path: Path, raw: Raw) -> None:
    async with await Store.open(db_path, user_hash_key=KEY) as s:
        assert s.path == db_path
        assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    await s.close()  # idempotent


async def test_open_rejects_empty_key(db_path: Path) -> None:
    with pytest.raises(ValueError):
        await Store.open(db_path, user_hash_key=b"")


@pytest.mark.parametrize("version", range(LATEST_VERSION))
async def test_migrates_from_every_earlier_version(db_path: Path, version: int) -> None:
    db_path.parent.mkdir(parents=True)
    async with aiosqlite.connect(db_path, isolation_level=None) as db:
        assert await migrate(db, target=version) == version
        if version >= 1:
            await db.execute(
                "INSERT INTO questions (id, created_at, user_hash, lang, chat_type, status, text,"
                " group_key) VALUES (7, 1700000000, 'h', 'id', 'private', 'suggest', 'old q', 'k')"
            )
            # Before v3 duplicates were possible; v3 must keep exactly one of them.
            for _ in range(2):
                await db.execute(
                    "INSERT INTO phrasings (created_at, entry_id, lang, text, created_by)"
                    " VALUES (1700000000, 'e1', 'id', 'same', 'cli:x')"
                )
            await db.execute(
                "INSERT INTO feedback (created_at, user_hash, entry_id, helpful, lang)"
                " VALUES (1700000000, 'h', 'e1', 1, 'id')"
            )
        if version == 1:  # raw outcome events, turned into hourly counts by v2
            events: list[tuple[int, str, str, str | None, str]] = [
                (1700000000 + i, "id", "answered", "e1", "private") for i in range(3)
            ]
            events.append((1700003600, "en", "unanswered", None, "group"))
            await db.executemany(
                "INSERT INTO outcomes (created_at, lang, status, entry_id, chat_type)"
                " VALUES (?, ?, ?, ?, ?)",
                events,
            )
    async with await Store.open(db_path, user_hash_key=KEY) as s:
        if version >= 1:
            q = await s.get_question(7)
            assert q is not None and (q.text, q.group_key, q.status) == ("old q", "k", "suggest")
            assert [p.text for p in await s.list_phrasings("e1")] == ["same"]
            st = await s.stats(since=datetime.fromtimestamp(1700000000 - 86400, UTC))
            assert [(f.entry_id, f.helpful) for f in st.feedback] == [("e1", 1)]
            if version == 1:
                assert (st.totals.answered, st.totals.unanswered, st.totals.total) == (3, 1, 4)
                assert (st.by_lang["en"].unanswered, st.top_answered[0].count) == (1, 3)
        await ask(s, "new question after migration")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"questions_review", "questions_status_time", "phrasings_entry"} <= names
    conn.close()


async def test_reopen_is_a_no_op_and_newer_schema_is_refused(db_path: Path) -> None:
    async with await Store.open(db_path, user_hash_key=KEY) as s:
        await ask(s, "kept")
    async with await Store.open(db_path, user_hash_key=KEY) as s:
        assert (await s.list_groups())[0].example == "kept"
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        await Store.open(db_path, user_hash_key=KEY)


async def test_failed_migration_rolls_back(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with await Store.open(db_path, user_hash_key=KEY):
        pass
    broken = "CREATE TABLE half_done (x INTEGER);\nSELECT * FROM no_such_table;"
    monkeypatch.setattr(schema, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(schema, "LATEST_VERSION", LATEST_VERSION + 1)
    async with aiosqlite.connect(db_path, isolation_level=None) as db:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(db, target=LATEST_VERSION + 1)
        version = await db.execute_fetchall("PRAGMA user_version")
        assert [tuple(r) for r in version] == [(LATEST_VERSION,)]
        tables = await db.execute_fetchall("SELECT 1 FROM sqlite_master WHERE name='half_done'")
        assert list(tables) == []


# --- logging, privacy of what is stored --------------------------------------------------


async def test_log_question_stores_redacted_text_and_top_candidates(store: Store, raw: Raw) -> None:
    qid = await store.log_question(
        user_id=5, text="hp saya 0812-3456-7890, a@b.co, apakah milia menular?",
        group_key="hp 081234567890 milia menular", lang="id", chat_type="group",
        status="suggest", candidates=[*((f"e{i}", i / 10) for i in range(8)), ("x", math.nan)],
    )  # fmt: skip
    assert isinstance(qid, int)
    row = raw.execute("SELECT * FROM questions WHERE id = ?", (qid,)).fetchone()
    assert row["text"] == "hp saya [phone], [email], apakah milia menular?"
    assert row["group_key"] == "hp [phone] milia menular"
    assert json.loads(row["candidates"]) == [
        ["e7", 0.7],
        ["e6", 0.6],
        ["e5", 0.5],
        ["e4", 0.4],
        ["e3", 0.3],
    ]
    assert (row["review_status"], row["status"], row["chat_type"]) == ("new", "suggest", "group")
    assert row["user_hash"] == user_hash(KEY, 5) == store.hash_user(5)
    q = await store.get_question(qid)
    assert q is not None and q.candidates[0] == Candidate("e7", 0.7) and q.created_at == T0
    assert await store.get_question(9999) is None


async def test_invalid_status_is_a_bug_and_raises(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.log_outcome(lang="id", status="bogus", entry_id=None, chat_type="private")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await store.log_question(
            user_id=1, text="x", group_key="x", lang="id", chat_type="private",
            status="answered", candidates=(),  # type: ignore[arg-type]
        )  # fmt: skip


async def test_user_ids_never_reach_the_database_file(store: Store, db_path: Path) -> None:
    uid = 987654321123
    qid = await ask(store, "kenapa ada milia", user=uid)
    await store.record_feedback(user_id=uid, entry_id="e1", helpful=True, lang="id")
    await store.record_pick(user_id=uid, question_id=qid, entry_id="e1", lang="id")
    await store.set_user_lang(uid, "en")
    await store.close()
    data = db_bytes(db_path)
    assert b"kenapa ada milia" in data  # sanity: we are reading the right files
    assert str(uid).encode() not in data
    assert str(uid).encode("utf-16-le") not in data
    assert uid.to_bytes(8, "big") not in data


async def test_user_language(store: Store) -> None:
    assert store.get_user_lang(1) is None
    await store.set_user_lang(1, "en")
    await store.set_user_lang(1, "id")
    await store.set_user_lang(2, "en")
    assert (store.get_user_lang(1), store.get_user_lang(2)) == ("id", "en")


async def test_feedback_keeps_one_current_vote_per_user_and_entry(store: Store, raw: Raw) -> None:
    await store.record_feedback(user_id=1, entry_id="e1", helpful=True, lang="id")
    await store.record_feedback(user_id=1, entry_id="e1", helpful=False, lang="en")
    await store.record_feedback(user_id=2, entry_id="e1", helpful=True, lang="id")
    rows = raw.execute("SELECT helpful, lang FROM feedback ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(0, "en"), (1, "id")]


async def test_pick_links_question_and_tolerates_unknown_id(store: Store, raw: Raw) -> None:
    qid = await ask(store, "ambiguous")
    await store.record_pick(user_id=1, question_id=qid, entry_id="e2", lang="id")
    await store.record_pick(user_id=1, question_id=123456, entry_id="e2", lang="id")
    await store.record_pick(user_id=1, question_id=None, entry_id="e3", lang="id")
    rows = raw.execute("SELECT question_id, entry_id FROM picks ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(qid, "e2"), (None, "e2"), (None, "e3")]


async def test_500_concurrent_writes_are_all_stored(store: Store, raw: Raw) -> None:
    ids = await asyncio.gather(*(ask(store, f"question {i}", user=i) for i in range(500)))
    assert len(set(ids)) == 500
    assert raw.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 500


# --- review ----------------------------------------------------------------------------------


async def test_list_groups_orders_by_frequency_then_recency(store: Store, clock: Clock) -> None:
    a = [await ask(store, f"milia bayi {i}", key="milia bayi", user=i % 2) for i in range(3)]
    clock.advance(minutes=1)
    b = [await ask(store, f"milia mata {i}", key="milia mata", lang="en") for i in range(2)]
    clock.advance(minutes=1)
    c = await ask(store, "milia krim", key="krim")
    clock.advance(minutes=1)
    d = await ask(store, "milia laser", key="laser")
    groups = await store.list_groups()
    assert [g.group_key for g in groups] == ["milia bayi", "milia mata", "laser", "krim"]
    first = groups[0]
    assert (first.count, first.users, first.example, first.lang) == (3, 2, "milia bayi 2", "id")
    assert first.question_ids == tuple(reversed(a))
    assert first.candidates == (Candidate("entry-b", 0.77), Candidate("entry-a", 0.41))
    assert groups[1].question_ids == tuple(reversed(b)) and groups[1].lang == "en"
    assert groups[2].last_asked == T0 + timedelta(minutes=3)
    assert [g.question_ids for g in groups[2:]] == [(d,), (c,)]
    page = await store.list_groups(limit=2, offset=1, ids_limit=1)
    assert [(g.group_key, g.question_ids) for g in page] == [
        ("milia mata", (b[1],)),
        ("laser", (d,)),
    ]
    assert await store.count_groups() == 4
    assert await store.list_groups(status="attached") == []


async def test_attach_group_marks_questions_and_saves_phrasing(store: Store, clock: Clock) -> None:
    ids = [await ask(store, f"apa itu milia {i}", key="apa itu milia") for i in range(3)]
    other = await ask(store, "lain", key="lain")
    clock.advance(hours=1)
    p = await store.attach_group("apa itu milia", entry_id="what-is", reviewer="cli:rina")
    assert (p.entry_id, p.lang, p.text, p.created_by) == (
        "what-is",
        "id",
        "apa itu milia 2",
        "cli:rina",
    )
    assert (p.source_question_id, p.created_at) == (ids[-1], T0 + timedelta(hours=1))
    for qid in ids:
        q = await store.get_question(qid)
        assert q is not None
        assert (q.review_status, q.reviewed_by, q.attached_entry_id) == (
            "attached",
            "cli:rina",
            "what-is",
        )
        assert q.reviewed_at == T0 + timedelta(hours=1)
    assert [g.group_key for g in await store.list_groups()] == ["lain"]
    attached = await store.list_groups(status="attached")
    assert [(g.group_key, g.count) for g in attached] == [("apa itu milia", 3)]
    # Same wording again (by explicit ids, any status) returns the existing phrasing.
    again = await store.attach_group([ids[-1]], entry_id="what-is", reviewer="admin:x")
    assert again.id == p.id
    custom = await store.attach_group(
        [other], entry_id="what-is", reviewer="a", text="WA 081234567890?"
    )
    assert custom.text == "WA [phone]?"
    assert [x.id for x in await store.list_phrasings("what-is")] == [p.id, custom.id]
    with pytest.raises(LookupError):
        await store.attach_group("apa itu milia", entry_id="what-is", reviewer="a")  # none new
    with pytest.raises(LookupError):
        await store.attach_group([], entry_id="what-is", reviewer="a")


async def test_ignore_resolve_and_reopen(store: Store) -> None:
    spam = [await ask(store, "jual krim", key="jual krim") for _ in range(2)]
    done = await ask(store, "sudah dijawab", key="sudah")
    assert await store.ignore_group("jual krim", reviewer="admin:1") == 2
    assert await store.ignore_group("jual krim", reviewer="admin:1") == 0  # no longer new
    assert await store.resolve_group([done], reviewer="cli:rina") == 1
    assert await store.count_groups() == 0
    assert await store.count_groups("ignored") == 1 and await store.count_groups("resolved") == 1
    q = await store.get_question(spam[0])
    assert q is not None and (q.review_status, q.reviewed_by) == ("ignored", "admin:1")
    assert await store.reopen_group("jual krim", reviewer="admin:1", from_status="ignored") == 2
    assert [g.group_key for g in await store.list_groups()] == ["jual krim"]


async def test_list_and_delete_phrasings(store: Store) -> None:
    q1 = await ask(store, "milia itu apa", lang="id")
    q2 = await ask(store, "what is milia", lang="en")
    q3 = await ask(store, "milia hilang sendiri?")
    await store.attach_group([q1], entry_id="what", reviewer="r")
    await store.attach_group([q2], entry_id="what", reviewer="r")
    p3 = await store.attach_group([q3], entry_id="go-away", reviewer="r")
    assert [(p.entry_id, p.lang) for p in await store.list_phrasings()] == [
        ("go-away", "id"), ("what", "id"), ("what", "en"),
    ]  # fmt: skip
    assert [p.text for p in await store.list_phrasings("what", lang="en")] == ["what is milia"]
    assert await store.delete_phrasing(p3.id) is True
    assert await store.delete_phrasing(p3.id) is False
    assert await store.list_phrasings("go-away") == []


# --- statistics and export -----------------------------------------------------------------


async def test_stats_counts(store: Store, clock: Clock) -> None:
    await store.log_outcome(lang="id", status="answered", entry_id="e1", chat_type="private")
    clock.advance(days=40)  # everything above is outside the 30-day window
    since = clock.now - timedelta(days=30)
    for entry, n in (("e1", 3), ("e2", 1), ("e3", 2)):
        for _ in range(n):
            await store.log_outcome(
                lang="id", status="answered", entry_id=entry, chat_type="private"
            )
    await store.log_outcome(lang="en", status="answered", entry_id="e2", chat_type="group")
    await store.log_outcome(lang="en", status="unanswered", entry_id=None, chat_type="private")
    await store.log_outcome(lang="id", status="suggest", entry_id=None, chat_type="private")
    await store.log_outcome(lang="id", status="smalltalk", entry_id=None, chat_type="private")
    for i in range(3):
        await ask(store, f"kenapa {i}", key="kenapa")
    await ask(store, "berapa", key="berapa")
    await ask(store, "mirip", key="mirip", status="suggest")
    await store.record_feedback(user_id=1, entry_id="e1", helpful=True, lang="id")
    await store.record_feedback(user_id=2, entry_id="e1", helpful=False, lang="id")
    await store.record_feedback(user_id=3, entry_id="e1", helpful=True, lang="id")
    await store.record_feedback(user_id=1, entry_id="e2", helpful=False, lang="id")
    await store.record_pick(user_id=1, question_id=None, entry_id="e3", lang="id")

    st = await store.stats(since=since)
    assert (st.totals.answered, st.totals.suggest, st.totals.unanswered, st.totals.smalltalk) == (
        7,
        1,
        1,
        1,
    )
    assert st.totals.total == 10
    assert set(st.by_lang) == {"en", "id"}
    assert (st.by_lang["id"].answered, st.by_lang["id"].total) == (6, 8)
    assert (st.by_lang["en"].answered, st.by_lang["en"].unanswered) == (1, 1)
    assert [(e.entry_id, e.count) for e in st.top_answered] == [("e1", 3), ("e2", 2), ("e3", 2)]
    assert [(g.group_key, g.count, g.example) for g in st.top_unanswered] == [
        ("kenapa", 3, "kenapa 2"), ("berapa", 1, "berapa"),
    ]  # fmt: skip
    assert [(f.entry_id, f.helpful, f.not_helpful) for f in st.feedback] == [
        ("e1", 2, 1),
        ("e2", 0, 1),
    ]
    assert [(p.entry_id, p.count) for p in st.picks] == [("e3", 1)]
    assert st.since == since and st.until == clock.now
    assert st.outcomes_since == since.replace(hour=0)
    # A naive datetime means UTC; an empty window gives zeros, not errors.
    empty = await store.stats(since=since.replace(tzinfo=None), until=since.replace(tzinfo=None))
    assert empty.totals.total == 0 and empty.by_lang == {} and empty.top_unanswered == ()
    assert (await store.stats(since=since, top=1)).top_answered == st.top_answered[:1]


async def _export_fixture(store: Store, clock: Clock) -> None:
    await ask(store, "too old")
    clock.advance(days=10)
    await ask(store, '=HYPERLINK("http://evil","klik")', key="evil")
    await ask(store, "-5 derajat? +1 @admin", key="dash")
    await ask(store, "Apakah milia pada bayi berbahaya? 👶", key="bayi", lang="id")
    await store.record_feedback(user_id=1, entry_id="e1", helpful=False, lang="en")
    await store.record_pick(user_id=1, question_id=None, entry_id="e2", lang="id")


async def test_export_csv_round_trips_with_bom_and_no_formulas(store: Store, clock: Clock) -> None:
    await _export_fixture(store, clock)
    rows = [r async for r in store.export_rows(since=T0 + timedelta(days=1), page_size=2)]
    assert [r.kind for r in rows] == ["question"] * 3 + ["feedback", "pick"]
    buf = io.StringIO(newline="")
    assert write_csv(rows, buf) == 5
    data = buf.getvalue().encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(parsed[0].keys()) == COLUMNS
    texts = [p["text"] for p in parsed[:3]]
    assert texts == ["'=HYPERLINK(\"http://evil\",\"klik\")", "'-5 derajat? +1 @admin",
                     "Apakah milia pada bayi berbahaya? 👶"]  # fmt: skip
    assert all(not v.startswith(("=", "+", "-", "@")) for p in parsed for v in p.values())
    assert parsed[0]["candidates"] == "entry-b:0.77 entry-a:0.41"
    assert parsed[0]["created_at"] == (T0 + timedelta(days=10)).isoformat()
    assert (parsed[3]["kind"], parsed[3]["helpful"], parsed[3]["entry_id"]) == (
        "feedback",
        "false",
        "e1",
    )
    assert parsed[4]["question_id"] == ""


async def test_export_jsonl(store: Store, clock: Clock) -> None:
    await _export_fixture(store, clock)
    rows = [r async for r in store.export_rows(since=T0)]
    buf = io.StringIO()
    assert write_jsonl(rows, buf) == 6
    records = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [r["kind"] for r in records] == ["question"] * 4 + ["feedback", "pick"]
    assert records[1]["text"].startswith("=HYPERLINK")  # JSON is data, not a spreadsheet
    assert records[0]["candidates"][0] == {"entry_id": "entry-b", "score": 0.77}
    assert records[4]["helpful"] is False
    assert "👶" in buf.getvalue()
    until = [r async for r in store.export_rows(since=T0, until=T0 + timedelta(days=1))]
    assert [r.text for r in until] == ["too old"]


# --- privacy operations -------------------------------------------------------------------


async def test_forget_user_removes_everything_of_that_user_only(
    store: Store, raw: Raw, db_path: Path
) -> None:
    gone, kept = 111, 222
    q_gone = await ask(store, "zebra unique words", user=gone)
    q_kept = await ask(store, "other user words", user=kept)
    for uid, qid in ((gone, q_gone), (kept, q_kept)):
        await store.record_feedback(user_id=uid, entry_id="e1", helpful=True, lang="id")
        await store.record_pick(user_id=uid, question_id=qid, entry_id="e1", lang="id")
        await store.set_user_lang(uid, "en")
    await store.record_pick(user_id=kept, question_id=q_gone, entry_id="e9", lang="id")
    phrasing = await store.attach_group([q_gone], entry_id="e1", reviewer="r", text="curated")

    assert await store.forget_user(gone) == 4
    h_gone, h_kept = user_hash(KEY, gone), user_hash(KEY, kept)
    tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    with_user = [
        t for t in tables if "user_hash" in {c[1] for c in raw.execute(f"PRAGMA table_info({t})")}
    ]
    assert sorted(with_user) == sorted(USER_TABLES)
    for table in with_user:
        assert (
            raw.execute(f"SELECT COUNT(*) FROM {table} WHERE user_hash = ?", (h_gone,)).fetchone()[
                0
            ]
            == 0
        )
        assert raw.execute(
            f"SELECT COUNT(*) FROM {table} WHERE user_hash = ?", (h_kept,)
        ).fetchone()[0] == 1 + (table == "picks")
    # The other user's pick of the forgotten question stays, without the link.
    assert raw.execute("SELECT question_id FROM picks WHERE entry_id = 'e9'").fetchone()[0] is None
    assert [p.source_question_id for p in await store.list_phrasings("e1")] == [None]
    assert phrasing.text == "curated"
    assert store.get_user_lang(kept) == "en" and store.get_user_lang(gone) is None
    assert b"zebra unique words" not in db_bytes(db_path)  # secure_delete + checkpoint
    assert await store.forget_user(gone) == 0


async def test_forget_admin_anonymises_reviewer_labels(store: Store, raw: Raw) -> None:
    admin = 424242
    label = "tg:" + store.hash_user(admin)
    qid = await ask(store, "reviewed by the admin", user=1)
    await store.attach_group([qid], entry_id="e1", reviewer=label)
    await store.ignore_group([await ask(store, "spam", user=2)], reviewer=label)
    assert await store.forget_user(admin) == 0
    assert raw.tuples("SELECT DISTINCT reviewed_by FROM questions") == [("forgotten",)]
    assert [p.created_by for p in await store.list_phrasings()] == ["forgotten"]
    assert store.hash_user(admin).encode() not in db_bytes(store.path)


async def test_purge_older_than(store: Store, clock: Clock, raw: Raw) -> None:
    old_q = await ask(store, "old question")
    await store.record_feedback(user_id=1, entry_id="e1", helpful=True, lang="id")
    await store.record_pick(user_id=1, question_id=old_q, entry_id="e1", lang="id")
    await store.log_outcome(lang="id", status="answered", entry_id="e1", chat_type="private")
    await store.attach_group([old_q], entry_id="e1", reviewer="r")
    await store.set_user_lang(1, "en")
    clock.advance(days=181)
    new_q = await ask(store, "new question")
    await store.record_feedback(user_id=2, entry_id="e1", helpful=False, lang="id")
    await store.record_pick(user_id=2, question_id=new_q, entry_id="e1", lang="id")

    assert await store.purge_older_than(180) == 3
    assert await store.get_question(old_q) is None and await store.get_question(new_q) is not None
    assert raw.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 1
    assert raw.tuples("SELECT question_id FROM picks") == [(new_q,)]
    # Anonymous counts, curated phrasings and settings stay.
    await store.flush_outcomes()
    assert raw.execute("SELECT SUM(n) FROM outcome_counts").fetchone()[0] == 1
    assert [p.source_question_id for p in await store.list_phrasings()] == [None]
    assert store.get_user_lang(1) == "en"
    assert await store.purge_older_than(1, now=clock.now + timedelta(days=2)) == 3


# --- resilience ----------------------------------------------------------------------------


async def _count(s: Store, **outcome: str | None) -> None:
    """Count an outcome and write it now (counts are otherwise batched in memory)."""
    await s.log_outcome(**{"lang": "id", "chat_type": "private", **outcome})  # type: ignore[arg-type]
    await s.flush_outcomes()


async def _log_everything(s: Store) -> int | None:
    await _count(s, status="unanswered", entry_id=None)
    qid = await s.log_question(
        user_id=7, text="SECRET-TEXT milia", group_key="milia", lang="id",
        chat_type="private", status="unanswered", candidates=[("e1", 0.2)],
    )  # fmt: skip
    await s.record_feedback(user_id=7, entry_id="e1", helpful=True, lang="id")
    await s.record_pick(user_id=7, question_id=None, entry_id="e1", lang="id")
    await s.set_user_lang(7, "en")
    await s.set_user_lang(7, "id")
    return qid


def _counts(conn: Raw) -> dict[str, int]:
    tables = ("questions", "feedback", "picks", "user_settings")
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    counts["outcomes"] = conn.execute("SELECT COALESCE(SUM(n), 0) FROM outcome_counts").fetchone()[
        0
    ]
    return counts


async def test_locked_database_queues_writes_and_flushes_in_order(
    db_path: Path, raw: Raw, caplog: pytest.LogCaptureFixture
) -> None:
    s = await Store.open(db_path, user_hash_key=KEY, busy_timeout_ms=20, retry_interval=0)
    raw.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    with caplog.at_level(logging.WARNING, logger="bot.storage"):
        assert await _log_everything(s) is None
    assert s.pending_count == 6
    assert s.get_user_lang(7) == "id"  # queued setting is visible
    assert "locked" in caplog.text and "SECRET" not in caplog.text
    assert await s.flush_pending() == 0 and s.pending_count == 6
    raw.execute("COMMIT")
    # The next write that reaches the database replays the queue first.
    await _count(s, lang="en", status="answered", entry_id="e2")
    assert s.pending_count == 0
    assert _counts(raw) == {
        "outcomes": 2,
        "questions": 1,
        "feedback": 1,
        "picks": 1,
        "user_settings": 1,
    }
    assert raw.tuples("SELECT status, n FROM outcome_counts ORDER BY status") == [
        ("answered", 1), ("unanswered", 1),
    ]  # fmt: skip
    assert raw.execute("SELECT lang FROM user_settings").fetchone()[0] == "id"
    assert raw.execute("SELECT text FROM questions").fetchone()[0] == "SECRET-TEXT milia"
    await s.close()


async def test_read_only_database_then_explicit_flush(store: Store, raw: Raw) -> None:
    await store._db.execute("PRAGMA query_only = ON")  # every write now fails as read-only
    await _log_everything(store)
    assert store.pending_count == 6
    await store._db.execute("PRAGMA query_only = OFF")
    assert await store.flush_pending() == 6
    assert store.pending_count == 0 and await store.flush_pending() == 0
    assert _counts(raw)["questions"] == 1


async def test_queue_is_bounded_and_backs_off(db_path: Path, raw: Raw) -> None:
    s = await Store.open(
        db_path, user_hash_key=KEY, busy_timeout_ms=200, max_pending=3, retry_interval=60
    )
    statements: list[str] = []
    await s._db.set_trace_callback(statements.append)
    raw.execute("BEGIN EXCLUSIVE")
    for i in range(5):
        await _count(s, status="answered", entry_id=f"e{i}")
    # Only the first write reached the locked database (and waited out the busy timeout);
    # within the back-off the others were queued without trying. bench/bench_store.py
    # times it.
    assert [sql.split(" (")[0] for sql in statements] == ["INSERT INTO outcome_counts"]
    assert s.pending_count == 3
    await s._db.set_trace_callback(None)
    raw.execute("COMMIT")
    assert await s.flush_pending() == 3  # explicit flush ignores the back-off
    assert raw.tuples("SELECT entry_id FROM outcome_counts ORDER BY entry_id") == [
        ("e2",), ("e3",), ("e4",),
    ]  # fmt: skip
    await s.close()


async def test_forget_user_drops_queued_records(store: Store, raw: Raw) -> None:
    await store._db.execute("PRAGMA query_only = ON")
    await _log_everything(store)
    await store._db.execute("PRAGMA query_only = OFF")
    assert await store.forget_user(7) == 5  # queued question, feedback, pick, 2 settings
    assert store.pending_count == 1  # the anonymous outcome
    assert await store.flush_pending() == 1
    assert _counts(raw) == {
        "outcomes": 1,
        "questions": 0,
        "feedback": 0,
        "picks": 0,
        "user_settings": 0,
    }


async def test_close_flushes_pending(db_path: Path, raw: Raw) -> None:
    s = await Store.open(db_path, user_hash_key=KEY)
    await s._db.execute("PRAGMA query_only = ON")
    await s.set_user_lang(3, "en")
    await s._db.execute("PRAGMA query_only = OFF")
    await s.close()
    assert _counts(raw)["user_settings"] == 1


# --- backup ----------------------------------------------------------------------------------


async def test_backup_is_a_readable_consistent_copy(store: Store, tmp_path: Path) -> None:
    for i in range(50):
        await ask(store, f"q{i}", key=f"k{i % 5}")
    await store.set_user_lang(1, "en")
    dest = await store.backup(tmp_path / "backups" / "copy.sqlite3")
    await ask(store, "after backup")
    assert dest == tmp_path / "backups" / "copy.sqlite3"
    assert [p.name for p in dest.parent.iterdir()] == ["copy.sqlite3"]
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 50
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    conn.close()
    async with await Store.open(dest, user_hash_key=KEY) as copy:
        assert await copy.count_groups() == 5
        assert copy.get_user_lang(1) == "en"


async def test_outcome_counts_are_batched_in_memory_and_written_in_bulk(
    store: Store, raw: Raw, clock: Clock
) -> None:
    for _ in range(3):
        await store.log_outcome(lang="id", status="answered", entry_id="e", chat_type="private")
    await store.log_outcome(lang="en", status="unanswered", entry_id=None, chat_type="group")
    assert raw.tuples("SELECT COUNT(*) FROM outcome_counts") == [(0,)]  # not yet on disk
    stats = await store.stats(since=clock.now - timedelta(days=1))  # stats see them at once
    assert (stats.totals.answered, stats.totals.unanswered) == (3, 1)
    assert raw.tuples("SELECT SUM(n) FROM outcome_counts") == [(4,)]
    await store.log_outcome(lang="id", status="answered", entry_id="e", chat_type="private")
    await store.flush_outcomes()
    assert raw.tuples("SELECT n FROM outcome_counts WHERE lang = 'id' AND status = 'answered'") == [
        (4,)
    ]  # added to the row on disk, not written beside it


async def test_stats_wait_for_a_flush_already_under_way(store: Store, clock: Clock) -> None:
    # The heartbeat may have taken the counts out of memory and be writing them one by one
    # when an admin asks for /stats: the figures must still include all of them.
    for entry in ("a", "b", "c", "d"):
        await store.log_outcome(lang="id", status="answered", entry_id=entry, chat_type="private")
    flushing = asyncio.create_task(store.flush_outcomes())
    await asyncio.sleep(0)  # the flush starts: the counts leave memory
    stats = await store.stats(since=clock.now - timedelta(days=1))
    await flushing
    assert stats.totals.answered == 4


async def test_outcome_counts_in_memory_are_written_at_close(db_path: Path, raw: Raw) -> None:
    store = await Store.open(db_path, user_hash_key=b"k" * 32)
    await store.log_outcome(lang="id", status="smalltalk", entry_id=None, chat_type="private")
    await store.close()
    assert raw.tuples("SELECT SUM(n) FROM outcome_counts") == [(1,)]


async def test_close_lets_a_flush_under_way_finish(db_path: Path, raw: Raw) -> None:
    store = await Store.open(db_path, user_hash_key=b"k" * 32)
    for entry in ("a", "b", "c", "d"):
        await store.log_outcome(lang="id", status="answered", entry_id=entry, chat_type="private")
    flushing = asyncio.create_task(store.flush_outcomes())
    await asyncio.sleep(0)  # the heartbeat's flush has taken the counts out of memory
    await store.close()
    await flushing
    assert raw.tuples("SELECT SUM(n) FROM outcome_counts") == [(4,)]


async def test_language_choices_are_held_in_memory_and_forgotten(store: Store, raw: Raw) -> None:
    assert store.get_user_lang(5) is None
    await store.set_user_lang(5, "en")
    assert store.get_user_lang(5) == "en"
    raw.execute("UPDATE user_settings SET lang = 'id'")  # behind the store's back
    assert store.get_user_lang(5) == "en"  # served from memory, not read again
    await store.forget_user(5)
    assert store.get_user_lang(5) is None


async def test_language_choices_of_an_earlier_run_are_loaded_at_open(db_path: Path) -> None:
    first = await Store.open(db_path, user_hash_key=KEY)
    await first.set_user_lang(1, "en")
    await first.set_user_lang(2, "id")
    await first.set_user_lang(1, "id")
    await first.close()
    second = await Store.open(db_path, user_hash_key=KEY)
    try:
        assert [second.get_user_lang(u) for u in (1, 2, 3)] == ["id", "id", None]
    finally:
        await second.close()


async def test_an_impatient_flush_does_not_wait_out_a_held_lock(db_path: Path, raw: Raw) -> None:
    s = await Store.open(db_path, user_hash_key=KEY, busy_timeout_ms=2000, retry_interval=0)
    raw.execute("BEGIN EXCLUSIVE")
    try:
        await _count(s, status="answered", entry_id="e")  # waits the busy timeout, then queues
        assert s.pending_count == 1
        statements: list[str] = []
        await s._db.set_trace_callback(statements.append)
        assert await s.flush_pending(patient=False) == 0
        await s._db.set_trace_callback(None)
        # It asked for the lock with the short timeout, not the 2 s one, and then put the
        # store's own back (bench/bench_store.py times the wait).
        assert statements == [
            f"PRAGMA busy_timeout = {storage.RETRY_BUSY_TIMEOUT_MS}",
            "BEGIN IMMEDIATE",
            "PRAGMA busy_timeout = 2000",
        ]
        row = await (await s._db.execute("PRAGMA busy_timeout")).fetchone()
        assert row is not None and tuple(row) == (2000,)
    finally:
        raw.execute("COMMIT")
    assert await s.flush_pending(patient=False) == 1
    await s.close()
