"""Safety triage: does a message describe signs that need a clinician soon, or now?

Runs on every message, independently of FAQ matching, with rules from
``faq/data/safety.yaml``. The level is ``none``, ``urgent`` or ``emergency``.
Negated, asked-about and resolved signs do not count: a bot that cries wolf
teaches people to ignore it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from faq.sources import DATA_DIR, DataError
from faq.text import Analyzer, fold

_CLAUSE_RE = re.compile(r"[.!?;,\n]+|\s(?:tapi|tp|but|terus|trus|dan|and|skrg|now)\s")
_QUESTION_END_RE = re.compile(r"\?")
_SENTENCE_RE = re.compile(r"(?<=[.!?\n])")
_SUFFIX_RE = re.compile(r"(?<=[a-z]{4})(?:nya|ku|mu)$")
_SUFFIXES = ("nya", "ku", "mu")


class SafetyLevel(IntEnum):
    """How soon someone should get help; ordered, so levels compare."""

    NONE = 0
    URGENT = 1
    EMERGENCY = 2

    @property
    def label(self) -> str:
        """The level's name as the result and the evaluation sets spell it."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Triage:
    """The outcome of triage: the level and the signs that set it."""

    level: SafetyLevel
    signs: tuple[str, ...] = ()
    # Sign words the message rules out ("no pain", "ga bengkak"): not what it asks about.
    ruled_out: tuple[str, ...] = ()


Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Phrases:
    """Phrases of one rule, with their first words for a fast look-up."""

    items: tuple[Phrase, ...]
    firsts: frozenset[str]

    @classmethod
    def of(cls, items: Sequence[Phrase]) -> _Phrases:
        return cls(tuple(items), frozenset(p[0] for p in items))

    def find(self, words: Sequence[str]) -> list[int]:
        """Positions in ``words`` where one of the phrases starts."""
        firsts = self.firsts
        return [
            i
            for i, word in enumerate(words)
            if word in firsts
            for p in self.items
            if p[0] == word and _at(words, i, p)
        ]


class _Clause(NamedTuple):
    words: list[str]
    asked: bool  # it asks about what it names ("does it hurt?")
    question: bool  # its sentence is a question


@dataclass(frozen=True, slots=True)
class _Sign:
    id: str
    level: SafetyLevel
    words: _Phrases
    near: tuple[_Phrases, _Phrases] | None
    window: int
    requires_baby: bool
    askable: bool

    @property
    def triggers(self) -> frozenset[str]:
        """Words of which a clause must contain one for the sign to match."""
        return self.near[0].firsts if self.near is not None else self.words.firsts


class SafetyTriage:
    """Applies the rules of ``safety.yaml`` to a message."""

    def __init__(self, analyzer: Analyzer, path: Path = DATA_DIR / "safety.yaml") -> None:
        self._analyzer = analyzer
        try:
            raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
            self._negators = self._phrases(raw["negators"])
            self._tags = self._phrases(raw["question_tags"]).firsts
            self._openers = self._phrases(raw["question_openers"]).firsts
            self._first_person = self._phrases(raw["first_person"]).firsts
            self._bare_openers = self._phrases(raw["bare_question_openers"]).firsts
            self._conditionals = self._phrases(raw["conditionals"]).firsts
            self._resolved = self._phrases(raw["resolved"])
            self._baby = self._phrases(raw["baby"])
            self._neg_window = int(raw.get("negation_window", 3))
            self._breakers = self._phrases(raw.get("negation_breakers") or ()).firsts
            self._hypothetical = self._phrases(raw.get("hypothetical") or ())
            self._figurative = self._phrases(raw.get("figurative") or ())
            self._signs = tuple(self._sign(item) for item in raw["signs"])
            self._sign_triggers = frozenset().union(*(sign.triggers for sign in self._signs))
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise DataError(path, f"invalid safety rules: {exc!r}") from exc

    def _norm(self, text: str) -> list[str]:
        # Written forms, not stems: Sastrawi stems "penyakit" (disease) to "sakit" (pain).
        return [
            _SUFFIX_RE.sub("", w) if w.endswith(_SUFFIXES) else w
            for w in self._analyzer.normalize_words(text)
        ]

    def _phrases(self, items: Sequence[str]) -> _Phrases:
        if not all(isinstance(i, str) for i in items):
            raise ValueError(f"every word must be a string (quote yes/no/on/off): {items}")
        return _Phrases.of([p for p in (tuple(self._norm(str(i))) for i in items) if p])

    def _sign(self, item: dict[str, Any]) -> _Sign:
        near = item.get("near")
        return _Sign(
            id=str(item["id"]),
            level=SafetyLevel[str(item["level"]).upper()],
            words=self._phrases(item.get("words") or ()),
            near=(self._phrases(near[0]), self._phrases(near[1])) if near else None,
            window=int(item.get("window", 4)),
            requires_baby=item.get("requires") == "baby",
            askable=bool(item.get("askable")),
        )

    def assess(self, text: str) -> Triage:
        """Triage one message."""
        # A clause's words are words of the message: most messages have no sign word at
        # all, and need no clauses.
        if self._sign_triggers.isdisjoint(self._norm(text)):
            return Triage(level=SafetyLevel.NONE)
        clauses = self._clauses(text)
        if not any(self._sign_triggers.intersection(c.words) for c in clauses):
            return Triage(level=SafetyLevel.NONE)  # the sign word was in a figure of speech
        is_baby = any(self._baby.find(c.words) for c in clauses)
        level, signs = SafetyLevel.NONE, []
        reported: set[str] = set()
        denied: list[str] = []
        for index, clause in enumerate(clauses):
            present = set(clause.words)
            # "kemarin sempet merah, tapi udah ilang": the next clause can say it is over
            following = clauses[index + 1].words[:3] if index + 1 < len(clauses) else []
            for sign in self._signs:
                if (sign.requires_baby and not is_baby) or sign.triggers.isdisjoint(present):
                    continue
                if word := self._reported(sign, clause, denied, following):
                    signs.append(sign.id)
                    reported.add(word)
                    level = max(level, sign.level)
        return Triage(
            level=level,
            signs=tuple(dict.fromkeys(signs)),
            # "awalnya ga sakit, sekarang sakit": a sign reported anywhere is not ruled out
            ruled_out=tuple(dict.fromkeys(w for w in denied if w not in reported)),
        )

    def _clauses(self, text: str) -> list[_Clause]:
        """The clauses of the message: questions are judged clause by clause ("does it
        hurt?" asks, "it hurts" reports)."""
        clauses: list[_Clause] = []
        for sentence in _SENTENCE_RE.split(fold(text)):
            parts = [
                self._literal(self._norm(c)) for c in _CLAUSE_RE.split(sentence) if c and c.strip()
            ]
            first = parts[0] if parts else []
            # English word order marks a question even when chat drops the "?".
            question = bool(_QUESTION_END_RE.search(sentence)) or (
                bool(first) and first[0] in self._bare_openers
            )
            # A question that opens with an auxiliary asks about what it names, unless it
            # is about the asker ("is it normal that MY milia hurts?") or opens negated
            # ("isn't it bad that it's bleeding?" worries about something present).
            asked = (
                question
                and len(first) > 0
                and first[0] in self._openers
                and first[1:2] != ["not"]
                and self._first_person.isdisjoint(w for words in parts for w in words)
            )
            clauses.extend(_Clause(words, asked, question) for words in parts)
        return clauses

    def _literal(self, words: list[str]) -> list[str]:
        """``words`` without figures of speech that use a sign's words ("let skin breathe")."""
        skip: set[int] = set()
        for i in self._figurative.find(words):
            size = max(len(p) for p in self._figurative.items if _at(words, i, p))
            skip.update(range(i, i + size))
        return [w for i, w in enumerate(words) if i not in skip] if skip else words

    def _reported(
        self, sign: _Sign, clause: _Clause, denied: list[str], following: list[str]
    ) -> str | None:
        """The word by which ``clause`` reports ``sign``, if it does. Words of the sign
        that a statement denies ("no pain") are added to ``denied``."""
        words = clause.words
        if sign.near is not None:
            first, second = sign.near
            for i, j in ((i, j) for i in first.find(words) for j in second.find(words)):
                # "wajah ga bengkak": a negator before either word denies the sign
                negated = self._negated(words, i, first) or self._negated(words, j, second)
                if abs(i - j) <= sign.window and not negated:
                    return words[j]
            return None
        for position in sign.words.find(words):
            if clause.asked and sign.askable:
                continue
            if self._negated(words, position, sign.words):
                # "milia ga sakit ya?" asks about pain; "ga sakit, itu milia?" rules it out
                size = max(len(p) for p in sign.words.items if _at(words, position, p))
                tail = words[position + size :]
                if not (clause.question and all(w in self._tags for w in tail)):
                    denied.append(words[position])
                continue
            if self._hypothetical.find(words[max(0, position - 6) : position]):
                continue  # feared, not reported: "takut bernanah"
            if self._tagged_question(words, position) or self._is_resolved(words, position):
                continue
            if self._over(following):
                continue
            return words[position]
        return None

    def _negated(self, words: list[str], position: int, phrases: _Phrases) -> bool:
        negators = self._negators.firsts
        if any(p[0] in negators for p in phrases.items if _at(words, position, p)):
            return False  # the sign itself contains the negator ("tidak mau nyusu")
        # "won't stop bleeding", "why isn't the swelling going down": what the negator
        # denies is the stopping or the going, not the sign.
        between = self._after_negator(words, position)
        return between is not None and self._breakers.isdisjoint(between)

    def _tagged_question(self, words: list[str], position: int) -> bool:
        # "sakit ga?", "sakit nggak sih", "sakit ga kalo diekstraksi?": a question about
        # the sign, not a report of it.
        after = words[position + 1 : position + 3]
        if not after or after[0] != "tidak":
            return False
        return all(w in self._tags for w in after[1:]) or after[1] in self._conditionals

    def _is_resolved(self, words: list[str], position: int) -> bool:
        after = words[position + 1 : position + 4]
        if self._negation_passes_over(words, position):
            return False  # "why hasn't the bleeding stopped": not over yet
        # "merahnya belum hilang", "the redness hasn't gone": not over yet either
        return self._over(after)

    def _over(self, words: list[str]) -> bool:
        """Whether ``words`` say something is over ("udah sembuh"), without denying it."""
        return any(not self._negators.find(words[:i]) for i in self._resolved.find(words))

    def _negation_passes_over(self, words: list[str], position: int) -> bool:
        """Whether a negator before the sign denies what comes after it instead."""
        between = self._after_negator(words, position)
        return between is not None and not self._breakers.isdisjoint(between)

    def _after_negator(self, words: list[str], position: int) -> list[str] | None:
        """The words between the last negator shortly before ``position`` and it, or None
        when there is no negator there."""
        before = words[max(0, position - self._neg_window) : position]
        negations = self._negators.find(before)
        return before[negations[-1] + 1 :] if negations else None


def _at(words: Sequence[str], i: int, phrase: Phrase) -> bool:
    return tuple(words[i : i + len(phrase)]) == phrase
