"""The one error handler: log with context, apologise to the user, keep the bot running.

Logs name the update, the chat type and the handler, never the message text. A user
gets a short apology in their language, never a traceback; one user's failure never
stops the bot. The exception is a second process polling with the same token (Telegram
answers 409 Conflict): this process says so in one line and stops. A periodic job that
fails (:mod:`bot.jobs`) is logged with its name and runs again at its next time.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Final

from telegram import Update
from telegram.error import Conflict, Forbidden, NetworkError

from bot.context import SERVICES_KEY, BotContext, Services
from bot.handlers.common import answer_query
from bot.i18n import SUPPORTED, negotiate, texts

logger = logging.getLogger(__name__)

STOPPED_BY_CONFLICT: Final = "stopped_by_conflict"
"""Set in ``bot_data`` when the bot stopped because another instance polls its token."""

_HANDLERS_DIR: Final = Path(__file__).resolve().parent


def handler_name(error: BaseException) -> str:
    """The handler the error escaped from: the outermost frame in ``bot/handlers`` past
    the wrapper that logs every update (``events.py``)."""
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if path.parent == _HANDLERS_DIR and path.stem != "events":
            return f"{path.stem}.{frame.name}"
    return "-"


async def on_error(update: object, context: BotContext) -> None:
    """Log a failure with its context and apologise to the user in their language."""
    error = context.error
    if error is None:
        return
    if isinstance(error, Conflict):
        stop_on_conflict(context, error)
        return
    if context.job is not None:
        # A periodic job (bot.jobs): it runs again at its next time.
        logger.error("job %s failed", context.job.name, exc_info=error)
        return
    if isinstance(error, Forbidden):
        # Blocked by the user or removed from the group: nothing to apologise to.
        logger.info("cannot write to the chat: %s", error.message)
        return
    if update is None and isinstance(error, NetworkError):
        # Fetching updates failed; PTB retries on its own.
        logger.warning("network error while fetching updates: %s", error.message)
        return
    update_id = getattr(update, "update_id", "-")
    chat = getattr(getattr(update, "effective_chat", None), "type", "-")
    logger.error(
        "error handling update %s (chat type %s, handler %s)",
        update_id,
        chat,
        handler_name(error),
        exc_info=error,
    )
    if isinstance(update, Update):
        await _apologise(update, context)


def _apology_lang(update: Update, context: BotContext) -> str:
    try:
        return context.lang
    except Exception:  # the store (or the services) may be what failed
        services = context.bot_data.get(SERVICES_KEY)
        default = services.settings.default_lang if isinstance(services, Services) else None
        user = update.effective_user
        return negotiate(user.language_code if user else None, default or SUPPORTED[0])


async def _apologise(update: Update, context: BotContext) -> None:
    _ = texts(_apology_lang(update, context)).gettext
    text = _("Sorry, something went wrong on my side. Please try again in a moment.")
    try:
        if update.callback_query is not None:
            # Callback queries must be answered even when the handler failed.
            await answer_query(update.callback_query, text)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except Exception as exc:  # never let the apology raise in turn
        logger.warning("could not send the apology for update %s: %r", update.update_id, exc)


def stop_on_conflict(context: BotContext, error: Conflict) -> None:
    """Say once why the bot stops, and stop it (``run_polling`` then shuts down cleanly)."""
    application = context.application
    if application.bot_data.get(STOPPED_BY_CONFLICT):
        return
    application.bot_data[STOPPED_BY_CONFLICT] = True
    if "webhook" in error.message.lower():
        logger.critical(
            "a webhook is set for this token, so Telegram refuses polling: "
            "stopping (set SKINFAQ_WEBHOOK_URL to run with the webhook)"
        )
    else:
        logger.critical(
            "another instance is polling with this token: stopping this one "
            "(run one bot process per token)"
        )
    application.stop_running()
