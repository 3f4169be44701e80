"""``/stats`` and ``/export``: figures of the last days as a chart and a message, or all
rows as CSV.

Both take an optional ``[days]`` argument (default 30, at most about ten years) and
answer anything else with a usage line.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from datetime import UTC, datetime, timedelta
from html import escape, unescape
from typing import Final

from babel.numbers import format_percent
from telegram import Message, Update
from telegram.constants import MessageLimit, ParseMode

from bot import charts
from bot.charts import ChartLabels
from bot.context import BotContext, Services
from bot.export import write_csv
from bot.handlers.admin.access import _texts, admin_services
from bot.handlers.admin.ui import _NO_PREVIEW, _short, _title
from bot.i18n import Texts
from bot.storage import ExportRow, FeedbackSummary, Stats
from faq.engine import FaqEngine

logger = logging.getLogger(__name__)

TOP: Final = 10
DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 3650
_TAG: Final = re.compile(r"<[^>]*>")


# -- rendering ------------------------------------------------------------------------------


def _percent(tr: Texts, part: int, whole: int, pattern: str = "#,##0.0%") -> str:
    return format_percent(part / whole if whole else 0, format=pattern, locale=tr.lang)


def _helpful_share(tr: Texts, f: FeedbackSummary) -> str:
    return _percent(tr, f.helpful, f.helpful + f.not_helpful, "#,##0%")


def _heading(tr: Texts, days: int) -> str:
    heading = tr.ngettext("Statistics, last {days} day", "Statistics, last {days} days", days)
    return heading.format(days=tr.number(days))


def render_stats(stats: Stats, days: int, tr: Texts, engine: FaqEngine) -> str:
    """The statistics message: shares per outcome and language, top lists, feedback."""
    _ = tr.gettext
    total = stats.totals.total
    period = f"{tr.date(stats.since)} – {tr.date(stats.until)}"
    lines = [f"<b>{escape(_heading(tr, days))}</b>", escape(period), ""]
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


def chart_labels(tr: Texts) -> ChartLabels:
    """The words of the /stats chart in the admin's language (dates and shares too)."""
    _ = tr.gettext
    return ChartLabels(
        answered=_("Answered"),
        suggest=_("Suggested"),
        unanswered=_("Unanswered"),
        smalltalk=_("Small talk"),
        share=_("Share answered"),
        questions=_("Questions"),
        per_day=_("Questions per day"),
        per_week=_("Questions per week"),
        per_month=_("Questions per month"),
        by_language=_("By language"),
        empty=_("No questions in this period."),
        locale=tr.lang,
    )


def caption_fits(html_text: str) -> bool:
    """Whether ``html_text`` fits in a photo caption, counted as Telegram does: the text
    left after parsing the tags, in UTF-16 code units."""
    visible = unescape(_TAG.sub("", html_text))
    return len(visible.encode("utf-16-le")) // 2 <= MessageLimit.CAPTION_LENGTH


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
    """Send the chart of the period with answer rates per language, top entries and groups,
    and feedback: as its caption if they fit, else in a message after it."""
    if (request := await _days_request(update, context, "stats")) is None:
        return
    services, message, tr, days = request
    since = datetime.now(UTC) - timedelta(days=days)
    result = await services.store.stats(since=since, top=TOP)
    daily = await services.store.daily_outcomes(since=since, until=result.until)
    text = render_stats(result, days, tr, services.engine)
    try:
        chart = await charts.draw(
            daily, first=result.outcomes_since.date(), last=result.until.date(),
            title=_heading(tr, days), labels=chart_labels(tr),
        )  # fmt: skip
    except charts.ChartError as exc:
        # The figures matter more than their picture: send them alone.
        logger.error("cannot draw the /stats chart, sending the figures alone: %s", exc)
        chart = None
    if chart is None:
        await message.reply_text(text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW)
    elif caption_fits(text):
        await message.reply_photo(chart, caption=text, parse_mode=ParseMode.HTML)
    else:
        heading = f"<b>{escape(_heading(tr, days))}</b>"
        await message.reply_photo(chart, caption=heading, parse_mode=ParseMode.HTML)
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
