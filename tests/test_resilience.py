"""Resilience: the real bot against a failing Bot API, odd updates, a stop signal under
load and a database it cannot write.

- A storm of API faults (5xx, dropped connections, timeouts, 429s) on getUpdates and
  sendMessage: polling backs off, replies are retried, and every question is answered
  exactly once when the server is healthy again. Once in process with short timeouts
  (so that timeouts happen quickly), once as ``python -m bot`` itself, stopped by SIGINT.
- Unexpected updates, generated with hypothesis (unknown kinds, edits, channel posts, huge
  texts, any Unicode, forged callback data) and fed through ``Update.de_json`` and
  ``process_update``, then a handful over HTTP: no handler raises, and the bot still
  answers. An update PTB cannot parse is skipped instead of stalling polling.
- Many distinct users leave no per-user trace in memory (PTB's persistence bookkeeping).
- SIGTERM while hundreds of fetched updates wait: every one is answered and recorded.
- A locked or read-only database: users get their answers promptly, writes wait in memory
  and reach the database with the next write once it is writable again, or at shutdown.

Everything talks to the fake on 127.0.0.1; nothing contacts Telegram. The tests
marked ``slow`` wait out real backoffs, busy timeouts and subprocesses (about 10 s each).
``FUZZ_EXAMPLES=1500 pytest tests/test_resilience.py -k never_break`` searches deeper.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import random
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from telegram import Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, TelegramError, TimedOut

from bot.app import Timeouts
from bot.i18n import negotiate
from bot.network import RetryingRateLimiter, empty_unparsable_updates
from bot.settings import Settings
from bot.storage import Store
from bot.storage import core as storage_core
from faq.engine import FaqEngine
from tests.conftest import (
    BotHarness,
    bot_process_env,
    bot_subprocess,
    running_bot,
)
from tests.fakebotapi import Call, FakeBotAPI
from tests.fakebotapi_updates import JSON, utf16_len

DATA = Path(__file__).resolve().parent / "data"
FAST: Final = Timeouts(connect=1.0, read=0.5, write=1.0, pool=1.0)
"""Short HTTP timeouts, so a hung answer becomes a timeout within the test's budget."""
POLL_TIMEOUT: Final = 1  # long-polling timeout (s): getUpdates reads for POLL_TIMEOUT + read
APOLOGY: Final = "Sorry, something went wrong"
PROBE_USER: Final = 99_999_999  # the user whose normal question shows the bot still works

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after:DeprecationWarning")


def load_questions() -> list[tuple[str, str]]:
    """(text, Telegram language_code) of the dev and held-out questions, shuffled."""
    questions = []
    for name in ("dev.jsonl", "heldout.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            questions.append((row["q"], "en" if row["lang"] == "en" else "id"))
    random.Random(7).shuffle(questions)
    return questions


QUESTIONS: Final = load_questions()


def question_of(user: int) -> tuple[str, str]:
    """The (text, language_code) that ``user`` asks in these tests."""
    return QUESTIONS[user % len(QUESTIONS)]


def push_questions(api: FakeBotAPI, users: Iterable[int]) -> list[int]:
    """Each user asks their question in a private chat; return the users (= chat ids)."""
    pushed = []
    for user in users:
        text, code = question_of(user)
        api.text_message(text, user_id=user, language_code=code)
        pushed.append(user)
    return pushed


def logs_question(engine: FaqEngine, user: int) -> bool:
    """Whether the bot logs ``user``'s question for review (it could not answer it)."""
    text, code = question_of(user)
    return engine.ask(text, default_lang=negotiate(code, "id")).status in ("suggest", "unanswered")


def expected_statuses(engine: FaqEngine, users: Iterable[int]) -> Counter[str]:
    """The outcomes of the users' questions (no language chosen with /language)."""
    return Counter(
        engine.ask(text, default_lang=negotiate(code, "id")).status
        for text, code in map(question_of, users)
    )


def reviewed(statuses: Counter[str]) -> int:
    """How many of these outcomes log the question for review."""
    return statuses["suggest"] + statuses["unanswered"]


@contextlib.asynccontextmanager
async def polling_bot(
    api: FakeBotAPI,
    settings: Settings,
    engine: FaqEngine,
    *,
    rate_limit: bool = True,
    timeouts: Timeouts = FAST,
) -> AsyncIterator[BotHarness]:
    """:func:`~tests.conftest.running_bot` as ``skinfaq bot`` runs (rate limiter and its
    retries on), with short timeouts."""
    async with running_bot(
        api, settings, engine, rate_limit=rate_limit, timeouts=timeouts, poll_timeout=POLL_TIMEOUT
    ) as harness:
        yield harness


def answered_chats(api: FakeBotAPI) -> Counter[int]:
    """How many messages the bot sent to each chat."""
    return Counter(m["chat"]["id"] for m in api.sent_messages())


def statuses(calls: list[Call]) -> list[int | None]:
    return [c.status for c in calls]


def in_chats(chats: Iterable[int]) -> Any:
    wanted = set(chats)
    return lambda message: message["chat"]["id"] in wanted


# -- a failing Bot API ------------------------------------------------------------------


@pytest.mark.slow
async def test_a_storm_of_api_faults_delays_answers_but_loses_none(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    # Faults apply in the order they were added, one per call.
    api.fail("getUpdates", times=2)  # 500 Internal Server Error
    api.drop_connections("getUpdates", times=1)
    api.rate_limit("getUpdates", times=1, retry_after=1)
    api.delay("getUpdates", FAST.read + POLL_TIMEOUT + 1.0, times=1)  # client times out
    api.rate_limit("sendMessage", times=3, retry_after=1)
    api.fail("sendMessage", times=2)
    api.fail("sendMessage", times=1, status=502, description="Bad Gateway")
    api.drop_connections("sendMessage", times=1)
    api.delay("sendMessage", FAST.read + 1.0, times=1)
    questions = push_questions(api, range(1000, 1024))

    async with polling_bot(api, settings, engine):
        await api.wait_for_messages(count=len(questions), timeout=40)
        polls = api.calls("getUpdates")

    # Every question answered exactly once, with an answer, not the apology.
    assert answered_chats(api) == Counter(dict.fromkeys(questions, 1))
    assert not [m for m in api.sent_messages() if m["text"].startswith(APOLOGY)]
    # Each fault was met (a dropped or timed-out call has no status).
    assert statuses(polls[:5]) == [500, 500, None, 429, None]
    sends = Counter(statuses(api.calls("sendMessage")))
    assert sends == {200: len(questions), 429: 3, 500: 2, 502: 1, None: 2}
    # Polling backed off: PTB waits 1 s, then 1.5 s, 2.25 s after errors, retry_after + 0.5 s
    # after a 429, and retries a timeout at once.
    gaps = [later.time - earlier.time for earlier, later in itertools.pairwise(polls[:5])]
    assert gaps[0] >= 0.95 and gaps[1] >= 1.45 and gaps[2] >= 2.2 and gaps[3] >= 1.45


@pytest.mark.slow
async def test_the_bot_process_rides_out_api_faults_and_stops_on_sigint(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    # ``python -m bot`` itself, with its own timeouts and rate limiter: the faults that do
    # not need a 10-second read timeout to happen, then Ctrl-C.
    api.fail("getUpdates", times=2)
    api.drop_connections("getUpdates", times=1)
    api.rate_limit("getUpdates", times=1, retry_after=1)
    api.rate_limit("sendMessage", times=2, retry_after=1)
    api.fail("sendMessage", times=2)
    api.fail("sendMessage", times=1, status=502, description="Bad Gateway")
    api.drop_connections("sendMessage", times=1)
    questions = push_questions(api, range(3000, 3020))
    env = bot_process_env(api, tmp_path / "bot.sqlite3", "INFO")
    async with bot_subprocess(env, tmp_path) as bot:
        await api.wait_for_messages(count=len(questions), timeout=60)
        log = await bot.stop(signal.SIGINT)
    assert bot.returncode == 0, log[-3000:]
    assert answered_chats(api) == Counter(dict.fromkeys(questions, 1))
    assert not [m for m in api.sent_messages() if m["text"].startswith(APOLOGY)]
    assert statuses(api.calls("getUpdates")[:4]) == [500, 500, None, 429]
    sends = Counter(statuses(api.calls("sendMessage")))
    assert sends == {200: len(questions), 429: 2, 500: 2, 502: 1, None: 1}
    assert log.count("message handled:") == len(questions)
    assert "bot stopped" in log


async def test_lost_requests_are_retried_with_backoff_then_given_up() -> None:
    limiter = RetryingRateLimiter(network_retries=3, backoff=0.01, max_backoff=0.02)
    failures: list[TelegramError] = [
        NetworkError("Internal Server Error (500)"),
        TimedOut(),
        NetworkError("httpx.RemoteProtocolError: Server disconnected"),
    ]
    attempts: list[float] = []

    async def send(*args: object, **kwargs: object) -> JSON:
        attempts.append(time.monotonic())
        if failures:
            raise failures.pop(0)
        return {"ok": True}

    await limiter.initialize()
    try:
        data: JSON = {"chat_id": 1, "text": "hi"}
        assert await limiter.process_request(send, (), {}, "sendMessage", data, None) == {
            "ok": True
        }
        assert len(attempts) == 4  # three failures, then the answer
        failures.extend([NetworkError("Bad Gateway")] * 4)
        with pytest.raises(NetworkError, match="Bad Gateway"):  # 1 + 3 retries, then given up
            await limiter.process_request(send, (), {}, "sendMessage", data, None)
        assert len(attempts) == 8
        # Telegram's final answers are not retried.
        for final in (BadRequest("chat not found"), Forbidden("blocked"), Conflict("x")):
            failures.append(final)
            with pytest.raises(type(final)):
                await limiter.process_request(send, (), {}, "sendMessage", data, None)
        assert len(attempts) == 11
    finally:
        await limiter.shutdown()


# -- unexpected updates -------------------------------------------------------------------

BOT_ID: Final = 7_000_000_001  # FakeBotAPI's defaults
BOT_USERNAME: Final = "fake_faq_bot"
ODD_TEXT: Final = (
    "\u200f", "\u200e", "\u202e", "\u202d", "\u2066", "\u2069", "\u061c",  # bidi marks
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",  # zero-width
    "\x00", "\x07", "\x1b", "\x7f", "\x85", "\r\n", "\t",  # control characters
    "\u0301\u0301\u0301", "Z\u0351\u0363\u036b\u0346",  # combining marks
    "🙂", "👩🏽‍⚕️", "🇮🇩", "🏳️‍🌈", "\U0010fffd", "\U000e0041",  # emoji, private use, tags
    "שלום", "مرحبا", "ميليا", "ไม่", "中文", "𝓶𝓲𝓵𝓲𝓪",  # scripts, math letters
    "<b>", "</i>", "&amp;", "&", "<", ">", '"', "<a href='x'>",  # HTML to be escaped
    "@" + BOT_USERNAME, "/start", "/help@" + BOT_USERNAME, "milia", "bayi", "  ", "\n\n",
)  # fmt: skip
CALLBACK_PREFIXES: Final = (
    "m:", "t:en:", "t:id:", "e:en:", "e:id:", "a:en:", "s:en:what-is-milia:", "s:id:",
    "fb:en:what-is-milia:", "fb:id:", "src:en:", "lang:", "forget:", "adm:rv:", "adm:gq:1:",
    "adm:at:", "adm:ae:1:", "adm:ig:", "adm:rs:", "x:", "",
)  # fmt: skip
VALID_CALLBACKS: Final = (
    "m:en", "m:id", "t:en:causes", "t:id:treatment", "e:id:what-is-milia", "a:en:appearance",
    "s:en:what-is-milia:0", "s:id:what-is-milia:99999", "fb:en:what-is-milia:1",
    "fb:id:what-is-milia:0", "src:en:what-is-milia", "lang:en", "lang:id", "forget:yes",
    "forget:no", "s:en:what-is-milia:9223372036854775807",
)  # fmt: skip
REAL_TEXTS: Final = tuple(text for text, _ in QUESTIONS[:40])

chars = st.characters(exclude_categories=["Cs"])  # Telegram sends valid UTF-8 only
pieces = st.one_of(st.text(chars, max_size=30), st.sampled_from(ODD_TEXT + REAL_TEXTS))
short_texts = st.lists(pieces, max_size=6).map("".join)


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Any text, sometimes huge (up to 20,000 characters, more than Telegram allows)."""
    text = draw(short_texts)
    if draw(st.integers(0, 9)) == 0:
        size = draw(st.integers(4097, 20_000))
        text = ((text or "milia ") * (size // max(1, len(text or "milia ")) + 1))[:size]
    return text


@st.composite
def entities(draw: st.DrawFn, text: str) -> list[JSON]:
    """Entities on character boundaries of ``text`` (offsets in UTF-16, as Telegram's)."""
    found: list[JSON] = []
    for _ in range(draw(st.integers(0, 3)) if text else 0):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        kind = draw(
            st.sampled_from(
                ["mention", "bot_command", "bold", "url", "hashtag", "text_link", "text_mention"]
            )
        )
        if kind == "bot_command":  # Telegram marks a "/" and the word after it, nothing else
            if "/" not in text:
                continue
            start = draw(st.sampled_from([i for i, c in enumerate(text) if c == "/"]))
            end = start + 1
            while end < len(text) and not text[end].isspace():
                end += 1
        entity: JSON = {
            "type": kind,
            "offset": utf16_len(text[:start]),
            "length": utf16_len(text[start:end]),
        }
        if kind == "text_link":
            entity["url"] = "https://example.org/" + draw(st.text(chars, max_size=10))
        if kind == "text_mention":
            entity["user"] = draw(users(bot_sometimes=True))
        found.append(entity)
    return found


@st.composite
def users(draw: st.DrawFn, bot_sometimes: bool = False) -> JSON:
    if bot_sometimes and draw(st.booleans()):
        return {"id": BOT_ID, "is_bot": True, "first_name": "FAQ Bot", "username": BOT_USERNAME}
    user: JSON = {
        "id": draw(st.integers(1, 5000)),
        "is_bot": draw(st.sampled_from([False, False, True])),
        "first_name": draw(st.text(chars, max_size=20)),
    }
    # Optional fields, present or missing; language codes real, odd or malformed.
    for key, values in (
        ("last_name", st.text(chars, max_size=20)),
        ("username", st.text(chars, max_size=32)),
        ("language_code", st.sampled_from(["id", "en", "ms", "en-US", "zh-hans", "xx", "", "🙂"])),
        ("is_premium", st.booleans()),
    ):
        if draw(st.booleans()):
            user[key] = draw(values)
    return user


def chat_of(user: JSON, chat_type: str, chat_id: int) -> JSON:
    if chat_type == "private":
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    return {"id": chat_id, "type": chat_type, "title": "Group"}


@st.composite
def bot_messages(draw: st.DrawFn, chat: JSON) -> JSON:
    """A message the bot sent earlier (under which buttons are pressed, or replied to)."""
    message: JSON = {
        "message_id": draw(st.integers(1, 10**6)),
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "FAQ Bot", "username": BOT_USERNAME},
        "chat": chat,
        "date": draw(st.sampled_from([0, 1_700_000_000])),  # 0: an inaccessible message
        "text": draw(short_texts) or "?",
    }
    return message


@st.composite
def messages(draw: st.DrawFn) -> JSON:
    user = draw(users())
    chat_type = draw(st.sampled_from(["private", "private", "group", "supergroup"]))
    chat = chat_of(user, chat_type, draw(st.sampled_from([-40_001, -1_001_000_000_001])))
    message: JSON = {"message_id": draw(st.integers(1, 10**6)), "date": 1_700_000_000}
    message["chat"] = chat
    if draw(st.integers(0, 5)):  # anonymous group admins send messages without "from"
        message["from"] = user
    content = draw(st.sampled_from(["text", "text", "text", "photo", "sticker", "other"]))
    if content == "text":
        text = draw(texts())
        message["text"] = text
        if draw(st.booleans()):
            message["entities"] = draw(entities(text))
    elif content == "photo":
        message["photo"] = [{"file_id": "p", "file_unique_id": "up", "width": 9, "height": 9}]
        if draw(st.booleans()):
            message["caption"] = draw(short_texts)
    elif content == "sticker":
        message["sticker"] = {
            "file_id": "s", "file_unique_id": "us", "type": "regular", "width": 512,
            "height": 512, "is_animated": False, "is_video": False,
        }  # fmt: skip
    else:  # content of a Bot API version newer than the library
        message[draw(st.sampled_from(["future_content", "future_media"]))] = {"z": 1}
    if draw(st.integers(0, 3)) == 0:
        message["reply_to_message"] = draw(bot_messages(chat))
    return message


@st.composite
def callback_queries(draw: st.DrawFn) -> JSON:
    user = draw(users())
    query: JSON = {
        "id": draw(st.text(chars, min_size=1, max_size=20)),
        "from": user,
        "chat_instance": draw(st.text(chars, max_size=20)),
    }
    if draw(st.integers(0, 4)):
        chat_type = draw(st.sampled_from(["private", "group", "supergroup"]))
        query["message"] = draw(bot_messages(chat_of(user, chat_type, -40_001)))
    else:
        query["inline_message_id"] = "inline-1"
    data = draw(
        st.one_of(
            st.none(),
            st.sampled_from(VALID_CALLBACKS),
            st.tuples(st.sampled_from(CALLBACK_PREFIXES), st.text(chars, max_size=60)).map("".join),
            st.text(chars, max_size=64),
        )
    )
    if data is not None:
        query["data"] = data.encode()[:64].decode(errors="ignore")
    return query


@st.composite
def updates(draw: st.DrawFn) -> JSON:
    """An update of any kind the bot may meet, Telegram-shaped but unexpected."""
    kind = draw(
        st.sampled_from(
            ["message"] * 4
            + ["edited_message", "channel_post", "edited_channel_post", "callback_query"] * 1
            + ["callback_query", "unknown"]
        )
    )
    update_id = draw(st.integers(1, 2**31 - 1))
    if kind == "callback_query":
        return {"update_id": update_id, "callback_query": draw(callback_queries())}
    if kind == "unknown":  # an update type newer than the library
        body = draw(
            st.dictionaries(
                st.text(chars, max_size=8),
                st.recursive(
                    st.none() | st.booleans() | st.integers() | st.text(chars, max_size=10),
                    lambda inner: (
                        st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(chars, max_size=5), inner, max_size=3)
                    ),
                    max_leaves=8,
                ),
                max_size=4,
            )
        )
        return {"update_id": update_id, draw(st.sampled_from(["purchased_x", "story_y"])): body}
    message = draw(messages())
    if kind.startswith("edited"):
        message["edit_date"] = 1_700_000_100
    if kind.endswith("channel_post"):
        message.pop("from", None)
        message["chat"] = message["sender_chat"] = {"id": -1_001_000_000_002, "type": "channel"}
        message.pop("reply_to_message", None)
    return {"update_id": update_id, kind: message}


FUZZ = hypothesis_settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    # The bot fixture is shared by all examples on purpose: it must survive all of them.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


async def assert_still_answers(bot: BotHarness, engine: FaqEngine) -> None:
    sent = await bot.text("what is milia?", user_id=PROBE_USER, language_code="en")
    assert len(sent) == 1
    assert sent[0]["text"].startswith(engine.composer.question("what-is-milia", "en"))


@FUZZ
@given(batch=st.lists(updates(), min_size=1, max_size=5))
async def test_unexpected_updates_never_break_a_handler(
    bot: BotHarness, engine: FaqEngine, batch: list[JSON]
) -> None:
    before = len(bot.errors)
    # Through JSON and the bot's getUpdates filter, as updates arrive when polling.
    answer = {"ok": True, "result": batch}
    for raw in json.loads(empty_unparsable_updates(json.dumps(answer).encode()))["result"]:
        await bot.app.process_update(Update.de_json(raw, bot.app.bot))
    assert bot.errors[before:] == []  # an exception in any handler or filter
    await assert_still_answers(bot, engine)
    assert bot.errors[before:] == []


@hypothesis_settings(FUZZ, max_examples=6)
@given(batch=st.lists(updates(), min_size=1, max_size=5))
async def test_unexpected_updates_over_http(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine, batch: list[JSON]
) -> None:
    # The examples share the fake and the database; each starts and stops the bot.
    async with polling_bot(api, settings, engine, rate_limit=False):
        for raw in batch:
            api.push_update({k: v for k, v in raw.items() if k != "update_id"})  # numbered
        probes = len(api.sent_messages(PROBE_USER))
        api.text_message("what is milia?", user_id=PROBE_USER, language_code="en")
        answers = await api.wait_for_messages(count=probes + 1, chat_id=PROBE_USER, timeout=10)
    assert answers[-1]["text"].startswith(engine.composer.question("what-is-milia", "en"))


UNPARSABLE: Final[tuple[JSON, ...]] = (
    {"message": {"chat": {"id": 21, "type": "private"}, "date": 0, "text": "no message_id"}},
    {"message": "not an object"},
    {"message": {"message_id": 1, "date": "yesterday", "chat": {"id": 22, "type": "private"}}},
    {"callback_query": {"id": "q1", "data": "m:en"}},  # no from, no chat_instance
)


async def test_an_update_ptb_cannot_parse_is_skipped_not_fetched_forever(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine, caplog: pytest.LogCaptureFixture
) -> None:
    api.text_message("what is milia?", user_id=20)
    for raw in UNPARSABLE:
        api.push_update(raw)
    api.text_message("what causes milia?", user_id=23)
    with caplog.at_level(logging.INFO):
        async with polling_bot(api, settings, engine):
            await api.wait_for_messages(chat_id=20)
            await api.wait_for_messages(chat_id=23)
            polls = len(api.calls("getUpdates"))
            api.text_message("what is milia?", user_id=24)  # polling goes on
            await api.wait_for_messages(chat_id=24)
    # Before the fix PTB fetched the same batch again and again, a thousand times a second.
    assert polls <= 3
    assert sorted(answered_chats(api)) == [20, 23, 24]
    skipped = [r.getMessage() for r in caplog.records if "cannot be parsed" in r.getMessage()]
    assert len(skipped) == len(UNPARSABLE)
    assert "no message_id" not in caplog.text  # the user's text is never logged
    assert "Error while parsing updates (withheld: user data)" in caplog.text  # PTB's log


# -- a stop signal while updates wait ----------------------------------------------------


@pytest.mark.slow
async def test_sigterm_answers_and_records_every_fetched_update(
    api: FakeBotAPI, tmp_path: Path, engine: FaqEngine
) -> None:
    count = 300
    users = push_questions(api, range(5000, 5000 + count))
    pushed = {update["update_id"] for update in api.pending_updates}
    database = tmp_path / "bot.sqlite3"
    env = bot_process_env(api, database, "INFO")
    last = max(pushed)

    def received_all(call: Call) -> bool:
        # The bot asks for the next offset once a batch is in its queue: a batch the fake
        # has sent but the bot has not read yet is not fetched (Telegram sends it again).
        return int(call.params.get("offset") or 0) > last

    async with bot_subprocess(env, tmp_path) as bot:
        await api.wait_for("getUpdates", predicate=received_all, timeout=60, answered=False)
        # The rate limiter (30 messages a second) keeps most of them waiting.
        await api.wait_for_messages(count=10, timeout=30)
        answered_before = len(api.sent_messages())
        log = await bot.stop()
    assert bot.returncode == 0, log[-3000:]
    fetched = {u["update_id"] for c in api.calls("getUpdates") for u in c.result or ()}
    assert fetched == pushed
    assert 10 <= answered_before < count // 2  # the signal came with most still waiting
    assert answered_chats(api) == Counter(dict.fromkeys(users, 1))
    assert log.count("message handled:") == count
    assert "bot stopped" in log
    expected = expected_statuses(engine, users)
    with contextlib.closing(sqlite3.connect(database)) as db:
        recorded = dict(db.execute("SELECT status, SUM(n) FROM outcome_counts GROUP BY status"))
        questions = db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
    assert recorded == dict(expected)
    assert questions == reviewed(expected) > 0


# -- a database the bot cannot write -------------------------------------------------------


def database_counts(path: Path) -> tuple[int, int]:
    """(outcomes counted, questions logged) in the database at ``path``."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        outcomes = db.execute("SELECT COALESCE(SUM(n), 0) FROM outcome_counts").fetchone()[0]
        questions = db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
    return int(outcomes), int(questions)


async def wait_until(condition: Any, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Poll ``condition()`` (state inside the bot, not visible through the API) for at
    most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def latencies(api: FakeBotAPI, pushed_at: dict[int, float]) -> list[float]:
    """Seconds from each push to the arrival of the reply to that chat."""
    return [
        call.time - pushed_at[call.params["chat_id"]]
        for call in api.calls("sendMessage")
        if call.ok and call.params["chat_id"] in pushed_at
    ]


@pytest.mark.slow
async def test_locked_database_answers_users_and_writes_once_released(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    async with polling_bot(api, settings, engine) as bot:
        store = bot.services.store
        api.text_message("what is milia?", user_id=30)
        await api.wait_for_messages(chat_id=30)
        # Counted after the reply: in memory, or already on disk if the store's periodic
        # flush came first (it does when the bot took long to start).
        await wait_until(
            lambda: sum(store._outcomes.values()) + database_counts(settings.database)[0] == 1
        )
        await store.flush_outcomes()  # outcome counts are otherwise written every few seconds
        assert database_counts(settings.database) == (1, 0)

        lock = sqlite3.connect(settings.database, isolation_level=None, timeout=0)
        lock.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            # The first write waits the busy timeout (5 s), then writes queue in memory. The
            # burst ends with a question the bot logs, whatever the FAQ answers today.
            logged = next(u for u in itertools.count(3010) if logs_question(engine, u))
            burst = push_questions(api, [*range(3000, 3010), logged])
            await api.wait_for_messages(count=len(burst), timeout=20, predicate=in_chats(burst))
            # Later ones retry the queue with a short wait only: answers stay prompt.
            pushed_at = {}
            for user in range(3100, 3110):
                pushed_at[user] = time.monotonic()
                push_questions(api, [user])
                await api.wait_for_messages(chat_id=user, timeout=5)
                await asyncio.sleep(0.15)  # steady traffic, not a burst
            assert max(latencies(api, pushed_at)) < 1.0
            assert store.pending_count > 0
            assert database_counts(settings.database) == (1, 0)
        finally:
            lock.rollback()
            lock.close()
        # Steady traffic again: the next write after the retry interval replays the queue.
        for user in range(3200, 3206):
            push_questions(api, [user])
            await api.wait_for_messages(chat_id=user, timeout=5)
            await asyncio.sleep(0.3)
        await wait_until(lambda: store.pending_count == 0, timeout=5)

    asked = [*burst, *pushed_at, *range(3200, 3206)]
    assert answered_chats(api) == Counter(dict.fromkeys([30, *asked], 1))
    assert not [m for m in api.sent_messages() if m["text"].startswith(APOLOGY)]
    assert database_counts(settings.database) == (
        1 + len(asked),
        reviewed(expected_statuses(engine, asked)),
    )


async def test_store_under_steady_writes_retries_fast_and_replays_once_released(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite3"
    store = await Store.open(
        path, user_hash_key=b"k" * 32, busy_timeout_ms=1000, retry_interval=0.2
    )
    lock = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:

        async def write() -> float:
            started = time.monotonic()
            # A question for review: written at once (outcome counts are batched in memory).
            await store.log_question(
                user_id=1, text="q", group_key="q", lang="id", chat_type="p", status="unanswered"
            )
            await asyncio.sleep(0.05)  # steady: a write every ~50 ms, never a pause of 0.2 s
            return time.monotonic() - started

        lock.execute("BEGIN EXCLUSIVE")
        assert await write() >= 1.0  # the first write waits the busy timeout
        waits = [await write() for _ in range(20)]  # a replay attempt every 0.2 s
        assert max(waits) < 0.5  # replays wait RETRY_BUSY_TIMEOUT_MS, not the busy timeout
        assert store.pending_count == 21
        lock.rollback()
        for _ in range(10):  # the next replay is due within 0.2 s
            await write()
        assert store.pending_count == 0
        assert database_counts(path) == (0, 31)
    finally:
        lock.close()
        await store.close()


async def test_read_only_database_answers_users_and_writes_at_shutdown(
    api: FakeBotAPI,
    settings: Settings,
    engine: FaqEngine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Outcome counts stay in memory for the whole test: a periodic flush on a slow run
    # would move them to the retry queue and blur the counts checked below.
    monkeypatch.setattr(storage_core, "OUTCOME_FLUSH_SECONDS", 3600.0)
    users = range(4000, 4020)
    logged = reviewed(expected_statuses(engine, users))
    caplog.set_level(logging.INFO, logger="bot.jobs")
    async with polling_bot(api, settings, engine) as bot:
        store = bot.services.store
        # The purge at start-up first: on a read-only disk it fails, which is an error
        # (tests/test_jobs.py shows one reaching the error handler).
        await wait_until(lambda: "retention: deleted" in caplog.text)
        # As if the disk were remounted read-only under the running bot.
        await store._db.execute("PRAGMA query_only = ON")
        push_questions(api, users)
        await api.wait_for_messages(count=len(users), timeout=15)
        await wait_until(lambda: store.pending_count == logged)  # the questions, queued
        # Counted in memory meanwhile (each just after its reply went out).
        await wait_until(lambda: sum(store._outcomes.values()) == len(users))
        assert database_counts(settings.database) == (0, 0)
        await store._db.execute("PRAGMA query_only = OFF")  # writable again, no more traffic
    assert answered_chats(api) == Counter(dict.fromkeys(users, 1))
    assert not [m for m in api.sent_messages() if m["text"].startswith(APOLOGY)]
    assert database_counts(settings.database) == (len(users), logged)  # written at shutdown
