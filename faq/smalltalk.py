"""Small talk: greetings, thanks, goodbyes, "help" and "who are you".

Such messages get the bot's own short reply, never an FAQ entry, and are not
logged as unanswered. The phrases and replies are data (``smalltalk.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from faq.sources import DATA_DIR, DataError
from faq.text import Analyzer

# Laughter as chat spells it, at any length: "wkwkwk", "kwkw", "hahaha", "hehe",
# "xixixi", "awokwokwok", "lol", "lmao". Every form reads as the word "haha".
LAUGH = "haha"
_LAUGH_RE = re.compile(
    r"(?:w*(?:wk|kw)+[wk]*|(?:h+[aeio]+){2,}h*|(?:[aeio]h+){2,}[aeio]*|(?:x+i+){2,}|"
    r"a*w+o+k+(?:w+o+k+)*|lo+l(?:ol)*|lmf?ao+|rofl)"
)


@dataclass(frozen=True, slots=True)
class SmalltalkIntent:
    """One kind of small talk and the reply to it, per language."""

    id: str
    phrases: tuple[tuple[str, ...], ...]
    reply: Mapping[str, str]
    # Asked as a question by nature ("are you a bot?", "what can you do?"): small talk
    # even in a question, unless the message is about milia.
    asks: bool = False


@dataclass(frozen=True, slots=True)
class SmalltalkMatch:
    """The intent found in a message, and whether the message is nothing but small talk."""

    intent: SmalltalkIntent
    pure: bool


class Smalltalk:
    """Finds small talk in a message."""

    def __init__(self, analyzer: Analyzer, path: Path = DATA_DIR / "smalltalk.yaml") -> None:
        self._analyzer = analyzer
        try:
            raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
            self.intents = tuple(
                SmalltalkIntent(
                    id=str(item["id"]),
                    phrases=tuple(self._words(p) for p in item["phrases"]),
                    reply={lang: str(item["reply"][lang]) for lang in ("en", "id")},
                    asks=bool(item.get("asks")),
                )
                for item in raw["intents"]
            )
            self._filler = {w for f in raw.get("filler", ()) for w in self._words(f)}
            self.by_id = {intent.id: intent for intent in self.intents}
            self._first_words = {p[0] for i in self.intents for p in i.phrases if p}
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise DataError(path, f"invalid small talk: {exc!r}") from exc

    def _words(self, text: Any) -> tuple[str, ...]:
        if not isinstance(text, str):
            raise TypeError(f"phrase must be a string (quote yes/no/on/off): {text!r}")
        return tuple(self._analyzer.normalize_words(text))

    def find(self, text: str) -> SmalltalkMatch | None:
        """The first intent whose phrase occurs in ``text``, if any."""
        words = [
            LAUGH if _LAUGH_RE.fullmatch(w) else w for w in self._analyzer.normalize_words(text)
        ]
        present = set(words)
        if self._first_words.isdisjoint(present):
            return None
        for intent in self.intents:
            covered: set[int] = set()
            for phrase in intent.phrases:
                if phrase and phrase[0] in present:
                    covered.update(_span(words, phrase))
            if covered:
                rest = [w for i, w in enumerate(words) if i not in covered]
                pure = all(w in self._filler or self._is_smalltalk_word(w) for w in rest)
                return SmalltalkMatch(intent=intent, pure=pure)
        return None

    def _is_smalltalk_word(self, word: str) -> bool:
        return any(word in phrase for intent in self.intents for phrase in intent.phrases)


def _span(words: Sequence[str], phrase: tuple[str, ...]) -> range:
    """Where ``phrase`` first occurs in ``words`` (an empty range if it does not)."""
    size = len(phrase)
    for i, word in enumerate(words[: len(words) - size + 1]):
        if word == phrase[0] and tuple(words[i : i + size]) == phrase:
            return range(i, i + size)
    return range(0)
