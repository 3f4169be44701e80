"""Safety triage: does a message describe signs that need a clinician soon, or now?

Runs on every message, independently of FAQ matching, with rules from
``faq/data/safety.yaml``. The level is ``none``, ``urgent`` or ``emergency``.

Two steps, one structure each:

1. **Signs** are found by what the message describes, named or not: a phrase of a
   sign ("sesak napas"), or a pair of words near each other ("bibir" ... "tebal").
2. **Modifiers** decide whether a sign found is asserted: said of the writer or
   the person they look after, as present now. A modifier is a cue of one
   category (negated, hypothetical, historical, resolved, other person, generic,
   other sense) that governs the words after it, before it, or both, within a
   window and up to the end of its clause. This is the scheme of the ConText
   algorithm of clinical text processing (Harkema et al., 2009), with cues for
   Indonesian and English chat. A sign inside any modifier's scope is not asserted.

A bot that cries wolf teaches people to ignore it, and one that misses a sign can
hurt someone: recall comes first, then false alarms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import yaml

from faq.sources import DATA_DIR, DataError
from faq.text import Analyzer, fold

_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?\n]*")
_CLAUSE_PUNCT_RE = re.compile(r"[,;:()\[\]]+| - ")
_SUFFIX_RE = re.compile(r"^([a-z]{3,}?)(nya|ku|mu)$")
_DECIMAL_RE = re.compile(r"(\d)[.,](\d)")
# "my 4 yr old", "umur 3 tahun": a child; "4 month old", "7 bulan": a baby
_CHILD_AGE_RE = re.compile(
    r"\b\d{1,2}\s*-?\s*(?:yr|yrs|year|years|yo|y/o|tahun|thn|th)\s*-?\s*(?:old)?\b"
)
_BABY_AGE_RE = re.compile(r"\b\d{1,2}\s*-?\s*(?:month|months|mo|mos|bulan|bln)\s*-?\s*(?:old)?\b")
_YEAR_RE = re.compile(r"^(19[5-9]\d|20[0-4]\d)$")
_READING_RE = re.compile(r"^(3[89]|4[01]|10[0-5])$")
# a reading with its unit: "101f", "39c"
_UNIT_READING_RE = re.compile(r"^(3[89]|4[01])c$|^(10[0-5])f$")
# "38.4", "39,1": a decimal in the fever range is a reading by itself
# "BAK ↓", "intake ASI ↓": arrows in notes say down or up
_ARROWS = str.maketrans({"↓": " turun ", "↑": " naik "})
_DECIMAL_READING_RE = re.compile(r"\b(3[89]|4[01])[.,]\d\b")
# a count of ten or more: "30 new ones", "from 3 to 40"
_MANY_RE = re.compile(r"^[1-9]\d{1,2}(?:an)?$")  # "50an": fifty or so
_AGE_UNITS = frozenset(["now", "im", "aged", "age", "umur", "usia", "years", "yrs", "yo",
                        "tahun", "thn", "th", "turned", "turning"])  # fmt: skip
_AGE_RE = re.compile(
    r"\b(?:umur|usia|baru|bayi|baby|newborn|my|anakku|bayiku)?\s*"
    r"(?:\d{1,2}|se|satu|dua|tiga|empat|one|two|three|four|a)\s*-?\s*"
    r"(?:hari|hr|minggu|mgg|pekan|days?|weeks?|wks?)\s*-?\s*(?:old|an)?\b"
    r"|\b(?:\d{1,2}|a|one|two)\s*-?\s*(?:day|week)s?\s*-?\s*old\b"
    r"|\b(?:umur|usia|baru|bayi\w*|baby|anak\w*|dedek|newborn|infant|my|our)\s*\(?\s*"
    r"(?:is\s*|nya\s*)?(?:0|1|2|se|satu|dua|one|two|a)\s*(?:bulan|bln|months?|mos?)\b"
    r"|\b(?:1|2|one|two|a)\s*-?\s*months?\s*-?\s*old\b"
    # "bayi 2 bulan", "belum genap dua bulan", "2mo" (a bare "2 bulan" counts in talk of
    # a baby: see _subjects)
    r"|\b[0-2]\s*-?\s*(?:months?|bulan|bln)\b"
    r"|\bbelum\s+genap\s+(?:1|2|3|se|satu|dua|tiga)\s*(?:bulan|bln)\b"
    r"|\b[0-2]\s*-?\s*(?:mo|mos|mth|mths)\b"
)
_AGE_WORD_RE = re.compile(
    r"\b(?:old|umur\w*|usia\w*|baru|genap|(?:she|he)(?:'?s| is))\b|\d\s*-?\s*(?:mo|mos|mths?)\b"
)
Phrase = tuple[str, ...]


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


@dataclass(frozen=True, slots=True)
class _Phrases:
    """Phrases of one rule, with their first words for a fast look-up."""

    items: tuple[Phrase, ...]
    firsts: frozenset[str]

    @classmethod
    def of(cls, items: Iterable[Phrase]) -> _Phrases:
        unique = tuple(dict.fromkeys(items))
        return cls(unique, frozenset(p[0] for p in unique))

    def spans(self, words: Sequence[str]) -> list[tuple[int, int]]:
        """``(start, end)`` of every phrase in ``words``, the longest at each start."""
        found = []
        firsts = self.firsts
        for i, word in enumerate(words):
            if word in firsts:
                sizes = [len(p) for p in self.items if p[0] == word and _at(words, i, p)]
                if sizes:
                    found.append((i, i + max(sizes)))
        return found


@dataclass(frozen=True, slots=True)
class _Modifier:
    category: str
    cues: _Phrases
    pseudo: _Phrases
    forward: bool
    backward: bool
    window: int
    sentence_reach: bool
    question_reach: bool  # the sentence when it is a question, else the clause
    terminators: frozenset[str]
    through_lists: bool
    at_end: bool
    only: frozenset[str]
    only_words: frozenset[str]  # the sign words whose other sense this is ("biru")
    unless_negated: bool


@dataclass(frozen=True, slots=True)
class _Sign:
    id: str
    level: SafetyLevel
    words: _Phrases
    near: tuple[tuple[_Phrases, _Phrases], ...]  # pairs of word lists
    window: int
    requires: str | None
    askable: bool
    # words after a phrase that make it another phrase: "not breathing" but not
    # "not breathing fast"
    unless_next: frozenset[str] = frozenset()
    # a sign that still needs help when it is over, if it was just now: a fit that
    # has stopped
    outlasts: bool = False

    @property
    def triggers(self) -> frozenset[str]:
        """Words of which a message must contain one for the sign to match."""
        return self.words.firsts.union(*(first.firsts for first, _ in self.near))


@dataclass(slots=True)
class _Sentence:
    """One sentence: its words, the clause of each word, which words are the writer's."""

    words: list[str]
    clause: list[int]
    mine: list[bool]
    question: bool


@dataclass(frozen=True, slots=True)
class _Mention:
    sign: _Sign
    start: int
    end: int
    anchor: int  # the word that says what is wrong: scopes are measured to it
    word: str
    own: frozenset[int]  # positions of the sign's own words


class SafetyTriage:
    """Applies the rules of ``safety.yaml`` to a message."""

    def __init__(self, analyzer: Analyzer, path: Path = DATA_DIR / "safety.yaml") -> None:
        self._analyzer = analyzer
        self._reading_words: frozenset[str] = frozenset()
        try:
            raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
            grammar = raw["grammar"]
            self._reading_words = self._phrases(grammar["temperature_words"]).firsts
            self._tags = self._phrases(grammar["question_tags"]).firsts
            self._bare_openers = self._phrases(grammar["bare_question_openers"]).firsts
            self._openers = self._phrases(grammar["question_openers"]).firsts
            self._leading = self._phrases(grammar["leading_words"]).firsts
            self._agent_markers = self._phrases(grammar["agent_markers"]).firsts
            self._list_words = self._phrases(grammar["list_words"]).firsts
            self._contrast = self._phrases(grammar["contrast_words"]).firsts
            self._recent = self._phrases(grammar["recent_words"])
            self._now = self._phrases(grammar["now_words"])
            self._generic_plurals = self._phrases(grammar["generic_plurals"]).firsts
            self._answers_no = self._phrases(grammar["answers_no"])
            self._not_answers = self._phrases(grammar["not_answers"])
            self._care = self._phrases(grammar["care_words"])
            self._recurrence = self._phrases(grammar["recurrence"])
            self._prevent = self._phrases(grammar["prevent_words"]).firsts
            self._topic = self._phrases(grammar["topic_words"]).firsts
            self._first_person = self._phrases(raw["first_person"]).firsts
            self._child = self._phrases(raw["child"])
            self._baby = self._phrases(raw["baby"])
            self._newborn = self._phrases(raw["newborn"])
            self._clause_words = self._phrases(raw["clause_words"]).firsts
            self._present = self._phrases(raw["present"])
            self._modifiers = tuple(self._modifier(m) for m in raw["modifiers"])
            self._negators = _Phrases.of(
                p for m in self._modifiers if m.category == "negated" for p in m.cues.items
            )
            self._signs = tuple(self._sign(item) for item in raw["signs"])
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise DataError(path, f"invalid safety rules: {exc!r}") from exc
        ids = {s.id for s in self._signs}
        for modifier in self._modifiers:
            if unknown := modifier.only - ids:
                raise DataError(path, f"modifier limited to unknown signs: {sorted(unknown)}")
        self._sign_triggers = frozenset().union(*(sign.triggers for sign in self._signs))
        # Words that can stand in a list of signs: "no pain, redness or swelling".
        # ("sekarang ada puluhan" must not make "sekarang", a word for now, a sign)
        self._listable = (
            frozenset().union(*(sign.words.firsts for sign in self._signs))
            - self._clause_words
            - self._present.firsts
        )
        self._owners = (
            self._first_person | self._child.firsts | self._baby.firsts
        ) - self._generic_plurals

    # -- loading -----------------------------------------------------------------------
    def _norm(self, text: str) -> tuple[list[str], list[bool]]:
        """Written forms, not stems (Sastrawi stems "penyakit", disease, to "sakit",
        pain), without "-nya"/"-ku"/"-mu"; and per word, whether "-ku" made it the
        writer's ("mataku")."""
        words: list[str] = []
        mine: list[bool] = []
        for word in self._analyzer.normalize_words(text):
            if word in ("nya", "ku") and words:  # "nyusu nya", "bibir ku": a split suffix
                mine[-1] = mine[-1] or word == "ku"
                continue
            match = _SUFFIX_RE.match(word)
            if match and len(word) > 4:
                # "idungnya": the slang of the word without its suffix ("hidung")
                standard = self._analyzer.normalize_words(match.group(1))
                word = standard[0] if len(standard) == 1 else match.group(1)
                mine.append(match.group(2) == "ku")
            else:
                mine.append(False)
            words.append(word)
        for i, word in enumerate(words):
            if _YEAR_RE.match(word):
                words[i] = "@year"
            elif _UNIT_READING_RE.match(word) or (
                _READING_RE.match(word)
                and self._reading_words.intersection(words[max(0, i - 4) : i + 5])
            ):
                words[i] = "@fever_reading"
            elif (
                _MANY_RE.match(word)
                and words[i - 1 : i] != ["am"]
                and not _AGE_UNITS.intersection(words[i + 1 : i + 2] + words[i - 1 : i])
            ):
                words[i] = "@many"  # a count, not an age ("i am 30", "now 30", "30 yo")
        return words, mine

    def _phrases(self, items: Sequence[str] | None) -> _Phrases:
        items = items or ()
        if not all(isinstance(i, str) for i in items):
            raise ValueError(f"every word must be a string (quote yes/no/on/off): {items}")
        out = []
        for item in items:
            phrase = tuple(item.split()) if item.startswith("@") else tuple(self._norm(item)[0])
            if phrase:
                out.append(phrase)
        return _Phrases.of(out)

    def _modifier(self, item: dict[str, Any]) -> _Modifier:
        direction = str(item["direction"])
        if direction not in ("forward", "backward", "both"):
            raise ValueError(f"direction must be forward, backward or both: {direction}")
        return _Modifier(
            category=str(item["category"]),
            cues=self._phrases(item["words"]),
            pseudo=self._phrases(item.get("pseudo")),
            forward=direction in ("forward", "both"),
            backward=direction in ("backward", "both"),
            window=int(item["window"]),
            sentence_reach=item.get("reach") == "sentence",
            question_reach=item.get("reach") == "question",
            terminators=self._phrases(item.get("terminators")).firsts,
            through_lists=bool(item.get("through_lists")),
            at_end=bool(item.get("at_end")),
            only=frozenset(item.get("only") or ()),
            only_words=frozenset(" ".join(p) for p in self._phrases(item.get("only_words")).items),
            unless_negated=bool(item.get("unless_negated")),
        )

    def _sign(self, item: dict[str, Any]) -> _Sign:
        near = item.get("near") or []
        requires = item.get("requires")
        if requires not in (None, "child", "baby", "newborn"):
            raise ValueError(f"requires must be child, baby or newborn: {requires}")
        if len(near) % 2:
            raise ValueError(f"sign {item.get('id')}: near lists come in pairs")
        return _Sign(
            id=str(item["id"]),
            level=SafetyLevel[str(item["level"]).upper()],
            words=self._phrases(item.get("words")),
            near=tuple(
                (self._phrases(near[i]), self._phrases(near[i + 1])) for i in range(0, len(near), 2)
            ),
            window=int(item.get("window", 4)),
            requires=requires,
            askable=bool(item.get("askable")),
            unless_next=self._phrases(item.get("unless_next")).firsts,
            outlasts=bool(item.get("outlasts")),
        )

    # -- triage ------------------------------------------------------------------------
    def assess(self, text: str) -> Triage:
        """Triage one message."""
        # "38,4" is a reading, "BAK ↓" says down: made words once, for every step below
        text = _DECIMAL_READING_RE.sub(r"suhu \1", text).translate(_ARROWS)
        words, _ = self._norm(text)
        # Most messages have no sign word at all, and need no sentences.
        if self._sign_triggers.isdisjoint(words):
            return Triage(level=SafetyLevel.NONE)
        sentences = self._sentences(text)
        subjects = self._subjects(text, words)
        level, signs = SafetyLevel.NONE, []
        reported: set[str] = set()
        denied: list[str] = []
        past: list[_Mention] = []  # signs that were over, for "today she's having another one"
        for number, sentence in enumerate(sentences):
            if past and self._recurs(sentence.words):
                for mention in past:
                    signs.append(mention.sign.id)
                    reported.add(mention.word)
                    level = max(level, mention.sign.level)
                past = []
            mentions = self._mentions(sentence)
            # "Merah? Nggak.": a sign asked about and answered no in the next sentence
            answered_no = sentence.question and self._answers_no_to(sentences[number + 1 :])
            signed = frozenset().union(*(m.own for m in mentions))
            for mention in mentions:
                if mention.sign.requires and mention.sign.requires not in subjects:
                    continue
                why = "negated" if answered_no else self._unasserted(sentence, mention, signed)
                if why is None:
                    signs.append(mention.sign.id)
                    reported.add(mention.word)
                    level = max(level, mention.sign.level)
                elif why == "negated" and not self._tagged(sentence, mention):
                    denied.append(mention.word)
                elif why in ("historical", "resolved"):
                    past.append(mention)
        return Triage(
            level=level,
            signs=tuple(dict.fromkeys(signs)),
            # "awalnya ga sakit, sekarang sakit": a sign reported anywhere is not ruled out
            ruled_out=tuple(dict.fromkeys(w for w in denied if w not in reported)),
        )

    def _recurs(self, words: Sequence[str]) -> bool:
        """Whether a sign is said to be back ("kambuh lagi"), not feared back ("biar
        nggak kambuh", "so it doesn't come back")."""
        for start, _ in self._recurrence.spans(words):
            before = words[max(0, start - 3) : start]
            if not self._negators.spans(before) and self._prevent.isdisjoint(before):
                return True
        return False

    def _answers_no_to(self, following: Sequence[_Sentence]) -> bool:
        """Whether the next sentence begins with a plain no ("Nope.", "nggak sih")."""
        if not following:
            return False
        words = following[0].words
        return bool(self._answers_no.spans(words[:1])) and not self._not_answers.spans(words[:4])

    def _subjects(self, text: str, words: list[str]) -> set[str]:
        """Whom the message is about, of those some signs require."""
        subjects: set[str] = set()
        folded = fold(text)
        # "my toddler's lips": a possessive loses its apostrophe ("toddlers")
        words = [*words, *(w[:-1] for w in words if w.endswith("s") and len(w) > 3)]
        baby, child = bool(self._baby.spans(words)), bool(self._child.spans(words))
        young = baby or child
        # "3 minggu" is an age in talk of a baby or a child, elsewhere a while ("bengkak
        # 1 hari", "redness for a day"); "3 weeks old", "umur 3 minggu" are ages anywhere
        newborn = bool(self._newborn.spans(words)) or any(
            young or _AGE_WORD_RE.search(folded, max(0, age.start() - 12), age.end())
            for age in _AGE_RE.finditer(folded)
        )
        if newborn:
            subjects.add("newborn")
        if newborn or baby or _BABY_AGE_RE.search(folded):
            subjects.add("baby")
        if "baby" in subjects or child or _CHILD_AGE_RE.search(folded):
            subjects.add("child")
        return subjects

    def _sentences(self, text: str) -> list[_Sentence]:
        sentences = []
        # "38.2", "38,5": a decimal point ends no sentence and splits no clause
        for raw in _SENTENCE_RE.findall(_DECIMAL_RE.sub(r"\1 \2", fold(text))):
            words: list[str] = []
            clause: list[int] = []
            mine: list[bool] = []
            number = 0
            for part in _CLAUSE_PUNCT_RE.split(raw):
                part_words, part_mine = self._norm(part)
                if not part_words:
                    continue
                number += 1
                for word, own in zip(part_words, part_mine, strict=True):
                    if word in self._clause_words and clause and clause[-1] == number:
                        number += 1
                    words.append(word)
                    clause.append(number)
                    mine.append(own)
            if words:
                # English word order marks a question even when chat drops the "?"
                question = raw.rstrip().endswith("?") or words[0] in self._bare_openers
                sentences.append(_Sentence(words, clause, mine, question))
        return self._answered_in_turn(sentences)

    @staticmethod
    def _answered_in_turn(sentences: list[_Sentence]) -> list[_Sentence]:
        """ "Bibir? Bengkak juga.": a one- or two-word question and the sentence that
        answers it read as one ("bibir bengkak juga")."""
        out: list[_Sentence] = []
        for sentence in sentences:
            before = out[-1] if out else None
            if before is not None and before.question and len(before.words) <= 2:
                # the answer's first clause continues the question's last one
                shift = before.clause[-1] - sentence.clause[0]
                out[-1] = _Sentence(
                    before.words + sentence.words,
                    before.clause + [c + shift for c in sentence.clause],
                    before.mine + sentence.mine,
                    sentence.question,
                )
            else:
                out.append(sentence)
        return out

    def _mentions(self, sentence: _Sentence) -> list[_Mention]:
        words = sentence.words
        mentions = []
        for sign in self._signs:
            if sign.triggers.isdisjoint(words):
                continue
            for start, end in sign.words.spans(words):
                if words[end : end + 1] and words[end] in sign.unless_next:
                    continue
                own = frozenset(range(start, end))
                mentions.append(_Mention(sign, start, end, start, " ".join(words[start:end]), own))
            for first, second in sign.near:
                for i, i_end in first.spans(words):
                    for j, j_end in second.spans(words):
                        if (i, i_end) != (j, j_end) and abs(i - j) <= sign.window:
                            start, end = min(i, j), max(i_end, j_end)
                            own = frozenset(range(i, i_end)) | frozenset(range(j, j_end))
                            mentions.append(_Mention(sign, start, end, j, words[j], own))
        return mentions

    def _unasserted(
        self, sentence: _Sentence, mention: _Mention, signed: frozenset[int] = frozenset()
    ) -> str | None:
        """Why ``mention`` is not asserted (a modifier's category), or None if it is.
        ``signed`` are the positions of every sign's words in the sentence."""
        if mention.sign.askable and self._asked(sentence, mention):
            return "asked"
        words = sentence.words
        clause = sentence.clause[mention.anchor]
        in_clause = [i for i, c in enumerate(sentence.clause) if c == clause]
        # "kalau masih berdarah": a word for now after a cue, in the sign's clause
        present = [s for s, _ in self._present.spans(words) if sentence.clause[s] == clause]
        owned = any(words[i] in self._owners or sentence.mine[i] for i in in_clause)
        # "my friend is having a fit right now", "temen kos aku sekarang demam tinggi, leher
        # kaku": someone else's emergency, now in its clause or said before it ("...her face
        # swelled, now she's fine" is over)
        happening = mention.sign.level == SafetyLevel.EMERGENCY and any(
            sentence.clause[s] == clause or s < mention.start for s, _ in self._now.spans(words)
        )
        # only a sign that outlasts its end asks whether it was just now
        recent = mention.sign.outlasts and bool(self._recent.spans(words))
        for modifier in self._modifiers:
            if modifier.only and mention.sign.id not in modifier.only:
                continue
            if modifier.only_words and mention.word not in modifier.only_words:
                continue
            cancellable = modifier.category in ("historical", "resolved", "hypothetical")
            if modifier.category == "resolved" and recent:
                continue  # "barusan kejang, sekarang udah berhenti": help is still needed
            if owned and modifier.category == "generic":
                continue
            if modifier.category == "other_person" and happening:
                continue  # help is needed here, now
            pseudo = [range(s, e) for s, e in modifier.pseudo.spans(words)]
            for start, end in modifier.cues.spans(words):
                if modifier.category != "other_sense" and mention.own.intersection(
                    range(start, end)
                ):
                    continue  # the sign's own words ("tidak mau nyusu", "can not breathe")
                if (cancellable or modifier.category == "negated") and signed.intersection(
                    range(start, end)
                ):
                    # another sign's words: "napasnya berhenti" has not stopped, and the
                    # "tidak" of "tidak mau nyusu, lemes" denies nothing after it
                    continue
                if any(start in p for p in pseudo):
                    continue
                # "keeps asking if it hurts" asks; "if it's still bleeding" says; "yesterday
                # fine, now oozing": a word for now closing the cue opens what follows;
                # "tadi sempat kebiruan": earlier today is now enough
                if (
                    cancellable
                    and present
                    and (
                        modifier.category == "historical"
                        or any(p >= end or (start < p and mention.start >= end) for p in present)
                    )
                ):
                    continue
                if modifier.unless_negated and self._negators.spans(
                    words[max(0, start - 4) : start]
                ):
                    continue  # "hasn't the bleeding stopped": not over
                if self._governs(sentence, modifier, start, end, mention):
                    return modifier.category
        return None

    def _governs(
        self, sentence: _Sentence, modifier: _Modifier, start: int, end: int, mention: _Mention
    ) -> bool:
        """Whether the cue at ``start:end`` has ``mention`` in its scope."""
        if modifier.category == "other_sense":
            # another sense belongs to the word next to it, whichever word of a pair; a
            # cue may hold the sign's word itself ("see red", "skin breathe")
            if any(start <= i < end for i in mention.own):
                return True
            return any(
                (modifier.forward and 0 <= i - end < modifier.window)
                or (modifier.backward and 0 <= start - i - 1 < modifier.window)
                for i in mention.own
            )
        if modifier.forward and end <= mention.anchor:
            between = range(end, mention.anchor)
        elif modifier.backward and start >= mention.end:
            between = range(mention.end, start)
            if modifier.at_end and any(
                w not in self._tags
                for w, c in zip(sentence.words[end:], sentence.clause[end:], strict=True)
                if c == sentence.clause[start]
            ):
                return False  # "fever no, drinks well": nothing else in the answer's clause
        else:
            return False
        words, clause = sentence.words, sentence.clause
        reach = modifier.sentence_reach or (modifier.question_reach and sentence.question)
        if modifier.category == "resolved" and self._about_topic(sentence, start, mention):
            return False  # "milianya udah lama ilang": what is over is the milia
        if modifier.category == "other_person":
            if self._care.spans(words):
                return False  # "babysitting my niece": in the writer's care now
            # "dipencet temen aku", "done by my friend": the friend did it, to the writer
            before = sentence.words[start - 1] if start else ""
            if before in self._agent_markers or (before.startswith("di") and len(before) > 5):
                return False
            # "temen aku": the writer's friend; further on, the writer speaks of themself
            # "temen (kantor) aku": a possessive right after the cue is still the friend
            if any(
                (words[i] in self._first_person or sentence.mine[i]) and i > end + 1
                for i in between
            ):
                return False
        # the clause the cue ends in: "bukan | karena kulitku merah" negates the next one
        home = clause[end - 1] if end <= mention.anchor else clause[start]
        counted = 0
        for i in between:
            word = words[i]
            if word in modifier.terminators:
                return False
            if word in self._contrast and end <= mention.anchor:
                return False  # "udah berhenti, tapi lemes": what follows a "but" stands
            listed = modifier.through_lists and (word in self._listable or word in self._list_words)
            if not listed:
                counted += 1
                if not reach and clause[i] != home:
                    return False
        crosses = clause[mention.anchor] != home
        # past the cue's clause, only a list of signs carries it on ("... red and painful"),
        # not a new clause ("kalau liat lampu, perih")
        if (
            not reach
            and crosses
            and not (modifier.through_lists and self._lists_on(sentence, between, mention.anchor))
        ):
            return False
        return counted <= modifier.window

    def _about_topic(self, sentence: _Sentence, cue: int, mention: _Mention) -> bool:
        """Whether the cue's clause, not the sign's, names the milia themselves."""
        clause = sentence.clause
        if clause[cue] == clause[mention.anchor]:
            return False
        return any(
            word in self._topic
            for word, c in zip(sentence.words, clause, strict=True)
            if c == clause[cue]
        )

    def _lists_on(self, sentence: _Sentence, between: range, anchor: int) -> bool:
        """Whether every clause boundary up to ``anchor`` follows a sign or a list word."""
        words, clause = sentence.words, sentence.clause
        for i in (*between, anchor):
            if i > 0 and clause[i] != clause[i - 1]:
                before = words[i - 1]
                if before not in self._listable and before not in self._list_words:
                    return False
        return True

    def _tagged(self, sentence: _Sentence, mention: _Mention) -> bool:
        """ "milia emang ga sakit ya?": a negated sign asked about, not ruled out."""
        return sentence.question and all(w in self._tags for w in sentence.words[mention.end :])

    def _asked(self, sentence: _Sentence, mention: _Mention) -> bool:
        """Whether a question asks about the sign rather than reports it: "does it
        hurt?", "sakit ga?", "sakit ga kalo diekstraksi?" (but "is it normal that MY
        milia hurts?" reports)."""
        words = sentence.words
        tail = words[mention.end : mention.end + 3]
        if (
            tail
            and tail[0] == "tidak"
            and (sentence.question or len(tail) == 1 or tail[1] in ("kalau", "sih", "ya", "kah"))
        ):
            return True
        # "lantas, apakah ...", "kak, bisakah ...": an opener after a greeting or a link
        opening = [w for w in words[:4] if w not in self._leading]
        if not sentence.question or not opening or opening[0] not in self._openers:
            return False
        if opening[1:2] == ["not"]:
            return False  # "isn't it bad that it's bleeding?" worries about something present
        return not any(w in self._owners for w in words) and not any(sentence.mine)


def _at(words: Sequence[str], i: int, phrase: Phrase) -> bool:
    return tuple(words[i : i + len(phrase)]) == phrase
