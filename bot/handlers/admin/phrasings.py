"""Attaching a question group to an FAQ entry, whose wording becomes a new phrasing.

From a group card an admin attaches straight to one of the closest entries, or picks a
topic and then an entry of it. The store records the verdict and returns the phrasing;
the matcher uses its wording at once, without a restart.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.handlers.admin.access import _button, _reviewer
from bot.handlers.admin.review_queue import _gone, _new_question, _page_view
from bot.handlers.admin.ui import _back, _btn, _edit, _short, _title
from bot.handlers.browse import on_stale_button
from bot.handlers.common import answer_query


async def pick_topic(update: Update, context: BotContext) -> None:
    """Ask which topic the entry to attach to is in."""
    if (b := await _button(update, context)) is None:
        return
    query, services, tr, match = b
    if (record := await _new_question(query, services, tr, match[1])) is None:
        return
    question = tr.gettext("Attach to an entry of which topic?")
    text = f"<b>{escape(question)}</b>\n<i>{escape(_short(record.text, 300))}</i>"
    rows = [[_btn(t.title[tr.lang], "at", record.id, t.id)] for t in services.engine.tree.topics]
    rows.append(_back(tr, "gq", 0, record.id))
    await answer_query(query)
    await _edit(query, text, InlineKeyboardMarkup(rows))


async def pick_entry(update: Update, context: BotContext) -> None:
    """Ask which entry of the chosen topic to attach to."""
    if (b := await _button(update, context)) is None:
        return
    query, services, tr, match = b
    if (record := await _new_question(query, services, tr, match[1])) is None:
        return
    engine = services.engine
    if (topic := engine.tree.topic(match[2])) is None:
        await on_stale_button(update, context)
        return
    heading = tr.gettext("Attach to which entry of “{topic}”?").format(topic=topic.title[tr.lang])
    text = f"<b>{escape(heading)}</b>\n<i>{escape(_short(record.text, 300))}</i>"
    rows = [
        [_btn(_title(engine, e.id, tr.lang), "ae", record.id, e.id)]
        for e in engine.tree.entries_of(topic.id)
    ]
    rows.append(_back(tr, "at", record.id))
    await answer_query(query)
    await _edit(query, text, InlineKeyboardMarkup(rows))


async def attach_entry(update: Update, context: BotContext) -> None:
    """Attach the group to the entry; the matcher uses its wording at once."""
    if (b := await _button(update, context)) is None:
        return
    query, services, tr, match = b
    if (record := await _new_question(query, services, tr, match[1])) is None:
        return
    engine, entry_id = services.engine, match[2]
    if entry_id not in engine.tree.entries:
        await on_stale_button(update, context)
        return
    try:
        phrasing = await services.store.attach_group(
            record.group_key, entry_id=entry_id, reviewer=_reviewer(update, services)
        )
    except LookupError:  # another admin reviewed it a moment ago
        await _gone(query, services, tr)
        return
    await services.phrasings.learn(phrasing)
    done = tr.gettext("Attached to “{entry}”.").format(entry=_title(engine, entry_id, tr.lang))
    await answer_query(query, _short(done, 190))
    await _edit(query, *await _page_view(services, tr, 0, "📎 " + escape(done)))
