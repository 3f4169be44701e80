"""Fit the confidence models on labelled messages (``skinfaq calibrate``).

Every ``faq`` and ``out_of_scope`` message of the given sets is judged by the
engine; the label says whether its best candidate is acceptable (never, for an
out-of-scope message). Five-fold cross-validation gives each message a
probability from a model that did not see it: the Brier score, the reliability
table and the thresholds come from those. The thresholds are the lowest that
keep wrong answers at or under 2% of FAQ questions in every language and answered
out-of-scope questions at or under 10%; the model written is then fitted on everything.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from faq.confidence import (
    FEATURES,
    LEXICAL,
    LEXICAL_FEATURES,
    Features,
    Model,
    coverage,
)
from faq.engine import FaqEngine

FOLDS = 5
# Cross-validation is repeated with this many shuffles, and the answer threshold holds
# the error rates on average over them: one message more or less does not move it much.
REPEATS = 15
MAX_WRONG = 0.02
MAX_ANSWERED_OUT_OF_SCOPE = 0.10
# Offer topics down to where an offer would hold the right entry this share of the time.
MIN_SUGGESTION_HIT = 0.5
DEFAULT_BLEND = 2.0


Matrix = npt.NDArray[np.float64]


def fit_logistic(x: Matrix, y: Matrix, l2: float = 1.0) -> tuple[Matrix, float]:
    """Weights and bias of an L2-regularised logistic regression (Newton's method) on
    standardised ``x``."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    penalty = np.eye(d + 1) * l2
    penalty[d, d] = 0.0  # the bias is not shrunk
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:d], float(beta[d])


def standardise(x: Matrix) -> tuple[Matrix, Matrix]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def predict(x: Matrix, mean: Matrix, scale: Matrix, weights: Matrix, bias: float) -> Matrix:
    """The regression's probabilities, before the coverage factor."""
    z = ((x - mean) / scale) @ weights + bias
    return np.asarray(1 / (1 + np.exp(-np.clip(z, -30, 30))), dtype=np.float64)


def reliability(p: Matrix, y: Matrix, bins: int = 5) -> list[dict[str, Any]]:
    """Per probability bin: how many, the mean predicted probability, the observed rate."""
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        mask = (p >= lo) & ((p < hi) | (b == bins - 1))
        if mask.any():
            rows.append(
                {
                    "bin": f"{lo:.1f}-{hi:.1f}",
                    "n": int(mask.sum()),
                    "predicted": round(float(p[mask].mean()), 3),
                    "observed": round(float(y[mask].mean()), 3),
                }
            )
    return rows


@dataclass
class Sample:
    """One labelled message as the engine judged it."""

    features: Features
    correct: bool  # its best candidate is an acceptable answer
    in_top3: bool  # an acceptable answer is among the best three
    kind: str
    lang: str = ""


@dataclass
class Fit:
    """A fitted model and what cross-validation measured."""

    model: Model
    brier: float
    table: list[dict[str, Any]]
    figures: dict[str, float] = field(default_factory=dict)


def collect(
    engine: FaqEngine, cases: Iterable[Mapping[str, Any]]
) -> tuple[list[Sample], Counter[str], int]:
    """Samples for the messages the model decides on; and how many FAQ messages there
    were in all, per language, and out-of-scope ones (the denominators of the rates)."""
    samples: list[Sample] = []
    faq: Counter[str] = Counter()
    out_of_scope = 0
    for case in cases:
        kind = case.get("kind")
        if kind not in ("faq", "out_of_scope"):
            continue
        if kind == "faq":
            faq[str(case.get("lang", ""))] += 1
        out_of_scope += kind == "out_of_scope"
        judgement = engine.judge(case["q"], engine.triage.assess(case["q"]).ruled_out)
        if judgement.features is None or engine.gate(case["q"], judgement) is not None:
            continue  # settled without the model
        expect = set(case.get("expect") or ())
        top3 = {r.entry_id for r in judgement.ranked[:3]}
        samples.append(
            Sample(
                judgement.features,
                kind == "faq" and judgement.ranked[0].entry_id in expect,
                kind == "faq" and bool(top3 & expect),
                kind,
                str(case.get("lang", "")),
            )
        )
    return samples, faq, out_of_scope


def fit(
    name: str,
    samples: Sequence[Sample],
    faq: Mapping[str, int],
    out_of_scope: int,
    features: Sequence[str],
    blend: float,
    seed: int = 20261207,
) -> Fit:
    """Cross-validate, choose thresholds, and fit the final model on every sample."""
    x = np.array([s.features.vector(features) for s in samples], dtype=np.float64)
    y = np.array([s.correct for s in samples], dtype=np.float64)
    covered = np.array([coverage(s.features.unknown) for s in samples])
    runs = [
        _cross_validate(x, y, covered, random.Random(seed + repeat)) for repeat in range(REPEATS)
    ]
    answer = _shared_threshold(samples, runs, faq, out_of_scope)
    # figures and Brier score are the means over the shuffles, read at that threshold;
    # the reliability table comes from the first shuffle, and the scaling is the mean of
    # the shuffles'
    slope = float(np.mean([run.slope for run in runs]))
    intercept = float(np.mean([run.intercept for run in runs]))
    # the median over the shuffles
    suggest = float(np.median([_suggest_threshold(samples, run.held_out, answer) for run in runs]))
    mean, scale = standardise(x)
    weights, bias = fit_logistic((x - mean) / scale, y)
    brier = float(np.mean([np.mean((run.calibrated - y) ** 2) for run in runs]))
    table = reliability(runs[0].calibrated, y)
    per_run = [_figures(samples, run.held_out, answer, faq, out_of_scope) for run in runs]
    figures = {key: float(np.mean([f[key] for f in per_run])) for key in per_run[0]}
    report = {
        "fitted_on": len(samples),
        "brier_cross_validated": round(brier, 4),
        "reliability_cross_validated": table,
        **{k: round(v, 4) for k, v in figures.items()},
    }
    model = Model(
        name=name,
        features=tuple(features),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        weights=tuple(float(v) for v in weights),
        bias=bias,
        answer=answer,
        suggest=suggest,
        blend=blend,
        report=report,
        slope=float(slope),
        intercept=float(intercept),
    )
    return Fit(model, brier, table, figures)


@dataclass
class _Run:
    """One shuffle of cross-validation: predictions for messages the fit did not see."""

    held_out: np.ndarray  # Platt-scaled, the scaling fitted on this shuffle's predictions
    calibrated: np.ndarray  # Platt-scaled, the scaling itself cross-fitted
    slope: float
    intercept: float


def _cross_validate(x: np.ndarray, y: np.ndarray, covered: np.ndarray, rng: random.Random) -> _Run:
    order = list(range(len(y)))
    rng.shuffle(order)
    folds = [order[i::FOLDS] for i in range(FOLDS)]
    held_out = np.zeros(len(y))
    for fold in folds:
        train = np.ones(len(y), dtype=bool)
        train[fold] = False
        mean, scale = standardise(x[train])
        weights, bias = fit_logistic((x[train] - mean) / scale, y[train])
        held_out[fold] = predict(x[fold], mean, scale, weights, bias)
    # Platt scaling, fitted on the cross-validated products; its own figures come from
    # cross-fitting it in turn, so the Brier score and the table are on unseen data.
    logits = _logit(held_out * covered)[:, None]
    calibrated = np.zeros(len(y))
    for fold in folds:
        train = np.ones(len(y), dtype=bool)
        train[fold] = False
        (slope,), intercept = fit_logistic(logits[train], y[train], l2=0.0)
        calibrated[fold] = predict(
            logits[fold], np.zeros(1), np.ones(1), np.array([slope]), intercept
        )
    (slope,), intercept = fit_logistic(logits, y, l2=0.0)
    scaled = predict(logits, np.zeros(1), np.ones(1), np.array([slope]), intercept)
    return _Run(scaled, calibrated, float(slope), float(intercept))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)), dtype=np.float64)


def _within_limits(
    samples: Sequence[Sample],
    answered: Sequence[np.ndarray],
    faq: Mapping[str, int],
    out_of_scope: int,
) -> bool:
    """Whether wrong answers, in every language, and answered out-of-scope questions,
    averaged over the shuffles' ``answered`` masks, stay within their limits."""
    errors = [_errors(samples, mask) for mask in answered]
    for lang, total in faq.items():
        if np.mean([wrong.get(lang, 0) for wrong, _ in errors]) > MAX_WRONG * total:
            return False
    return bool(
        np.mean([leaked for _, leaked in errors]) <= MAX_ANSWERED_OUT_OF_SCOPE * out_of_scope
    )


def _answer_threshold(
    samples: Sequence[Sample], p: np.ndarray, faq: Mapping[str, int], out_of_scope: int
) -> float:
    for t in sorted(set(np.round(p, 4).tolist())):
        if _within_limits(samples, [p >= t], faq, out_of_scope):
            return float(t)
    return 1.0


def _shared_threshold(
    samples: Sequence[Sample], runs: Sequence[_Run], faq: Mapping[str, int], out_of_scope: int
) -> float:
    """The lowest of the shuffles' own thresholds at which wrong answers in every language,
    and answered out-of-scope questions, averaged over every shuffle, stay within their
    limits (the targets hold per language, so does the threshold)."""
    own = sorted({_answer_threshold(samples, run.held_out, faq, out_of_scope) for run in runs})
    for t in own:
        if _within_limits(samples, [run.held_out >= t for run in runs], faq, out_of_scope):
            return t
    return own[-1]


def _errors(samples: Sequence[Sample], answered: Iterable[bool]) -> tuple[Counter[str], int]:
    """Wrong answers to FAQ questions, per language, and answers to out-of-scope questions."""
    wrong: Counter[str] = Counter()
    leaked = 0
    for sample, yes in zip(samples, answered, strict=True):
        if yes and sample.kind == "faq" and not sample.correct:
            wrong[sample.lang] += 1
        leaked += bool(yes and sample.kind == "out_of_scope")
    return wrong, leaked


def _suggest_threshold(samples: Sequence[Sample], p: np.ndarray, answer: float) -> float:
    """Below the answer threshold, the probability at which offering the three nearest
    topics holds the right entry ``MIN_SUGGESTION_HIT`` of the time: a logistic fit of
    that hit on the logit of the probability, so that no single message moves it much."""
    below = p < answer
    if not below.any():
        return answer
    logits = _logit(p[below])[:, None]
    hits = np.array([s.in_top3 for s, b in zip(samples, below, strict=True) if b], dtype=float)
    if hits.min() == hits.max():
        return float(p[below].min()) if hits[0] else answer
    (slope,), intercept = fit_logistic(logits, hits, l2=0.0)
    if slope <= 0:
        return answer  # offers are no likelier to hold the entry as the probability rises
    target = math.log(MIN_SUGGESTION_HIT / (1 - MIN_SUGGESTION_HIT))
    threshold = 1 / (1 + math.exp(-(target - intercept) / slope))
    return float(min(answer, max(threshold, 0.0)))


def _figures(
    samples: Sequence[Sample],
    p: np.ndarray,
    answer: float,
    faq: Mapping[str, int],
    out_of_scope: int,
) -> dict[str, float]:
    answered = p >= answer
    right = sum(1 for s, a in zip(samples, answered, strict=True) if a and s.correct)
    wrong, leaked = _errors(samples, answered)
    total = max(1, sum(faq.values()))
    return {
        "accuracy_cross_validated": right / total,
        "wrong_cross_validated": sum(wrong.values()) / total,
        "refusal_cross_validated": 1 - leaked / max(1, out_of_scope),
    }


def placeholder(name: str) -> Model:
    """A model with every feature and no opinion, for an encoder not fitted yet."""
    zeros = tuple(0.0 for _ in FEATURES)
    ones = tuple(1.0 for _ in FEATURES)
    return Model(name, FEATURES, zeros, ones, zeros, 0.0, 0.5, 0.0, DEFAULT_BLEND, {})


def calibrate(
    engine: FaqEngine, cases: Sequence[Mapping[str, Any]], blend: float = DEFAULT_BLEND
) -> dict[str, Fit]:
    """Fit the words-only model and, when ``engine`` has an encoder, the semantic one.

    The cases are put in a canonical order first, so the folds, and the thresholds,
    do not depend on the order the sets were given in."""
    cases = sorted(cases, key=lambda c: (str(c.get("q")), str(c.get("kind")), str(c.get("lang"))))
    fits = {}
    # the ranking blends meaning by the blend being fitted; the engine is left as it was
    model, semantic = engine.model, engine.semantic
    engine.model = replace(model, blend=blend)
    try:
        samples, faq, out_of_scope = collect(engine, cases)
        if semantic is not None:
            name = semantic.encoder.name
            fits[name] = fit(name, samples, faq, out_of_scope, FEATURES, blend)
        engine.semantic = None
        samples, faq, out_of_scope = collect(engine, cases)
        fits[LEXICAL] = fit(LEXICAL, samples, faq, out_of_scope, LEXICAL_FEATURES, 0.0)
    finally:
        engine.model, engine.semantic = model, semantic
    return fits
