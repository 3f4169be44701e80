"""Admin review in Telegram: gating, /review and its buttons, /stats (chart and text) and
/export.

Each test drives the real PTB ``Application`` with ``process_update`` against the fake Bot
API (which rejects bad HTML and callback_data over 64 bytes), with its own database and an
error handler that fails the test on any exception in a handler. The application is the
production one (``bot.app.build_application``), so "a non-admin sees an unknown command"
is checked against the real unknown-command and stale-button handlers.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from telegram import Update

from bot import charts
from bot.app import build_application
from bot.context import BotApplication, BotContext
from bot.export import COLUMNS
from bot.handlers import admin
from bot.handlers.admin.reports import caption_fits
from bot.settings import Settings
from bot.storage import OutcomeStatus, ReviewStatus, Store
from faq.engine import FaqEngine
from tests.clock import Clock
from tests.fakebotapi import Call, FakeBotAPI
from tests.png import decode, has_colour, png_size

ADMIN = 777
OTHER = 555
KEY = b"test-key-0123456789abcdef"
FASTING = "milia kok muncul pas lagi puasa ramadhan"
TARGET = "prevention"  # an entry that does not answer FASTING before review
CONTAGIOUS = "milia bisa menular ga?"
LASER_PRICE = "how much does laser removal cost"


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine.load()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(tmp_path: Path, clock: Clock) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "bot.sqlite3", user_hash_key=KEY, clock=clock) as s:
        yield s


AppFactory = Callable[[FaqEngine], Awaitable[BotApplication]]


@pytest.fixture
def errors() -> list[BaseException]:
    """Exceptions that reached the error handler; any left at the end fails the test."""
    return []


@pytest.fixture
async def make_app(
    api: FakeBotAPI, store: Store, tmp_path: Path, errors: list[BaseException]
) -> AsyncIterator[AppFactory]:
    """The bot as production builds it, with one admin, over this test's store."""
    apps: list[BotApplication] = []

    async def fail_on_error(update: object, context: BotContext) -> None:
        errors.append(context.error or RuntimeError("error handler called without an error"))

    async def factory(engine: FaqEngine) -> BotApplication:
        settings = Settings(
            token="123:TEST",
            base_url=api.base_url,
            admin_ids=frozenset({ADMIN}),
            database=tmp_path / "bot.sqlite3",
            user_hash_key_value="k",
        )
        app = build_application(settings, engine=engine, store=store, rate_limit=False)
        app.add_error_handler(fail_on_error)
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
    if errors:
        raise errors[0]


@pytest.fixture
async def app(make_app: AppFactory, engine: FaqEngine) -> BotApplication:
    return await make_app(engine)


async def process(app: BotApplication, api: FakeBotAPI, update: dict[str, Any]) -> list[Call]:
    """Deliver one update and return the Bot API calls it caused."""
    api.clear_calls()
    await app.process_update(Update.de_json(update, app.bot))
    return api.calls()


async def command(
    app: BotApplication, api: FakeBotAPI, text: str, user_id: int = ADMIN, **options: Any
) -> list[Call]:
    name, _, args = text.partition(" ")
    update = api.command(name, args, user_id=user_id, push=False, **options)
    return await process(app, api, update)


async def press(
    app: BotApplication, api: FakeBotAPI, data: str, user_id: int = ADMIN, **options: Any
) -> list[Call]:
    update = api.callback_query(data, user_id=user_id, push=False, **options)
    return await process(app, api, update)


def buttons(call: Call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


async def seed_questions(store: Store, engine: FaqEngine) -> dict[str, int]:
    """Three groups: fasting x3 (3 users), contagious x2 (1 user), laser price x1.

    Returns the newest question id of each group, by text.
    """
    newest: dict[str, int] = {}
    for text, users, lang in (
        (FASTING, (1, 2, 3), "id"),
        (CONTAGIOUS, (4, 4), "id"),
        (LASER_PRICE, (5,), "en"),
    ):
        result = engine.ask(text)
        for user in users:
            qid = await store.log_question(
                user_id=user,
                text=text,
                group_key=engine.group_key(text),
                lang=lang,
                chat_type="private",
                status="suggest" if result.status == "suggest" else "unanswered",
                candidates=result.candidates,
            )
            assert qid is not None
            newest[text] = qid
    return newest


# -- gating ---------------------------------------------------------------------------------


async def test_non_admin_reaches_no_admin_command(
    app: BotApplication, api: FakeBotAPI, store: Store, engine: FaqEngine
) -> None:
    await seed_questions(store, engine)
    baseline = await command(app, api, "nosuchcommand", user_id=OTHER)
    expected = [(c.method, c.params.get("text")) for c in baseline]
    assert [method for method, _ in expected] == ["sendMessage"]
    for text in ("review", "stats", "stats 7", "stats abc", "export", "export 30", "review 2"):
        calls = await command(app, api, text, user_id=OTHER)
        assert [(c.method, c.params.get("text")) for c in calls] == expected, text
        assert not api.calls("sendPhoto"), text  # no chart for anyone but an admin


async def test_admin_commands_in_a_group_chat_are_not_admin_commands(
    app: BotApplication, api: FakeBotAPI
) -> None:
    for options in ({"chat_type": "group"}, {"chat_type": "group", "mention": True}):
        baseline = await command(app, api, "nosuchcommand", **options)
        expected = [(c.method, c.params.get("text")) for c in baseline]
        for text in ("review", "stats", "export"):
            calls = await command(app, api, text, **options)
            assert [(c.method, c.params.get("text")) for c in calls] == expected
            assert not api.calls("sendPhoto")


async def test_forged_admin_buttons_from_a_non_admin_change_nothing(
    app: BotApplication, api: FakeBotAPI, store: Store, engine: FaqEngine
) -> None:
    ids = await seed_questions(store, engine)
    qid = ids[FASTING]
    await command(app, api, "nosuchcommand", user_id=OTHER)  # a bot message to press under
    stale = await press(app, api, "zz:not-a-button", user_id=OTHER)
    assert [c.method for c in stale] == ["answerCallbackQuery"]
    expected = stale[0].params.get("text")
    forged = [
        "adm:rv:0",
        "adm:rv:1",
        f"adm:gq:0:{qid}",
        f"adm:at:{qid}",
        f"adm:at:{qid}:about",
        f"adm:ae:{qid}:{TARGET}",
        f"adm:ig:{qid}",
        f"adm:rs:{qid}",
        "adm:",
        "adm:xx",
        "adm:rv:0\n",
        f"adm:ig:{qid}\n",
        "adm:ig:99999999999999999999",
        f"adm:ae:{qid}:../x",
    ]
    before = [(g.group_key, g.count) for g in await store.list_groups()]
    for data in forged:
        calls = await press(app, api, data, user_id=OTHER)
        assert [(c.method, c.params.get("text")) for c in calls] == [
            ("answerCallbackQuery", expected)
        ], data
    assert [(g.group_key, g.count) for g in await store.list_groups()] == before
    assert await store.list_phrasings() == []
    assert engine.ask(FASTING).entry_id != TARGET


async def test_admin_gets_a_polite_answer_for_malformed_or_outdated_buttons(
    app: BotApplication, api: FakeBotAPI, store: Store, engine: FaqEngine
) -> None:
    ids = await seed_questions(store, engine)
    await command(app, api, "review")
    qid = ids[FASTING]
    malformed = ("adm:xx", "adm:rv:0\n", "adm:ig:" + "9" * 20, f"adm:at:{qid}:nope")
    for data in (*malformed, f"adm:ae:{qid}:no-such-entry"):
        calls = await press(app, api, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
    calls = await press(app, api, "adm:ig:123456")  # a question that does not exist
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert calls[0].params["text"] == "Already reviewed, or no longer there."
    assert await store.count_groups() == 3


async def test_a_failing_admin_command_is_not_also_an_unknown_command(
    app: BotApplication,
    api: FakeBotAPI,
    store: Store,
    errors: list[BaseException],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(**kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "stats", broken)
    unknown = await command(app, api, "nosuchcommand")
    calls = await command(app, api, "stats")
    assert [type(e) for e in errors] == [sqlite3.OperationalError]
    errors.clear()
    texts = [c.params.get("text") for c in calls]
    assert unknown[0].params["text"] not in texts  # only the error handler's apology
    assert len(calls) == 1


# -- /review --------------------------------------------------------------------------------


async def test_review_shows_groups_with_counts_most_frequent_first(
    app: BotApplication, api: FakeBotAPI, store: Store, engine: FaqEngine
) -> None:
    ids = await seed_questions(store, engine)
    [call] = await command(app, api, "review")
    text = call.params["text"]
    assert call.params["parse_mode"] == "HTML"
    assert "Unreviewed questions: 3 groups" in text
    positions = [text.index(f"<i>{t}</i>") for t in (FASTING, CONTAGIOUS, LASER_PRICE)]
    assert positions == sorted(positions)
    assert "<b>1.</b> ×3 · id" in text and "<b>2.</b> ×2 · id" in text
    assert "<b>3.</b> ×1 · en" in text
    assert buttons(call) == [
        ("1", f"adm:gq:0:{ids[FASTING]}"),
        ("2", f"adm:gq:0:{ids[CONTAGIOUS]}"),
        ("3", f"adm:gq:0:{ids[LASER_PRICE]}"),
        ("◀", "adm:rv:0"),
        ("1/1 ⟳", "adm:rv:0"),
        ("▶", "adm:rv:0"),
    ]


async def test_review_pages_and_escapes_user_text(
    app: BotApplication, api: FakeBotAPI, store: Store
) -> None:
    for n in range(7):
        await store.log_question(
            user_id=n,
            text=f"<b>tag</b> & question {n}",
            group_key=f"g{n}",
            lang="en",
            chat_type="private",
            status="unanswered",
        )
    [call] = await command(app, api, "review")
    assert "&lt;b&gt;tag&lt;/b&gt; &amp; question 6" in call.params["text"]
    assert ("▶", "adm:rv:1") in buttons(call)
    calls = await press(app, api, "adm:rv:1")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    page2 = calls[1].params["text"]
    assert "2/2" in page2 and "question 1" in page2 and "question 0" in page2
    assert "question 6" not in page2
    calls = await press(app, api, "adm:rv:9")  # beyond the end: the last page, unchanged
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "message is not modified" in str(calls[1].response)  # and not an error


async def test_attach_teaches_the_engine_at_once(
    make_app: AppFactory, api: FakeBotAPI, store: Store
) -> None:
    engine = FaqEngine.load()  # its own: attaching changes the engine
    app = await make_app(engine)
    ids = await seed_questions(store, engine)
    qid, topic = ids[FASTING], engine.tree.entries[TARGET].topic_id
    assert engine.ask(FASTING).entry_id != TARGET
    await command(app, api, "review")

    calls = await press(app, api, f"adm:gq:0:{qid}")
    card = calls[-1]
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "<b>×3</b> · 3 people · id" in card.params["text"]
    assert f"<blockquote>{FASTING}</blockquote>" in card.params["text"]
    card_buttons = buttons(card)
    assert card_buttons[-4:] == [
        ("📎 Other entry…", f"adm:at:{qid}"),
        ("🚫 Ignore", f"adm:ig:{qid}"),
        ("✅ Resolved", f"adm:rs:{qid}"),
        ("« Back", "adm:rv:0"),
    ]
    calls = await press(app, api, f"adm:at:{qid}")
    assert f"adm:at:{qid}:{topic}" in [data for _, data in buttons(calls[-1])]
    calls = await press(app, api, f"adm:at:{qid}:{topic}")
    assert f"adm:ae:{qid}:{TARGET}" in [data for _, data in buttons(calls[-1])]
    calls = await press(app, api, f"adm:ae:{qid}:{TARGET}")

    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    title = engine.tree.entries[TARGET].question["en"]
    assert calls[0].params["text"] == f"Attached to “{title}”."
    assert "Unreviewed questions: 2 groups" in calls[1].params["text"]
    result = engine.ask(FASTING)
    assert (result.status, result.entry_id) == ("answered", TARGET)
    [phrasing] = await store.list_phrasings()
    assert (phrasing.entry_id, phrasing.lang, phrasing.text) == (TARGET, "id", FASTING)
    assert phrasing.created_by.startswith("tg:") and str(ADMIN) not in phrasing.created_by
    record = await store.get_question(qid)
    assert record is not None and record.review_status == "attached"
    assert record.attached_entry_id == TARGET
    assert await store.count_groups("attached") == 1
    # The same button again (double tap, or a second admin): a polite answer, no change.
    calls = await press(app, api, f"adm:ae:{qid}:{TARGET}")
    assert calls[0].params["text"] == "Already reviewed, or no longer there."
    assert len(await store.list_phrasings()) == 1


async def test_attach_from_the_closest_entries_on_the_card(
    make_app: AppFactory, api: FakeBotAPI, store: Store
) -> None:
    engine = FaqEngine.load()
    app = await make_app(engine)
    ids = await seed_questions(store, engine)
    await command(app, api, "review")
    card = (await press(app, api, f"adm:gq:0:{ids[FASTING]}"))[-1]
    closest = [(label, data) for label, data in buttons(card) if data.startswith("adm:ae:")]
    assert closest and closest[0][0] == "📎 Attach to 1"
    entry_id = closest[0][1].rsplit(":", 1)[1]
    assert entry_id == engine.ask(FASTING).candidates[0][0]
    calls = await press(app, api, closest[0][1])
    assert calls[0].params["text"].startswith("Attached to")
    assert (await store.list_phrasings())[0].entry_id == entry_id


@pytest.mark.parametrize(
    ("action", "status", "toast"),
    [
        ("ig", "ignored", "Ignored 2 questions."),
        ("rs", "resolved", "Marked 2 questions resolved."),
    ],
)
async def test_ignore_and_resolve_change_the_status_of_the_whole_group(
    app: BotApplication,
    api: FakeBotAPI,
    store: Store,
    engine: FaqEngine,
    action: str,
    status: ReviewStatus,
    toast: str,
) -> None:
    ids = await seed_questions(store, engine)
    await command(app, api, "review")
    await press(app, api, f"adm:gq:0:{ids[CONTAGIOUS]}")
    calls = await press(app, api, f"adm:{action}:{ids[CONTAGIOUS]}")
    assert calls[0].params["text"] == toast
    assert toast in calls[1].params["text"] and "2 groups" in calls[1].params["text"]
    [group] = await store.list_groups(status=status)
    assert (group.example, group.count) == (CONTAGIOUS, 2)
    assert CONTAGIOUS not in [g.example for g in await store.list_groups()]


async def test_every_button_fits_telegram_limits(engine: FaqEngine) -> None:
    biggest = 2**63 - 1
    for entry_id in engine.tree.entries:
        assert admin.ATTACH_RE.fullmatch(admin._data("ae", biggest, entry_id))
    for topic in engine.tree.topics:
        assert admin.ENTRIES_RE.fullmatch(admin._data("at", biggest, topic.id))
    assert admin.GROUP_RE.fullmatch(admin._data("gq", 9999, biggest))


# -- /stats and /export ---------------------------------------------------------------------


async def seed_stats(store: Store, clock: Clock) -> None:
    """8 outcomes in the last 30 days (id 6, en 2), 5 older; feedback on two entries."""
    real_now = clock.now
    recent: list[tuple[str, OutcomeStatus, str | None]] = [
        ("id", "answered", "what-is-milia"),
        ("id", "answered", "what-is-milia"),
        ("id", "answered", "does-it-go-away"),
        ("id", "suggest", None),
        ("id", "unanswered", None),
        ("id", "smalltalk", None),
        ("en", "answered", "what-is-milia"),
        ("en", "unanswered", None),
    ]
    clock.now = real_now - timedelta(days=3)
    for lang, status, entry in recent:
        await store.log_outcome(lang=lang, status=status, entry_id=entry, chat_type="private")
    votes = [
        (1, "what-is-milia", True),
        (2, "what-is-milia", True),
        (3, "what-is-milia", False),
        (1, "does-it-go-away", False),
    ]
    for user, entry, helpful in votes:
        await store.record_feedback(user_id=user, entry_id=entry, helpful=helpful, lang="id")
    await store.log_question(
        user_id=9,
        text='=HYPERLINK("http://x")',
        group_key="hyperlink",
        lang="en",
        chat_type="private",
        status="unanswered",
    )
    clock.now = real_now - timedelta(days=40)
    for _ in range(5):
        await store.log_outcome(
            lang="id", status="answered", entry_id="appearance", chat_type="private"
        )
    clock.now = real_now


def stats_photo(calls: list[Call]) -> tuple[bytes, str]:
    """The chart and the statistics text of a /stats reply, whether the text came as the
    photo's caption or in a message after it."""
    assert calls and calls[0].method == "sendPhoto", [c.method for c in calls]
    assert calls[0].content_type == "multipart/form-data"  # uploaded, not a file_id or URL
    photo = calls[0].files["photo"].data
    if len(calls) == 1:
        return photo, calls[0].params["caption"]
    [_, message] = calls
    assert message.method == "sendMessage"
    return photo, message.params["text"]


async def test_stats_counts_and_shares_in_english(
    app: BotApplication, api: FakeBotAPI, store: Store, clock: Clock, engine: FaqEngine
) -> None:
    await seed_stats(store, clock)
    _, text = stats_photo(await command(app, api, "stats"))
    what, goes_away, appearance = (
        engine.tree.entries[e].question["en"]
        for e in ("what-is-milia", "does-it-go-away", "appearance")
    )
    assert "<b>Statistics, last 30 days</b>" in text
    since = (datetime.now(UTC) - timedelta(days=30)).date()
    assert format_date(since, format="long", locale="en") in text
    assert "Questions asked: 8" in text
    assert "✅ Answered: 4 (50.0%)" in text
    assert "💬 Suggested: 1 (12.5%)" in text
    assert "❓ Unanswered: 2 (25.0%)" in text
    assert "👋 Small talk: 1 (12.5%)" in text
    assert "en: 2 · ✅ 50% · 💬 0% · ❓ 50% · 👋 0%" in text
    assert "id: 6 · ✅ 50% · 💬 17% · ❓ 17% · 👋 17%" in text
    assert f"1. {what} — 3\n2. {goes_away} — 1" in text
    assert "1. ×1 · en · <i>=HYPERLINK(&quot;http://x&quot;)</i>" in text
    assert f"1. {what} — 👍 2 · 👎 1 (67%)\n2. {goes_away} — 👍 0 · 👎 1 (0%)" in text
    assert appearance not in text  # its answers are older than 30 days

    _, text = stats_photo(await command(app, api, "stats 60"))
    assert "Questions asked: 13" in text
    assert f"1. {appearance} — 5" in text


async def test_stats_in_indonesian_formats_numbers_and_dates_per_locale(
    app: BotApplication, api: FakeBotAPI, store: Store, clock: Clock
) -> None:
    await seed_stats(store, clock)
    await store.set_user_lang(ADMIN, "id")
    _, text = stats_photo(await command(app, api, "stats"))
    since = (datetime.now(UTC) - timedelta(days=30)).date()
    assert format_date(since, format="long", locale="id") in text
    assert "4 (50,0%)" in text and "1 (12,5%)" in text


async def test_admin_gets_the_chart_with_the_figures_as_its_caption(
    app: BotApplication, api: FakeBotAPI, store: Store, clock: Clock
) -> None:
    await seed_stats(store, clock)
    calls = await command(app, api, "stats")
    assert [c.method for c in calls] == ["sendPhoto"]  # the text fits in the caption
    photo, caption = stats_photo(calls)
    assert caption.startswith("<b>Statistics, last 30 days</b>")
    assert "Questions asked: 8" in caption
    width, height = png_size(photo)
    assert width == charts.WIDTH_PX and height > width / 2
    pixels = decode(photo)
    for status, colour in charts.OUTCOMES:  # every outcome of the seed shows as a bar
        assert has_colour(pixels, colour), status


async def test_a_long_summary_follows_the_chart_in_its_own_message(
    app: BotApplication, api: FakeBotAPI, store: Store, clock: Clock
) -> None:
    await seed_stats(store, clock)
    for i in range(12):  # ten long unanswered questions push the text past 1024 characters
        await store.log_question(
            user_id=100 + i, text=f"question number {i} " + "about milia " * 8,
            group_key=f"long-{i}", lang="en", chat_type="private", status="unanswered",
        )  # fmt: skip
    calls = await command(app, api, "stats")
    assert [c.method for c in calls] == ["sendPhoto", "sendMessage"]
    assert calls[0].params["caption"] == "<b>Statistics, last 30 days</b>"
    photo, text = stats_photo(calls)
    assert len(text) > 1024 and "Questions asked: 8" in text
    assert not caption_fits(text)
    decode(photo)


async def test_an_empty_period_gives_a_chart_that_says_so(
    app: BotApplication, api: FakeBotAPI
) -> None:
    photo, caption = stats_photo(await command(app, api, "stats 7"))
    assert "No questions in this period." in caption
    pixels = decode(photo)
    colours = dict(charts.OUTCOMES)
    assert not has_colour(pixels, colours["answered"], at_least=1)  # no bars at all


async def test_the_chart_is_in_the_admins_language(
    app: BotApplication,
    api: FakeBotAPI,
    store: Store,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await seed_stats(store, clock)
    await store.set_user_lang(ADMIN, "id")
    drawn: list[charts.ChartLabels] = []
    real_draw = charts.draw

    async def spy(*args: Any, labels: charts.ChartLabels, **kwargs: Any) -> bytes:
        drawn.append(labels)
        return await real_draw(*args, labels=labels, **kwargs)

    monkeypatch.setattr(charts, "draw", spy)
    stats_photo(await command(app, api, "stats"))
    [labels] = drawn
    assert (labels.answered, labels.share) == ("Terjawab", "Persentase terjawab")
    assert labels.language("en") == "Inggris" and labels.day(date(2025, 5, 27)) == "27 Mei"
    assert labels.number(1465) == "1.465"


async def test_the_figures_still_come_when_the_chart_fails(
    app: BotApplication,
    api: FakeBotAPI,
    store: Store,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A request the chart process cannot read: it exits 1 with a traceback.
    monkeypatch.setattr(charts, "encode_request", lambda *args, **kwargs: b"{not json")
    await seed_stats(store, clock)
    [call] = await command(app, api, "stats")
    assert call.method == "sendMessage" and "Questions asked: 8" in call.params["text"]
    assert "cannot draw the /stats chart" in caplog.text
    assert "the chart process failed (exit 1): json.decoder.JSONDecodeError" in caplog.text


def test_caption_fits_counts_what_telegram_counts() -> None:
    # Tags and entities do not count; characters outside the BMP count twice (UTF-16).
    assert caption_fits("<b>" + "a" * 1020 + "</b>&amp;&lt;")
    assert not caption_fits("a" * 1025)
    assert caption_fits("👋" * 512) and not caption_fits("👋" * 513)


@pytest.mark.parametrize("args", ["abc", "0", "1 2", "99999", "-3", "7.5"])
async def test_stats_and_export_reject_bad_days_politely(
    app: BotApplication, api: FakeBotAPI, args: str
) -> None:
    for name in ("stats", "export"):
        [call] = await command(app, api, f"{name} {args}")
        assert call.method == "sendMessage"
        assert call.params["text"].startswith(f"Usage: /{name} [days]")


async def test_export_sends_a_csv_that_parses_back(
    app: BotApplication, api: FakeBotAPI, store: Store, clock: Clock, engine: FaqEngine
) -> None:
    await seed_questions(store, engine)
    await seed_stats(store, clock)
    [call] = await command(app, api, "export")
    assert call.method == "sendDocument"
    assert call.content_type == "multipart/form-data"  # an upload is not sent as JSON
    document = call.files["document"]
    assert re.fullmatch(r"skinfaq-export-\d{4}-\d{2}-\d{2}\.csv", document.filename)
    assert document.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))
    assert tuple(rows[0].keys()) == COLUMNS
    kinds = [r["kind"] for r in rows]
    assert kinds.count("question") == 7 and kinds.count("feedback") == 4
    texts = {r["text"] for r in rows if r["kind"] == "question"}
    assert {FASTING, CONTAGIOUS, LASER_PRICE} <= texts
    assert '\'=HYPERLINK("http://x")' in texts  # formula injection defused
    assert "11 rows" in call.params["caption"]
