"""The /stats chart: the per-day query behind it, how days become bars, and the PNG.

The handler tests (tests/test_admin.py) check that an admin gets it; these check what is
on it.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import charts
from bot.charts import ChartLabels, answered_shares, bars, by_language, stats_chart, unit_for
from bot.storage import OutcomeCounts, OutcomeStatus, Store
from tests.clock import Clock
from tests.png import decode, has_colour, png_size

KEY = b"test-key-0123456789abcdef"
T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
D0 = T0.date()


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def store(tmp_path: Path, clock: Clock) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "bot.sqlite3", user_hash_key=KEY, clock=clock) as s:
        yield s


def counts(
    answered: int = 0, suggest: int = 0, unanswered: int = 0, smalltalk: int = 0
) -> OutcomeCounts:
    return OutcomeCounts(answered, suggest, unanswered, smalltalk)


def days(first: date, n: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(n)]


# -- the query ------------------------------------------------------------------------------


async def test_daily_outcomes_counts_per_utc_day_and_language(store: Store, clock: Clock) -> None:
    logged: list[tuple[timedelta, str, OutcomeStatus]] = [
        (timedelta(days=-40), "id", "answered"),  # before the window
        (timedelta(days=-2, hours=-13), "id", "answered"),  # 23:00 UTC, three days back
        (timedelta(days=-2, hours=-13), "id", "suggest"),
        (timedelta(days=-2, hours=-12), "id", "answered"),  # 00:00 UTC, the next day
        (timedelta(days=-2, hours=-12), "en", "unanswered"),
        (timedelta(days=-1), "en", "smalltalk"),
        (timedelta(0), "id", "answered"),
        (timedelta(0), "id", "answered"),
    ]
    for delta, lang, status in logged:
        clock.now = T0 + delta
        entry = "what-is-milia" if status == "answered" else None
        await store.log_outcome(lang=lang, status=status, entry_id=entry, chat_type="private")
    clock.now = T0
    daily = await store.daily_outcomes(since=T0 - timedelta(days=30))
    assert daily == {
        D0 - timedelta(days=3): {"id": counts(answered=1, suggest=1)},
        D0 - timedelta(days=2): {"id": counts(answered=1), "en": counts(unanswered=1)},
        D0 - timedelta(days=1): {"en": counts(smalltalk=1)},
        D0: {"id": counts(answered=2)},
    }
    assert list(daily) == sorted(daily)  # oldest first
    stats = await store.stats(since=T0 - timedelta(days=30))
    per_day = by_language(daily)
    assert per_day == dict(stats.by_lang)  # the chart adds up to the text's figures
    tomorrow = T0 + timedelta(days=1)
    assert await store.daily_outcomes(since=tomorrow, until=tomorrow) == {}


async def test_daily_outcomes_sees_counts_not_yet_written(store: Store) -> None:
    # Outcomes are counted in memory and written every few seconds: a chart asked for at
    # once must include them.
    await store.log_outcome(lang="id", status="answered", entry_id="e", chat_type="private")
    daily = await store.daily_outcomes(since=T0 - timedelta(days=1))
    assert daily == {D0: {"id": counts(answered=1)}}


# -- days into bars -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "unit"),
    [(1, "day"), (31, "day"), (62, "day"), (63, "week"), (366, "week"), (421, "month")],
)
def test_long_periods_are_summed_per_week_or_month(days: int, unit: str) -> None:
    assert unit_for(D0, D0 + timedelta(days=days - 1)) == unit


def test_every_day_gets_a_bar_even_without_questions() -> None:
    daily = {D0 + timedelta(days=2): {"id": counts(answered=3), "en": counts(unanswered=1)}}
    unit, series = bars(daily, D0, D0 + timedelta(days=4))
    assert unit == "day"
    assert [b.start for b in series] == days(D0, 5)
    assert [b.counts.total for b in series] == [0, 0, 4, 0, 0]
    shares = answered_shares(series)
    assert shares[2] == 0.75 and all(math.isnan(s) for i, s in enumerate(shares) if i != 2)


def test_weeks_start_on_monday_and_keep_every_question() -> None:
    first = date(2025, 1, 1)  # a Wednesday
    last = date(2025, 4, 30)
    daily = {
        d: {"id": counts(answered=1, unanswered=i % 2)} for i, d in enumerate(days(first, 120))
    }
    unit, series = bars(daily, first, last)
    assert unit == "week"
    assert series[0].start == first  # the first week starts with the period
    assert all(b.start.weekday() == 0 for b in series[1:])
    assert series[1].start == date(2025, 1, 6)
    assert sum(b.counts.answered for b in series) == 120
    assert sum(b.counts.unanswered for b in series) == 60
    assert series[1].counts.answered == 7


def test_months_over_years() -> None:
    first, last = date(2022, 1, 15), date(2025, 1, 14)
    daily = {d: {"en": counts(suggest=1)} for d in days(first, 10)}
    unit, series = bars(daily, first, last)
    assert unit == "month" and len(series) == 37
    assert series[0] == charts.Bar(first, counts(suggest=10))
    assert series[1].start == date(2022, 2, 1)


def test_languages_with_most_questions_first() -> None:
    daily = {
        D0: {"en": counts(answered=1), "id": counts(answered=2)},
        D0 + timedelta(days=1): {"id": counts(unanswered=3), "xx": counts(smalltalk=9)},
    }
    assert by_language(daily) == {
        "xx": counts(smalltalk=9),
        "id": counts(answered=2, unanswered=3),
        "en": counts(answered=1),
    }


# -- the picture ----------------------------------------------------------------------------


def test_the_chart_is_a_phone_sized_png_with_every_outcome() -> None:
    daily = {
        D0 + timedelta(days=i): {"id": counts(5 + i, 2, 3, 1), "en": counts(2, 1, 1, 1)}
        for i in range(0, 30, 2)
    }
    png = stats_chart(daily, first=D0, last=D0 + timedelta(days=29), title="Last 30 days")
    width, height = png_size(png)
    assert width == 1000 and 700 <= height <= 1300
    pixels = decode(png)
    for status, colour in charts.OUTCOMES:
        assert has_colour(pixels, colour), status


def test_an_empty_period_is_a_chart_that_says_so() -> None:
    png = stats_chart({}, first=D0, last=D0 + timedelta(days=6), title="Last 7 days")
    assert png_size(png)[0] == 1000
    pixels = decode(png)
    # Not one pixel of a bar or a legend swatch; small talk's grey is left out, as the
    # antialiased edges of black text have it too.
    coloured = [colour for status, colour in charts.OUTCOMES if status != "smalltalk"]
    assert not any(has_colour(pixels, colour, at_least=1) for colour in coloured)


@dataclass(frozen=True)
class SpyLabels(ChartLabels):
    """English labels that note every date, share and language they write."""

    seen: dict[str, list[object]] = field(
        default_factory=lambda: {"day": [], "month": [], "percent": [], "language": []}
    )

    def day(self, day: date) -> str:
        self.seen["day"].append(day)
        return super().day(day)

    def month(self, day: date) -> str:
        self.seen["month"].append(day)
        return super().month(day)

    def percent(self, share: float) -> str:
        self.seen["percent"].append(share)
        return super().percent(share)

    def language(self, code: str) -> str:
        self.seen["language"].append(code)
        return super().language(code)


@pytest.mark.parametrize("days", [7, 90, 1000])
def test_dates_shares_and_languages_go_through_the_labels(days: int) -> None:
    labels = SpyLabels()
    last = D0 + timedelta(days=days - 1)
    daily = {D0: {"id": counts(answered=1)}, last: {"en": counts(unanswered=1)}}
    png_size(stats_chart(daily, first=D0, last=last, title="t", labels=labels))
    seen = labels.seen
    assert set(seen["language"]) == {"id", "en"}
    assert {0.0, 0.5, 1.0} <= set(seen["percent"])  # the share axis and the language bars
    dates = seen["month"] if days > 7 * charts.MAX_WEEKLY_BARS else seen["day"]
    assert D0 in dates and 2 <= len(dates) <= charts.MAX_TICK_LABELS


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ("27 May", "May 2025", "58%", "1,465", "Indonesian")),
        ("id", ("27 Mei", "Mei 2025", "58%", "1.465", "Indonesia")),
    ],
)
def test_labels_write_dates_numbers_and_languages_per_locale(
    locale: str, expected: tuple[str, ...]
) -> None:
    labels = ChartLabels(locale=locale)
    day = date(2025, 5, 27)
    written = (
        labels.day(day), labels.month(day), labels.percent(0.583), labels.number(1465),
        labels.language("id"),
    )  # fmt: skip
    assert written == expected
    assert labels.language("xx") == "xx"  # an unknown code stays as it is


# -- drawing in a child process -------------------------------------------------------------


def sample() -> dict[date, dict[str, OutcomeCounts]]:
    return {
        D0 + timedelta(days=i): {"id": counts(5 + i, 2, 3, 1), "en": counts(2, 1, 1, i % 2)}
        for i in range(0, 20, 3)
    }


def test_a_request_crosses_to_the_child_unchanged() -> None:
    labels = ChartLabels(answered="Terjawab", locale="id")
    raw = charts.encode_request(
        sample(), first=D0, last=D0 + timedelta(days=19), title="t", labels=labels
    )
    assert charts.decode_request(raw) == {
        "daily": sample(),
        "first": D0,
        "last": D0 + timedelta(days=19),
        "title": "t",
        "labels": labels,
    }


async def test_the_child_draws_the_same_chart() -> None:
    args: dict[str, Any] = {"first": D0, "last": D0 + timedelta(days=19), "title": "Last days"}
    labels = ChartLabels(answered="Terjawab", locale="id")
    drawn = await charts.draw(sample(), labels=labels, **args)
    assert drawn == stats_chart(sample(), labels=labels, **args)


def test_the_bot_process_never_loads_matplotlib() -> None:
    # Importing the bot and the chart module must leave matplotlib to the child process.
    code = (
        "import sys, bot.app, bot.charts, bot.handlers.admin.reports; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'numpy')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


async def test_a_failing_or_slow_child_is_a_chart_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "encode_request", lambda *args, **kwargs: b"[]")
    with pytest.raises(charts.ChartError, match=r"failed \(exit 1\): TypeError"):
        await charts.draw({}, first=D0, last=D0, title="t")
    monkeypatch.undo()
    monkeypatch.setattr(charts, "DRAW_TIMEOUT", 0.001)
    with pytest.raises(charts.ChartError, match=r"took more than 0\.001 s"):
        await charts.draw({}, first=D0, last=D0, title="t")
