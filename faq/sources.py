"""The source documents every answer is built from, and the check that a quote is in one.

A source is a plain-text document kept under ``faq/data/sources/`` with its
metadata in ``faq/data/sources.yaml``. Citations quote sources; a quote counts
only if it occurs in the document once whitespace and typographic quotes are
normalised, so a tampered or paraphrased quote is caught at load time.

Each source also has a short label per language (``short``), which answers print in
their sources line instead of the full title; the full title and the quotes stay one
tap away.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"
# Vectors of the tree\'s phrasings, made by ``skinfaq embed`` (see faq/semantic.py).
PHRASING_VECTORS = "phrasings.npz"
LANGS = ("en", "id")
MAX_SHORT_LABEL = 28  # characters: a sources line of three labels stays one short line

_QUOTE_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00a0": " ",
    }
)
_SPACE_RE = re.compile(r"\s+")


class DataError(Exception):
    """Corrupt or inconsistent FAQ data, with the file and entry it concerns."""

    def __init__(self, file: str | Path, message: str, *, entry: str | None = None) -> None:
        self.file = str(file)
        self.entry = entry
        self.message = message
        where = f"{Path(file).name}" + (f", entry {entry!r}" if entry else "")
        super().__init__(f"{where}: {message}")


def normalize_passage(text: str) -> str:
    """Fold typographic quotes and collapse whitespace, and nothing else."""
    return _SPACE_RE.sub(" ", text.translate(_QUOTE_MAP)).strip()


@dataclass(frozen=True, slots=True)
class Source:
    """One document, with the metadata a reader needs to judge it."""

    id: str
    title: str
    publisher: str | None
    lang: str
    file: str
    text: str
    references: tuple[str, ...] = ()
    # By language; kept out of the hash (a dict is not hashable) but not out of equality.
    short: Mapping[str, str] = field(default_factory=dict, hash=False)

    def label(self, lang: str) -> str:
        """The short label in ``lang`` (the title for a source built without labels)."""
        return self.short.get(lang) or self.title

    def contains(self, quote: str) -> bool:
        """Whether ``quote`` occurs in the document (whitespace and quotes normalised)."""
        needle = normalize_passage(quote)
        return bool(needle) and needle in normalize_passage(self.text)


def _require_str(raw: Mapping[str, Any], key: str, file: Path, entry: str | None) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DataError(file, f"field {key!r} must be a non-empty string", entry=entry)
    return value.strip()


def _short_labels(raw: Mapping[str, Any], file: Path, entry: str) -> dict[str, str]:
    """The ``short`` mapping: a non-empty label of at most MAX_SHORT_LABEL per language."""
    value = raw.get("short")
    if not isinstance(value, dict):
        raise DataError(file, f"field 'short' must map each of {LANGS} to a label", entry=entry)
    unknown = sorted(str(k) for k in value if k not in LANGS)
    if unknown:
        raise DataError(file, f"field 'short' has unknown languages {unknown}", entry=entry)
    labels: dict[str, str] = {}
    for lang in LANGS:
        label = value.get(lang)
        if not isinstance(label, str) or not label.strip():
            raise DataError(file, f"field 'short' needs a non-empty {lang!r} label", entry=entry)
        label = " ".join(label.split())
        if len(label) > MAX_SHORT_LABEL:
            raise DataError(
                file,
                f"short {lang!r} label {label!r} has {len(label)} characters, "
                f"at most {MAX_SHORT_LABEL}",
                entry=entry,
            )
        labels[lang] = label
    return labels


def load_sources(data_dir: Path = DATA_DIR) -> dict[str, Source]:
    """Read ``sources.yaml`` and the documents it names; raise DataError on any problem."""
    meta_file = data_dir / "sources.yaml"
    try:
        raw = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(meta_file, f"cannot read: {exc}") from exc
    if not isinstance(raw, list):
        raise DataError(meta_file, "expected a list of sources")
    sources: dict[str, Source] = {}
    for item in raw:
        if not isinstance(item, dict):
            raise DataError(meta_file, "each source must be a mapping")
        source_id = _require_str(item, "id", meta_file, None)
        if source_id in sources:
            raise DataError(meta_file, "duplicate source id", entry=source_id)
        lang = _require_str(item, "lang", meta_file, source_id)
        if lang not in LANGS:
            raise DataError(meta_file, f"lang must be one of {LANGS}", entry=source_id)
        file_name = _require_str(item, "file", meta_file, source_id)
        doc = data_dir / "sources" / file_name
        try:
            text = doc.read_text(encoding="utf-8")
        except OSError as exc:
            raise DataError(meta_file, f"cannot read document {file_name}: {exc}") from exc
        publisher = item.get("publisher")
        references = item.get("references") or []
        if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
            raise DataError(meta_file, "references must be a list of strings", entry=source_id)
        sources[source_id] = Source(
            id=source_id,
            title=_require_str(item, "title", meta_file, source_id),
            publisher=str(publisher) if publisher else None,
            lang=lang,
            file=file_name,
            text=text,
            references=tuple(references),
            short=_short_labels(item, meta_file, source_id),
        )
    for lang in LANGS:
        seen: dict[str, str] = {}
        for source in sources.values():
            label = source.short[lang].casefold()
            if label in seen:
                raise DataError(
                    meta_file,
                    f"short {lang!r} label {source.short[lang]!r} is also the label of "
                    f"{seen[label]!r}: a reader could not tell them apart",
                    entry=source.id,
                )
            seen[label] = source.id
    return sources
