"""The FAQ tree: topics, entries and their citations, loaded from editable YAML files.

Each topic is one file in ``faq/data/tree/`` (see ``faq/data/tree/README.md`` for
the format). Loading validates everything an editor can get wrong and raises
:class:`~faq.sources.DataError` naming the file, the entry, the line and the
problem; a tree that loads is a tree whose every quote really is in its source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from faq.sources import DATA_DIR, LANGS, DataError, Source, load_sources

MAX_ANSWER_CHARS = 600
NOTE_KINDS = frozenset({"professional", "baby"})
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MARKER_RE = re.compile(r"\[(\d+)\]")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=\S)")


@dataclass(frozen=True, slots=True)
class Citation:
    """A passage quoted from a source in support of an answer."""

    source: Source
    quote: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One question of the FAQ with its answer in every language."""

    id: str
    topic_id: str
    question: Mapping[str, str]
    answer: Mapping[str, str]
    phrasings: Mapping[str, tuple[str, ...]]
    keywords: Mapping[str, tuple[str, ...]]
    related: tuple[str, ...]
    citations: tuple[Citation, ...]
    notes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Topic:
    """A group of entries, in the order editors wrote them."""

    id: str
    title: Mapping[str, str]
    entry_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FaqTree:
    """Sources, topics and entries, validated and cross-referenced."""

    sources: Mapping[str, Source]
    topics: tuple[Topic, ...]
    entries: Mapping[str, Entry] = field(repr=False)

    def entries_of(self, topic_id: str) -> Iterator[Entry]:
        """Yield the entries of one topic, in order."""
        for topic in self.topics:
            if topic.id == topic_id:
                yield from (self.entries[e] for e in topic.entry_ids)

    def topic(self, topic_id: str) -> Topic | None:
        """The topic with this id, if any."""
        return next((t for t in self.topics if t.id == topic_id), None)


def _line_of(text: str, entry_id: str) -> int | None:
    match = re.search(rf"^\s*-?\s*id:\s*['\"]?{re.escape(entry_id)}['\"]?\s*$", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None


class _EntryReader:
    """Reads one entry mapping, raising errors that point at the file, entry and line."""

    def __init__(self, file: Path, text: str, raw: Mapping[str, Any], entry_id: str) -> None:
        self.file, self.text, self.raw, self.entry_id = file, text, raw, entry_id

    def fail(self, message: str) -> DataError:
        line = _line_of(self.text, self.entry_id)
        suffix = f" (line {line})" if line else ""
        return DataError(self.file, message + suffix, entry=self.entry_id)

    def per_lang_str(self, key: str) -> dict[str, str]:
        value = self.raw.get(key)
        if not isinstance(value, dict):
            raise self.fail(f"{key!r} must map each language ({', '.join(LANGS)}) to text")
        out: dict[str, str] = {}
        for lang in LANGS:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"{key!r} has no {lang!r} text")
            out[lang] = " ".join(text.split())
        return out

    def per_lang_list(self, key: str, *, required: bool) -> dict[str, tuple[str, ...]]:
        value = self.raw.get(key) or {}
        if not isinstance(value, dict):
            raise self.fail(f"{key!r} must map each language to a list of strings")
        out: dict[str, tuple[str, ...]] = {}
        for lang in LANGS:
            items = value.get(lang) or []
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise self.fail(f"{key!r}.{lang} must be a list of strings")
            if required and not items:
                raise self.fail(f"{key!r} has no {lang!r} items")
            out[lang] = tuple(" ".join(i.split()) for i in items if i.strip())
        return out

    def citations(self, sources: Mapping[str, Source]) -> tuple[Citation, ...]:
        raw = self.raw.get("citations")
        if not isinstance(raw, list) or not raw:
            raise self.fail("an entry needs at least one citation")
        out = []
        for number, item in enumerate(raw, start=1):
            if not isinstance(item, dict):
                raise self.fail(f"citation [{number}] must be a mapping with source and quote")
            source = sources.get(str(item.get("source")))
            if source is None:
                raise self.fail(f"citation [{number}] names unknown source {item.get('source')!r}")
            quote = item.get("quote")
            if not isinstance(quote, str) or not quote.strip():
                raise self.fail(f"citation [{number}] has no quote")
            if not source.contains(quote):
                raise self.fail(
                    f"citation [{number}] quote is not in source {source.id!r}: {quote.strip()!r}"
                )
            out.append(Citation(source=source, quote=" ".join(quote.split())))
        return tuple(out)

    def check_markers(self, answer: Mapping[str, str], n_citations: int) -> None:
        for lang, text in answer.items():
            if len(text) > MAX_ANSWER_CHARS:
                raise self.fail(f"{lang} answer is {len(text)} characters (max {MAX_ANSWER_CHARS})")
            used = {int(m) for m in _MARKER_RE.findall(text)}
            if bad := sorted(n for n in used if not 1 <= n <= n_citations):
                raise self.fail(f"{lang} answer cites [{bad[0]}] but has {n_citations} citations")
            if unused := sorted(set(range(1, n_citations + 1)) - used):
                raise self.fail(f"{lang} answer never cites citation [{unused[0]}]")
            for sentence in _SENTENCE_END_RE.split(text):
                if not _MARKER_RE.search(sentence):
                    raise self.fail(f"{lang} answer has a sentence with no citation: {sentence!r}")


def _read_topic_file(
    file: Path,
    sources: Mapping[str, Source],
    entries: dict[str, Entry],
    problems: list[DataError] | None = None,
) -> Topic:
    text = file.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataError(file, f"invalid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("topic"), dict):
        raise DataError(file, "a topic file needs a 'topic' mapping and an 'entries' list")
    topic_raw = raw["topic"]
    topic_id = str(topic_raw.get("id", ""))
    if not _ID_RE.match(topic_id):
        raise DataError(file, f"topic id {topic_id!r} must be lowercase words joined by '-'")
    title = _EntryReader(file, text, topic_raw, topic_id).per_lang_str("title")
    raw_entries = raw.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise DataError(file, "'entries' must be a non-empty list")
    ids = []
    for item in raw_entries:
        try:
            entry = _read_entry(file, text, item, topic_id, sources, entries)
        except DataError as exc:
            if problems is None:
                raise
            problems.append(exc)
            continue
        entries[entry.id] = entry
        ids.append(entry.id)
    return Topic(id=topic_id, title=title, entry_ids=tuple(ids))


def _read_entry(
    file: Path,
    text: str,
    item: Any,
    topic_id: str,
    sources: Mapping[str, Source],
    entries: Mapping[str, Entry],
) -> Entry:
    if not isinstance(item, dict):
        raise DataError(file, "each entry must be a mapping")
    entry_id = str(item.get("id", ""))
    reader = _EntryReader(file, text, item, entry_id)
    if not _ID_RE.match(entry_id):
        raise reader.fail("entry id must be lowercase words joined by '-'")
    if entry_id in entries:
        raise reader.fail("duplicate entry id (ids are unique across all topic files)")
    answer = reader.per_lang_str("answer")
    citations = reader.citations(sources)
    reader.check_markers(answer, len(citations))
    notes = item.get("notes") or []
    if not isinstance(notes, list) or not set(notes) <= NOTE_KINDS:
        raise reader.fail(f"notes must be a list drawn from {sorted(NOTE_KINDS)}")
    related = item.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        raise reader.fail("related must be a list of entry ids")
    return Entry(
        id=entry_id,
        topic_id=topic_id,
        question=reader.per_lang_str("question"),
        answer=answer,
        phrasings=reader.per_lang_list("phrasings", required=True),
        keywords=reader.per_lang_list("keywords", required=False),
        related=tuple(related),
        citations=citations,
        notes=frozenset(notes),
    )


def load_tree(data_dir: Path = DATA_DIR) -> FaqTree:
    """Load and validate the sources and every topic file; raise DataError on any problem."""
    return _load(data_dir, problems=None)


def check_tree(data_dir: Path = DATA_DIR) -> list[DataError]:
    """Every problem of the data, not just the first (for ``skinfaq check``)."""
    problems: list[DataError] = []
    try:
        tree = _load(data_dir, problems=problems)
    except DataError as exc:
        return [*problems, exc]
    missing = [i for i in load_required_ids(data_dir) if i not in tree.entries]
    problems += [
        DataError(data_dir / "required-entries.yaml", "required entry is missing", entry=i)
        for i in missing
    ]
    return problems


def _load(data_dir: Path, problems: list[DataError] | None) -> FaqTree:
    sources = load_sources(data_dir)
    tree_dir = data_dir / "tree"
    files = sorted(tree_dir.glob("*.yaml"))
    if not files:
        raise DataError(tree_dir, "no topic files (*.yaml) found")
    entries: dict[str, Entry] = {}
    topics: list[Topic] = []
    order = _topic_order(tree_dir)
    for file in sorted(files, key=lambda f: (order.get(f.stem, len(order)), f.stem)):
        try:
            topic = _read_topic_file(file, sources, entries, problems)
        except DataError as exc:
            if problems is None:
                raise
            problems.append(exc)
            continue
        if any(t.id == topic.id for t in topics):
            raise DataError(file, f"duplicate topic id {topic.id!r}")
        topics.append(topic)
    for entry in entries.values():
        for rel in entry.related:
            if rel not in entries or rel == entry.id:
                error = DataError(
                    tree_dir / f"{entry.topic_id}.yaml",
                    f"related entry {rel!r} does not exist (or is the entry itself)",
                    entry=entry.id,
                )
                if problems is None:
                    raise error
                problems.append(error)
    return FaqTree(sources=sources, topics=tuple(topics), entries=entries)


def _topic_order(tree_dir: Path) -> dict[str, int]:
    """Topic files are shown in the order listed in ``_order.txt`` (others follow)."""
    order_file = tree_dir / "_order.txt"
    if not order_file.exists():
        return {}
    names = [line.strip() for line in order_file.read_text(encoding="utf-8").splitlines()]
    return {name: i for i, name in enumerate(n for n in names if n and not n.startswith("#"))}


def load_required_ids(data_dir: Path = DATA_DIR) -> tuple[str, ...]:
    """The entry ids the tree must always have (evaluation sets and logs refer to them)."""
    raw = yaml.safe_load((data_dir / "required-entries.yaml").read_text(encoding="utf-8"))
    return tuple(str(i) for i in raw["required"])
