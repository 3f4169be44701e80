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


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler gets (registered with ``ContextTypes(context=BotContext)``)."""

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
