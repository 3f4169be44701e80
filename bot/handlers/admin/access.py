"""Who reaches the admin handlers, and what every admin handler first needs.

Only the users in ``SKINFAQ_ADMIN_IDS``, in a private chat, pass :class:`AdminFilter` and
:class:`AdminButtonHandler`; for anyone else the update falls through to the user-facing
handlers. :func:`_final` ends every admin update in its group, also a failed one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import CallbackQuery, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, filters

from bot.context import SERVICES_KEY, BotApplication, BotContext, Services
from bot.handlers.browse import on_stale_button
from bot.i18n import Texts, texts

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


# -- gating ---------------------------------------------------------------------------------


def admin_services(bot_data: dict[Any, Any], update: object) -> Services | None:
    """The services if ``update`` comes from an admin in a private chat, else None."""
    services = bot_data.get(SERVICES_KEY)
    if not isinstance(services, Services) or not isinstance(update, Update):
        return None
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return None
    return services if services.settings.is_admin(user.id) else None


class AdminFilter(filters.UpdateFilter):
    """Passes updates from an admin in a private chat (settings are read per update)."""

    def __init__(self, app: BotApplication) -> None:
        super().__init__(name="AdminFilter")
        self._app = app

    def filter(self, update: Update) -> bool:
        return admin_services(self._app.bot_data, update) is not None


class AdminButtonHandler(CallbackQueryHandler[BotContext, None]):
    """Matches an admin's button whose whole callback_data fits ``regex``.

    PTB's own check lets a query without data through to every handler; this one doesn't.
    """

    def __init__(self, app: BotApplication, regex: re.Pattern[str], callback: Callback) -> None:
        super().__init__(callback, pattern=regex)
        self._regex = regex
        self._app = app

    def check_update(self, update: object) -> re.Match[str] | None:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        data = update.callback_query.data
        # Not AdminFilter.check_update: filters pass only updates that carry a message.
        if not isinstance(data, str) or admin_services(self._app.bot_data, update) is None:
            return None
        return self._regex.fullmatch(data)


def _final(callback: Callback) -> Callback:
    """``callback``, ending the update there: the user-facing groups never see it.

    Also after an error, which PTB would otherwise pass on to the next group (an admin
    would get "unknown command" after the apology).
    """

    @functools.wraps(callback)
    async def handle(update: Update, context: BotContext) -> None:
        try:
            await callback(update, context)
        except Exception as exc:
            context.event.outcome = "error"
            await context.application.process_error(update, exc)
        raise ApplicationHandlerStop

    return handle


# -- per update -----------------------------------------------------------------------------


def _texts(context: BotContext) -> Texts:
    """The admin's texts: their /language choice, else Telegram's, else English (not the
    bot's default language)."""
    language = context.language
    return texts(language.chosen or language.telegram or "en")


def _reviewer(update: Update, services: Services) -> str:
    user = update.effective_user
    return "tg:" + services.store.hash_user(user.id if user else 0)


async def _button(
    update: Update, context: BotContext
) -> tuple[CallbackQuery, Services, Texts, re.Match[str]] | None:
    """The query, services, texts and match of an admin's button; None once answered."""
    query = update.callback_query
    services = admin_services(context.bot_data, update)
    match = context.matches[0] if context.matches else None
    if query is None or services is None or match is None:
        await on_stale_button(update, context)
        return None
    return query, services, _texts(context), match


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer an admin's outdated or malformed adm: button as any stale button."""
    await on_stale_button(update, context)
