"""Score the engine on a labelled set of chat messages (the format of the eval README).

Each line is ``{"q", "lang", "kind", "expect", "safety"}``. Metrics are counted
per language (``id``, ``en``, ``mixed``) and overall, exactly as the README
defines them, plus how well the confidence is calibrated on answered messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faq.answer import Result
from faq.safety import SafetyLevel

GROUPS = ("id", "en", "mixed", "all")


@dataclass(frozen=True, slots=True)
class Metric:
    """One metric: what it is called, which kind it counts over, whether higher is better."""

    key: str
    label: str
    kind: str | None  # None: every kind but red_flag
    higher_is_better: bool = True


METRICS = (
    Metric("accuracy", "answer accuracy", "faq"),
    Metric("wrong", "wrong answers", "faq", higher_is_better=False),
    Metric("suggestion_hit", "suggestion hit", "faq"),
    Metric("refusal", "correct refusal", "out_of_scope"),
    Metric("smalltalk", "smalltalk handled", "smalltalk"),
    Metric("safety_recall", "safety recall", "red_flag"),
    Metric("false_alarms", "false alarms", None, higher_is_better=False),
)


@dataclass
class Miss:
    """A message the engine got wrong, with what it did."""

    metric: str
    q: str
    lang: str
    expected: str
    got: str


@dataclass
class Report:
    """Counts per metric and group, the misses, and calibration."""

    hits: dict[tuple[str, str], int] = field(default_factory=dict)
    totals: dict[tuple[str, str], int] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    calibration: list[tuple[float, bool]] = field(default_factory=list)

    def rate(self, metric: str, group: str = "all") -> float | None:
        """The share of messages counted for ``metric`` in ``group``, or None if none were."""
        total = self.totals.get((metric, group), 0)
        return self.hits.get((metric, group), 0) / total if total else None

    def count(self, metric: str, group: str, hit: bool) -> None:
        for g in (group, "all"):
            self.totals[(metric, g)] = self.totals.get((metric, g), 0) + 1
            self.hits[(metric, g)] = self.hits.get((metric, g), 0) + int(hit)

    def expected_calibration_error(self, bins: int = 5) -> float | None:
        """Mean gap between confidence and accuracy over confidence bins (answered only)."""
        if not self.calibration:
            return None
        gap = 0.0
        for b in range(bins):
            lo, hi = b / bins, (b + 1) / bins
            chunk = [
                (c, ok) for c, ok in self.calibration if lo <= c < hi or (b == bins - 1 and c == 1)
            ]
            if chunk:
                mean_conf = sum(c for c, _ in chunk) / len(chunk)
                accuracy = sum(ok for _, ok in chunk) / len(chunk)
                gap += len(chunk) / len(self.calibration) * abs(mean_conf - accuracy)
        return gap

    def as_dict(self) -> dict[str, Any]:
        """Rates and counts per metric and group, for ``--json``."""
        return {
            m.key: {
                g: {"rate": self.rate(m.key, g), "n": self.totals.get((m.key, g), 0)}
                for g in GROUPS
            }
            for m in METRICS
        } | {"calibration_error": self.expected_calibration_error()}


def read_cases(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Parse JSON Lines, skipping blank lines; raise ValueError naming a bad line."""
    cases = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(case, dict) or not isinstance(case.get("q"), str):
            raise ValueError(f"line {number}: needs a string field 'q'")
        cases.append(case)
    return cases


def evaluate(cases: Iterable[Mapping[str, Any]], ask: Callable[[str], Result]) -> Report:
    """Run every case through ``ask`` and count the metrics."""
    report = Report()
    for case in cases:
        _score(report, case, ask(case["q"]))
    return report


def _score(report: Report, case: Mapping[str, Any], result: Result) -> None:
    group = case["lang"] if case.get("lang") in GROUPS else "all"
    kind, expect = case.get("kind"), list(case.get("expect") or [])
    got = f"{result.status} {result.entry_id or ''} {[s.entry_id for s in result.suggestions]}"

    def note(metric: str, hit: bool, expected: str, outcome: str = got) -> None:
        report.count(metric, group, hit)
        if not hit:
            report.misses.append(Miss(metric, case["q"], group, expected, outcome.strip()))

    answered = result.status == "answered"
    if kind == "faq":
        correct = answered and result.entry_id in expect
        note("accuracy", correct, " | ".join(expect))
        report.count("wrong", group, answered and result.entry_id not in expect)
        suggested = {s.entry_id for s in result.suggestions}
        hit = result.status == "suggest" and bool(suggested & set(expect))
        report.count("suggestion_hit", group, hit)
        if answered:
            report.calibration.append((result.confidence, correct))
    elif kind == "out_of_scope":
        note("refusal", not answered, "not answered")
    elif kind == "smalltalk":
        note("smalltalk", result.status == "smalltalk", "smalltalk")
    level = SafetyLevel[result.safety.upper()]
    if kind == "red_flag":
        need = SafetyLevel[str(case.get("safety", "none")).upper()]
        note("safety_recall", level >= need, need.label, result.safety)
    else:
        # Counted as a rate of alarms, so a "hit" here is the bad outcome.
        report.count("false_alarms", group, level > SafetyLevel.NONE)
        if level > SafetyLevel.NONE:
            report.misses.append(Miss("false_alarms", case["q"], group, "none", result.safety))


def format_report(report: Report) -> str:
    """A table of every metric per group, then the misses."""
    lines = [f"{'metric':<20}" + "".join(f"{g:>14}" for g in GROUPS)]
    for metric in METRICS:
        cells = []
        for group in GROUPS:
            rate = report.rate(metric.key, group)
            n = report.totals.get((metric.key, group), 0)
            cells.append(f"{'-':>14}" if rate is None else f"{rate * 100:>8.1f}% ({n:>3})")
        lines.append(f"{metric.label:<20}" + "".join(cells))
    ece = report.expected_calibration_error()
    if ece is not None:
        lines.append(f"calibration error (answered, 5 bins): {ece:.3f}")
    if report.misses:
        lines.append("")
        lines.append(f"{len(report.misses)} messages got wrong:")
        for miss in report.misses:
            lines.append(f"  [{miss.metric}] ({miss.lang}) {miss.q!r}")
            lines.append(f"      expected {miss.expected}; got {miss.got}")
    return "\n".join(lines)
