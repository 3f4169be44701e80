"""The baseline of ``bench_bot.py``: a plain python-telegram-bot echo bot.

One MessageHandler that replies with the text, and PTB settings as close to our bot's as
an echo bot can have: long polling for the same update types, no rate limiter, the same
number of concurrent updates, connection pool and HTTP timeouts. Configured by
TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL.
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

CONCURRENT_UPDATES = 16  # as bot.app.build_application's default


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the message's text."""
    if update.message is not None and update.message.text:
        await update.message.reply_text(update.message.text)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_BASE_URL"])
        .job_queue(None)
        .concurrent_updates(CONCURRENT_UPDATES)
        .connection_pool_size(max(8, CONCURRENT_UPDATES * 2))
        .connect_timeout(5.0)
        .read_timeout(10.0)
        .write_timeout(10.0)
        .pool_timeout(5.0)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.run_polling(allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    main()
