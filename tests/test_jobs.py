"""The running bot's periodic jobs (``bot.jobs``): the heartbeat, the flush of counts, the
retention purge, and picking up phrasings that ``skinfaq review attach`` stores meanwhile.

Jobs run only while the application runs, so these tests start the real bot polling the
fake Bot API (``running_bot``), with short intervals where waiting for the default would
take minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_application
from bot.cli import main as cli_main
from bot.health import check, heartbeat_path
from bot.jobs import DEFAULT_INTERVALS, JobIntervals
from bot.phrasings import AttachedPhrasings
from bot.settings import Settings
from bot.storage import Phrasing, Store
from faq.engine import FaqEngine
from tests.conftest import HASH_KEY, running_bot
from tests.fakebotapi import FakeBotAPI
from tests.test_resilience import wait_until

FASTING = "milia kok muncul pas lagi puasa ramadhan"
TARGET = "prevention"  # an entry that does not answer FASTING before review
FAST = JobIntervals(heartbeat=0.05, flush=0.05, phrasings=0.05, retention=3600)


def count_rows(database: Path, sql: str) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return int(db.execute(sql).fetchone()[0])


# -- scheduling -----------------------------------------------------------------------------


async def test_every_job_is_scheduled_and_attached_phrasings_are_read_each_minute(
    settings: Settings, engine: FaqEngine
) -> None:
    app = build_application(settings, engine=engine, rate_limit=False)
    assert app.job_queue is not None
    jobs = {job.name: job for job in app.job_queue.jobs()}
    assert set(jobs) == {"beat", "flush_writes", "reload_phrasings", "purge_old_records"}
    interval = jobs["reload_phrasings"].job.trigger.interval
    assert interval == timedelta(seconds=DEFAULT_INTERVALS.phrasings) <= timedelta(seconds=60)
    assert jobs["purge_old_records"].job.trigger.interval == timedelta(days=1)


# -- the jobs at work -----------------------------------------------------------------------


async def test_the_bot_beats_and_purges_old_records_as_it_starts(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    past = [datetime.now(UTC) - timedelta(days=settings.retention_days + 1)]
    async with await Store.open(
        settings.database, user_hash_key=HASH_KEY.encode(), clock=lambda: past[0]
    ) as store:
        await store.log_question(
            user_id=1, text="old", group_key="old", lang="en", chat_type="private",
            status="unanswered",
        )  # fmt: skip
    assert check(settings.database) is not None  # no heartbeat yet
    async with running_bot(api, settings, engine):
        await wait_until(lambda: check(settings.database) is None)
        questions = "SELECT COUNT(*) FROM questions"
        await wait_until(lambda: count_rows(settings.database, questions) == 0)


async def test_counts_reach_the_database_while_the_bot_is_quiet(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    total = "SELECT COALESCE(SUM(n), 0) FROM outcome_counts"
    async with running_bot(api, settings, engine, intervals=FAST):
        api.text_message("what is milia?", user_id=5)
        await api.wait_for_messages(chat_id=5)
        # Counted in memory and written in batches; no other message comes to flush it.
        await wait_until(lambda: count_rows(settings.database, total) == 1)


async def test_a_failing_job_reaches_the_error_handler_and_runs_again(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine, caplog: pytest.LogCaptureFixture
) -> None:
    settings.database.parent.mkdir(parents=True, exist_ok=True)
    heartbeat_path(settings.database).mkdir()  # the heartbeat cannot be written
    with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
        async with running_bot(api, settings, engine, intervals=FAST) as bot:
            bot.allow_errors = True
            await wait_until(lambda: len(bot.errors) >= 2)  # again at the next interval
            api.text_message("what is milia?", user_id=6)  # the bot itself goes on
            await api.wait_for_messages(chat_id=6)
    assert {type(error) for error in bot.errors} == {IsADirectoryError}
    assert "job beat failed" in caplog.text


# -- phrasings attached by an editor --------------------------------------------------------


async def test_a_running_bot_uses_a_phrasing_attached_with_the_cli_without_a_restart(
    api: FakeBotAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = FaqEngine.load()  # its own: attaching changes it
    monkeypatch.setenv("SKINFAQ_DATABASE", str(settings.database))
    monkeypatch.setenv("SKINFAQ_USER_HASH_KEY", HASH_KEY)
    monkeypatch.chdir(settings.database.parent.parent)  # no stray .env
    intervals = JobIntervals(phrasings=0.1)
    async with running_bot(api, settings, engine, intervals=intervals) as bot:
        api.text_message(FASTING, user_id=7, language_code="id")
        [before] = await api.wait_for_messages(chat_id=7)
        assert not before["text"].startswith(engine.composer.question(TARGET, "id"))
        [group] = await bot.services.store.list_groups()

        # What an editor runs in another process, on the same database.
        code = await asyncio.to_thread(
            cli_main, ["review", "attach", str(group.question_ids[0]), TARGET]
        )
        assert code == 0
        await wait_until(lambda: bot.services.phrasings.count == 1)

        api.text_message(FASTING, user_id=8, language_code="id")
        [after] = await api.wait_for_messages(chat_id=8)
    assert after["text"].startswith(engine.composer.question(TARGET, "id") + "\n")


class Spy:
    """Records the phrasings an engine is taught, and teaches them."""

    def __init__(self, engine: FaqEngine) -> None:
        self.taught: list[tuple[str, str, str]] = []
        self._add = engine.add_phrasing

    def __call__(self, entry_id: str, lang: str, text: str) -> None:
        self.taught.append((entry_id, lang, text))
        self._add(entry_id, lang, text)


async def test_each_stored_phrasing_is_taught_once_and_a_removed_entry_is_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = FaqEngine.load()
    spy = Spy(engine)
    engine.add_phrasing = spy  # type: ignore[method-assign]
    async with await Store.open(tmp_path / "bot.sqlite3", user_hash_key=b"k" * 16) as store:
        ids = []
        for user, text in enumerate((FASTING, "milia waktu haid")):
            qid = await store.log_question(
                user_id=user, text=text, group_key=text, lang="id", chat_type="private",
                status="unanswered",
            )  # fmt: skip
            ids.append(qid)
        phrasings = AttachedPhrasings(engine, store)
        first = await store.attach_group([ids[0]], entry_id=TARGET, reviewer="cli:editor")
        assert await phrasings.sync() == 1
        assert await phrasings.sync() == 0  # nothing new
        assert not await phrasings.learn(first)  # as the admin handler would, again

        # Attached in /review: learnt at once, and not again by the next sync.
        second = await store.attach_group([ids[1]], entry_id="causes-overview", reviewer="tg:admin")
        assert await phrasings.learn(second)
        assert await phrasings.sync() == 0
        assert spy.taught == [
            (TARGET, "id", FASTING),
            ("causes-overview", "id", "milia waktu haid"),
        ]

        # An entry that left the tree after the attach: logged, never taught.
        gone = Phrasing(
            id=99, entry_id="no-such-entry", lang="en", text="x", created_at=datetime.now(UTC),
            created_by="cli:editor", source_question_id=None,
        )  # fmt: skip
        with caplog.at_level(logging.WARNING):
            assert not await phrasings.learn(gone)
        assert "no-such-entry" in caplog.text
        assert len(spy.taught) == 2
