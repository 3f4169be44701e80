"""From the core's plain results to Telegram messages: HTML text and inline keyboards.

Every piece of text that comes from data or from users is escaped here, once, by building
messages from (tag, plain text) segments; nothing else writes HTML. :func:`fit` keeps a
message within Telegram's 4096 characters by cutting plain text at a word boundary, so a
cut can never fall inside a tag or an entity.

The keyboards that go out most (an answer's buttons, the topics button) depend only on
the entry and the language: each is built once per engine and kept (:class:`Keyboard`).
"""

from __future__ import annotations

import html
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks as cb
from bot.i18n import texts
from faq.answer import Result
from faq.engine import FaqEngine
from faq.tree import FaqTree

MAX_TEXT: Final = 4096  # Telegram's limit on a message
MAX_BUTTON_TEXT: Final = 60  # longer labels are cut by clients anyway
MAX_RELATED: Final = 3
ELLIPSIS: Final = "…"

Segment = tuple[str | None, str]
"""An HTML tag name (None for plain) and the plain text inside it."""
Block = Sequence[Segment]
"""Segments shown together; blocks are separated by a blank line."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A message ready to send or to edit in place."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def _segment(tag: str | None, text: str) -> str:
    escaped = html.escape(text, quote=False)
    return f"<{tag}>{escaped}</{tag}>" if tag else escaped


def _cut(text: str, room: int) -> str:
    """The longest start of ``text`` whose escaped form plus an ellipsis fits in ``room``."""
    used, end = len(ELLIPSIS), 0
    for i, char in enumerate(text):
        used += len(html.escape(char, quote=False))
        if used > room:
            break
        end = i + 1
    else:
        return text
    cut = text[:end]
    space = cut.rfind(" ")
    # Prefer a word boundary unless that throws away most of what fits.
    if space > end * 0.8:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS if cut.strip() else ""


def fit(blocks: Iterable[Block], limit: int = MAX_TEXT) -> str:
    """Join blocks into HTML of at most ``limit`` characters, cutting the last that fits."""
    out = ""
    for block in blocks:
        started = False
        for tag, text in block:
            if not text:
                continue
            lead = "\n\n" if out and not started else ""
            started = True
            piece = lead + _segment(tag, text)
            if len(out) + len(piece) <= limit:
                out += piece
                continue
            overhead = len(lead) + (len(tag) * 2 + 5 if tag else 0)
            cut = _cut(text, limit - len(out) - overhead)
            if cut:
                out += lead + _segment(tag, cut)
            return out
    return out


class Keyboard(InlineKeyboardMarkup):
    """An inline keyboard that is sent many times as it is: its JSON form is computed once.

    python-telegram-bot converts a keyboard to a dict, button by button, at every send:
    for an answer's six buttons, more than rendering the whole reply.
    """

    __slots__ = ("_json",)

    def __init__(self, inline_keyboard: Sequence[Sequence[InlineKeyboardButton]]) -> None:
        super().__init__(inline_keyboard)
        # A frozen TelegramObject still takes attributes whose names start with "_".
        self._json: dict[str, Any] = super().to_dict()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive:
            return super().to_dict(recursive=False)
        rows = self._json["inline_keyboard"]  # copied: the caller may change what it gets
        return {**self._json, "inline_keyboard": [[dict(b) for b in row] for row in rows]}


# An engine's answer keyboards, by (entry, language, opened from the menu).
_ANSWER_KEYBOARDS: weakref.WeakKeyDictionary[FaqEngine, dict[tuple[str, str, bool], Keyboard]] = (
    weakref.WeakKeyDictionary()
)


def button(text: str, callback: cb.Callback) -> InlineKeyboardButton:
    """An inline button; long labels are shortened."""
    if len(text) > MAX_BUTTON_TEXT:
        text = text[: MAX_BUTTON_TEXT - 1].rstrip() + ELLIPSIS
    return InlineKeyboardButton(text, callback_data=cb.encode(callback))


def topics_button(lang: str) -> InlineKeyboardButton:
    """The button that opens the topic menu."""
    _ = texts(lang).gettext
    return button(_("📚 Topics"), cb.Menu(lang))


@lru_cache(maxsize=8)  # one per language
def topics_keyboard(lang: str) -> Keyboard:
    """A keyboard of the topics button alone (one per language, built once)."""
    return Keyboard([[topics_button(lang)]])


def topic_rows(tree: FaqTree, lang: str) -> list[list[InlineKeyboardButton]]:
    """One button per topic, in the editors' order."""
    return [[button(t.title[lang], cb.TopicPick(lang, t.id))] for t in tree.topics]


def render_menu(tree: FaqTree, lang: str) -> Reply:
    """The topic menu."""
    _ = texts(lang).gettext
    markup = InlineKeyboardMarkup(topic_rows(tree, lang))
    return Reply(fit([[(None, _("Choose a topic:"))]]), markup)


def render_topic(tree: FaqTree, topic_id: str, lang: str) -> Reply:
    """The questions of one topic, with a Back button to the menu."""
    _ = texts(lang).gettext
    topic = tree.topic(topic_id)
    if topic is None:
        raise KeyError(topic_id)
    rows = [[button(e.question[lang], cb.EntryPick(lang, e.id))] for e in tree.entries_of(topic_id)]
    rows.append([button(_("⬅️ Back"), cb.Menu(lang))])
    blocks = [[("b", topic.title[lang]), (None, "\n" + _("Choose a question:"))]]
    return Reply(fit(blocks), InlineKeyboardMarkup(rows))


def _lead(result: Result) -> str:
    return f"\u26a0\ufe0f {result.warning}" if result.warning else ""


def _warning(result: Result) -> list[Block]:
    # The safety warning always comes first, in bold, before anything else.
    return [[("b", _lead(result))]] if result.warning else []


def _body(result: Result) -> str:
    """The core's reply text after the warning (what follows it is the core's decision)."""
    return result.text.removeprefix(_lead(result)).lstrip("\n")


def render_result(
    result: Result, engine: FaqEngine, *, question_id: int | None = None, from_menu: bool = False
) -> Reply:
    """A reply for each outcome of the core.

    ``question_id`` is the logged question a "did you mean" pick refers to; ``from_menu``
    makes related questions and a Back button navigate the menu in place.
    """
    lang = result.lang
    composer = engine.composer
    blocks = _warning(result)
    markup: InlineKeyboardMarkup
    if result.status == "answered" and result.entry_id is not None:
        sources = engine.composer.sources_line(result.citations, lang)
        blocks += [
            [("b", result.question or ""), (None, f"\n{result.answer or ''}")],
            [(None, f"{composer.reply('sources', lang)}: {sources}")],
            [("i", " ".join(result.notices))],
        ]
        markup = _answer_keyboard(engine, result.entry_id, result, from_menu)
    elif result.status == "suggest":
        blocks.append([(None, _body(result))])
        rows = [
            [button(f"{i}. {s.question}", cb.SuggestionPick(lang, s.entry_id, question_id))]
            for i, s in enumerate(result.suggestions, 1)
        ]
        rows.append([topics_button(lang)])
        markup = InlineKeyboardMarkup(rows)
    else:  # smalltalk, unanswered: the core's words, and the way to the topics
        blocks.append([(None, _body(result))])
        markup = topics_keyboard(lang)
    return Reply(fit(blocks), markup)


def _answer_keyboard(engine: FaqEngine, entry_id: str, result: Result, from_menu: bool) -> Keyboard:
    """Related questions, Sources and feedback: the same for every answer of an entry."""
    lang = result.lang
    keyboards = _ANSWER_KEYBOARDS.setdefault(engine, {})
    key = (entry_id, lang, from_menu)
    if (cached := keyboards.get(key)) is not None:
        return cached
    entry = engine.tree.entries[entry_id]
    rows: list[list[InlineKeyboardButton]] = []
    for related in result.related[:MAX_RELATED]:
        pick: cb.Callback = (
            cb.EntryPick(lang, related.entry_id)
            if from_menu
            else cb.RelatedPick(lang, related.entry_id)
        )
        rows.append([button(f"❓ {related.question}", pick)])
    _ = texts(lang).gettext
    rows.append(
        [
            button(_("📖 Sources"), cb.SourcesPick(lang, entry.id)),
            button("👍", cb.Feedback(lang, entry.id, True)),
            button("👎", cb.Feedback(lang, entry.id, False)),
        ]
    )
    if from_menu:
        rows.append([button(_("⬅️ Back"), cb.TopicPick(lang, entry.topic_id))])
    keyboards[key] = keyboard = Keyboard(rows)
    return keyboard


def render_sources(result: Result, engine: FaqEngine) -> Reply:
    """The passages an answer quotes, numbered as in the answer."""
    lang = result.lang
    blocks: list[Block] = [[("b", engine.composer.reply("sources", lang))]]
    for c in result.citations:
        publisher = engine.composer.publisher(c.publisher, lang)
        blocks.append(
            [
                (None, f"[{c.number}] "),
                ("b", c.title),
                (None, f" ({publisher})\n"),
                ("blockquote", c.quote),
            ]
        )
    return Reply(fit(blocks))


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard minus its 👍 / 👎 buttons (once a vote is in)."""
    if markup is None:
        return None
    rows = [
        [b for b in row if not str(b.callback_data or "").startswith("fb:")]
        for row in markup.inline_keyboard
    ]
    return InlineKeyboardMarkup([row for row in rows if row])
