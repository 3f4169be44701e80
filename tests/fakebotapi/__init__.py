"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

It is a real HTTP server (aiohttp, bound to 127.0.0.1 on a free port) that speaks enough of
the Bot API for python-telegram-bot to run against it unchanged, so nothing ever contacts
api.telegram.org::

    async with FakeBotAPI() as api:
        app = ApplicationBuilder().token("123:TEST").base_url(api.base_url).build()
        ...  # start the app polling
        api.text_message("hello", user_id=42)  # a user writes to the bot
        [reply] = await api.wait_for_messages(chat_id=42)
        assert reply["text"] == "hello"

What it does:

* Routes ``/bot{token}/{method}`` (any token, recorded; method names case-insensitive) and
  reads JSON, urlencoded and multipart bodies. Form fields holding JSON (reply_markup,
  entities, commands...) are decoded; uploads become :class:`UploadedFile`.
* Answers in the Bot API envelope, ``{"ok": true, "result": ...}`` or ``{"ok": false,
  "error_code": N, "description": "...", "parameters": {...}}``; unknown methods get 404.
* Implements getMe, getUpdates (offset, limit, allowed_updates, real long polling that
  wakes as soon as an update is pushed; a second concurrent call with the same token gets
  409 Conflict, as does getUpdates while a webhook is set), sendMessage, sendDocument,
  sendPhoto, editMessageText, editMessageReplyMarkup, deleteMessage, answerCallbackQuery,
  sendChatAction, set/get/deleteMyCommands (per scope and language_code), setWebhook,
  deleteWebhook, getWebhookInfo, getFile, logOut and close, and accepts
  setMyDescription, setMyShortDescription, setMyName and setChatMenuButton.
  :meth:`FakeBotAPI.register` adds more.
* Enforces the limits that catch real bugs: text over 4096 characters, caption over 1024,
  callback_data over 64 bytes (BUTTON_DATA_INVALID), text-only inline buttons, and
  parse_mode HTML that Telegram would reject (unknown or unbalanced tags, a raw ``<`` or
  ``&``), with Telegram's error descriptions. The fake is stricter than Telegram about a
  raw ``&``, which Telegram sometimes tolerates: that is how tests catch unescaped input.
  Markdown parse modes are accepted unchecked. A ``message_thread_id`` is taken in forum
  supergroups only ("message thread not found" in other groups), and a message sent to a
  topic comes back with it and ``is_topic_message``, as do users' messages built with one.
  Sent messages come back as full Message dicts whose text has the HTML turned into
  entities, as Telegram does.
* Records every request as a :class:`Call`; :meth:`FakeBotAPI.wait_for` and
  :meth:`FakeBotAPI.wait_for_messages` wait for them without polling.
* Injects faults: :meth:`~FakeBotAPI.fail`, :meth:`~FakeBotAPI.rate_limit` (429 with
  ``retry_after``), :meth:`~FakeBotAPI.delay`, :meth:`~FakeBotAPI.drop_connections`.
* Builds incoming updates (see :mod:`tests.fakebotapi_updates`): ``text_message``,
  ``command``, ``callback_query``, ``photo_message``, ``sticker_message``,
  ``voice_message``, ``edited_message``, ``channel_post``, ``message``; anything else
  (malformed, unknown kinds) goes through :meth:`FakeBotAPI.push_update`.

All tokens share one update queue and one set of chats: it fakes one bot.

Standalone, for benchmarks driven from another process::

    python -m tests.fakebotapi --port 8081

prints ``fakebotapi ready base_url=http://127.0.0.1:8081/bot`` once it listens and serves
until SIGINT/SIGTERM. Control endpoints (JSON in, the Bot API envelope out):

* ``POST /_control/push``: a JSON update or list of updates to queue; result: the updates.
* ``POST /_control/build/{builder}``: keyword arguments (an object, or a list of objects)
  for a builder such as ``text_message`` (``{"text": "hi", "user_id": 5}``); result: the
  updates.
* ``GET /_control/calls?method=sendMessage&records=1``: ``{"total": n, "counts":
  {method: n}}`` plus ``"records"`` (the calls, uploads without their bytes) if asked.
* ``GET /_control/wait?method=sendMessage&count=100&timeout=30``: waits until that many
  calls finished; 408 if they do not in time.
* ``GET /_control/messages?chat_id=42``: the messages the bot sent or edited.
* ``POST /_control/fault``: ``{"kind": "fail" | "rate_limit" | "delay" | "drop",
  "method": ..., "times": ...}`` plus the keyword arguments of the matching method.
* ``POST /_control/reset``: removes the faults and forgets the recorded calls.

The package, by feature (import from the package, not from its modules):

* :mod:`.records`: :class:`Call`, :class:`UploadedFile`, :class:`BotAPIError` and the call
  log (``calls``, ``sent_messages``, ``wait_for``, ``wait_for_messages``).
* :mod:`.params`: reading request parameters and checking texts, limits and markup.
* :mod:`.entities`: :func:`parse_html`, Telegram's HTML subset turned into entities.
* :mod:`.methods`: the Bot API methods.
* :mod:`.faults`: fault injection.
* :mod:`.control`: the ``/_control/...`` endpoints.
* :mod:`.server`: :class:`FakeBotAPI` itself: HTTP routes, dispatch and lifecycle.
* :mod:`.standalone` and ``__main__``: the command line.
"""

from __future__ import annotations

from ..fakebotapi_updates import JSON as JSON
from .entities import EntityParseError as EntityParseError
from .entities import parse_html
from .faults import FaultKind as FaultKind
from .methods import CHAT_ACTIONS as CHAT_ACTIONS
from .methods import CONFLICT_POLLING as CONFLICT_POLLING
from .methods import CONFLICT_WEBHOOK as CONFLICT_WEBHOOK
from .methods import NOT_MODIFIED as NOT_MODIFIED
from .methods import Handler as Handler
from .params import MAX_CALLBACK_DATA as MAX_CALLBACK_DATA
from .params import MAX_CAPTION as MAX_CAPTION
from .params import MAX_TEXT as MAX_TEXT
from .params import STRING_FIELDS as STRING_FIELDS
from .records import BotAPIError, Call, UploadedFile
from .records import bad_request as bad_request
from .server import FakeBotAPI
from .standalone import main as main
from .standalone import serve as serve

__all__ = ["BotAPIError", "Call", "FakeBotAPI", "UploadedFile", "parse_html"]
