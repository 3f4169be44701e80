"""The phrasings editors attach in review, taught to a running engine once each.

An editor attaches a question's wording to an FAQ entry with ``/review`` in Telegram or
with ``skinfaq review attach`` (another process, the same database). The bot learns the
first kind at once (:meth:`AttachedPhrasings.learn`) and finds the second kind by asking
the store now and then (:meth:`AttachedPhrasings.sync`, a job of the running bot), so
neither waits for a restart. Each stored phrasing is taught once, by its id.
"""

from __future__ import annotations

import asyncio
import logging

from bot.storage import Phrasing, Store
from faq.engine import FaqEngine

logger = logging.getLogger(__name__)


class AttachedPhrasings:
    """Which stored phrasings ``engine`` has learnt, and teaching it the rest."""

    def __init__(self, engine: FaqEngine, store: Store) -> None:
        self._engine = engine
        self._store = store
        self._known: set[int] = set()

    @property
    def count(self) -> int:
        """How many stored phrasings the engine has been given (skipped ones included)."""
        return len(self._known)

    async def sync(self) -> int:
        """Teach the engine every stored phrasing it has not learnt yet; return how many."""
        learnt = 0
        for phrasing in await self._store.list_phrasings():
            learnt += await self.learn(phrasing)
        return learnt

    async def learn(self, phrasing: Phrasing) -> bool:
        """Teach the engine ``phrasing`` unless it has it already; whether it was new."""
        if phrasing.id in self._known:
            return False
        self._known.add(phrasing.id)
        if phrasing.entry_id not in self._engine.tree.entries:
            # The entry was removed from the tree after the editor attached to it.
            logger.warning(
                "phrasing %d is attached to %r, which the FAQ no longer has: not used",
                phrasing.id,
                phrasing.entry_id,
            )
            return False
        # Rebuilding the index takes tens of milliseconds: keep the event loop free.
        await asyncio.to_thread(
            self._engine.add_phrasing, phrasing.entry_id, phrasing.lang, phrasing.text
        )
        return True
