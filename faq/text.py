"""From a chat message to matching terms: folding, slang, stemming, concepts, language.

The pipeline, applied alike to messages and to the tree's phrasings:

1. fold: Unicode NFKC, case, accents, zero-width and control characters;
2. words: reduplication ("bintik2", "bintik-bintik" -> "bintik"), letters
   repeated for emphasis ("bangettt"), chat spellings and slang from
   ``lexicon.yaml`` ("gmn" -> "bagaimana", "ngilangin" -> "hilangkan");
3. stems: Indonesian words with Sastrawi (checked against its dictionary of
   roots), other words with the Snowball English stemmer;
4. terms: phrases and words of the same meaning in either language become one
   concept ("nitrogen cair", "freeze" -> ``@freeze``); stopwords are dropped.

Unknown words close to a known one are corrected with RapidFuzz ("dermatolgist").
The language is decided from the words (slang and function words are strong
evidence) and, when they say little, by Lingua restricted to English and
Indonesian.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import snowballstemmer
import yaml
from lingua import Language, LanguageDetectorBuilder
from rapidfuzz import fuzz, process
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from faq.sources import DATA_DIR, DataError

_ZERO_WIDTH_RE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_WORD_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
_REDUP_DIGIT_RE = re.compile(r"^([a-z]{2,})2(an|nya|in)?$")
# A question word said twice is an indefinite: "apa-apa" is "anything", not "what".
_INDEFINITES = frozenset(["apa", "siapa", "mana", "kenapa"])
MAX_PHRASE = 4
# What fold() does to ASCII: control characters become spaces, a backtick an apostrophe.
_ASCII_FOLD: Final = {**dict.fromkeys([*range(32), 127], " "), ord("`"): "'"}


def fold(text: str) -> str:
    """Lowercase, strip accents, zero-width and control characters; keep the words."""
    if text.isascii():  # most chat messages: the same result without the Unicode steps
        return text.lower().translate(_ASCII_FOLD)
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH_RE.sub("", text).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(
        " " if unicodedata.category(c)[0] == "C" else c
        for c in text
        if not unicodedata.combining(c)
    )
    return text.replace("\u2019", "'").replace("`", "'")


def split_words(folded: str) -> list[str]:
    """Words of folded text, with reduplication and emphasis undone."""
    # Most messages have no letter repeated for emphasis: one search of the whole text
    # (apostrophes out, as in the words) spares a substitution per word.
    emphasis = _REPEAT_RE.search(folded.replace("'", "")) is not None
    out: list[str] = []
    for raw in _WORD_RE.findall(folded):
        if "'" in raw:
            raw = raw.replace("'", "")
        parts = raw.split("-") if "-" in raw else [raw]
        if len(parts) == 2 and (parts[0] == parts[1] or parts[1] in ("an", "nya")):
            # bintik-bintik, milia-an, kecil-nya; apa-apa is "anything", no question
            indefinite = parts[0] == parts[1] and parts[0] in _INDEFINITES
            parts = [parts[0] + "pun" if indefinite else parts[0]]
        for part in parts:
            if emphasis:
                part = _REPEAT_RE.sub(r"\1", part)
            if "2" in part and (match := _REDUP_DIGIT_RE.match(part)):
                part = match.group(1)  # bintik2 -> bintik
                if part in _INDEFINITES and not match.group(2):
                    part += "pun"  # apa2, siapa2: "anything", "anyone"
                if match.group(2) == "an":  # ngos2an -> ngos ngosan, as ngos-ngosan
                    out.append(part)
                    part += "an"
            if part:
                out.append(part)
    return out


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Slang, stopwords and concepts read from ``lexicon.yaml``."""

    spelling: Mapping[str, str]
    slang_id: Mapping[str, str]
    slang_en: Mapping[str, str]
    stopwords_id: frozenset[str]
    stopwords_en: frozenset[str]
    anchors: frozenset[str]
    concepts: Mapping[str, tuple[str, ...]]
    # concepts that usually set the scene rather than ask ("bumps on my eyelid")
    context: frozenset[str] = frozenset()
    # concept -> True when it blocks an answer even in a message about milia
    out_of_scope: Mapping[str, bool] = field(default_factory=dict)

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> Lexicon:
        """Read ``lexicon.yaml`` and ``out-of-scope.yaml``; raise DataError naming the problem."""
        lexicon = cls._load_lexicon(data_dir / "lexicon.yaml")
        path = data_dir / "out-of-scope.yaml"
        try:
            raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(path, f"cannot read: {exc}") from exc
        concepts = dict(lexicon.concepts)
        blocking: dict[str, bool] = {}
        for scope, always in (("always", True), ("unanchored", False)):
            for name, forms in (raw.get(scope) or {}).items():
                if not isinstance(forms, list) or not all(isinstance(f, str) for f in forms):
                    raise DataError(path, f"{scope}.{name} must be a list of strings")
                concepts[f"@x-{name}"] = tuple(forms)
                blocking[f"@x-{name}"] = always
        return replace(lexicon, concepts=concepts, out_of_scope=blocking)

    @classmethod
    def _load_lexicon(cls, path: Path) -> Lexicon:
        try:
            raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(path, f"cannot read: {exc}") from exc

        def mapping(key: str) -> dict[str, str]:
            value = raw.get(key) or {}
            if not isinstance(value, dict):
                raise DataError(path, f"{key!r} must be a mapping of word to replacement")
            return {str(k).lower(): str(v).lower() for k, v in value.items()}

        concepts = raw.get("concepts") or {}
        if not isinstance(concepts, dict) or not all(
            isinstance(k, str) and k.startswith("@") and isinstance(v, list)
            for k, v in concepts.items()
        ):
            raise DataError(path, "'concepts' must map '@name' to a list of words or phrases")
        stop = raw.get("stopwords") or {}
        words = [w for v in stop.values() for w in v] + [f for v in concepts.values() for f in v]
        if bad := [w for w in words if not isinstance(w, str)]:
            raise DataError(path, f"words must be strings (quote yes/no/on/off): {bad[:3]}")
        anchors = frozenset(raw.get("anchors") or ())
        if unknown := anchors - set(concepts):
            raise DataError(path, f"anchors name unknown concepts: {sorted(unknown)}")
        context = frozenset(raw.get("context") or ())
        if unknown := context - set(concepts):
            raise DataError(path, f"context names unknown concepts: {sorted(unknown)}")
        return cls(
            spelling=mapping("spelling"),
            slang_id=mapping("slang_id"),
            slang_en=mapping("slang_en"),
            stopwords_id=frozenset(str(w) for w in stop.get("id", ())),
            stopwords_en=frozenset(str(w) for w in stop.get("en", ())),
            anchors=anchors,
            concepts={k: tuple(str(f) for f in v) for k, v in concepts.items()},
            context=context,
        )


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the matcher needs to know about one message."""

    folded: str
    words: tuple[str, ...]
    terms: tuple[str, ...]
    lang: str | None
    lang_confidence: float

    @property
    def concepts(self) -> frozenset[str]:
        """The concept terms (``@name``) of the message."""
        return frozenset(t for t in self.terms if t.startswith("@"))


class Analyzer:
    """Turns text into terms; one instance is shared (its caches are the point)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        factory = StemmerFactory()
        self._id_roots = frozenset(w for w in factory.get_words() if w)
        self._sastrawi = factory.create_stemmer()
        self._snowball = snowballstemmer.stemmer("english")
        self._slang = {**lexicon.slang_en, **lexicon.slang_id, **lexicon.spelling}
        self._slang_words = {word: tuple(v.split()) for word, v in self._slang.items()}
        self._stopwords = lexicon.stopwords_id | lexicon.stopwords_en
        self._id_markers = (lexicon.stopwords_id | set(lexicon.slang_id)) - lexicon.stopwords_en
        self._en_markers = (lexicon.stopwords_en | set(lexicon.slang_en)) - lexicon.stopwords_id
        # Low accuracy mode loads Lingua's trigram models only: 7 MB instead of 70. After
        # the chat words, it names the language of 824 of the tree's 845 phrasings (827 in
        # high accuracy mode) and changes one reply language of the 780 evaluation
        # messages, to the right one: chat questions are too short for longer n-grams.
        self._detector = (
            LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.INDONESIAN)
            .with_low_accuracy_mode()
            .build()
        )
        self._phrases: dict[tuple[str, ...], str] = {}
        self._stem_phrases: dict[tuple[str, ...], str] = {}
        self._phrase_starts: set[str] = set()
        self._stem_phrase_starts: set[str] = set()
        self._build_concepts()
        self._vocabulary: list[str] = []
        self._known: set[str] = set(self._slang) | self._stopwords
        # Typos are corrected towards the FAQ's words only: correcting "budge" to the
        # out-of-scope "budget" would refuse a question the FAQ answers.
        self.learn(
            " ".join(
                form
                for concept, forms in lexicon.concepts.items()
                if concept not in lexicon.out_of_scope
                for form in forms
            )
        )

    # -- words -------------------------------------------------------------------------
    def normalize_words(self, text: str) -> list[str]:
        """Folded words with chat spellings and slang replaced by standard words."""
        out: list[str] = []
        slang = self._slang_words
        for word in _folded_words(text)[1]:
            standard = slang.get(word)
            out.extend((word,) if standard is None else standard)
        return out

    def stem(self, word: str) -> str:
        """The stem of one standard word, Indonesian or English."""
        return _cached_stem(self, word)

    def _stem_uncached(self, word: str) -> str:
        if word.isdigit() or word in self._id_roots:
            return word
        stem = self._sastrawi.stem(word)
        if stem != word and stem in self._id_roots:
            return str(stem)
        if word.endswith("in") and len(word) > 5:  # colloquial -in: "obatin" = "obati(kan)"
            for candidate in (word[:-2] + "kan", word[:-2] + "i"):
                stem = self._sastrawi.stem(self._slang.get(candidate, candidate))
                if stem in self._id_roots:
                    return str(stem)
        return str(self._snowball.stemWord(word))

    def _affixed_indonesian(self, word: str) -> bool:
        return word not in self._id_roots and self.stem(word) in self._id_roots

    # -- concepts ----------------------------------------------------------------------
    def _build_concepts(self) -> None:
        # A written form belongs to one concept (an editor's mistake otherwise); a stem
        # shared by forms of two concepts ("tampilan", "penampilan") matches neither.
        # Stems of affixed Indonesian forms are not used at all: Sastrawi rightly stems
        # "kelainan" (disorder) to "lain" (other), which must not mean disorder.
        surface: dict[tuple[str, ...], str] = {}
        by_stem: dict[tuple[str, ...], set[str]] = {}
        for concept, forms in self.lexicon.concepts.items():
            for form in forms:
                words = tuple(self.normalize_words(form))
                if not words:
                    continue
                if surface.get(words, concept) != concept:
                    raise DataError(
                        DATA_DIR / "lexicon.yaml",
                        f"{form!r} of {concept} is already a form of {surface[words]}",
                    )
                surface[words] = concept
                if not any(self._affixed_indonesian(w) for w in words):
                    by_stem.setdefault(tuple(self.stem(w) for w in words), set()).add(concept)
        self._phrases = surface
        self._stem_phrases = {k: next(iter(v)) for k, v in by_stem.items() if len(v) == 1}
        self._phrase_starts = {words[0] for words in self._phrases if len(words) > 1}
        self._stem_phrase_starts = {stems[0] for stems in self._stem_phrases if len(stems) > 1}

    def terms_of(self, words: Sequence[str]) -> list[str]:
        """Concepts and stems of standard words, stopwords dropped, longest phrase first."""
        stems = [self.stem(w) for w in words]
        out: list[str] = []
        i = 0
        starts, stem_starts = self._phrase_starts, self._stem_phrase_starts
        while i < len(words):
            # Longer phrases only where one can start: most words start none.
            longest = MAX_PHRASE if words[i] in starts or stems[i] in stem_starts else 1
            for size in range(min(longest, len(words) - i), 0, -1):
                concept = self._phrases.get(tuple(words[i : i + size])) or self._stem_phrases.get(
                    tuple(stems[i : i + size])
                )
                if concept:
                    out.extend(concept.split("+"))
                    i += size
                    break
            else:
                word = words[i]
                if word not in self._stopwords and len(word) > 1 and not word.isdigit():
                    out.append(stems[i])
                i += 1
        return out

    # -- vocabulary and typos ----------------------------------------------------------
    def learn(self, text: str) -> None:
        """Add the words of ``text`` to the vocabulary used to correct typos."""
        new = set(self.normalize_words(text)) - self._known
        if new:
            self._known |= new
            self._vocabulary = sorted(w for w in self._known if len(w) >= 4)
            _cached_correct.cache_clear()

    def correct(self, word: str) -> str:
        """The known word closest to an unknown one, or the word itself."""
        if word in self._known or len(word) < 5 or word.isdigit():
            return word
        return _cached_correct(self, word)

    def _correct_uncached(self, word: str) -> str:
        if word in self._id_roots or self.stem(word) in self._id_roots:
            return word  # a real Indonesian word, perhaps with affixes, not a typo
        match = process.extractOne(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=84 if len(word) > 6 else 88
        )
        return str(match[0]) if match else word

    # -- language ----------------------------------------------------------------------
    def detect_language(self, raw_words: Iterable[str], text: str) -> tuple[str | None, float]:
        """``("id" | "en" | None, confidence)`` from chat words, then Lingua."""
        words = list(raw_words)
        id_hits = sum(w in self._id_markers for w in words)
        en_hits = sum(w in self._en_markers for w in words)
        if id_hits or en_hits:
            # People in Indonesia mix English into Indonesian far more than the other
            # way round, so a few Indonesian function words make the message Indonesian.
            if id_hits * 2 >= en_hits:
                return "id", min(1.0, 0.5 + 0.5 * (id_hits - en_hits / 2) / max(1, id_hits))
            return "en", min(1.0, 0.5 + 0.5 * (en_hits - 2 * id_hits) / max(1, en_hits))
        if not any(c.isalpha() for c in text):
            return None, 0.0
        values = self._detector.compute_language_confidence_values(text)
        if not values:
            return None, 0.0
        best = values[0]
        lang = "id" if best.language == Language.INDONESIAN else "en"
        return (lang, float(best.value)) if best.value >= 0.7 else (None, float(best.value))

    def analyze(self, text: str) -> Analysis:
        """Everything the matcher needs about ``text``."""
        folded, raw_words = _folded_words(text)
        lang, confidence = self.detect_language(raw_words, folded)
        words: list[str] = []
        for word in raw_words:
            word = self._slang.get(word) or self.correct(word)
            words.extend(self._slang.get(word, word).split())
        return Analysis(
            folded=folded,
            words=tuple(words),
            terms=tuple(self.terms_of(words)),
            lang=lang,
            lang_confidence=confidence,
        )


@lru_cache(maxsize=64)
def _folded_words(text: str) -> tuple[str, tuple[str, ...]]:
    """``fold(text)`` and its words. Triage, small talk and matching each read the words
    of the same message: a few recent texts are kept so that they are split once."""
    folded = fold(text)
    return folded, tuple(split_words(folded))


@lru_cache(maxsize=65536)
def _cached_stem(analyzer: Analyzer, word: str) -> str:
    return analyzer._stem_uncached(word)


@lru_cache(maxsize=16384)
def _cached_correct(analyzer: Analyzer, word: str) -> str:
    return analyzer._correct_uncached(word)


def group_key(text: str) -> str:
    """A key under which near-identical questions are grouped for review."""
    words = sorted(set(split_words(fold(text))))
    return " ".join(words)[:200]
