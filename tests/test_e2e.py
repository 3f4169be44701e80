"""End to end: the real bot over HTTP against the fake Bot API, as ``skinfaq bot`` runs it.

Each test starts the application built by ``build_application`` (long polling the fake,
or its webhook server), with its own database, and talks to it only through Telegram's
side: updates in, Bot API calls out. Nothing contacts Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_application
from bot.run import webhook_options
from bot.settings import Settings
from faq.engine import FaqEngine
from tests.conftest import (
    TOKEN,
    bot_process_env,
    bot_subprocess,
    make_settings,
    running_bot,
    start_services,
    stop_services,
)
from tests.fakebotapi import FakeBotAPI
from tests.fakebotapi_updates import DEFAULT_GROUP_ID, DEFAULT_SUPERGROUP_ID, JSON

SINCE = datetime.now(UTC) - timedelta(days=1)
ROOT = Path(__file__).resolve().parent.parent


def buttons(message: JSON) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def test_questions_in_both_languages_get_cited_answers(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    async with running_bot(api, settings, engine):
        api.text_message("Apakah milia bisa hilang sendiri?", user_id=1, language_code="id")
        api.text_message("What causes milia?", user_id=2, language_code="en")
        [indonesian] = await api.wait_for_messages(chat_id=1)
        [english] = await api.wait_for_messages(chat_id=2)
    question = engine.composer.question
    assert indonesian["text"].startswith(question("does-it-go-away", "id") + "\n")
    assert "[1]" in indonesian["text"] and "\n\nSumber: [1]" in indonesian["text"]
    assert english["text"].startswith(question("causes-overview", "en") + "\n")
    assert "[1]" in english["text"] and "\n\nSources: [1]" in english["text"]
    assert english["entities"][0]["type"] == "bold"  # HTML reached Telegram as entities


async def test_topic_menu_and_a_button_that_edits_in_place(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    topic = engine.tree.topics[1]
    async with running_bot(api, settings, engine):
        api.command("topics", user_id=3, language_code="en")
        [menu] = await api.wait_for_messages(chat_id=3)
        api.callback_query(f"t:en:{topic.id}", user_id=3)
        [edit] = await api.wait_for("editMessageText")
        await api.wait_for("answerCallbackQuery")
    assert edit.params["message_id"] == menu["message_id"]
    current = api.get_message(3, menu["message_id"])
    assert current is not None and current["text"].startswith(topic.title["en"])
    assert buttons(current)[-1] == "m:en"


async def test_feedback_is_recorded_in_the_database(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    async with running_bot(api, settings, engine) as bot:
        api.text_message("what is milia?", user_id=4)
        [answer] = await api.wait_for_messages(chat_id=4)
        api.callback_query("fb:en:what-is-milia:1", message=answer, user_id=4)
        await api.wait_for("editMessageReplyMarkup")
        stats = await bot.services.store.stats(since=SINCE)
    [summary] = stats.feedback
    assert (summary.entry_id, summary.helpful, summary.not_helpful) == ("what-is-milia", 1, 0)
    assert stats.totals.answered == 1


async def test_photo_group_silence_mention_and_forged_button(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    username = api.bot["username"]
    async with running_bot(api, settings, engine) as bot:
        api.photo_message(user_id=5, language_code="en")
        [photo_reply] = await api.wait_for_messages(chat_id=5)

        api.text_message("what is milia?", chat_type="group", user_id=6)  # not for the bot
        mention = [{"type": "mention", "offset": 0, "length": len(username) + 1}]
        api.text_message(
            f"@{username} what is milia?", entities=mention, chat_type="group", user_id=6
        )
        [group_reply] = await api.wait_for_messages(chat_id=DEFAULT_GROUP_ID)

        api.callback_query("e:en:../../etc/passwd", message=photo_reply, user_id=5)
        [answer] = await api.wait_for("answerCallbackQuery")
        store = bot.services.store
        questions = await store.list_groups()
    # Stopping the application waited for every update, the ignored one included.
    assert photo_reply["text"].startswith("I can't diagnose from pictures")
    assert [m["text"] for m in api.sent_messages(DEFAULT_GROUP_ID)] == [group_reply["text"]]
    assert group_reply["text"].startswith(engine.composer.question("what-is-milia", "en"))
    assert questions == []
    assert answer.ok
    assert answer.params["text"] == "This button no longer works. Send /topics to start again."


async def test_answers_in_a_forum_topic_stay_in_that_topic(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    username = api.bot["username"]
    mention = [{"type": "mention", "offset": 0, "length": len(username) + 1}]
    forum = DEFAULT_SUPERGROUP_ID
    topic = {"chat_type": "supergroup", "user_id": 9, "language_code": "en"}
    async with running_bot(api, settings, engine):
        api.text_message(
            f"@{username} what is milia?", entities=mention, message_thread_id=42, **topic
        )
        [answer] = await api.wait_for_messages(chat_id=forum)
        api.command("topics", mention=True, message_thread_id=77, **topic)
        await api.wait_for_messages(count=2, chat_id=forum)
        # A button under the answer: its sources come as a new message, in the same topic.
        api.callback_query("src:en:what-is-milia", message=answer, user_id=9)
        await api.wait_for_messages(count=3, chat_id=forum)
        # In the General topic, which has no thread id, nor has the answer.
        api.text_message(f"@{username} what is milia?", entities=mention, **topic)
        await api.wait_for_messages(count=4, chat_id=forum)
    calls = api.calls("sendMessage")
    assert [c.params.get("message_thread_id") for c in calls] == [42, 77, 42, None]
    assert all(c.ok for c in calls)
    answer_in_topic, menu, sources, general = api.sent_messages(forum)
    assert answer_in_topic["message_thread_id"] == 42 and answer_in_topic["is_topic_message"]
    assert answer_in_topic["text"].startswith(engine.composer.question("what-is-milia", "en"))
    assert menu["message_thread_id"] == 77
    assert sources["message_thread_id"] == 42 and "reply_to_message" in sources
    assert "message_thread_id" not in general


async def test_a_reply_chain_in_a_plain_group_is_not_taken_for_a_topic(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    # Telegram gives replies in a group without topics a message_thread_id too (the chain's
    # first message), but sending to that "thread" fails: only forum topics take one.
    username = api.bot["username"]
    mention = [{"type": "mention", "offset": 0, "length": len(username) + 1}]
    update = api.text_message(
        f"@{username} what is milia?", entities=mention, chat_type="supergroup",
        message_thread_id=5, push=False,
    )  # fmt: skip
    message = update["message"]
    del message["is_topic_message"]
    del message["chat"]["is_forum"]
    api.state.chats[message["chat"]["id"]] = message["chat"]
    async with running_bot(api, settings, engine):
        api.push_update(update)
        [answer] = await api.wait_for_messages(chat_id=DEFAULT_SUPERGROUP_ID)
    [call] = api.calls("sendMessage")
    assert call.ok and "message_thread_id" not in call.params
    assert answer["reply_to_message"]["message_id"] == message["message_id"]


async def test_emergency_reply_starts_with_the_bold_warning(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    async with running_bot(api, settings, engine):
        api.text_message("my baby is not breathing and her lips are swelling", user_id=7)
        [reply] = await api.wait_for_messages(chat_id=7)
    warning = reply["entities"][0]
    assert warning["type"] == "bold" and warning["offset"] == 0
    lead = reply["text"][: warning["length"]]
    assert lead.startswith("⚠️ ") and "119" in lead and "112" in lead


@pytest.mark.filterwarnings("ignore:.*retry_after:DeprecationWarning")
async def test_rate_limited_reply_is_retried(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    api.rate_limit("sendMessage", times=1, retry_after=1)
    async with running_bot(api, settings, engine, rate_limit=True):
        api.text_message("what is milia?", user_id=8)
        [reply] = await api.wait_for_messages(chat_id=8, timeout=10)
        api.text_message("what causes milia?", user_id=8)
        await api.wait_for_messages(count=2, chat_id=8, timeout=10)
    assert reply["text"].startswith(engine.composer.question("what-is-milia", "en"))
    assert [c.status for c in api.calls("sendMessage")] == [429, 200, 200]


async def test_language_choice_survives_a_restart(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine
) -> None:
    async with running_bot(api, settings, engine):
        api.command("language", user_id=9, language_code="id")
        await api.wait_for_messages(chat_id=9)
        api.callback_query("lang:en", user_id=9, language_code="id")
        await api.wait_for("editMessageText")
    async with running_bot(api, settings, engine):  # a new process on the same database
        api.text_message("apa itu milia?", user_id=9, language_code="id")
        [reply] = await api.wait_for_messages(chat_id=9, predicate=lambda m: "milia" in m["text"])
    assert reply["text"].startswith(engine.composer.question("what-is-milia", "en"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_refuses_requests_without_the_secret(
    api: FakeBotAPI, tmp_path: Path, engine: FaqEngine
) -> None:
    port = free_port()
    settings = make_settings(
        api,
        tmp_path / "bot.sqlite3",
        webhook_url=f"http://127.0.0.1:{port}/",
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    options = webhook_options(settings)
    assert TOKEN not in options.webhook_url
    app = build_application(settings, engine=engine, rate_limit=False)
    await start_services(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(**options.as_kwargs())
    try:
        assert api.webhook["url"] == options.webhook_url
        assert api.webhook["secret_token"] == options.secret_token
        forged = api.text_message("what is milia?", user_id=10, push=False)
        assert await api.post_webhook(options.webhook_url, forged) == 403
        assert await api.post_webhook(options.webhook_url, forged, secret_token="wrong") == 403
        genuine = api.text_message("what is milia?", user_id=11, push=False)
        assert await api.post_webhook(None, genuine) == 200  # the URL and secret Telegram has
        [reply] = await api.wait_for_messages(chat_id=11)
    finally:
        await app.updater.stop()
        await app.stop()
        await stop_services(app)
    assert reply["text"].startswith(engine.composer.question("what-is-milia", "en"))
    assert api.sent_messages(chat_id=10) == []


@pytest.mark.slow
async def test_skinfaq_bot_in_webhook_mode_behind_a_proxy(api: FakeBotAPI, tmp_path: Path) -> None:
    # The whole path of ``python -m bot`` with SKINFAQ_WEBHOOK_URL: settings, registration
    # with Telegram, the listener, the secret; requests come as a TLS proxy passes them on.
    port = free_port()
    env = bot_process_env(api, tmp_path / "bot.sqlite3", "INFO") | {
        "SKINFAQ_WEBHOOK_URL": "https://faq.example.org",
        "SKINFAQ_WEBHOOK_LISTEN": "127.0.0.1",
        "SKINFAQ_WEBHOOK_PORT": str(port),
        "SKINFAQ_WEBHOOK_SECRET": "a-secret-of-our-own",
    }
    async with bot_subprocess(env, tmp_path) as bot:
        await api.wait_for("setWebhook", timeout=30)
        registered = api.webhook
        path = registered["url"].removeprefix("https://faq.example.org/")
        assert registered["url"] != path and TOKEN not in registered["url"]
        assert registered["secret_token"] == "a-secret-of-our-own"
        local = f"http://127.0.0.1:{port}/{path}"
        for _ in range(100):  # the listener starts right after the registration
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            await asyncio.sleep(0.05)
        forged = api.text_message("what is milia?", user_id=21, push=False)
        assert await api.post_webhook(local, forged) == 403
        assert await api.post_webhook(local, forged, secret_token="guessed") == 403
        genuine = api.text_message("what is milia?", user_id=22, push=False)
        assert await api.post_webhook(local, genuine, secret_token="a-secret-of-our-own") == 200
        [reply] = await api.wait_for_messages(chat_id=22, timeout=10)
        log = await bot.stop()
    assert bot.returncode == 0, log[-2000:]
    assert reply["text"].startswith("What are milia?")
    assert api.sent_messages(chat_id=21) == []
    assert "starting the webhook on 127.0.0.1" in log and "bot stopped" in log
    assert TOKEN not in log and "a-secret-of-our-own" not in log


async def test_a_second_process_on_the_same_token_stops_with_a_clear_message(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    env = bot_process_env(api, tmp_path / "bot.sqlite3", "INFO")
    async with bot_subprocess(env, tmp_path) as first:
        await api.wait_for("getUpdates", answered=False, timeout=30)  # the first one polls
        async with bot_subprocess(env, tmp_path) as second:
            second_log = await second.log(30)
        assert second.returncode == 1
        conflict = [line for line in second_log.splitlines() if "another instance" in line]
        assert len(conflict) == 1
        assert "another instance is polling with this token" in conflict[0]
        assert "Traceback" not in second_log

        api.text_message("what is milia?", user_id=12)  # the first one still answers
        await api.wait_for_messages(chat_id=12, timeout=10)
        log = await first.stop(timeout=30)
    assert first.returncode == 0
    assert "message handled: chat=private outcome=answered entry=what-is-milia" in log
    assert "bot stopped" in log  # post_shutdown ran: pending writes flushed, store closed
    assert "what is milia" not in log  # never the text
    for output in (log, second_log):
        assert TOKEN not in output and TOKEN.split(":")[1] not in output
