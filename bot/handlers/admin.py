"""Admin commands and buttons: review unanswered questions, statistics and export.

Only the users in ``SKINFAQ_ADMIN_IDS``, in a private chat, reach anything here. The
handlers sit in an earlier group than the user-facing ones and match admins only, so for
anyone else ``/review`` is an unknown command and an ``adm:`` button is a stale button:
the user-facing handlers answer them exactly as they answer any other. After handling an
admin update, also a failed one, the update stops there (``ApplicationHandlerStop``).

callback_data is untrusted: every form has an anchored pattern, ids are looked up again
in the store and the tree, and anything that no longer fits gets a polite answer::

    adm:rv:<page>            a page of question groups (◀ ▶, the middle button refreshes)
    adm:gq:<page>:<qid>      one group, opened from that page
    adm:at:<qid>             attach: pick a topic
    adm:at:<qid>:<topic>     attach: pick an entry of that topic
    adm:ae:<qid>:<entry>     attach the group to the entry
    adm:ig:<qid>             ignore the group (not FAQ material)
    adm:rs:<qid>             mark the group resolved (handled some other way)

A group is named by one of its question ids; actions apply to every question still
``new`` that shares that question's group key.
"""

from __future__ import annotations

import asyncio
import functools
import io
import re
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any, Final

from babel.numbers import format_decimal, format_percent
from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, filters

from bot.context import SERVICES_KEY, BotApplication, BotContext, Services
from bot.export import write_csv
from bot.handlers.browse import on_stale_button
from bot.handlers.common import answer_query
from bot.i18n import SUPPORTED, Texts, negotiate, texts
from bot.storage import (
    ExportRow,
    FeedbackSummary,
    QuestionGroup,
    QuestionRecord,
    ReviewStatus,
    Stats,
)
from faq.engine import FaqEngine

PAGE_SIZE: Final = 5
TOP: Final = 10
DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 3650
MAX_CALLBACK_BYTES: Final = 64
_MAX_SQLITE_INT: Final = 2**63 - 1

# \Z, not $: "$" also matches before a trailing newline, which a forged payload can carry.
_PAGE = r"(0|[1-9][0-9]{0,3})"
_QID = r"([1-9][0-9]{0,18})"
_SLUG = r"([a-z0-9]+(?:-[a-z0-9]+)*)"
PAGE_RE: Final = re.compile(rf"adm:rv:{_PAGE}\Z")
GROUP_RE: Final = re.compile(rf"adm:gq:{_PAGE}:{_QID}\Z")
TOPICS_RE: Final = re.compile(rf"adm:at:{_QID}\Z")
ENTRIES_RE: Final = re.compile(rf"adm:at:{_QID}:{_SLUG}\Z")
ATTACH_RE: Final = re.compile(rf"adm:ae:{_QID}:{_SLUG}\Z")
IGNORE_RE: Final = re.compile(rf"adm:ig:{_QID}\Z")
RESOLVE_RE: Final = re.compile(rf"adm:rs:{_QID}\Z")
ANY_ADMIN_RE: Final = re.compile(r"adm:.*", re.DOTALL)

_NO_PREVIEW: Final = LinkPreviewOptions(is_disabled=True)
Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


# -- gating ---------------------------------------------------------------------------------


def admin_services(bot_data: dict[Any, Any], update: object) -> Services | None:
    """The services if ``update`` comes from an admin in a private chat, else None."""
    services = bot_data.get(SERVICES_KEY)
    if not isinstance(services, Services) or not isinstance(update, Update):
        return None
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return None
    return services if services.settings.is_admin(user.id) else None


class AdminFilter(filters.UpdateFilter):
    """Passes updates from an admin in a private chat (settings are read per update)."""

    def __init__(self, app: BotApplication) -> None:
        super().__init__(name="AdminFilter")
        self._app = app

    def filter(self, update: Update) -> bool:
        return admin_services(self._app.bot_data, update) is not None


class AdminButtonHandler(CallbackQueryHandler[BotContext, None]):
    """Matches an admin's button whose whole callback_data fits ``regex``.

    PTB's own check lets a query without data through to every handler; this one doesn't.
    """

    def __init__(self, app: BotApplication, regex: re.Pattern[str], callback: Callback) -> None:
        super().__init__(callback, pattern=regex)
        self._regex = regex
        self._app = app

    def check_update(self, update: object) -> re.Match[str] | None:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        data = update.callback_query.data
        # Not AdminFilter.check_update: filters pass only updates that carry a message.
        if not isinstance(data, str) or admin_services(self._app.bot_data, update) is None:
            return None
        return self._regex.fullmatch(data)


def register_admin_handlers(app: BotApplication, group: int = -1) -> None:
    """Register the admin commands and buttons in ``group`` (before the user handlers)."""
    # New messages only: an edited "/export" must not send the file again.
    admin = filters.UpdateType.MESSAGE & AdminFilter(app)
    for name, command in (("review", review), ("stats", stats), ("export", export)):
        app.add_handler(CommandHandler(name, _final(command), filters=admin), group=group)
    buttons: list[tuple[re.Pattern[str], Callback]] = [
        (PAGE_RE, show_page),
        (GROUP_RE, show_group),
        (TOPICS_RE, pick_topic),
        (ENTRIES_RE, pick_entry),
        (ATTACH_RE, attach_entry),
        (IGNORE_RE, ignore_group),
        (RESOLVE_RE, resolve_group),
        # Last: an admin's malformed or outdated adm: button; order matters in a group.
        (ANY_ADMIN_RE, stale_button),
    ]
    for regex, callback in buttons:
        app.add_handler(AdminButtonHandler(app, regex, _final(callback)), group=group)


def _final(callback: Callback) -> Callback:
    """``callback``, ending the update there: the user-facing groups never see it.

    Also after an error, which PTB would otherwise pass on to the next group (an admin
    would get "unknown command" after the apology).
    """

    @functools.wraps(callback)
    async def handle(update: Update, context: BotContext) -> None:
        try:
            await callback(update, context)
        except Exception as exc:
            await context.application.process_error(update, exc)
        raise ApplicationHandlerStop

    return handle


async def _texts(update: Update, services: Services) -> Texts:
    """The admin's language: stored choice, else Telegram's (id/ms -> id), else English."""
    user = update.effective_user
    lang = services.store.get_user_lang(user.id) if user else None
    if lang not in SUPPORTED:
        lang = negotiate(user.language_code if user else None, "en")
    return texts(lang)


def _reviewer(update: Update, services: Services) -> str:
    user = update.effective_user
    return "tg:" + services.store.hash_user(user.id if user else 0)


# -- rendering ------------------------------------------------------------------------------


def _data(*parts: object) -> str:
    data = ":".join(("adm", *map(str, parts)))
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def _btn(label: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=_data(*parts))


def _back(tr: Texts, *target: object) -> list[InlineKeyboardButton]:
    return [_btn("« " + tr.gettext("Back"), *target)]


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title(engine: FaqEngine, entry_id: str, lang: str, limit: int = 60) -> str:
    entry = engine.tree.entries.get(entry_id)
    return _short(entry.question[lang], limit) if entry else entry_id


def _percent(tr: Texts, part: int, whole: int, pattern: str = "#,##0.0%") -> str:
    return format_percent(part / whole if whole else 0, format=pattern, locale=tr.lang)


def _helpful_share(tr: Texts, f: FeedbackSummary) -> str:
    return _percent(tr, f.helpful, f.helpful + f.not_helpful, "#,##0%")


def render_page(
    groups: list[QuestionGroup], total: int, page: int, tr: Texts, note: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of question groups (most frequent first) with its buttons.

    ``note`` is HTML shown above the list (the outcome of the last action), already escaped.
    """
    _ = tr.gettext
    pages = max(1, -(-total // PAGE_SIZE))
    lines = [note, ""] if note else []
    if total == 0:
        lines.append(escape(_("No unreviewed questions. Well done!")))
    else:
        heading = _("Unreviewed questions: {count} groups").format(count=tr.number(total))
        lines.append(f"<b>{escape(heading)}</b> · {page + 1}/{pages}")
    numbers = []
    for i, g in enumerate(groups, start=1):
        lines.append(
            f"\n<b>{i}.</b> ×{escape(tr.number(g.count))} · {escape(g.lang)} · "
            f"{escape(tr.date(g.last_asked))}\n<i>{escape(_short(g.example, 160))}</i>"
        )
        if g.question_ids:
            numbers.append(_btn(str(i), "gq", page, g.question_ids[0]))
    nav = [
        _btn("◀", "rv", max(page - 1, 0)),
        _btn(f"{page + 1}/{pages} ⟳", "rv", page),
        _btn("▶", "rv", min(page + 1, pages - 1)),
    ]
    rows = [numbers, nav] if numbers else [nav]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def render_group(
    record: QuestionRecord, group: QuestionGroup | None, page: int, tr: Texts, engine: FaqEngine
) -> tuple[str, InlineKeyboardMarkup]:
    """One group: its newest wording, the best-matching entries and the review buttons."""
    _ = tr.gettext
    if group is not None:
        people = tr.ngettext("{count} person", "{count} people", group.users)
        head = (
            f"<b>×{escape(tr.number(group.count))}</b> · "
            f"{escape(people.format(count=tr.number(group.users)))} · "
        )
    else:  # the page changed since it was drawn; the question itself is still new
        head = ""
    lines = [
        f"{head}{escape(record.lang)} · {escape(tr.date(record.created_at))}",
        f"<blockquote>{escape(_short(record.text, 1500))}</blockquote>",
    ]
    rows = []
    known = [c for c in record.candidates if c.entry_id in engine.tree.entries][:3]
    if known:
        closest = _("Closest entries")  # outside the f-string, where babel can extract it
        lines.append(f"<b>{escape(closest)}</b>")
    for n, c in enumerate(known, start=1):
        score = format_decimal(c.score, format="0.00", locale=tr.lang)
        title = _title(engine, c.entry_id, tr.lang)
        lines.append(f"{n}. {escape(title)} · {escape(score)}")
        label = "📎 " + _("Attach to {number}").format(number=n)
        rows.append([_btn(label, "ae", record.id, c.entry_id)])
    rows += [
        [_btn("📎 " + _("Other entry…"), "at", record.id)],
        [
            _btn("🚫 " + _("Ignore"), "ig", record.id),
            _btn("✅ " + _("Resolved"), "rs", record.id),
        ],
        _back(tr, "rv", page),
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def render_stats(stats: Stats, days: int, tr: Texts, engine: FaqEngine) -> str:
    """The statistics message: shares per outcome and language, top lists, feedback."""
    _ = tr.gettext
    total = stats.totals.total
    period = f"{tr.date(stats.since)} – {tr.date(stats.until)}"
    heading = tr.ngettext("Statistics, last {days} day", "Statistics, last {days} days", days)
    lines = [f"<b>{escape(heading.format(days=tr.number(days)))}</b>", escape(period), ""]
    shares = (
        ("✅", _("Answered"), "answered"),
        ("💬", _("Suggested"), "suggest"),
        ("❓", _("Unanswered"), "unanswered"),
        ("👋", _("Small talk"), "smalltalk"),
    )
    if total == 0:
        lines.append(escape(_("No questions in this period.")))
    else:
        asked = _("Questions asked: {count}").format(count=tr.number(total))
        lines.append(escape(asked))
        for icon, label, attr in shares:
            n = getattr(stats.totals, attr)
            lines.append(f"{icon} {escape(label)}: {tr.number(n)} ({_percent(tr, n, total)})")
        by_lang = _("By language")
        lines += ["", f"<b>{escape(by_lang)}</b>"]
    for lang, c in stats.by_lang.items():
        parts = " · ".join(
            f"{icon} {_percent(tr, getattr(c, attr), c.total, '#,##0%')}"
            for icon, _l, attr in shares
        )
        lines.append(f"{escape(lang)}: {escape(tr.number(c.total))} · {escape(parts)}")
    sections = [
        (_("Most answered entries"), [
            f"{escape(_title(engine, e.entry_id, tr.lang, 50))} — {tr.number(e.count)}"
            for e in stats.top_answered[:TOP]
        ]),
        (_("Most asked unanswered questions"), [
            f"×{tr.number(g.count)} · {escape(g.lang)} · <i>{escape(_short(g.example, 60))}</i>"
            for g in stats.top_unanswered[:TOP]
        ]),
        (_("Feedback (helpful / not helpful)"), [
            f"{escape(_title(engine, f.entry_id, tr.lang, 50))} — 👍 {tr.number(f.helpful)} · "
            f"👎 {tr.number(f.not_helpful)} ({_helpful_share(tr, f)})"
            for f in stats.feedback[:TOP]
        ]),
    ]  # fmt: skip
    for title, items in sections:
        if items:
            lines += ["", f"<b>{escape(title)}</b>"]
            lines += [f"{n}. {item}" for n, item in enumerate(items, start=1)]
    if len(stats.feedback) > TOP:
        more = _("…and {count} more entries: see /export").format(
            count=tr.number(len(stats.feedback) - TOP)
        )
        lines.append(escape(more))
    return "\n".join(lines)


# -- commands -------------------------------------------------------------------------------


def _days(args: list[str] | None) -> int | None:
    """The optional ``[days]`` argument; None when it is not a whole number in range."""
    if not args:
        return DEFAULT_DAYS
    if len(args) != 1 or not re.fullmatch(r"[0-9]{1,4}", args[0]):
        return None
    days = int(args[0])
    return days if 1 <= days <= MAX_DAYS else None


async def _page_view(
    services: Services, tr: Texts, page: int, note: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    store = services.store
    total = await store.count_groups("new")
    page = min(page, max(0, -(-total // PAGE_SIZE) - 1))
    groups = await store.list_groups(limit=PAGE_SIZE, offset=page * PAGE_SIZE, ids_limit=1)
    return render_page(groups, total, page, tr, note)


async def review(update: Update, context: BotContext) -> None:
    """Send the first page of unreviewed question groups."""
    services = admin_services(context.bot_data, update)
    message = update.effective_message
    if services is None or message is None:
        return
    text, markup = await _page_view(services, await _texts(update, services), 0)
    await message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
    )


async def _usage(message: Message, tr: Texts, command: str) -> None:
    usage = tr.gettext("Usage: /{command} [days], for example /{command} 7 (default 30).")
    await message.reply_text(escape(usage.format(command=command)), parse_mode=ParseMode.HTML)


async def stats(update: Update, context: BotContext) -> None:
    """Send answer rates per language, top entries and groups, and feedback."""
    services = admin_services(context.bot_data, update)
    message = update.effective_message
    if services is None or message is None:
        return
    tr = await _texts(update, services)
    if (days := _days(context.args)) is None:
        await _usage(message, tr, "stats")
        return
    since = datetime.now(UTC) - timedelta(days=days)
    result = await services.store.stats(since=since, top=TOP)
    text = render_stats(result, days, tr, services.engine)
    await message.reply_text(text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW)


def _csv_bytes(rows: list[ExportRow]) -> tuple[bytes, int]:
    buffer = io.StringIO(newline="")
    count = write_csv(rows, buffer)
    return buffer.getvalue().encode("utf-8"), count


async def export(update: Update, context: BotContext) -> None:
    """Send questions, feedback and picks of the last days as a CSV document."""
    services = admin_services(context.bot_data, update)
    message = update.effective_message
    if services is None or message is None:
        return
    tr = await _texts(update, services)
    if (days := _days(context.args)) is None:
        await _usage(message, tr, "export")
        return
    now = datetime.now(UTC)
    rows = [r async for r in services.store.export_rows(since=now - timedelta(days=days))]
    # 100k rows take about a second to format: keep the event loop serving others.
    data, count = await asyncio.to_thread(_csv_bytes, rows)
    caption = tr.ngettext("{count} row, last {days} days", "{count} rows, last {days} days", count)
    await message.reply_document(
        data,
        filename=f"skinfaq-export-{now:%Y-%m-%d}.csv",
        caption=escape(caption.format(count=tr.number(count), days=tr.number(days))),
        parse_mode=ParseMode.HTML,
    )


# -- buttons --------------------------------------------------------------------------------


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
        )
    except BadRequest as exc:
        # Refresh with nothing new, or a double tap: Telegram refuses an identical edit.
        if "not modified" not in exc.message.lower():
            raise


async def _button(
    update: Update, context: BotContext
) -> tuple[CallbackQuery, Services, Texts, re.Match[str]] | None:
    """The query, services, texts and match of an admin's button; None once answered."""
    query = update.callback_query
    services = admin_services(context.bot_data, update)
    match = context.matches[0] if context.matches else None
    if query is None or services is None or match is None:
        await on_stale_button(update, context)
        return None
    return query, services, await _texts(update, services), match


async def _new_question(
    query: CallbackQuery, services: Services, tr: Texts, raw_id: str
) -> QuestionRecord | None:
    """The question if its group still awaits review; otherwise answer and show page 1."""
    qid = int(raw_id)
    record = await services.store.get_question(qid) if qid <= _MAX_SQLITE_INT else None
    if record is not None and record.review_status == "new":
        return record
    await _gone(query, services, tr)
    return None


async def _gone(query: CallbackQuery, services: Services, tr: Texts) -> None:
    # Another admin (or the CLI) reviewed the group, or a purge removed it.
    await answer_query(query, tr.gettext("Already reviewed, or no longer there."))
    await _edit(query, *await _page_view(services, tr, 0))


async def show_page(update: Update, context: BotContext) -> None:
    """Show another page of question groups."""
    if (b := await _button(update, context)) is None:
        return
    query, services, tr, match = b
    await answer_query(query)
    await _edit(query, *await _page_view(services, tr, int(match[1])))


async def show_group(update: Update, context: BotContext) -> None:
    """Show one group with its closest entries and the review buttons."""
    if (b := await _button(update, context)) is None:
        return
    query, services, tr, match = b
    page = int(match[1])
    if (record := await _new_question(query, services, tr, match[2])) is None:
        return
    groups = await services.store.list_groups(limit=PAGE_SIZE, offset=page * PAGE_SIZE, ids_limit=1)
    group = next((g for g in groups if g.group_key == record.group_key), None)
    await answer_query(query)
    await _edit(query, *render_group(record, group, page, tr, services.engine))


async def pick_topic(update: Update, context: BotContext) -> None:
    """Ask which topic the entry to attach to is in."""
    if (b := await _button(update, context)) is None:
        return
    query, services, tr, match = b
    if (record := await _new_question(query, services, tr, match[1])) is None:
        return
    question = tr.gettext("Attach to an entry of which topic?")
    text = f"<b>{escape(question)}</b>\n<i>{escape(_short(record.text, 300))}</i>"
    rows = [[_btn(t.title[tr.lang], "at", record.id, t.id)] for t in services.engine.tree.topics]
    rows.append(_back(tr, "gq", 0, record.id))
    await answer_query(query)
    await _edit(query, text, InlineKeyboardMarkup(rows))


async def pick_entry(update: Update, context: BotContext) -> None:
    """Ask which entry of the chosen topic to attach to."""
    if (b := await _button(update, context)) is None:
        return
    query, services, tr, match = b
    if (record := await _new_question(query, services, tr, match[1])) is None:
        return
    engine = services.engine
    if (topic := engine.tree.topic(match[2])) is None:
        await on_stale_button(update, context)
        return
    heading = tr.gettext("Attach to which entry of “{topic}”?").format(topic=topic.title[tr.lang])
    text = f"<b>{escape(heading)}</b>\n<i>{escape(_short(record.text, 300))}</i>"
    rows = [
        [_btn(_title(engine, e.id, tr.lang), "ae", record.id, e.id)]
        for e in engine.tree.entries_of(topic.id)
    ]
    rows.append(_back(tr, "at", record.id))
    await answer_query(query)
    await _edit(query, text, InlineKeyboardMarkup(rows))


async def attach_entry(update: Update, context: BotContext) -> None:
    """Attach the group to the entry; the matcher uses its wording at once."""
    if (b := await _button(update, context)) is None:
        return
    query, services, tr, match = b
    if (record := await _new_question(query, services, tr, match[1])) is None:
        return
    engine, entry_id = services.engine, match[2]
    if entry_id not in engine.tree.entries:
        await on_stale_button(update, context)
        return
    try:
        phrasing = await services.store.attach_group(
            record.group_key, entry_id=entry_id, reviewer=_reviewer(update, services)
        )
    except LookupError:  # another admin reviewed it a moment ago
        await _gone(query, services, tr)
        return
    # Rebuilding the index takes tens of milliseconds: keep the event loop free.
    await asyncio.to_thread(engine.add_phrasing, phrasing.entry_id, phrasing.lang, phrasing.text)
    done = tr.gettext("Attached to “{entry}”.").format(entry=_title(engine, entry_id, tr.lang))
    await answer_query(query, _short(done, 190))
    await _edit(query, *await _page_view(services, tr, 0, "📎 " + escape(done)))


async def _close_group(update: Update, context: BotContext, status: ReviewStatus) -> None:
    if (b := await _button(update, context)) is None:
        return
    query, services, tr, match = b
    if (record := await _new_question(query, services, tr, match[1])) is None:
        return
    store, reviewer = services.store, _reviewer(update, services)
    if status == "ignored":
        count = await store.ignore_group(record.group_key, reviewer=reviewer)
        done = tr.ngettext("Ignored {count} question.", "Ignored {count} questions.", count)
    else:
        count = await store.resolve_group(record.group_key, reviewer=reviewer)
        done = tr.ngettext(
            "Marked {count} question resolved.", "Marked {count} questions resolved.", count
        )
    if count == 0:  # another admin was quicker
        await _gone(query, services, tr)
        return
    done = done.format(count=tr.number(count))
    await answer_query(query, done)
    await _edit(query, *await _page_view(services, tr, 0, escape(done)))


async def ignore_group(update: Update, context: BotContext) -> None:
    """Mark the group as not FAQ material."""
    await _close_group(update, context, "ignored")


async def resolve_group(update: Update, context: BotContext) -> None:
    """Mark the group as handled some other way."""
    await _close_group(update, context, "resolved")


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer an admin's outdated or malformed adm: button as any stale button."""
    await on_stale_button(update, context)
