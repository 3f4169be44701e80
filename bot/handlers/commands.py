"""/start, /help, /topics, /about, unknown commands, and the command menu of the app."""

from __future__ import annotations

from babel.lists import format_list
from telegram import BotCommand, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.handlers.common import is_private, reply
from bot.i18n import N_, texts
from bot.render import Block, Reply, fit, render_menu, topic_rows
from faq.tree import FaqTree

# The command menu, in the order Telegram shows it; descriptions are translated per language.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start: what I can do")),
    ("topics", N_("Browse the questions by topic")),
    ("help", N_("How to ask me")),
    ("language", N_("Choose Indonesian or English")),
    ("privacy", N_("What I store about you")),
    ("forget", N_("Delete what I store about you")),
    ("about", N_("What I am and my sources")),
)


def bot_commands(lang: str) -> list[BotCommand]:
    """The command menu in ``lang`` (for setMyCommands)."""
    _ = texts(lang).gettext
    return [BotCommand(name, _(description)) for name, description in COMMANDS]


async def on_start(update: Update, context: BotContext) -> None:
    """Welcome: what the bot can and cannot do, and the topic menu."""
    lang = context.lang
    _ = context.texts.gettext
    blocks: list[Block] = [
        [
            (
                "b",
                _(
                    "Hi! I answer common questions about milia, the tiny white bumps on the "
                    "skin, in Indonesian and English."
                ),
            )
        ],
        [
            (
                None,
                _(
                    "I can explain what milia are, what causes them, their types, how they are "
                    "treated and prevented, and when to see a doctor. Every answer names the "
                    "sources it comes from."
                ),
            )
        ],
        [
            (
                None,
                _(
                    "I can't examine you, diagnose, look at photos or replace a doctor. What I "
                    "say is general information, not a diagnosis."
                ),
            )
        ],
        [(None, _("Type your question, or choose a topic:"))],
    ]
    tree = context.services.engine.tree
    await reply(update, Reply(fit(blocks), InlineKeyboardMarkup(topic_rows(tree, lang))))


async def on_help(update: Update, context: BotContext) -> None:
    """How to ask, and the commands."""
    _ = context.texts.gettext
    lines = [
        _(
            "Type a question in Indonesian or English, for example “Is milia dangerous?” or "
            "“Apakah milia bisa hilang sendiri?”"
        ),
        "/topics: " + _("browse the questions by topic"),
        "/language: " + _("choose the language of my answers"),
        "/privacy: " + _("what I store about you"),
        "/forget: " + _("delete what I store about you"),
        "/about: " + _("what I am and where my answers come from"),
    ]
    blocks: list[Block] = [[("b", _("How to use me"))], [(None, "\n".join(lines))]]
    if not is_private(update):
        blocks.append([(None, _("In a group, mention me or reply to one of my messages."))])
    await reply(update, Reply(fit(blocks)))


async def on_topics(update: Update, context: BotContext) -> None:
    """Send the topic menu."""
    lang = context.lang
    await reply(update, render_menu(context.services.engine.tree, lang))


async def on_about(update: Update, context: BotContext) -> None:
    """What the bot is, and its sources with their publishers."""
    lang = context.lang
    _ = context.texts.gettext
    engine = context.services.engine
    composer = engine.composer
    sources = about_sources(engine.tree, lang)
    blocks: list[Block] = [
        [
            (
                None,
                _(
                    "I am a FAQ bot about milia. I match your question to a fixed set of "
                    "questions and answer only with what my sources say, citing them with "
                    "numbers like [1]."
                ),
            )
        ],
        [("b", composer.reply("sources", lang)), (None, "\n" + sources)],
        [("i", composer.notice("disclaimer", lang))],
    ]
    await reply(update, Reply(fit(blocks)))


def about_sources(tree: FaqTree, lang: str) -> str:
    """Every source by the label answers cite it with, its title and publisher; then, once,
    which sources do not name their publisher."""
    tr = texts(lang)
    lines = [
        f"• {s.label(lang)} — {s.title}" + (f" ({s.publisher})" if s.publisher else "")
        for s in tree.sources.values()
    ]
    unnamed = [s.label(lang) for s in tree.sources.values() if not s.publisher]
    if unnamed:
        note = tr.ngettext(
            "This source does not name its publisher: {sources}.",
            "These sources do not name their publisher: {sources}.",
            len(unnamed),
        )
        lines += ["", note.format(sources=format_list(unnamed, locale=lang))]
    return "\n".join(lines)


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """Point to /help for a command the bot does not have."""
    message = update.effective_message
    if message is None:
        return
    head = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    if not is_private(update) and not head.lower().endswith(f"@{context.bot.username.lower()}"):
        return  # in a group, "/cmd" without our name may be meant for another bot
    _ = context.texts.gettext
    await reply(update, Reply(fit([[(None, _("I don't know that command. Send /help."))]])))
