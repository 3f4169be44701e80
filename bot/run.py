"""``skinfaq bot`` and ``python -m bot``: run the Telegram bot.

Long polling by default; a webhook when ``SKINFAQ_WEBHOOK_URL`` is set. PTB's
``run_polling``/``run_webhook`` stop cleanly on SIGINT and SIGTERM, and ``post_shutdown``
then writes pending records and closes the database.

The bot token is in every Bot API URL, so the HTTP client's request logs are kept below
WARNING and a logging filter masks the token (and the webhook secret) in every record.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import hmac
import logging
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.context import BotApplication

# Telegram, the application and the engine are imported where the bot starts, so that
# registering this subcommand does not slow down the other ``skinfaq`` commands.

logger = logging.getLogger(__name__)

NO_TOKEN: Final = (
    "skinfaq: set TELEGRAM_BOT_TOKEN (a token from @BotFather) to run the Telegram bot; "
    "'skinfaq chat' works offline without it."
)
LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK: Final = "<secret>"
BOOTSTRAP_RETRIES: Final = 3  # startup survives a short network hiccup, not a dead network
ALLOWED_UPDATES: Final = ("message", "callback_query")
"""What the bot asks Telegram for; edits, channel posts and the rest are never fetched."""


class SecretsFilter(logging.Filter):
    """Replaces secrets in a record's message, traceback and stack with ``<secret>``."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        """``text`` with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


class OneLineFormatter(logging.Formatter):
    """One event, one line: the newlines of a traceback are written as ``\\n``, so log
    collectors keep it with its record (``sed 's/\\\\n/\\n/g'`` unfolds it)."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", "\\n")


class RepeatedConflictFilter(logging.Filter):
    """Drops PTB's traceback for the 409 Conflict it meets again while shutting down.

    The error handler has already said in one line that another instance polls the token.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from telegram.error import Conflict

        return not (record.exc_info and isinstance(record.exc_info[1], Conflict))


def configure_logging(level: str, secrets: Iterable[str | None] = ()) -> None:
    """Log to stderr at ``level``, with secrets masked and HTTP request logs silenced."""
    logging.basicConfig(level=level, format=LOG_FORMAT, force=True)
    secrets_filter = SecretsFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secrets_filter)
        handler.setFormatter(OneLineFormatter(LOG_FORMAT))
    # httpx logs every request URL at INFO, and the URL holds the token.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("telegram.ext.Updater").addFilter(RepeatedConflictFilter())


def webhook_path(token: str) -> str:
    """The webhook's URL path: derived from the token, so it is unguessable, yet not it."""
    return "telegram/" + hashlib.sha256(token.encode()).hexdigest()[:32]


def webhook_secret(settings: Settings) -> str:
    """``SKINFAQ_WEBHOOK_SECRET``, or one derived from the token: never no secret at all."""
    if settings.webhook_secret:
        return settings.webhook_secret
    if settings.token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    token = settings.token.get_secret_value()
    return hmac.new(token.encode(), b"skinfaq webhook secret", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookOptions:
    """What ``run_webhook`` (or ``Updater.start_webhook``) is called with."""

    listen: str
    port: int
    url_path: str
    webhook_url: str
    secret_token: str = field(repr=False)

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "listen": self.listen,
            "port": self.port,
            "url_path": self.url_path,
            "webhook_url": self.webhook_url,
            "secret_token": self.secret_token,
            "allowed_updates": list(ALLOWED_UPDATES),
        }


def webhook_options(settings: Settings) -> WebhookOptions:
    """The webhook of ``settings``: ``SKINFAQ_WEBHOOK_URL`` plus the derived path."""
    if settings.token is None or settings.webhook_url is None:
        raise ValueError("the webhook needs TELEGRAM_BOT_TOKEN and SKINFAQ_WEBHOOK_URL")
    path = webhook_path(settings.token.get_secret_value())
    return WebhookOptions(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=path,
        webhook_url=f"{settings.webhook_url.rstrip('/')}/{path}",
        secret_token=webhook_secret(settings),
    )


def run(app: BotApplication, settings: Settings) -> int:
    """Run until a stop signal; return the exit status."""
    from telegram.error import InvalidToken, TelegramError

    from bot.handlers.errors import STOPPED_BY_CONFLICT

    # The FAQ index, the stemmers' dictionaries and the language models are loaded by now
    # and live as long as the process: keep the garbage collector from scanning them
    # again in every full collection while the bot answers.
    gc.freeze()
    try:
        if settings.webhook_url:
            options = webhook_options(settings)
            logger.info(
                "starting the webhook on %s:%d for %s",
                options.listen,
                options.port,
                settings.webhook_url,
            )
            app.run_webhook(bootstrap_retries=BOOTSTRAP_RETRIES, **options.as_kwargs())
        else:
            logger.info("starting long polling")
            app.run_polling(
                allowed_updates=list(ALLOWED_UPDATES), bootstrap_retries=BOOTSTRAP_RETRIES
            )
    except InvalidToken:
        logger.critical("Telegram refused TELEGRAM_BOT_TOKEN: check the token with @BotFather")
        return 1
    except TelegramError as exc:
        logger.critical("could not start the bot: %s", exc)
        return 1
    return 1 if app.bot_data.get(STOPPED_BY_CONFLICT) else 0


def main(env: Mapping[str, str] | None = None) -> int:
    """Read the settings, load the FAQ and run the bot; return the exit status."""
    from bot.app import build_application
    from faq.sources import DataError

    try:
        settings = Settings.from_env(env)
    except SettingsError as exc:
        print(f"skinfaq: {exc}", file=sys.stderr)
        return 2
    if settings.token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 1
    configure_logging(
        settings.log_level, secrets=(settings.token.get_secret_value(), settings.webhook_secret)
    )
    try:
        settings.user_hash_key()  # a broken key file fails here, not inside the event loop
    except (OSError, ValueError) as exc:
        print(f"skinfaq: {exc}", file=sys.stderr)
        return 2
    try:
        engine = settings.load_engine()
    except DataError as exc:
        print(f"skinfaq: the FAQ data is invalid: {exc}. Run 'skinfaq check'.", file=sys.stderr)
        return 1
    return run(build_application(settings, engine=engine), settings)


def cmd_bot(args: argparse.Namespace) -> int:
    """Run the Telegram bot."""
    return main()


def add_bot_parser(sub: Any) -> None:
    """Register ``skinfaq bot``."""
    p = sub.add_parser(
        "bot", help="run the Telegram bot (polling, or a webhook if SKINFAQ_WEBHOOK_URL is set)"
    )
    p.set_defaults(func=cmd_bot)
