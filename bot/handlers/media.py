"""Messages that are not text: photos get a clear no, everything else a nudge to type."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.handlers.common import reply
from bot.render import Reply, fit, topics_button


async def on_photo(update: Update, context: BotContext) -> None:
    """Explain that the bot cannot diagnose from pictures."""
    lang = context.lang
    _ = context.texts.gettext
    text = fit(
        [
            [
                (
                    None,
                    _(
                        "I can't diagnose from pictures, and I don't look at photos. "
                        "Please show your skin to a doctor or a dermatologist."
                    ),
                )
            ],
            [(None, _("You can type your question about milia, or choose a topic."))],
        ]
    )
    await reply(update, Reply(text, InlineKeyboardMarkup([[topics_button(lang)]])))


async def on_other_media(update: Update, context: BotContext) -> None:
    """Ask for the question as text (stickers, voice notes, files, locations...)."""
    lang = context.lang
    _ = context.texts.gettext
    text = fit([[(None, _("I can only read text. Please type your question."))]])
    await reply(update, Reply(text, InlineKeyboardMarkup([[topics_button(lang)]])))
