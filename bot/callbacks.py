"""``callback_data`` of the inline buttons: built here, parsed and validated here.

Button data comes back from the client and is untrusted: anyone can send a callback query
with any string. Each kind is a short prefixed string matched by an anchored pattern, and
:func:`parse` checks that the topic or entry still exists and that numbers are numbers; a
forged or stale button parses to None and gets a polite answer.

The reply language travels in the data, so a button answers in the language of the
message it is under (someone with an English Telegram asking in Indonesian gets
Indonesian all the way).

=============================  =============================================
``m:<lang>``                   the topic menu (edits the message)
``t:<lang>:<topic>``           the questions of a topic (edits the message)
``e:<lang>:<entry>``           an answer from the menu (edits the message)
``a:<lang>:<entry>``           a related question (answers in a new message)
``s:<lang>:<entry>:<qid>``     a "did you mean" pick; qid is the logged question, 0 if none
``fb:<lang>:<entry>:<0|1>``    👎 / 👍 on an answer
``src:<lang>:<entry>``         the quoted passages behind an answer
``lang:<lang>``                the /language choice
``forget:<yes|no>``            the /forget confirmation
=============================  =============================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from faq.tree import FaqTree

MAX_BYTES: Final = 64  # Telegram's limit on callback_data
MAX_QUESTION_ID: Final = 2**63 - 1  # SQLite's largest rowid
_LANG = r"(id|en)"
_ID = r"([a-z0-9][a-z0-9-]{0,47})"

# Anchored patterns for the handlers; parse() validates what they capture. \Z, not $:
# "$" also matches before a trailing newline, which forged data can carry.
MENU: Final = re.compile(rf"^m:{_LANG}\Z")
TOPIC: Final = re.compile(rf"^t:{_LANG}:{_ID}\Z")
ENTRY: Final = re.compile(rf"^e:{_LANG}:{_ID}\Z")
RELATED: Final = re.compile(rf"^a:{_LANG}:{_ID}\Z")
PICK: Final = re.compile(rf"^s:{_LANG}:{_ID}:([0-9]{{1,19}})\Z")
FEEDBACK: Final = re.compile(rf"^fb:{_LANG}:{_ID}:([01])\Z")
SOURCES: Final = re.compile(rf"^src:{_LANG}:{_ID}\Z")
LANGUAGE: Final = re.compile(rf"^lang:{_LANG}\Z")
FORGET: Final = re.compile(r"^forget:(yes|no)\Z")


@dataclass(frozen=True, slots=True)
class Menu:
    lang: str


@dataclass(frozen=True, slots=True)
class TopicPick:
    lang: str
    topic_id: str


@dataclass(frozen=True, slots=True)
class EntryPick:
    lang: str
    entry_id: str


@dataclass(frozen=True, slots=True)
class RelatedPick:
    lang: str
    entry_id: str


@dataclass(frozen=True, slots=True)
class SuggestionPick:
    lang: str
    entry_id: str
    question_id: int | None


@dataclass(frozen=True, slots=True)
class Feedback:
    lang: str
    entry_id: str
    helpful: bool


@dataclass(frozen=True, slots=True)
class SourcesPick:
    lang: str
    entry_id: str


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    lang: str


@dataclass(frozen=True, slots=True)
class ForgetChoice:
    confirmed: bool


Callback = (
    Menu
    | TopicPick
    | EntryPick
    | RelatedPick
    | SuggestionPick
    | Feedback
    | SourcesPick
    | LanguageChoice
    | ForgetChoice
)


def _checked(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback_data over {MAX_BYTES} bytes: {data!r}")
    return data


def encode(callback: Callback) -> str:
    """The callback_data of a button; ValueError if it would exceed 64 bytes."""
    match callback:
        case Menu(lang):
            return _checked(f"m:{lang}")
        case TopicPick(lang, topic_id):
            return _checked(f"t:{lang}:{topic_id}")
        case EntryPick(lang, entry_id):
            return _checked(f"e:{lang}:{entry_id}")
        case RelatedPick(lang, entry_id):
            return _checked(f"a:{lang}:{entry_id}")
        case SuggestionPick(lang, entry_id, question_id):
            return _checked(f"s:{lang}:{entry_id}:{question_id or 0}")
        case Feedback(lang, entry_id, helpful):
            return _checked(f"fb:{lang}:{entry_id}:{int(helpful)}")
        case SourcesPick(lang, entry_id):
            return _checked(f"src:{lang}:{entry_id}")
        case LanguageChoice(lang):
            return _checked(f"lang:{lang}")
        case ForgetChoice(confirmed):
            return _checked(f"forget:{'yes' if confirmed else 'no'}")
    raise TypeError(f"not a callback: {callback!r}")


def parse(data: str | None, tree: FaqTree) -> Callback | None:
    """The button behind ``data``, or None if it is malformed or names nothing that exists."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    if m := MENU.match(data):
        return Menu(m[1])
    if m := TOPIC.match(data):
        return TopicPick(m[1], m[2]) if tree.topic(m[2]) is not None else None
    if m := LANGUAGE.match(data):
        return LanguageChoice(m[1])
    if m := FORGET.match(data):
        return ForgetChoice(m[1] == "yes")
    if m := PICK.match(data):
        question_id = int(m[3])
        if m[2] not in tree.entries or question_id > MAX_QUESTION_ID:
            return None
        return SuggestionPick(m[1], m[2], question_id or None)
    if m := FEEDBACK.match(data):
        return Feedback(m[1], m[2], m[3] == "1") if m[2] in tree.entries else None
    for pattern, kind in ((ENTRY, EntryPick), (RELATED, RelatedPick), (SOURCES, SourcesPick)):
        if m := pattern.match(data):
            return kind(m[1], m[2]) if m[2] in tree.entries else None
    return None
