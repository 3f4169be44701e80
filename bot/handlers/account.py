"""What the bot keeps about a user: /language, /privacy and /forget.

Everything is stored under a keyed hash of the Telegram id (see :mod:`bot.privacy`); the
texts here describe exactly what :mod:`bot.storage` keeps and for how long.
"""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardMarkup, Update

from bot import callbacks as cb
from bot.context import BotContext
from bot.handlers.browse import on_stale_button
from bot.handlers.common import answer_query, edit_in_place, reply
from bot.i18n import LANGUAGE_NAMES, SUPPORTED, texts
from bot.render import Block, Reply, button, fit, topics_button


async def on_language(update: Update, context: BotContext) -> None:
    """Offer the languages as buttons."""
    _ = context.texts.gettext
    rows = [[button(LANGUAGE_NAMES[code], cb.LanguageChoice(code))] for code in SUPPORTED]
    text = fit([[(None, _("Choose your language:"))]])
    await reply(update, Reply(text, InlineKeyboardMarkup(rows)))


async def on_language_choice(update: Update, context: BotContext) -> None:
    """Remember the chosen language (across restarts) and confirm in it."""
    query = update.callback_query
    if query is None:
        return
    choice = cb.parse(query.data, context.services.engine.tree)
    if not isinstance(choice, cb.LanguageChoice):
        await on_stale_button(update, context)
        return
    await context.services.store.set_user_lang(query.from_user.id, choice.lang)
    await answer_query(query)
    _ = texts(choice.lang).gettext
    # Said in the language just chosen, so each catalog names its own language.
    text = fit([[(None, _("From now on I will answer in English."))]])
    await edit_in_place(query, Reply(text, InlineKeyboardMarkup([[topics_button(choice.lang)]])))


async def on_privacy(update: Update, context: BotContext) -> None:
    """Say exactly what is stored, how long it is kept and how to delete it."""
    tr = context.texts
    _ = tr.gettext
    days = context.services.settings.retention_days
    cutoff = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days)
    stored = "\n".join(
        "• " + line
        for line in (
            _(
                "questions I could not answer or was unsure about, with phone numbers, e-mail "
                "addresses and long numbers removed, so the FAQ can be improved;"
            ),
            _("your 👍 / 👎 feedback, and which suggested question you picked;"),
            _("your language choice, if you made one."),
        )
    )
    retention = _(
        "Questions, feedback and picks are deleted automatically after {days} days (today: "
        "anything from before {date}). Your language choice is kept until you delete it."
    ).format(days=tr.number(days), date=tr.date(cutoff))
    blocks: list[Block] = [
        [("b", _("What I store")), (None, "\n" + stored)],
        [
            (
                None,
                _(
                    "It is stored under a keyed hash of your Telegram account, never your "
                    "Telegram id, name or username. Questions I answered are only counted, "
                    "without their text and without who asked."
                ),
            )
        ],
        [(None, retention)],
        [(None, _("Send /forget to delete everything I store about you now."))],
    ]
    await reply(update, Reply(fit(blocks)))


async def on_forget(update: Update, context: BotContext) -> None:
    """Ask for confirmation before deleting the user's records."""
    _ = context.texts.gettext
    text = _(
        "This deletes the questions, feedback and language choice I store about you. Delete them?"
    )
    rows = [
        [
            button(_("Yes, delete"), cb.ForgetChoice(True)),
            button(_("Cancel"), cb.ForgetChoice(False)),
        ]
    ]
    await reply(update, Reply(fit([[(None, text)]]), InlineKeyboardMarkup(rows)))


async def on_forget_choice(update: Update, context: BotContext) -> None:
    """Delete the records of the user who pressed the button, and say how many."""
    query = update.callback_query
    if query is None:
        return
    choice = cb.parse(query.data, context.services.engine.tree)
    if not isinstance(choice, cb.ForgetChoice):
        await on_stale_button(update, context)
        return
    tr = context.texts  # before the language choice is deleted
    _ = tr.gettext
    await answer_query(query)
    if not choice.confirmed:
        await edit_in_place(query, Reply(fit([[(None, _("Nothing was deleted."))]])))
        return
    deleted = await context.services.store.forget_user(query.from_user.id)
    ngettext = tr.ngettext
    if deleted:
        text = ngettext(
            "Done. I deleted {count} record about you.",
            "Done. I deleted {count} records about you.",
            deleted,
        ).format(count=tr.number(deleted))
    else:
        text = _("Done. I had nothing stored about you.")
    await edit_in_place(query, Reply(fit([[(None, text)]])))
