"""Confidence that the best entry answers a message, fitted on labelled messages.

The engine describes its best candidate with a few features (how well the words
match, by how much it beats the next entry, how close it is in meaning, how much
of the message the tree does not know at all, how much the candidate does not
cover). A logistic regression turns them into a probability that the candidate is
an acceptable answer. It is fitted by ``skinfaq calibrate`` over every labelled
development message, refusals included (an out-of-scope message has no right
answer: its best candidate is always wrong), and the thresholds for answering
and for suggesting are read off cross-validated predictions. The coefficients,
the thresholds and the measured reliability live in ``faq/data/confidence.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from faq.sources import DATA_DIR, DataError

CONFIDENCE_FILE = "confidence.yaml"
LEXICAL = "lexical"  # the model used when no encoder is loaded

# In order: every model uses a prefix of these (the lexical one stops before semantic).
FEATURES = (
    "score",
    "margin",
    "unknown",
    "foreign",
    "anchored",
    "terms",
    "outside",
    "consensus",
    "semantic",
    "agree",
    "semantic_best",
    "semantic_margin",
)
LEXICAL_FEATURES = FEATURES[:8]


@dataclass(frozen=True, slots=True)
class Features:
    """What the engine knows about its best candidate for one message."""

    score: float  # word match of the best entry, 0..1
    margin: float  # blended score of the best entry minus the second's
    unknown: float  # share of the message's terms that no entry knows ("xyzzy", "diagnosed")
    foreign: float  # share of its known terms that the best entry does not have
    anchored: float  # 1 when the message names milia (or a synonym)
    terms: float  # how many terms the message has, log-scaled
    # 1 when the message names a topic the sources do not cover outside what it asks
    # ("milia bahaya ga? takut kanker"): the scene, or part of the question after all
    outside: float = 0.0
    # 1 when the best entry is also best by its closest phrasing alone and by the
    # average of its phrasings alone: two ways of matching agree
    consensus: float = 0.0
    semantic: float = 0.0  # cosine of the message to the best entry's closest phrasing
    agree: float = 0.0  # 1 when meaning alone picks the same entry
    semantic_best: float = 0.0  # cosine to the closest phrasing of any entry
    semantic_margin: float = 0.0  # the best entry's cosine minus the next entry's

    def vector(self, names: Sequence[str]) -> list[float]:
        return [float(getattr(self, n)) for n in names]


@dataclass(frozen=True, slots=True)
class Model:
    """A fitted logistic model and the thresholds read off its predictions."""

    name: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    answer: float  # answer at or above this probability
    suggest: float  # offer the nearest topics at or above this one
    blend: float  # weight of meaning against words when ranking entries
    report: Mapping[str, Any]
    # Platt scaling of the product below, fitted on cross-validated predictions, so that
    # a probability means what it says.
    slope: float = 1.0
    intercept: float = 0.0

    def probability(self, features: Features) -> float:
        """The probability that the best candidate is an acceptable answer.

        What the regression says, times a share of the question the tree can
        explain (:func:`coverage`): a message that is half words no entry knows ("can
        *xyzzy* cause milia?", "is there *pus* in milia?") is far from answered, however
        well the rest matches. Few labelled messages teach this, so it is a prior, not
        a fitted weight; the thresholds are fitted on the product.
        """
        z = self.bias
        for x, m, s, w in zip(
            features.vector(self.features), self.mean, self.scale, self.weights, strict=True
        ):
            z += w * (x - m) / s
        raw = coverage(features.unknown) / (1 + math.exp(-max(-30.0, min(30.0, z))))
        return rescale(raw, self.slope, self.intercept)

    def as_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
            "weights": [round(v, 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "answer": round(self.answer, 4),
            "suggest": round(self.suggest, 4),
            "blend": self.blend,
            "slope": round(self.slope, 6),
            "intercept": round(self.intercept, 6),
            "report": dict(self.report),
        }


def load_models(data_dir: Path = DATA_DIR) -> dict[str, Model]:
    """Every fitted model, by name (``lexical``, or an encoder's name)."""
    path = data_dir / CONFIDENCE_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        models = {}
        for name, item in raw["models"].items():
            features = tuple(item["features"])
            if unknown := set(features) - set(FEATURES):
                raise ValueError(f"unknown features {sorted(unknown)}")
            models[name] = Model(
                name=name,
                features=features,
                mean=tuple(float(v) for v in item["mean"]),
                scale=tuple(float(v) for v in item["scale"]),
                weights=tuple(float(v) for v in item["weights"]),
                bias=float(item["bias"]),
                answer=float(item["answer"]),
                suggest=float(item["suggest"]),
                blend=float(item.get("blend", 0.0)),
                report=item.get("report") or {},
                slope=float(item.get("slope", 1.0)),
                intercept=float(item.get("intercept", 0.0)),
            )
            if not len(features) == len(models[name].weights) == len(models[name].mean):
                raise ValueError(f"model {name}: features, weights and means differ in length")
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise DataError(path, f"invalid confidence models: {exc!r}") from exc
    if LEXICAL not in models:
        raise DataError(path, f"no {LEXICAL!r} model")
    return models


def write_models(models: Mapping[str, Model], data_dir: Path = DATA_DIR) -> Path:
    path = data_dir / CONFIDENCE_FILE
    header = (
        "# Fitted by `skinfaq calibrate` (see faq/confidence.py): do not edit by hand.\n"
        "# report: cross-validated figures on the development sets it was fitted on.\n"
    )
    body = {"models": {name: m.as_dict() for name, m in models.items()}}
    path.write_text(header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True))
    return path


def rescale(p: float, slope: float, intercept: float) -> float:
    """Platt scaling: a monotone map, so thresholds keep their order."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    z = slope * math.log(p / (1 - p)) + intercept
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


# How much of the share of a question the tree cannot explain is taken off the
# probability. At 1.0 a message that was half "anyway" and "lantas" was at most half
# answered; at 0.75 the fitted model answers more of what it knows (cross-validated
# accuracy 80.3% to 82.5% at the same 2% wrong; 1 to 4 points more on the chat and
# real-question sets outside the fit, with fewer wrong answers), and an unknown word at
# the point of the question still stops an answer. At 0.7 the Indonesian dev set rises
# above 2% wrong; at 0.5 refusal falls on real questions (81% to 62% on real-sealed).
UNKNOWN_PRIOR = 0.75


def coverage(unknown: float) -> float:
    """The share of a message the tree is taken to explain, from the share it cannot."""
    return max(0.0, 1.0 - UNKNOWN_PRIOR * unknown)
