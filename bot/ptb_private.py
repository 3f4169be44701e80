"""The one place the bot reaches into python-telegram-bot's private API.

Everything else uses PTB's documented API. What is here stays because a measurement
asked for it; ``tests/test_ptb_private.py`` checks that each private name still exists
with the signature used here and still does what this module counts on, so a PTB release
that changes one fails that test, loudly, instead of the bot failing quietly.

- :class:`LeanApplication` overrides ``Application._mark_for_persistence_update``. PTB
  notes the id of every chat and user it handles for the next persistence update; with
  no persistence that update never comes, and the sets grow by about 150 bytes per
  distinct user, forever (found by ``bench/soak.py``). PTB's public API has no switch for
  it: a persistence that stores nothing would empty the sets only by keeping an empty
  ``chat_data`` and ``user_data`` per id instead.
"""

from __future__ import annotations

from typing import Any

from bot.context import BotApplication


class LeanApplication(BotApplication):
    """PTB's Application without the bookkeeping for a persistence the bot does not have."""

    def _mark_for_persistence_update(
        self, *, update: object | None = None, job: Any = None
    ) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)
