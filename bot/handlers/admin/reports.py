"""``/stats`` and ``/export``: figures of the last days as a message, or all rows as CSV.

Both take an optional ``[days]`` argument (default 30, at most about ten years) and
answer anything else with a usage line.
"""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Final

from babel.numbers import format_percent
from telegram import Message, Update
from telegram.constants import ParseMode

from bot.context import BotContext, Services
from bot.export import write_csv
from bot.handlers.admin.access import _texts, admin_services
from bot.handlers.admin.ui import _NO_PREVIEW, _short, _title
from bot.i18n import Texts
from bot.storage import ExportRow, FeedbackSummary, Stats
from faq.engine import FaqEngine

TOP: Final = 10
DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 3650


# -- rendering ------------------------------------------------------------------------------


def _percent(tr: Texts, part: int, whole: int, pattern: str = "#,##0.0%") -> str:
    return format_percent(part / whole if whole else 0, format=pattern, locale=tr.lang)


def _helpful_share(tr: Texts, f: FeedbackSummary) -> str:
    return _percent(tr, f.helpful, f.helpful + f.not_helpful, "#,##0%")


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


async def _days_request(
    update: Update, context: BotContext, command: str
) -> tuple[Services, Message, Texts, int] | None:
    """What ``/stats`` and ``/export`` need: the services, the message, the admin's texts
    and the days asked for; None (after a usage line if the days are malformed) if not an
    admin's valid request."""
    services = admin_services(context.bot_data, update)
    message = update.effective_message
    if services is None or message is None:
        return None
    tr = _texts(context)
    if (days := _days(context.args)) is None:
        await _usage(message, tr, command)
        return None
    return services, message, tr, days


async def _usage(message: Message, tr: Texts, command: str) -> None:
    usage = tr.gettext("Usage: /{command} [days], for example /{command} 7 (default 30).")
    await message.reply_text(escape(usage.format(command=command)), parse_mode=ParseMode.HTML)


async def stats(update: Update, context: BotContext) -> None:
    """Send answer rates per language, top entries and groups, and feedback."""
    if (request := await _days_request(update, context, "stats")) is None:
        return
    services, message, tr, days = request
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
    if (request := await _days_request(update, context, "export")) is None:
        return
    services, message, tr, days = request
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
