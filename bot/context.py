"""What every handler gets besides the update: the services and the sender's language.

Following python-telegram-bot's ``contexttypesbot.py`` example, handlers receive a
:class:`BotContext`: ``services`` returns the engine, the store and the settings with their
real types, instead of untyped ``bot_data`` look-ups, and ``language``/``lang``/``texts``
give the sender's language, worked out once per update the way aiogram's i18n middleware
does it: their /language choice, else their Telegram app's language, else the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from telegram import Update, User
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.i18n import SUPPORTED, Texts, negotiate, texts
from bot.settings import Settings
from bot.storage import Store
from faq.engine import FaqEngine

if TYPE_CHECKING:
    from bot.phrasings import AttachedPhrasings

SERVICES_KEY = "services"


@dataclass(frozen=True)
class Services:
    """What handlers and jobs work with; built once in ``post_init``."""

    settings: Settings
    engine: FaqEngine
    store: Store
    phrasings: AttachedPhrasings


@dataclass(slots=True)
class Event:
    """What came of handling one update, for its log line (see ``bot.handlers.events``).

    Handlers fill in what they know; never any text of the user's.
    """

    outcome: str = "-"  # a question's answered/suggest/unanswered/smalltalk, else the action
    entry: str | None = None
    lang: str | None = None
    safety: str | None = None


@dataclass(frozen=True, slots=True)
class UserLanguage:
    """The languages that speak for one sender."""

    chosen: str | None  # their /language choice
    telegram: str | None  # their Telegram app's language, if the bot speaks it
    default: str  # SKINFAQ_DEFAULT_LANG

    @property
    def ui(self) -> str:
        """The language of the bot's own texts: chosen, else Telegram's, else the default."""
        return self.chosen or self.telegram or self.default

    @property
    def fallback(self) -> str:
        """What the core answers in when it cannot tell a question's language and the
        user chose none."""
        return self.telegram or self.default


def user_language(user: User | None, services: Services) -> UserLanguage:
    """The :class:`UserLanguage` of ``user`` (no user: the default alone)."""
    default = services.settings.default_lang
    if user is None:
        return UserLanguage(None, None, default)
    chosen = services.store.get_user_lang(user.id)
    telegram = negotiate(user.language_code, "") or None
    return UserLanguage(chosen if chosen in SUPPORTED else None, telegram, default)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler gets (registered with ``ContextTypes(context=BotContext)``).

    PTB builds one per update and hands it to the handlers of every group the update
    reaches, so what is cached here is worked out once per update.
    """

    def __init__(
        self, application: Any, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.event = Event()
        self._user: User | None = None
        self._language: UserLanguage | None = None

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> Self:
        """The context of ``update`` (also of an error raised while handling it)."""
        context = super().from_update(update, application)
        if isinstance(update, Update):
            context._user = update.effective_user
        return context

    @property
    def services(self) -> Services:
        """The engine, the store and the settings."""
        services = self.bot_data.get(SERVICES_KEY)
        if not isinstance(services, Services):
            raise RuntimeError("services are not initialised (post_init has not run)")
        return services

    @property
    def language(self) -> UserLanguage:
        """The sender's languages, looked up at the first use in this update.

        Kept for the rest of the update: /forget reads it before it deletes the choice.
        """
        if self._language is None:
            self._language = user_language(self._user, self.services)
        return self._language

    @property
    def lang(self) -> str:
        """The language of the bot's own texts for this sender (``language.ui``)."""
        return self.language.ui

    @property
    def texts(self) -> Texts:
        """The UI texts in :attr:`lang`."""
        return texts(self.lang)


BotApplication = Application[
    ExtBot[None],
    BotContext,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[BotContext],
]
