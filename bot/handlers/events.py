"""One log line per handled update: what it was, what came of it and how long it took.

Every callback is wrapped with :func:`logged` where it is registered; handlers note what
they know in ``context.event`` (a question's outcome, entry, language and safety level; a
button's entry). The line is written when the callback returns or fails, at INFO::

    message handled: chat=private outcome=answered entry=what-is-milia lang=en
        safety=none latency_ms=3   (one line in the log)
    button handled: chat=group outcome=helpful entry=what-is-milia lang=en safety=-
        latency_ms=2

Never the text of a message: questions are personal health data.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.handlers.common import chat_type

logger = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def logged(kind: str, callback: Callback, *, outcome: str = "-") -> Callback:
    """``callback``, logging one line about each update it handles.

    ``kind`` names what was handled (message, command, button, media, admin); ``outcome``
    is the line's outcome unless the handler notes another, and "error" if it raises.
    """

    @functools.wraps(callback)
    async def handle(update: Update, context: BotContext) -> None:
        started = time.perf_counter()
        event = context.event
        event.outcome = outcome
        try:
            await callback(update, context)
        except ApplicationHandlerStop:
            raise  # the admin handlers' normal end, not a failure
        except Exception:
            event.outcome = "error"
            raise
        finally:
            logger.info(
                "%s handled: chat=%s outcome=%s entry=%s lang=%s safety=%s latency_ms=%d",
                kind,
                chat_type(update),
                event.outcome,
                event.entry or "-",
                event.lang or "-",
                event.safety or "-",
                round((time.perf_counter() - started) * 1000),
            )

    return handle
