"""Regression floors on the development set and on three held-out sets written without it.

The floors are today's figures (see README "Matching quality"); raise them as
the engine improves, never lower them to make a change pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.engine import FaqEngine
from faq.evaluate import Report, evaluate, read_cases

DATA = Path(__file__).parent / "data"
FLOORS = {
    # set: {metric: (floor or ceiling, higher is better)}
    "dev.jsonl": {
        "accuracy": (0.98, True),
        "wrong": (0.01, False),
        "refusal": (1.0, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    "heldout.jsonl": {
        "accuracy": (0.98, True),
        "wrong": (0.0, False),
        "refusal": (1.0, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    "heldout-3.jsonl": {
        "accuracy": (0.955, True),
        "wrong": (0.0, False),
        "refusal": (1.0, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # Written to trip the triage up: red flags and look-alikes only, so safety only.
    "safety-probes.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.05, False),
    },
    "heldout-2.jsonl": {
        "accuracy": (0.975, True),
        "wrong": (0.0, False),
        "refusal": (1.0, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
}


# The figures the FAQ core must reach on the development set, in each language.
TARGETS = {
    "accuracy": (0.95, True),
    "wrong": (0.02, False),
    "refusal": (0.90, True),
    "smalltalk": (0.95, True),
    "safety_recall": (1.0, True),
    "false_alarms": (0.02, False),
}
LANGUAGES = ("id", "en", "mixed")


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine.load()


@pytest.fixture(scope="module")
def reports(engine: FaqEngine) -> dict[str, Report]:
    out = {}
    for name in FLOORS:
        with (DATA / name).open(encoding="utf-8") as fp:
            out[name] = evaluate(read_cases(fp), lambda q: engine.ask(q))
    return out


@pytest.mark.parametrize(
    ("name", "metric"), [(n, m) for n, metrics in FLOORS.items() for m in metrics]
)
def test_floor(reports: dict[str, Report], name: str, metric: str) -> None:
    bound, higher_is_better = FLOORS[name][metric]
    rate = reports[name].rate(metric)
    assert rate is not None
    if higher_is_better:
        assert rate >= bound, f"{name}: {metric} fell to {rate:.3f} (floor {bound})"
    else:
        assert rate <= bound, f"{name}: {metric} rose to {rate:.3f} (ceiling {bound})"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("metric", list(TARGETS))
def test_dev_target_in_each_language(reports: dict[str, Report], metric: str, lang: str) -> None:
    bound, higher_is_better = TARGETS[metric]
    rate = reports["dev.jsonl"].rate(metric, lang)
    assert rate is not None, f"no {lang} messages for {metric}"
    if higher_is_better:
        assert rate >= bound, f"{lang}: {metric} is {rate:.3f} (target {bound})"
    else:
        assert rate <= bound, f"{lang}: {metric} is {rate:.3f} (target {bound})"


def _plain(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


def test_no_development_message_is_a_phrasing(engine: FaqEngine) -> None:
    # The development set measures how the engine copes with new wordings: a message
    # copied into the tree would be measured against itself.
    phrasings = {
        _plain(p)
        for entry in engine.tree.entries.values()
        for lang in ("en", "id")
        for p in entry.phrasings[lang]
    }
    with (DATA / "dev.jsonl").open(encoding="utf-8") as fp:
        copied = [case["q"] for case in read_cases(fp) if _plain(case["q"]) in phrasings]
    assert copied == []
