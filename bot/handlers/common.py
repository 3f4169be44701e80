"""What every handler needs: the group filter, sending and editing.

In groups the bot speaks only when spoken to: commands (PTB's CommandHandler already
ignores ``/cmd@otherbot``), messages that mention it and replies to its own messages.
Anything else in a group is not handled at all, so it is neither answered nor logged.

Replies go out through python-telegram-bot's ``Message.reply_text``, which also keeps a
reply in the forum topic (``message_thread_id``) its message came from. The sender's
language is in the context (:attr:`bot.context.BotContext.lang`).
"""

from __future__ import annotations

import logging
import re
from typing import Final

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import filters

from bot.render import Reply

logger = logging.getLogger(__name__)

_MENTION_TYPES: Final[list[str | None]] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
# Editing fails with these when the message is gone or older than 48 hours: send anew.
_UNEDITABLE: Final = ("message can't be edited", "message to edit not found")


def is_private(update: Update) -> bool:
    """Whether the update comes from a private chat (or has no chat)."""
    chat = update.effective_chat
    return chat is None or chat.type == ChatType.PRIVATE


def chat_type(update: Update) -> str:
    """The chat type for logs and statistics ("private", "group", "supergroup"...)."""
    chat = update.effective_chat
    return "unknown" if chat is None else str(chat.type)


def _mentions_bot(message: Message, username: str, bot_id: int) -> bool:
    entities = message.parse_entities(_MENTION_TYPES) or message.parse_caption_entities(
        _MENTION_TYPES
    )
    for entity, text in entities.items():
        if entity.type == MessageEntity.TEXT_MENTION:
            if entity.user is not None and entity.user.id == bot_id:
                return True
        elif text.lower() == f"@{username}".lower():
            return True
    return False


class AddressedToBot(filters.MessageFilter):
    """Private messages, and group messages that mention the bot or reply to it."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        replied = message.reply_to_message
        sender = replied.from_user if replied is not None else None
        if sender is not None and sender.id == bot.id:
            return True
        return _mentions_bot(message, bot.username, bot.id)


ADDRESSED: Final = AddressedToBot(name="AddressedToBot")


def strip_mention(text: str, username: str) -> str:
    """``text`` without ``@botname`` (how people address the bot in groups)."""
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


async def reply(update: Update, content: Reply) -> None:
    """Send ``content`` to the update's chat; in groups as a reply to the message."""
    message = update.effective_message
    if message is None:
        return
    await _send_after(message, content, quote=not is_private(update))


async def _send_after(message: Message, content: Reply, *, quote: bool) -> None:
    """Send ``content`` to the chat of ``message`` (in its forum topic, if it is in one),
    quoting it if ``quote``."""
    await message.reply_text(content.text, reply_markup=content.markup, do_quote=quote)


async def edit_in_place(query: CallbackQuery, content: Reply) -> None:
    """Show ``content`` in the message the button is under, or in a new one if it is too
    old to edit."""
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(content.text, reply_markup=content.markup)
            return
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return  # the same button pressed twice: nothing to change
            if not uneditable(exc):
                raise
    await _send_for_button(query, content, quote=False)


def uneditable(exc: BadRequest) -> bool:
    """Whether an edit failed because the message is gone or too old to edit."""
    return any(reason in exc.message.lower() for reason in _UNEDITABLE)


async def send_new(query: CallbackQuery, content: Reply) -> None:
    """Send ``content`` to the chat of the button (in groups, replying to its message)."""
    await _send_for_button(query, content, quote=True)


async def _send_for_button(query: CallbackQuery, content: Reply, *, quote: bool) -> None:
    """Send ``content`` to the chat of the button, in groups quoting its message if
    ``quote``."""
    message = query.message
    if isinstance(message, Message):
        await _send_after(message, content, quote=quote and message.chat.type != ChatType.PRIVATE)
        return
    # Too old for Telegram to include, or none at all: the chat, else the user.
    chat_id = message.chat.id if message is not None else query.from_user.id
    await query.get_bot().send_message(chat_id, content.text, reply_markup=content.markup)


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a callback query; one that is already answered or too old is not an error."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        logger.debug("callback query not answered: %s", exc.message)
