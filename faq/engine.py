"""The FAQ engine: from a chat message to a plain result the adapters render.

``FaqEngine.ask`` triages safety, finds small talk, ranks the entries and
decides one of four outcomes:

- ``answered``: one entry clearly answers the message;
- ``suggest``: the message is about milia but could mean several entries;
- ``unanswered``: nothing in the tree answers it, including questions the
  sources do not cover (contagion, prices, brands, cancer...): the nearest
  wrong entry is never given;
- ``smalltalk``: greetings, thanks, goodbyes, help, who are you.

Ranking compares the message's terms (see :mod:`faq.text`) with every phrasing
of every entry (cosine over IDF weights, best phrasing wins) and with the
entry's whole vocabulary (share of the message it explains).
"""

from __future__ import annotations

import math
import operator
import re
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from faq.answer import Composer, Result, Suggestion
from faq.safety import SafetyLevel, SafetyTriage, Triage
from faq.smalltalk import Smalltalk
from faq.sources import DATA_DIR
from faq.text import Analysis, Analyzer, Lexicon
from faq.tree import FaqTree, load_tree

LANGS = ("en", "id")
# Messages longer than this are matched on their start; a chat question is short,
# and a pasted essay must not cost more than a question.
MAX_MATCH_CHARS = 600

# Decision thresholds on the combined score (0..1), set on the development set
# and checked against held-out sets; see README "Matching quality".
ANSWER_SCORE = 0.40
ANSWER_MARGIN = 0.04
SUGGEST_SCORE = 0.25
UNANCHORED_FAMILIAR = 2 / 3
PHRASING_WEIGHT = 0.6
STEM_WEIGHT = 0.6
IDF_POWER = 0.5
# In a message with context before the question ("my son is 14 and ... do teens
# get milia?"), words outside the question sentences count this much.
CONTEXT_WEIGHT = 0.4
_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?\n]*")


class Ranked(NamedTuple):
    """An entry and how well it matches a message."""

    entry_id: str
    score: float


class _Index:
    """Per-entry term vectors and IDF weights; rebuilt when phrasings are added.

    An entry is scored two ways and the scores averaged: against its closest
    phrasing (a precise match of how someone asked before) and against its
    centroid, the average of all its phrasings (robust to one odd phrasing).
    Curated concepts weigh more than raw stems, which often match by accident.

    Phrasings are numbered in entry order, so an entry's phrasings are one slice of
    the per-phrasing lists (``spans``); a message only touches the phrasings that share
    a term with it (``postings``). A term found in most phrasings ("milia") is kept as
    the few phrasings without it (``absent``) and, per entry, the best phrasing with it
    on its own (``alone``): a message that has it need not visit the hundreds of
    phrasings it alone would touch.
    """

    def __init__(
        self, docs: Mapping[str, list[frozenset[str]]], context: frozenset[str] = frozenset()
    ) -> None:
        self.docs = {e: [d for d in ds if d] for e, ds in docs.items()}
        df = Counter(t for ds in self.docs.values() for t in frozenset().union(*ds))
        n = len(self.docs)
        self.idf = {
            t: _kind_weight(t, context) * math.log(1 + n / c) ** IDF_POWER for t, c in df.items()
        }
        self.entries = list(self.docs)
        self.spans: list[tuple[int, int]] = []
        self.entry_of: list[int] = []  # per phrasing, its entry's number
        self.inverse_norms: list[float] = []
        self.postings: dict[str, list[int]] = {}
        # Per term, the entries whose centroid has it, as (entry number, weight).
        self.central: dict[str, list[tuple[int, float]]] = {}
        for number, entry_docs in enumerate(self.docs.values()):
            first = len(self.inverse_norms)
            for doc in entry_docs:
                for t in doc:
                    self.postings.setdefault(t, []).append(len(self.inverse_norms))
                self.inverse_norms.append(1 / math.sqrt(sum(self.idf[t] ** 2 for t in doc)))
                self.entry_of.append(number)
            self.spans.append((first, len(self.inverse_norms)))
            counts = Counter(t for d in entry_docs for t in d)
            vector = {t: self.idf[t] * c / len(entry_docs) for t, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in vector.values()))
            for t, v in vector.items():
                self.central.setdefault(t, []).append((number, v / norm))
        size = len(self.inverse_norms)
        self.absent: dict[str, frozenset[int]] = {}
        # Per frequent term and entry, the largest 1/norm of a phrasing with the term: the
        # cosine of the best phrasing whose only shared term it is, divided by its weight.
        self.alone: dict[str, list[float]] = {}
        for t, docs_with in list(self.postings.items()):
            if len(docs_with) > size // 2:
                self.absent[t] = frozenset(range(size)) - frozenset(docs_with)
                alone = [0.0] * len(self.entries)
                for phrasing in docs_with:
                    number = self.entry_of[phrasing]
                    alone[number] = max(alone[number], self.inverse_norms[phrasing])
                self.alone[t] = alone
                del self.postings[t]

    def rank(self, weights: Mapping[str, float]) -> list[Ranked]:
        """Every entry that shares a term with the weighted message terms, best first.

        Weights must be positive: a phrasing's cosine only grows with each shared term,
        and an entry shares a term with the message exactly when its centroid score
        is not zero.
        """
        idf, absent = self.idf, self.absent
        query = {t: w * idf[t] for t, w in weights.items() if t in idf}
        if not query:
            return []
        q_norm = math.sqrt(sum(v * v for v in query.values()))
        frequent = [t for t in query if t in absent]
        if len(frequent) > 1:
            closest = self._closest_dense(query)
        else:
            closest = self._closest_sparse(query, frequent[0] if frequent else None)
        central = [0.0] * len(self.entries)
        for t, v in query.items():
            for number, weight in self.central[t]:
                central[number] += v * weight
        ranked = []
        for number, centroid in enumerate(central):
            if centroid:
                best = closest[number] / q_norm
                score = PHRASING_WEIGHT * best + (1 - PHRASING_WEIGHT) * centroid / q_norm
                ranked.append(Ranked(self.entries[number], score))
        ranked.sort(key=lambda r: (-r.score, r.entry_id))
        return ranked

    def _closest_sparse(self, query: Mapping[str, float], frequent: str | None) -> list[float]:
        """Per entry, the dot product over the norm of its closest phrasing, visiting only
        the phrasings that share a term other than ``frequent`` with the message.

        A phrasing that shares no other term scores what ``frequent`` alone gives it, and
        one that does scores at least that much: so each entry's best is the larger of
        its best visited phrasing and its best phrasing with ``frequent`` alone.
        """
        idf, postings = self.idf, self.postings
        dots: dict[int, float] = {}
        for t, v in query.items():
            if t != frequent:
                contribution = v * idf[t]
                for doc in postings[t]:
                    dots[doc] = dots.get(doc, 0.0) + contribution
        if frequent is None:  # a share of 0.0 changes no dot product
            closest = [0.0] * len(self.entries)
            lacking: frozenset[int] = frozenset()
            shared = 0.0
        else:
            shared = query[frequent] * idf[frequent]
            closest = [shared * norm for norm in self.alone[frequent]]
            lacking = self.absent[frequent]
        inverse_norms, entry_of = self.inverse_norms, self.entry_of
        for doc, dot in dots.items():
            if doc not in lacking:
                dot += shared
            cosine = dot * inverse_norms[doc]
            number = entry_of[doc]
            if cosine > closest[number]:
                closest[number] = cosine
        return closest

    def _closest_dense(self, query: Mapping[str, float]) -> list[float]:
        """:meth:`_closest_sparse` for a message with several frequent terms: every
        phrasing starts with all of them and loses those it lacks."""
        idf, absent, postings = self.idf, self.absent, self.postings
        common = sum(v * idf[t] for t, v in query.items() if t in absent)
        dots = [common] * len(self.inverse_norms)
        for t, v in query.items():
            contribution = v * idf[t]
            if t in absent:
                for doc in absent[t]:
                    dots[doc] -= contribution
            else:
                for doc in postings[t]:
                    dots[doc] += contribution
        cosines = list(map(operator.mul, dots, self.inverse_norms))
        return [max(cosines[first:last], default=0.0) for first, last in self.spans]


def _kind_weight(term: str, context: frozenset[str]) -> float:
    """Curated concepts count fully; words, and concepts that set the scene, less."""
    return 1.0 if term.startswith("@") and term not in context else STEM_WEIGHT


class FaqEngine:
    """Answers messages from a validated tree. Thread-safe for reads; cheap per message."""

    def __init__(self, tree: FaqTree, analyzer: Analyzer, composer: Composer) -> None:
        self.tree = tree
        self.analyzer = analyzer
        self.triage = SafetyTriage(analyzer)
        self.smalltalk = Smalltalk(analyzer)
        self.composer = composer
        # Phrasings editors attached from the review queue: their decision for exactly
        # this way of asking, so it wins over ranking.
        self._attached: dict[frozenset[str], str] = {}
        self._lock = threading.Lock()
        for entry in tree.entries.values():
            for lang in LANGS:
                self.analyzer.learn(" ".join((entry.question[lang], *entry.phrasings[lang])))
                self.analyzer.learn(" ".join(entry.keywords[lang]))
        # The term sets of every phrasing, analysed once: a new phrasing adds one set and
        # the index (weights only, no analysis) is rebuilt from them.
        self._docs = self._analyse_tree()
        self._index = _Index(self._docs, self.analyzer.lexicon.context)

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> FaqEngine:
        """Load and validate everything under ``data_dir``; raise DataError on any problem."""
        tree = load_tree(data_dir)
        return cls(tree, Analyzer(Lexicon.load(data_dir)), Composer.load(tree, data_dir))

    # -- index -------------------------------------------------------------------------
    def _terms(self, text: str) -> frozenset[str]:
        return frozenset(self.analyzer.analyze(text).terms)

    def _phrasing_terms(self, text: str) -> frozenset[str]:
        """A phrasing's terms as a message's count: without the signs it rules out."""
        ruled_out = self.triage.assess(text).ruled_out
        if not ruled_out:
            return self._terms(text)
        return self._terms(text) - set(self.analyzer.analyze(" ".join(ruled_out)).terms)

    def _analyse_tree(self) -> dict[str, list[frozenset[str]]]:
        docs: dict[str, list[frozenset[str]]] = {}
        for entry in self.tree.entries.values():
            texts = [entry.question[lang] for lang in LANGS]
            texts += [p for lang in LANGS for p in entry.phrasings[lang]]
            entry_docs = [self._phrasing_terms(t) for t in texts]
            keywords = [self._terms(k) for lang in LANGS for k in entry.keywords[lang]]
            # Keywords widen the entry's vocabulary but are not phrasings of their own.
            entry_docs.append(frozenset().union(*keywords) if keywords else frozenset())
            docs[entry.id] = entry_docs
        return docs

    def add_phrasing(self, entry_id: str, lang: str, text: str) -> None:
        """Teach the engine a new way to ask for ``entry_id``, effective at once."""
        if entry_id not in self.tree.entries:
            raise KeyError(entry_id)
        with self._lock:
            self.analyzer.learn(text)
            text = text[:MAX_MATCH_CHARS]
            if terms := self._terms(text):
                self._attached[terms] = entry_id  # this exact way of asking
                self._docs[entry_id].append(self._phrasing_terms(text))
                self._index = _Index(self._docs, self.analyzer.lexicon.context)

    def group_key(self, text: str) -> str:
        """Near-identical questions share this key (for grouping them in review)."""
        return " ".join(sorted(set(self.analyzer.analyze(text[:MAX_MATCH_CHARS]).terms)))[:200]

    # -- asking ------------------------------------------------------------------------
    def rank(self, text: str, ruled_out: Sequence[str] = ()) -> tuple[Analysis, list[Ranked]]:
        """The analysis of ``text`` and every matching entry, best first.

        ``ruled_out`` are words the message denies ("no pain"): they say what it is not
        about, so they do not count.
        """
        text = text[:MAX_MATCH_CHARS]
        analysis = self.analyzer.analyze(text)
        weights = self._weights(text, analysis)
        if ruled_out:
            for term in self.analyzer.analyze(" ".join(ruled_out)).terms:
                weights.pop(term, None)
        return analysis, self._index.rank(weights)

    def _weights(self, text: str, analysis: Analysis) -> dict[str, float]:
        """Terms of the question sentences weigh fully, context before them less."""
        sentences = [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip()]
        questions = [s for s in sentences if s.endswith("?")]
        if len(sentences) < 2 or not questions:
            return dict.fromkeys(analysis.terms, 1.0)
        focus = {t for q in questions for t in self.analyzer.analyze(q).terms}
        return {t: 1.0 if t in focus else CONTEXT_WEIGHT for t in analysis.terms}

    def ask(self, text: str, *, lang: str | None = None, default_lang: str = "id") -> Result:
        """Answer one message. ``lang`` forces the reply language."""
        triage = self.triage.assess(text[: MAX_MATCH_CHARS * 4])
        analysis, ranked = self.rank(text, triage.ruled_out)
        reply_lang = lang or analysis.lang or default_lang
        return self._decide(text, analysis, ranked, triage, reply_lang)

    def _decide(
        self, text: str, analysis: Analysis, ranked: list[Ranked], triage: Triage, lang: str
    ) -> Result:
        concepts = analysis.concepts
        anchored = bool(concepts & self.analyzer.lexicon.anchors)
        blocking = self.analyzer.lexicon.out_of_scope
        blocked = any(blocking.get(c, False) or (c in blocking and not anchored) for c in concepts)
        top = ranked[0] if ranked else Ranked("", 0.0)
        second = ranked[1].score if len(ranked) > 1 else 0.0
        candidates = tuple(ranked[:3])
        confidence = _confidence(top.score, top.score - second)
        unknown = [t for t in analysis.terms if t not in self._index.idf]

        if attached := self._attached.get(frozenset(analysis.terms)):
            return self.composer.answered(attached, lang, triage, candidates, 0.95)
        small = self.smalltalk.find(text)
        if small and (small.pure or top.score < SUGGEST_SCORE) and not (anchored and ranked):
            return self.composer.smalltalk(small.intent, lang, triage, candidates)
        if blocked or not ranked:
            return self.composer.unanswered(lang, triage, candidates, 1 - confidence)
        # A message that never names milia ("is extraction painful?") is usually a
        # follow-up in a milia chat, so it may be answered, but only when nearly all
        # of its words are the FAQ's own: otherwise it is likely about something else.
        familiar = 1 - len(unknown) / max(1, len(analysis.terms))
        about_milia = anchored or familiar >= UNANCHORED_FAMILIAR - 1e-9
        strong = top.score >= ANSWER_SCORE and top.score - second >= ANSWER_MARGIN
        if strong and about_milia:
            return self.composer.answered(top.entry_id, lang, triage, candidates, confidence)
        if top.score >= SUGGEST_SCORE and about_milia:
            close = [r for r in ranked[:3] if r.score >= max(SUGGEST_SCORE, top.score * 0.6)]
            suggestions = tuple(Suggestion(r.entry_id, r.score) for r in close)
            return self.composer.suggest(suggestions, lang, triage, candidates, confidence)
        return self.composer.unanswered(lang, triage, candidates, 1 - confidence)

    def answer_entry(self, entry_id: str, lang: str, *, text: str = "") -> Result:
        """The answer of one entry, as if it had matched (menus and "did you mean" taps)."""
        triage = self.triage.assess(text) if text else Triage(level=SafetyLevel.NONE)
        return self.composer.answered(entry_id, lang, triage, (), 1.0)


def _confidence(score: float, margin: float) -> float:
    """A probability-like confidence that the top entry is right (see ``skinfaq eval``)."""
    z = 9.0 * (score - ANSWER_SCORE) + 12.0 * (margin - ANSWER_MARGIN) + 1.0
    return round(1 / (1 + math.exp(-z)), 3)
