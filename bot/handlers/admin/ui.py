"""The admin buttons' callback_data and the small pieces every admin screen is drawn with.

The ``adm:`` forms and what they mean are listed in :mod:`bot.handlers.admin`; the
anchored patterns here are the only way in, and :func:`_data` refuses to build a
payload Telegram would reject.
"""

from __future__ import annotations

import re
from typing import Final

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.i18n import Texts
from faq.engine import FaqEngine

MAX_CALLBACK_BYTES: Final = 64

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


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
        )
    except BadRequest as exc:
        # Refresh with nothing new, or a double tap: Telegram refuses an identical edit.
        if "not modified" not in exc.message.lower():
            raise
