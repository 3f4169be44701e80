"""Inline buttons of the FAQ: topic menu, answers, "did you mean" picks, sources, feedback.

Menu navigation (topics, questions, Back) edits the message in place. Buttons under an
answer to a typed question send a new message, so the answer the user asked for stays.
Every callback query is answered, also when the button is forged or stale.
"""

from __future__ import annotations

from typing import TypeVar

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot import callbacks as cb
from bot.context import BotContext
from bot.handlers.common import answer_query, edit_in_place, send_new, uneditable
from bot.i18n import texts
from bot.render import render_menu, render_result, render_sources, render_topic, without_feedback

C = TypeVar("C", bound=cb.Callback)


async def _button(
    update: Update, context: BotContext, kind: type[C]
) -> tuple[CallbackQuery, C] | None:
    """The query and its validated button; None (after a polite answer) if it is not one."""
    query = update.callback_query
    if query is None:
        return None
    choice = cb.parse(query.data, context.services.engine.tree)
    if not isinstance(choice, kind):
        await on_stale_button(update, context)
        return None
    context.event.lang = getattr(choice, "lang", None)
    context.event.entry = getattr(choice, "entry_id", None)
    return query, choice


async def on_stale_button(update: Update, context: BotContext) -> None:
    """Tell the user that a button no longer works (forged, stale or unknown data)."""
    query = update.callback_query
    if query is None:
        return
    context.event.outcome = "stale"
    _ = context.texts.gettext
    await answer_query(query, _("This button no longer works. Send /topics to start again."))


async def on_menu(update: Update, context: BotContext) -> None:
    """Show the topic menu in place."""
    if (parsed := await _button(update, context, cb.Menu)) is None:
        return
    query, choice = parsed
    await answer_query(query)
    await edit_in_place(query, render_menu(context.services.engine.tree, choice.lang))


async def on_topic(update: Update, context: BotContext) -> None:
    """Show the questions of a topic in place."""
    if (parsed := await _button(update, context, cb.TopicPick)) is None:
        return
    query, choice = parsed
    await answer_query(query)
    tree = context.services.engine.tree
    await edit_in_place(query, render_topic(tree, choice.topic_id, choice.lang))


async def on_entry(update: Update, context: BotContext) -> None:
    """Show an answer chosen from the menu in place, with a Back button."""
    if (parsed := await _button(update, context, cb.EntryPick)) is None:
        return
    query, choice = parsed
    await answer_query(query)
    engine = context.services.engine
    result = engine.answer_entry(choice.entry_id, choice.lang)
    await edit_in_place(query, render_result(result, engine, from_menu=True))


async def on_related(update: Update, context: BotContext) -> None:
    """Answer a related question in a new message."""
    if (parsed := await _button(update, context, cb.RelatedPick)) is None:
        return
    query, choice = parsed
    await answer_query(query)
    engine = context.services.engine
    await send_new(query, render_result(engine.answer_entry(choice.entry_id, choice.lang), engine))


async def on_suggestion(update: Update, context: BotContext) -> None:
    """Answer the entry picked from "did you mean", and record the pick for review."""
    if (parsed := await _button(update, context, cb.SuggestionPick)) is None:
        return
    query, choice = parsed
    await answer_query(query)
    services = context.services
    await services.store.record_pick(
        user_id=query.from_user.id,
        question_id=choice.question_id,
        entry_id=choice.entry_id,
        lang=choice.lang,
    )
    result = services.engine.answer_entry(choice.entry_id, choice.lang)
    await send_new(query, render_result(result, services.engine))


async def on_sources(update: Update, context: BotContext) -> None:
    """Send the quoted passages behind an answer."""
    if (parsed := await _button(update, context, cb.SourcesPick)) is None:
        return
    query, choice = parsed
    await answer_query(query)
    engine = context.services.engine
    await send_new(query, render_sources(engine.answer_entry(choice.entry_id, choice.lang), engine))


async def on_feedback(update: Update, context: BotContext) -> None:
    """Record 👍 / 👎 on an answer, thank the user and remove the vote buttons."""
    if (parsed := await _button(update, context, cb.Feedback)) is None:
        return
    query, choice = parsed
    context.event.outcome = "helpful" if choice.helpful else "unhelpful"
    await context.services.store.record_feedback(
        user_id=query.from_user.id,
        entry_id=choice.entry_id,
        helpful=choice.helpful,
        lang=choice.lang,
    )
    _ = texts(choice.lang).gettext
    await answer_query(query, _("Thank you for your feedback!"))
    message = query.message
    # In a group the buttons stay for the other members.
    if isinstance(message, Message) and message.chat.type == ChatType.PRIVATE:
        try:
            await message.edit_reply_markup(without_feedback(message.reply_markup))
        except BadRequest as exc:
            # A double tap on a slow connection: the buttons are already gone. Or the
            # message is (deleted meanwhile): the vote counts, there is nothing to tidy.
            if "not modified" not in exc.message.lower() and not uneditable(exc):
                raise
