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

One module per feature; this one registers them all, in order, and re-exports what the
rest of the code (the app, the benchmarks, the tests) reaches through this package:

- :mod:`~bot.handlers.admin.access`: who is an admin, the handler and filter classes
- :mod:`~bot.handlers.admin.ui`: the ``adm:`` patterns, buttons and message edits
- :mod:`~bot.handlers.admin.review_queue`: ``/review``, its pages, ignore and resolve
- :mod:`~bot.handlers.admin.phrasings`: attaching a group to an entry
- :mod:`~bot.handlers.admin.reports`: ``/stats`` and ``/export``
"""

from __future__ import annotations

import re

from telegram.ext import CommandHandler, filters

from bot.context import BotApplication
from bot.handlers.admin.access import (
    AdminButtonHandler,
    AdminFilter,
    Callback,
    _final,
    admin_services,
    stale_button,
)
from bot.handlers.admin.phrasings import attach_entry, pick_entry, pick_topic
from bot.handlers.admin.reports import (
    DEFAULT_DAYS,
    MAX_DAYS,
    TOP,
    export,
    render_stats,
    stats,
)
from bot.handlers.admin.review_queue import (
    PAGE_SIZE,
    ignore_group,
    render_group,
    render_page,
    resolve_group,
    review,
    show_group,
    show_page,
)
from bot.handlers.admin.ui import (
    ANY_ADMIN_RE,
    ATTACH_RE,
    ENTRIES_RE,
    GROUP_RE,
    IGNORE_RE,
    MAX_CALLBACK_BYTES,
    PAGE_RE,
    RESOLVE_RE,
    TOPICS_RE,
)

# Private, but tests/test_admin.py checks every pattern against what it builds.
from bot.handlers.admin.ui import _data as _data
from bot.handlers.events import logged

__all__ = [
    "ANY_ADMIN_RE",
    "ATTACH_RE",
    "DEFAULT_DAYS",
    "ENTRIES_RE",
    "GROUP_RE",
    "IGNORE_RE",
    "MAX_CALLBACK_BYTES",
    "MAX_DAYS",
    "PAGE_RE",
    "PAGE_SIZE",
    "RESOLVE_RE",
    "TOP",
    "TOPICS_RE",
    "AdminButtonHandler",
    "AdminFilter",
    "Callback",
    "admin_services",
    "attach_entry",
    "export",
    "ignore_group",
    "pick_entry",
    "pick_topic",
    "register_admin_handlers",
    "render_group",
    "render_page",
    "render_stats",
    "resolve_group",
    "review",
    "show_group",
    "show_page",
    "stale_button",
    "stats",
]


def register_admin_handlers(app: BotApplication, group: int = -1) -> None:
    """Register the admin commands and buttons in ``group`` (before the user handlers)."""
    # New messages only: an edited "/export" must not send the file again.
    admin = filters.UpdateType.MESSAGE & AdminFilter(app)
    for name, command in (("review", review), ("stats", stats), ("export", export)):
        handle = logged("admin", _final(command), outcome=name)
        app.add_handler(CommandHandler(name, handle, filters=admin), group=group)
    buttons: list[tuple[re.Pattern[str], Callback, str]] = [
        (PAGE_RE, show_page, "review-page"),
        (GROUP_RE, show_group, "review-group"),
        (TOPICS_RE, pick_topic, "attach-topic"),
        (ENTRIES_RE, pick_entry, "attach-entry"),
        (ATTACH_RE, attach_entry, "attach"),
        (IGNORE_RE, ignore_group, "ignore"),
        (RESOLVE_RE, resolve_group, "resolve"),
        # Last: an admin's malformed or outdated adm: button; order matters in a group.
        (ANY_ADMIN_RE, stale_button, "stale"),
    ]
    for regex, callback, action in buttons:
        handle = logged("admin", _final(callback), outcome=action)
        app.add_handler(AdminButtonHandler(app, regex, handle), group=group)
