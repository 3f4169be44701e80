"""The ``/stats`` chart as PNG bytes, from the per-day outcome counts of the store.

Two panels, drawn for a phone screen (1000 px wide, large type, four colours that stay
apart for colour-blind readers): questions per day as bars stacked by outcome, with the
share answered as a line on its own 0-100 % axis; below, the same outcomes per language.
Long periods are summed per week or per month, so a bar never gets thinner than a few
pixels. A period without questions gives a chart that says so.

:func:`stats_chart` draws in the calling process, with matplotlib's object-oriented API
(a :class:`~matplotlib.figure.Figure` on the Agg canvas, never ``pyplot`` and its global
state); ``skinfaq review stats --plot`` uses it. The bot calls :func:`draw`, which runs
the same function in a short-lived ``python -m bot.charts`` process: matplotlib and numpy
would otherwise stay in the bot for good after the first /stats, about 85 MB on top of
its 70-90 MB (``bench/bench_chart.py``), and matplotlib is not thread-safe. The event
loop goes on while the child starts, imports and draws, in about 0.6 s.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from bot.storage import OutcomeCounts

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

logger = logging.getLogger(__name__)

DailyCounts = Mapping[date, Mapping[str, OutcomeCounts]]
"""Outcome counts by UTC day, then by language, as ``Store.daily_outcomes`` returns them."""
Unit = Literal["day", "week", "month"]

WIDTH_PX: Final = 1000
DPI: Final = 100
MAX_DAILY_BARS: Final = 62  # beyond two months a day's bar is too thin to read on a phone
MAX_WEEKLY_BARS: Final = 60
MAX_TICK_LABELS: Final = 7
# Okabe-Ito colours: told apart with every common colour-vision deficiency.
OUTCOMES: Final[tuple[tuple[str, str], ...]] = (
    ("answered", "#009E73"),  # bluish green
    ("suggest", "#E69F00"),  # orange
    ("unanswered", "#D55E00"),  # vermillion
    ("smalltalk", "#BBBBBB"),  # grey: not a question about milia
)
SHARE_COLOUR: Final = "#0072B2"  # blue
TEXT_PT: Final = 17
TITLE_PT: Final = 21
DRAW_TIMEOUT: Final = 60.0  # seconds; a chart takes well under one


class ChartError(Exception):
    """The chart could not be drawn (the message says why)."""


@dataclass(frozen=True)
class ChartLabels:
    """Every word on the chart, and the locale that writes its dates, numbers, shares and
    language names. Plain strings, so that they cross to the drawing process as JSON.

    The defaults are English; the bot passes the admin's language.
    """

    answered: str = "Answered"
    suggest: str = "Suggested"
    unanswered: str = "Unanswered"
    smalltalk: str = "Small talk"
    share: str = "Share answered"
    questions: str = "Questions"
    per_day: str = "Questions per day"
    per_week: str = "Questions per week"
    per_month: str = "Questions per month"
    by_language: str = "By language"
    empty: str = "No questions in this period."
    locale: str = "en"

    def outcome(self, status: str) -> str:
        label: str = getattr(self, status)
        return label

    def day(self, day: date) -> str:
        return format_date(day, "d MMM", locale=self.locale)

    def month(self, day: date) -> str:
        return format_date(day, "MMM yyyy", locale=self.locale)

    def percent(self, share: float) -> str:
        return format_percent(share, "#,##0%", locale=self.locale)

    def number(self, n: int) -> str:
        return format_decimal(n, locale=self.locale)

    def language(self, code: str) -> str:
        """A language's name in this locale ("Indonesian", "Inggris"), else its code."""
        name: str | None = Locale.parse(self.locale).languages.get(code)
        return name or code


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of the top panel: the day, week or month starting at ``start``."""

    start: date
    counts: OutcomeCounts


def _add(a: OutcomeCounts, b: OutcomeCounts) -> OutcomeCounts:
    return OutcomeCounts(
        a.answered + b.answered,
        a.suggest + b.suggest,
        a.unanswered + b.unanswered,
        a.smalltalk + b.smalltalk,
    )


def _sum(counts: Iterable[OutcomeCounts]) -> OutcomeCounts:
    total = OutcomeCounts()
    for c in counts:
        total = _add(total, c)
    return total


def unit_for(first: date, last: date) -> Unit:
    """Days for up to two months, weeks for up to about a year, then months."""
    days = (last - first).days + 1
    if days <= MAX_DAILY_BARS:
        return "day"
    return "week" if days <= 7 * MAX_WEEKLY_BARS else "month"


def _bin_start(day: date, unit: Unit, first: date) -> date:
    if unit == "day":
        return day
    start = day - timedelta(days=day.weekday()) if unit == "week" else day.replace(day=1)
    return max(start, first)  # the first bar starts with the period, not before it


def bars(daily: DailyCounts, first: date, last: date) -> tuple[Unit, list[Bar]]:
    """Every day, week or month from ``first`` to ``last`` (inclusive), empty ones too."""
    unit = unit_for(first, last)
    totals: dict[date, OutcomeCounts] = {}
    day = first
    while day <= last:
        start = _bin_start(day, unit, first)
        counts = _sum(daily.get(day, {}).values())
        totals[start] = _add(totals.get(start, OutcomeCounts()), counts)
        day += timedelta(days=1)
    return unit, [Bar(start, counts) for start, counts in totals.items()]


def answered_shares(series: Sequence[Bar]) -> list[float]:
    """The share answered of each bar; NaN (a gap in the line) where nobody asked."""
    return [b.counts.answered / b.counts.total if b.counts.total else math.nan for b in series]


def by_language(daily: DailyCounts) -> dict[str, OutcomeCounts]:
    """The whole period per language, most questions first."""
    per_lang: dict[str, OutcomeCounts] = {}
    for langs in daily.values():
        for lang, counts in langs.items():
            per_lang[lang] = _add(per_lang.get(lang, OutcomeCounts()), counts)
    return dict(sorted(per_lang.items(), key=lambda kv: (-kv[1].total, kv[0])))


def stats_chart(
    daily: DailyCounts,
    *,
    first: date,
    last: date,
    title: str,
    labels: ChartLabels | None = None,
) -> bytes:
    """The chart of ``first``..``last`` (UTC days, inclusive) as PNG bytes."""
    # Imported here: the bot imports this module for draw() and must not load matplotlib.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = labels or ChartLabels()
    unit, series = bars(daily, first, last)
    langs = by_language(daily)
    if not any(b.counts.total for b in series):
        fig = Figure(figsize=(WIDTH_PX / DPI, 5), dpi=DPI, layout="constrained")
        fig.suptitle(title, fontsize=TITLE_PT, fontweight="bold")
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, labels.empty, ha="center", va="center", fontsize=TITLE_PT + 3)
    else:
        height = 7.5 + 0.9 * max(len(langs), 2)
        fig = Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI, layout="constrained")
        fig.suptitle(title, fontsize=TITLE_PT, fontweight="bold")
        top, bottom = fig.subplots(2, 1, height_ratios=[6.5, 0.9 * max(len(langs), 2)])
        handles, names = _draw_bars(top, unit, series, labels)
        _draw_languages(bottom, langs, labels)
        fig.legend(
            handles, names, loc="outside lower center", ncols=3, fontsize=TEXT_PT,
            frameon=False, columnspacing=1.2, handlelength=1.5,
        )  # fmt: skip
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _style(ax: Axes) -> None:
    ax.tick_params(labelsize=TEXT_PT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _draw_bars(
    ax: Axes, unit: Unit, series: Sequence[Bar], labels: ChartLabels
) -> tuple[list[Artist], list[str]]:
    """Bars stacked by outcome, the share answered on a right-hand axis; returns the
    legend entries of both."""
    from matplotlib.ticker import MaxNLocator

    xs = list(range(len(series)))
    bottom = [0] * len(series)
    for status, colour in OUTCOMES:
        heights = [getattr(b.counts, status) for b in series]
        ax.bar(xs, heights, bottom=bottom, color=colour, width=0.8, label=labels.outcome(status))
        bottom = [lo + h for lo, h in zip(bottom, heights, strict=True)]
    titles = {"day": labels.per_day, "week": labels.per_week, "month": labels.per_month}
    ax.set_title(titles[unit], fontsize=TEXT_PT + 1, loc="left")
    ax.set_ylabel(labels.questions, fontsize=TEXT_PT)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.set_ylim(0, max(bottom) * 1.15)
    ax.set_xlim(-0.6, len(series) - 0.4)
    step = -(-len(series) // MAX_TICK_LABELS)
    name = labels.month if unit == "month" else labels.day
    ax.set_xticks(xs[::step], [name(series[i].start) for i in xs[::step]])
    _style(ax)

    share = ax.twinx()
    share.plot(
        xs, answered_shares(series), color=SHARE_COLOUR, linewidth=3,
        marker="o" if len(series) <= 31 else None, markersize=7, label=labels.share,
    )  # fmt: skip
    ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
    share.set_yticks(ticks, [labels.percent(t) for t in ticks])
    share.set_ylim(0, 1.05)
    share.tick_params(labelsize=TEXT_PT, colors=SHARE_COLOUR)
    share.spines["top"].set_visible(False)
    share.spines["right"].set_color(SHARE_COLOUR)
    if len(series) <= 16:  # room for the total above each bar
        for x, total in zip(xs, bottom, strict=True):
            if total:
                # On the share axis, drawn last, so the line never crosses out a number.
                share.annotate(
                    labels.number(total), (x, total), xycoords=ax.transData, xytext=(0, 4),
                    textcoords="offset points", ha="center", va="bottom", fontsize=TEXT_PT - 3,
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
                )  # fmt: skip
    handles, names = ax.get_legend_handles_labels()
    line_handles, line_names = share.get_legend_handles_labels()
    return [*handles, *line_handles], [*names, *line_names]


def _draw_languages(ax: Axes, langs: Mapping[str, OutcomeCounts], labels: ChartLabels) -> None:
    """One horizontal bar per language, stacked by outcome, with its total and share."""
    ys = list(range(len(langs)))
    left = [0] * len(langs)
    for status, colour in OUTCOMES:
        widths = [getattr(c, status) for c in langs.values()]
        ax.barh(ys, widths, left=left, color=colour, height=0.7)
        left = [lo + w for lo, w in zip(left, widths, strict=True)]
    for y, counts in zip(ys, langs.values(), strict=True):
        share = labels.percent(counts.answered / counts.total) if counts.total else "–"
        ax.annotate(
            f" {labels.number(counts.total)} · {share}", (counts.total, y), xytext=(4, 0),
            textcoords="offset points", va="center", fontsize=TEXT_PT,
        )  # fmt: skip
    ax.set_yticks(ys, [labels.language(lang) for lang in langs])
    ax.invert_yaxis()  # most questions on top
    ax.set_xlim(0, max(left, default=1) * 1.3)
    ax.set_title(labels.by_language, fontsize=TEXT_PT + 1, loc="left")
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    _style(ax)


# -- drawing in a child process ---------------------------------------------------------------


def encode_request(
    daily: DailyCounts, *, first: date, last: date, title: str, labels: ChartLabels
) -> bytes:
    """What :func:`draw` sends the child: the arguments of :func:`stats_chart` as JSON."""
    return json.dumps(
        {
            "daily": {
                day.isoformat(): {lang: list(asdict(c).values()) for lang, c in langs.items()}
                for day, langs in daily.items()
            },
            "first": first.isoformat(),
            "last": last.isoformat(),
            "title": title,
            "labels": asdict(labels),
        }
    ).encode()


def decode_request(raw: bytes) -> dict[str, Any]:
    """The keyword arguments of :func:`stats_chart` from :func:`encode_request`'s JSON."""
    request = json.loads(raw)
    return {
        "daily": {
            date.fromisoformat(day): {lang: OutcomeCounts(*c) for lang, c in langs.items()}
            for day, langs in request["daily"].items()
        },
        "first": date.fromisoformat(request["first"]),
        "last": date.fromisoformat(request["last"]),
        "title": str(request["title"]),
        "labels": ChartLabels(**request["labels"]),
    }


async def draw(
    daily: DailyCounts,
    *,
    first: date,
    last: date,
    title: str,
    labels: ChartLabels | None = None,
) -> bytes:
    """:func:`stats_chart`, drawn by ``python -m bot.charts``; raises ChartError."""
    request = encode_request(
        daily, first=first, last=last, title=title, labels=labels or ChartLabels()
    )
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.charts",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
    except OSError as exc:
        raise ChartError(f"cannot start the chart process: {exc}") from exc
    try:
        async with asyncio.timeout(DRAW_TIMEOUT):
            png, errors = await child.communicate(request)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise ChartError(f"the chart process took more than {DRAW_TIMEOUT:g} s") from None
    if child.returncode != 0 or not png.startswith(b"\x89PNG"):
        lines = errors.decode(errors="replace").strip().splitlines() or ["no message"]
        raise ChartError(f"the chart process failed (exit {child.returncode}): {lines[-1]}")
    return png


def main() -> int:
    """``python -m bot.charts``: a request from standard input, the PNG to standard output."""
    sys.stdout.buffer.write(stats_chart(**decode_request(sys.stdin.buffer.read())))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
