"""Typed access to the bot's services from every handler.

Following python-telegram-bot's ``contexttypesbot.py`` example: handlers receive
a :class:`BotContext` whose ``services`` property returns the engine, the store
and the settings with their real types, instead of untyped ``bot_data`` lookups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.settings import Settings
from bot.storage import Store
from faq.engine import FaqEngine

SERVICES_KEY = "services"


@dataclass(frozen=True)
class Services:
    """What handlers work with; built once in ``post_init``."""

    settings: Settings
    engine: FaqEngine
    store: Store


@dataclass(slots=True)
class Event:
    """What came of handling one update, for its log line (see ``bot.handlers.events``).

    Handlers fill in what they know; never any text of the user's.
    """

    outcome: str = "-"  # a question's answered/suggest/unanswered/smalltalk, else the action
    entry: str | None = None
    lang: str | None = None
    safety: str | None = None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler gets (registered with ``ContextTypes(context=BotContext)``)."""

    def __init__(
        self, application: Any, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        # One context per update, shared by the handlers of every group that it reaches.
        self.event = Event()

    @property
    def services(self) -> Services:
        """The engine, the store and the settings."""
        services = self.bot_data.get(SERVICES_KEY)
        if not isinstance(services, Services):
            raise RuntimeError("services are not initialised (post_init has not run)")
        return services


BotApplication = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
