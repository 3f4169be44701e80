"""What every adapter records about a handled message: one place for the Telegram bot
and the terminal chat, so both feed the same review queue and statistics.
"""

from __future__ import annotations

from typing import Final

from bot.storage import OutcomeStatus, QuestionStatus, Store
from faq.answer import Result
from faq.engine import FaqEngine

# The store's status types, from the core's status strings.
_OUTCOMES: Final[dict[str, OutcomeStatus]] = {
    "answered": "answered",
    "suggest": "suggest",
    "unanswered": "unanswered",
    "smalltalk": "smalltalk",
}
# Outcomes whose question goes to the editors' review queue.
_REVIEWED: Final[dict[str, QuestionStatus]] = {"suggest": "suggest", "unanswered": "unanswered"}


async def log_for_review(
    store: Store, engine: FaqEngine, *, user_id: int, text: str, result: Result, chat_type: str
) -> int | None:
    """Log the question for the editors when the FAQ fell short; return its id.

    Call it before replying: a question the FAQ cannot answer must reach the review
    queue even if sending the reply fails. None when nothing was logged, or the write
    is pending.
    """
    review = _REVIEWED.get(result.status)
    if review is None:
        return None
    return await store.log_question(
        user_id=user_id,
        text=text,
        group_key=engine.group_key(text),
        lang=result.lang,
        chat_type=chat_type,
        status=review,
        candidates=result.candidates,
    )


async def count_outcome(store: Store, result: Result, *, chat_type: str) -> None:
    """Count a reply that went out, for statistics (no user, no text)."""
    await store.log_outcome(
        lang=result.lang,
        status=_OUTCOMES[result.status],
        entry_id=result.entry_id,
        chat_type=chat_type,
    )
