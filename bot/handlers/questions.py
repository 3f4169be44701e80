"""Free-text questions: ask the core, log what the FAQ is missing, reply.

Language: the user's /language choice wins; otherwise the core replies in the language
the message is written in; when it cannot tell, in the language of the user's Telegram
app (Indonesian for ``id`` and ``ms``), else the configured default.
"""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.handlers.common import chat_type, reply, strip_mention
from bot.recording import count_outcome, log_for_review
from bot.render import Reply, fit, render_result, topics_button


async def on_text(update: Update, context: BotContext) -> None:
    """Answer a question typed as text (in groups, only when addressed to the bot)."""
    message, user = update.effective_message, update.effective_user
    if message is None or message.text is None or user is None:
        return
    services = context.services
    text = strip_mention(message.text, context.bot.username)
    if not text:
        context.event.outcome = "prompt"
        await _prompt(update, context)  # just "@bot": say what to do
        return
    # The question's own language unless the user chose one: not the UI language.
    language = context.language
    engine = services.engine
    if engine.semantic is None:
        result = engine.ask(text, lang=language.chosen, default_lang=language.fallback)
    else:  # embedding a message takes ~15 ms of CPU: off the event loop
        result = await asyncio.to_thread(
            engine.ask, text, lang=language.chosen, default_lang=language.fallback
        )
    event = context.event
    event.outcome, event.entry, event.lang = result.status, result.entry_id, result.lang
    event.safety = result.safety
    chat = chat_type(update)
    question_id = await log_for_review(
        services.store,
        services.engine,
        user_id=user.id,
        text=text,
        result=result,
        chat_type=chat,
    )
    await reply(update, render_result(result, services.engine, question_id=question_id))
    await count_outcome(services.store, result, chat_type=chat)


async def _prompt(update: Update, context: BotContext) -> None:
    lang = context.lang
    _ = context.texts.gettext
    text = fit([[(None, _("Type your question about milia, or choose a topic."))]])
    await reply(update, Reply(text, InlineKeyboardMarkup([[topics_button(lang)]])))
