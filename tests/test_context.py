"""The sender's language, worked out once per update in the context (``bot.context``).

The order is aiogram's i18n middleware's: the user's /language choice, else their
Telegram app's language if the bot speaks it, else ``SKINFAQ_DEFAULT_LANG`` (here "id").
"""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.context import BotContext, UserLanguage
from tests.conftest import BotHarness


@pytest.mark.parametrize(
    ("chosen", "language_code", "telegram", "ui", "fallback"),
    [
        (None, "en-US", "en", "en", "en"),
        (None, "id", "id", "id", "id"),
        (None, "ms", "id", "id", "id"),  # Malay readers get Indonesian
        (None, "fr", None, "id", "id"),
        (None, "not a code", None, "id", "id"),
        (None, None, None, "id", "id"),
        ("en", "id", "id", "en", "id"),
        ("id", "en", "en", "id", "en"),
    ],
)
async def test_the_language_of_a_sender(
    bot: BotHarness,
    chosen: str | None,
    language_code: str | None,
    telegram: str | None,
    ui: str,
    fallback: str,
) -> None:
    if chosen is not None:
        await bot.services.store.set_user_lang(10_001, chosen)
    seen: list[UserLanguage] = []

    async def note(update: Update, context: BotContext) -> None:
        seen.append(context.language)

    bot.app.add_handler(TypeHandler(Update, note), group=-5)
    await bot.text("hello", language_code=language_code)
    [language] = seen
    assert language == UserLanguage(chosen, telegram, "id")
    assert (language.ui, language.fallback) == (ui, fallback)


async def test_the_language_is_looked_up_once_per_update(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = bot.services.store
    lookups: list[int] = []
    get_user_lang = store.get_user_lang

    def counted(user_id: int) -> str | None:
        lookups.append(user_id)
        return get_user_lang(user_id)

    monkeypatch.setattr(store, "get_user_lang", counted)
    seen: list[str] = []

    async def note(update: Update, context: BotContext) -> None:
        seen.append(context.lang)

    # Another group reads it too: PTB hands the same context to every group.
    bot.app.add_handler(TypeHandler(Update, note), group=5)
    [welcome] = await bot.command("start", language_code="en")
    assert welcome["text"].startswith("Hi!")
    assert seen == ["en"] and lookups == [10_001]


async def test_forget_answers_in_the_language_chosen_before(bot: BotHarness) -> None:
    await bot.services.store.set_user_lang(10_001, "en")
    await bot.command("forget", language_code="id")
    [done] = await bot.press("forget:yes", language_code="id")
    assert bot.services.store.get_user_lang(10_001) is None
    assert done["text"].startswith("Done.")  # English, though the app says Indonesian


async def test_questions_are_answered_in_their_own_language_not_the_apps(
    bot: BotHarness,
) -> None:
    question: Any = bot.services.engine.composer.question
    [english] = await bot.text("what is milia?", language_code="id")
    assert english["text"].startswith(question("what-is-milia", "en"))
    await bot.services.store.set_user_lang(10_001, "id")  # a choice wins over detection
    [chosen] = await bot.text("what is milia?", language_code="en")
    assert chosen["text"].startswith(question("what-is-milia", "id"))
