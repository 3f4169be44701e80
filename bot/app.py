"""The application factory: one place that builds the bot and registers every handler.

``build_application`` wires settings, HTTP timeouts, HTML defaults and the rate limiter
(which also retries replies lost to 5xx answers, dropped connections and timeouts), the
handlers and the periodic jobs (:mod:`bot.jobs`); services (engine, store) are started in
``post_init`` and stopped in ``post_shutdown``, which ``run_polling``/``run_webhook`` call
around the bot's life. Tests that drive the application themselves call
``app.post_init(app)`` after ``initialize()`` and ``app.post_shutdown(app)`` after
``shutdown()``, as those do; the jobs run only between ``start()`` and ``stop()``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import cast

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    JobQueue,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import callbacks as cb
from bot.context import SERVICES_KEY, BotApplication, BotContext, Services
from bot.handlers import account, browse, commands, media, questions
from bot.handlers.admin import register_admin_handlers
from bot.handlers.common import ADDRESSED
from bot.handlers.errors import on_error
from bot.handlers.events import logged
from bot.i18n import check_catalogs
from bot.jobs import DEFAULT_INTERVALS, JobIntervals, register_jobs
from bot.network import RetryingRateLimiter, UpdatesRequest
from bot.phrasings import AttachedPhrasings
from bot.ptb_private import LeanApplication
from bot.settings import Settings
from bot.storage import Store
from faq.engine import FaqEngine

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """HTTP timeouts (seconds) of the requests to the Bot API, getUpdates included (its
    read timeout is ``read`` plus the long-polling timeout)."""

    connect: float = 5.0
    read: float = 10.0
    write: float = 10.0
    pool: float = 5.0


def build_application(
    settings: Settings,
    *,
    engine: FaqEngine | None = None,
    store: Store | None = None,
    rate_limit: bool = True,
    timeouts: Timeouts = Timeouts(),
    concurrent_updates: int = 16,
    intervals: JobIntervals = DEFAULT_INTERVALS,
) -> BotApplication:
    """Build the bot with all its handlers and jobs; services start in ``post_init``.

    ``engine`` and ``store`` are loaded/opened in ``post_init`` unless given (a given store
    is flushed at shutdown but left open: its owner closes it). ``rate_limit=False`` turns
    the outgoing rate limiter, and with it the retries of lost requests, off for tests and
    benchmarks.
    """
    if settings.token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    lifecycle = _Lifecycle(settings, engine, store)
    builder = (
        ApplicationBuilder()
        .application_class(LeanApplication)
        .token(settings.token.get_secret_value())
        .base_url(settings.base_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                # A reply must not fail because the user deleted their message meanwhile.
                allow_sending_without_reply=True,
            )
        )
        .job_queue(JobQueue[BotContext]())  # needs the job-queue extra: fails here without it
        .concurrent_updates(concurrent_updates)
        .request(
            HTTPXRequest(
                connection_pool_size=max(8, concurrent_updates * 2),
                connect_timeout=timeouts.connect,
                read_timeout=timeouts.read,
                write_timeout=timeouts.write,
                pool_timeout=timeouts.pool,
            )
        )
        .get_updates_request(
            UpdatesRequest(
                connection_pool_size=1,
                connect_timeout=timeouts.connect,
                read_timeout=timeouts.read,
                write_timeout=timeouts.write,
                pool_timeout=timeouts.pool,
            )
        )
        .post_init(lifecycle.start)
        .post_shutdown(lifecycle.stop)
    )
    if rate_limit:
        # Retries a 429 after Telegram's retry_after, and a request lost on the way, instead
        # of dropping the reply. Typed as taking no per-call arguments: we never pass any.
        limiter = cast("BaseRateLimiter[None]", RetryingRateLimiter(max_retries=3))
        builder = builder.rate_limiter(limiter)
    app: BotApplication = builder.build()
    register_handlers(app)
    register_jobs(app, intervals)
    return app


def register_handlers(app: BotApplication) -> None:
    """Register every handler, in order. Within a group the first matching handler wins."""
    # Group -1: admin commands and buttons, for admins only; they stop the update there.
    register_admin_handlers(app)

    # Commands. CommandHandler ignores "/cmd@otherbot" and accepts "/cmd@ourbot" in groups.
    # Every callback is wrapped by logged(): one log line per handled update.
    message_only = filters.UpdateType.MESSAGE
    for name, callback in (
        ("start", commands.on_start),
        ("help", commands.on_help),
        ("topics", commands.on_topics),
        ("about", commands.on_about),
        ("language", account.on_language),
        ("privacy", account.on_privacy),
        ("forget", account.on_forget),
    ):
        command = logged("command", callback, outcome=name)
        app.add_handler(CommandHandler(name, command, filters=message_only))
    # After the known commands: whatever command is left is unknown.
    unknown = logged("command", commands.on_unknown_command, outcome="unknown")
    app.add_handler(MessageHandler(message_only & filters.COMMAND, unknown))

    # Buttons, each kind behind an anchored pattern; the handlers validate the ids again.
    for pattern, callback, kind in (
        (cb.MENU, browse.on_menu, "menu"),
        (cb.TOPIC, browse.on_topic, "topic"),
        (cb.ENTRY, browse.on_entry, "entry"),
        (cb.RELATED, browse.on_related, "related"),
        (cb.PICK, browse.on_suggestion, "pick"),
        (cb.FEEDBACK, browse.on_feedback, "feedback"),
        (cb.SOURCES, browse.on_sources, "sources"),
        (cb.LANGUAGE, account.on_language_choice, "language"),
        (cb.FORGET, account.on_forget_choice, "forget"),
    ):
        app.add_handler(
            CallbackQueryHandler(logged("button", callback, outcome=kind), pattern=pattern)
        )
    # Last among buttons: forged, stale or foreign data still gets its query answered.
    app.add_handler(CallbackQueryHandler(logged("button", browse.on_stale_button, outcome="stale")))

    # Messages. ADDRESSED keeps the bot silent in groups unless mentioned or replied to.
    addressed = message_only & ADDRESSED
    app.add_handler(MessageHandler(addressed & filters.TEXT, logged("message", questions.on_text)))
    pictures = filters.PHOTO | filters.Document.IMAGE  # an image sent as a file is a photo too
    photo = logged("media", media.on_photo, outcome="photo")
    app.add_handler(MessageHandler(addressed & pictures, photo))
    # Joins, pins and other service messages are not the user talking to us.
    other = logged("media", media.on_other_media, outcome="other")
    app.add_handler(MessageHandler(addressed & ~filters.StatusUpdate.ALL, other))

    app.add_error_handler(on_error)


class _Lifecycle:
    """Starts the services before the first update and stops them after the last."""

    def __init__(self, settings: Settings, engine: FaqEngine | None, store: Store | None) -> None:
        self._settings = settings
        self._engine = engine
        self._store = store
        self._owns_store = store is None

    async def start(self, app: BotApplication) -> None:
        """Load the engine, open the store, attach phrasings and set the commands."""
        settings = self._settings
        check_catalogs()
        engine = self._engine
        if engine is None:
            engine = await asyncio.to_thread(settings.load_engine)
        store = self._store
        if store is None:
            store = await Store.open(settings.database, user_hash_key=settings.user_hash_key())
        phrasings = AttachedPhrasings(engine, store)
        await phrasings.sync()
        app.bot_data[SERVICES_KEY] = Services(
            settings=settings, engine=engine, store=store, phrasings=phrasings
        )
        await set_commands(app)
        logger.info(
            "bot @%s ready: %d topics, %d entries, %d attached phrasings, database %s",
            app.bot.username,
            len(engine.tree.topics),
            len(engine.tree.entries),
            phrasings.count,
            settings.database,
        )

    async def stop(self, app: BotApplication) -> None:
        """Write what is pending and close the store (the jobs have stopped by now)."""
        services = app.bot_data.pop(SERVICES_KEY, None)
        if isinstance(services, Services):
            await services.store.flush_pending()
            if self._owns_store:
                await services.store.close()
        logger.info("bot stopped")


async def set_commands(app: BotApplication) -> None:
    """The command menu in English (the default) and in Indonesian."""
    for language_code, lang in ((None, "en"), ("id", "id")):
        try:
            await app.bot.set_my_commands(commands.bot_commands(lang), language_code=language_code)
        except TelegramError as exc:
            # The menu is a convenience: the bot works without it.
            logger.warning("could not set the %s command menu: %s", lang, exc)
