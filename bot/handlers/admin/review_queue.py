"""The review queue: ``/review``, its pages and group cards, and the ignore/resolve verdicts.

A group is named by one of its question ids; a verdict applies to every question still
``new`` that shares that question's group key. Attaching a group to an entry, the third
verdict, is in :mod:`bot.handlers.admin.phrasings`.
"""

from __future__ import annotations

from html import escape
from typing import Final

from babel.numbers import format_decimal
from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.context import BotContext, Services
from bot.handlers.admin.access import _button, _reviewer, _texts, admin_services
from bot.handlers.admin.ui import _NO_PREVIEW, _back, _btn, _edit, _short, _title
from bot.handlers.common import answer_query
from bot.i18n import Texts
from bot.storage import QuestionGroup, QuestionRecord, ReviewStatus
from faq.engine import FaqEngine

PAGE_SIZE: Final = 5
_MAX_SQLITE_INT: Final = 2**63 - 1


# -- rendering ------------------------------------------------------------------------------


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


# -- command --------------------------------------------------------------------------------


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
    text, markup = await _page_view(services, _texts(context), 0)
    await message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
    )


# -- buttons --------------------------------------------------------------------------------


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
