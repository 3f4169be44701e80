"""The answer as data: a plain :class:`Result` that adapters render as they like.

The composer puts together what a reply needs: the entry's answer in the
user's language, its numbered citations, the safety warning (always first),
and the notices every medical answer carries (general information, not a
diagnosis; treatments for professionals; babies to the baby's doctor). Texts
come from ``messages.yaml``; nothing here knows about Telegram.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from faq.safety import SafetyLevel, Triage
from faq.smalltalk import SmalltalkIntent
from faq.sources import DATA_DIR, DataError
from faq.tree import FaqTree

if TYPE_CHECKING:
    from faq.engine import Ranked


# The fields of ``skinfaq ask --jsonl`` that evaluation tools rely on: keep them stable.
CONTRACT_FIELDS = (
    "status",
    "entry_id",
    "suggestions",
    "lang",
    "safety",
    "confidence",
    "text",
    "citations",
)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A candidate entry offered to the user ("did you mean...?")."""

    entry_id: str
    score: float
    question: str = ""


@dataclass(frozen=True, slots=True)
class CitationView:
    """A numbered citation as a reader sees it."""

    number: int
    source_id: str
    title: str
    publisher: str | None
    quote: str


@dataclass(frozen=True, slots=True)
class Result:
    """Everything an adapter needs to reply to one message."""

    status: str  # answered | suggest | unanswered | smalltalk
    lang: str
    confidence: float
    safety: str  # none | urgent | emergency
    text: str  # the whole reply as plain text
    entry_id: str | None = None
    question: str | None = None
    answer: str | None = None
    warning: str | None = None
    safety_signs: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    citations: tuple[CitationView, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    related: tuple[Suggestion, ...] = ()
    smalltalk: str | None = None
    candidates: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``skinfaq ask --jsonl`` contract)."""
        data = asdict(self)
        data["candidates"] = [{"entry_id": e, "score": round(s, 4)} for e, s in self.candidates]
        for key in ("suggestions", "related"):
            for item in data[key]:
                item["score"] = round(item["score"], 4)
        return data


@dataclass(frozen=True, slots=True)
class _Answer:
    """The parts of an entry's answer in one language (the warning comes on top)."""

    question: str
    answer: str
    parts: tuple[str, ...]  # question and answer, sources line, notices
    notices: tuple[str, ...]
    citations: tuple[CitationView, ...]
    related: tuple[Suggestion, ...]


class Composer:
    """Builds results from entries and the texts of ``messages.yaml``."""

    def __init__(self, tree: FaqTree, messages: Mapping[str, Any]) -> None:
        self.tree = tree
        self._notices: Mapping[str, Mapping[str, str]] = messages["notices"]
        self._warnings: Mapping[str, Mapping[str, str]] = messages["warnings"]
        self._replies: Mapping[str, Mapping[str, str]] = messages["replies"]
        # What an entry's answer says in a language, whatever the message: composed once.
        self._answers: dict[tuple[str, str], _Answer] = {}

    @classmethod
    def load(cls, tree: FaqTree, data_dir: Path = DATA_DIR) -> Composer:
        """Read ``messages.yaml``; every text must exist in both languages."""
        path = data_dir / "messages.yaml"
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(path, f"cannot read: {exc}") from exc
        for section in ("notices", "warnings", "replies"):
            for key, texts in (raw.get(section) or {}).items():
                if not isinstance(texts, dict) or not all(
                    isinstance(texts.get(lang), str) for lang in ("en", "id")
                ):
                    raise DataError(path, f"{section}.{key} needs 'en' and 'id' text")
        return cls(tree, raw)

    def reply(self, key: str, lang: str) -> str:
        """One of the fixed replies (``unanswered``, ``suggest``, ``sources``...)."""
        return self._replies[key][lang]

    def notice(self, key: str, lang: str) -> str:
        """One of the notices (``disclaimer``, ``professional``, ``baby``)."""
        return self._notices[key][lang]

    def warning(self, triage: Triage, lang: str) -> str | None:
        """The warning for a triage level, or None when there is nothing to warn of."""
        if triage.level is SafetyLevel.NONE:
            return None
        return " ".join(self._warnings[triage.level.label][lang].split())

    def question(self, entry_id: str, lang: str) -> str:
        """The question of an entry, in ``lang``."""
        return self.tree.entries[entry_id].question[lang]

    def publisher(self, publisher: str | None, lang: str) -> str:
        """A source's publisher, or a plain "not named"."""
        return publisher or self.reply("publisher_unknown", lang)

    def sources_line(self, citations: Sequence[CitationView], lang: str) -> str:
        """Each cited document once, by its short label, after every number that points at
        it. Titles and publishers are left to the full list of sources: in full they made
        the line about as long as the answer."""
        numbers: dict[str, list[int]] = {}
        labels: dict[str, str] = {}
        for citation in citations:
            numbers.setdefault(citation.source_id, []).append(citation.number)
            source = self.tree.sources.get(citation.source_id)
            labels.setdefault(citation.source_id, source.label(lang) if source else citation.title)
        return "; ".join(
            "".join(f"[{n}]" for n in marks) + f" {labels[source_id]}"
            for source_id, marks in numbers.items()
        )

    # -- results -----------------------------------------------------------------------
    def _base(self, triage: Triage, lang: str) -> dict[str, Any]:
        return {
            "lang": lang,
            "safety": triage.level.label,
            "safety_signs": triage.signs,
            "warning": self.warning(triage, lang),
        }

    def _text(self, warning: str | None, *parts: str) -> str:
        lead = [f"\u26a0\ufe0f {warning}"] if warning else []
        return "\n\n".join(p for p in (*lead, *parts) if p)

    @staticmethod
    def _candidates(ranked: Sequence[Ranked]) -> tuple[tuple[str, float], ...]:
        return tuple((r.entry_id, r.score) for r in ranked)

    def answered(
        self,
        entry_id: str,
        lang: str,
        triage: Triage,
        ranked: Sequence[Ranked],
        confidence: float,
    ) -> Result:
        """The answer of one entry."""
        answer = self._answer(entry_id, lang)
        base = self._base(triage, lang)
        return Result(
            status="answered",
            confidence=confidence,
            text=self._text(base["warning"], *answer.parts),
            entry_id=entry_id,
            question=answer.question,
            answer=answer.answer,
            notices=answer.notices,
            citations=answer.citations,
            related=answer.related,
            candidates=self._candidates(ranked),
            **base,
        )

    def _answer(self, entry_id: str, lang: str) -> _Answer:
        if (known := self._answers.get((entry_id, lang))) is not None:
            return known
        entry = self.tree.entries[entry_id]
        citations = tuple(
            CitationView(n, c.source.id, c.source.title, c.source.publisher, c.quote)
            for n, c in enumerate(entry.citations, start=1)
        )
        notices = [self.notice("disclaimer", lang)]
        notices += [
            self.notice(kind, lang) for kind in ("professional", "baby") if kind in entry.notes
        ]
        answer = _Answer(
            question=entry.question[lang],
            answer=entry.answer[lang],
            parts=(
                f"{entry.question[lang]}\n{entry.answer[lang]}",
                f"{self.reply('sources', lang)}: {self.sources_line(citations, lang)}",
                " ".join(notices),
            ),
            notices=tuple(notices),
            citations=citations,
            related=tuple(Suggestion(r, 0.0, self.question(r, lang)) for r in entry.related),
        )
        self._answers[entry_id, lang] = answer
        return answer

    def suggest(
        self,
        suggestions: Sequence[Suggestion],
        lang: str,
        triage: Triage,
        ranked: Sequence[Ranked],
        confidence: float,
    ) -> Result:
        """A "did you mean...?" with up to three candidates."""
        base = self._base(triage, lang)
        named = tuple(
            Suggestion(s.entry_id, s.score, self.question(s.entry_id, lang))
            for s in suggestions[:3]
        )
        listing = "\n".join(f"{i}. {s.question}" for i, s in enumerate(named, start=1))
        return Result(
            status="suggest",
            confidence=confidence,
            text=self._text(base["warning"], f"{self.reply('suggest', lang)}\n{listing}"),
            suggestions=named,
            candidates=self._candidates(ranked),
            **base,
        )

    def unanswered(
        self, lang: str, triage: Triage, ranked: Sequence[Ranked], confidence: float
    ) -> Result:
        """An honest "no answer yet" (after an emergency warning, the warning alone)."""
        base = self._base(triage, lang)
        emergency = triage.level is SafetyLevel.EMERGENCY
        return Result(
            status="unanswered",
            confidence=round(confidence, 3),
            text=self._text(base["warning"], "" if emergency else self.reply("unanswered", lang)),
            candidates=self._candidates(ranked),
            **base,
        )

    def smalltalk(
        self, intent: SmalltalkIntent, lang: str, triage: Triage, ranked: Sequence[Ranked]
    ) -> Result:
        """The bot's own reply to small talk."""
        base = self._base(triage, lang)
        return Result(
            status="smalltalk",
            confidence=1.0,
            text=self._text(base["warning"], intent.reply[lang]),
            smalltalk=intent.id,
            candidates=self._candidates(ranked),
            **base,
        )
